/**
 * The arguments of `show stat` (management.txt 9.3, stats.c
 * cli_parse_show_stat): an optional `domain proxy`, an optional
 * `{<iid>|<proxy>} <type> <sid>` triple, then format and filter words in any
 * order. Unknown words are skipped, as HAProxy does.
 */
import { STAT_TYPE, type StatRow } from '../proxy/stat-fields.js';

export type StatFormat = 'csv' | 'typed' | 'json';

export interface StatQuery {
  readonly format: StatFormat;
  /** Proxy id, -1 = all. */
  readonly iid: number;
  /** Bit mask: 1 frontends, 2 backends, 4 servers; -1 = all. */
  readonly type: number;
  /** Server id, -1 = all. */
  readonly sid: number;
  /** `up`: hide servers that are DOWN or in maintenance. */
  readonly hideDown: boolean;
  /** `no-maint`: hide servers in maintenance. */
  readonly hideMaint: boolean;
}

/** C atoi(): leading integer or 0. */
function atoi(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m ? Number.parseInt(m[0], 10) : 0;
}

/** Parses the words after `show stat`; returns the error answer on an unknown proxy. */
export function parseStatQuery(
  all: readonly string[],
  proxyId: (name: string) => number | undefined,
): StatQuery | string {
  let words = all;
  if (words[0] === 'domain') {
    if (words[1] === 'resolvers') return "'show stat domain resolvers' is not supported by hapair yet.\n";
    if (words[1] !== 'proxy') return 'Invalid statistics domain.\n';
    words = words.slice(2);
  }
  let iid = -1;
  let type = -1;
  let sid = -1;
  let i = 0;
  if (words.length >= 3) {
    iid = proxyId(words[0]!) ?? atoi(words[0]!);
    if (iid === 0) return 'No such proxy.\n';
    type = atoi(words[1]!);
    sid = atoi(words[2]!);
    i = 3;
  }
  let format: StatFormat = 'csv';
  let hideDown = false;
  let hideMaint = false;
  for (const w of words.slice(i)) {
    if (w === 'typed' || w === 'json') format = w;
    else if (w === 'up') hideDown = true;
    else if (w === 'no-maint') hideMaint = true;
  }
  return { format, iid, type, sid, hideDown, hideMaint };
}

const TYPE_BIT: Readonly<Record<number, number>> = {
  [STAT_TYPE.frontend]: 1,
  [STAT_TYPE.backend]: 2,
  [STAT_TYPE.server]: 4,
  [STAT_TYPE.listener]: 8,
};

function keep(q: StatQuery, r: StatRow): boolean {
  if (q.iid !== -1 && r.iid !== q.iid) return false;
  if ((q.type & (TYPE_BIT[Number(r.type)] ?? 0)) === 0) return false;
  if (r.type !== STAT_TYPE.server) return true;
  if (q.sid !== -1 && r.sid !== q.sid) return false;
  const status = String(r.status ?? '');
  if (q.hideMaint && status.startsWith('MAINT')) return false;
  if (q.hideDown && (status.startsWith('MAINT') || status.startsWith('DOWN'))) return false;
  return true;
}

export function filterRows(rows: readonly StatRow[], q: StatQuery): StatRow[] {
  return rows.filter((r) => keep(q, r));
}
