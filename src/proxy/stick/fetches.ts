/**
 * Stick counter sample fetches (configuration.txt 7.3.2 "table_cnt", 7.3.3
 * "sc_*", "src_*"), as stick_table.c smp_fetch_sc_stkctr() resolves them:
 *
 * - `sc_<x>(<ctr>[,<table>])` and `sc0_<x>([<table>])`…`sc2_<x>` read the
 *   entry tracked in that slot; with a table, the same key looked up in that
 *   table. Not tracked: no sample (the ACL does not match). Looked up but
 *   absent: 0.
 * - `src_<x>(<table>)` look the client's source address up in a table
 *   without tracking it (absent: 0); `src_inc_gpc0` creates the entry.
 * - A data type the table does not store gives no sample, except for
 *   `*_inc_gpc0` which then answer 0.
 *
 * The `src_*` and `table_cnt` forms need a table name: HAProxy's default,
 * the table of the proxy evaluating the rule, is not known to a fetch here.
 * Tables are found through the engine's current set (current.ts), and its
 * clock gives the time rates are read at.
 */
import { realClock } from '../../core/clock.js';
import { registerFetch } from '../acl/registry.js';
import type { FetchDef, SampleContext, SampleValue } from '../acl/types.js';
import { currentStickTables } from './current.js';
import type { StickTable } from './table.js';
import { SC_SLOTS, type TrackedEntry } from './types.js';

/** Fetch suffix → stored data type; `kb`: reported in kilobytes (sc_kbytes_in reads bytes_in_cnt). */
const READS: readonly (readonly [suffix: string, data: string, kb?: true])[] = [
  ['conn_cur', 'conn_cur'],
  ['conn_cnt', 'conn_cnt'],
  ['conn_rate', 'conn_rate'],
  ['sess_cnt', 'sess_cnt'],
  ['sess_rate', 'sess_rate'],
  ['http_req_cnt', 'http_req_cnt'],
  ['http_req_rate', 'http_req_rate'],
  ['http_err_cnt', 'http_err_cnt'],
  ['http_err_rate', 'http_err_rate'],
  ['get_gpc0', 'gpc0'],
  ['gpc0_rate', 'gpc0_rate'],
  ['kbytes_in', 'bytes_in_cnt', true],
  ['kbytes_out', 'bytes_out_cnt', true],
];

/** Names of every fetch registered here, for the start-up argument check (check.ts). */
export const STICK_FETCHES = new Set<string>();

function now(): number {
  return (currentStickTables()?.clock ?? realClock).now();
}

function table(name: string | undefined): StickTable | undefined {
  return name === undefined ? undefined : currentStickTables()?.get(name);
}

/** Start-up checks of a counter number and an optional table name. */
function checkTable(name: string | undefined): string | undefined {
  const tables = currentStickTables();
  if (name === undefined || !tables || tables.get(name)) return undefined;
  return `unable to find table '${name}'`;
}

function checkSlot(text: string | undefined): string | undefined {
  if (text !== undefined && /^\d+$/.test(text) && Number(text) < SC_SLOTS) return undefined;
  return `stick counter '${text ?? ''}' must be an integer between 0 and ${SC_SLOTS - 1}`;
}

/**
 * The entry a `sc*` fetch designates: null when the slot is not tracked
 * (no sample), undefined when the alternate table has no such key (reads 0).
 */
function scEntry(
  ctx: SampleContext,
  slot: number,
  tableName: string | undefined,
): TrackedEntry | null | undefined {
  const e = ctx.sc?.[slot];
  if (!e) return null;
  if (tableName === undefined) return e;
  const t = table(tableName);
  return t ? t.lookup(e.key, now()) : null;
}

/** The client's source address as a key of `t`, or undefined (a unix socket client, a v6 client and an ip table). */
function srcKey(ctx: SampleContext, t: StickTable) {
  return ctx.conn.family === 'unix' ? undefined : t.key(ctx.conn.srcAddr, 'ip');
}

/** Reads `data` of an entry: 0 for a missing entry, no sample when not stored. */
function readData(e: TrackedEntry | undefined, data: string, kb: boolean): SampleValue | undefined {
  if (!e) return 0;
  const v = e.read(data, now());
  if (v === undefined) return undefined;
  return kb ? Math.floor(v / 1024) : v;
}

function register(name: string, def: FetchDef): void {
  registerFetch(name, def);
  STICK_FETCHES.add(name);
}

/** Registers sc_<x>, sc0_<x>…sc2_<x> and src_<x> around `get`, which receives the designated entry. */
function registerForms(
  suffix: string,
  get: (e: TrackedEntry | undefined) => SampleValue | undefined,
  src: (ctx: SampleContext, t: StickTable) => SampleValue | undefined,
): void {
  const base = { type: 'int', layer: 'l4' } as const;
  register(`sc_${suffix}`, {
    ...base,
    minArgs: 1,
    maxArgs: 2,
    checkArgs: (args) => checkSlot(args[0]) ?? checkTable(args[1]),
    fetch(ctx, args) {
      const e = scEntry(ctx, Number(args[0]), args[1]);
      return e === null ? undefined : get(e);
    },
  });
  for (let slot = 0; slot < SC_SLOTS; slot++) {
    register(`sc${slot}_${suffix}`, {
      ...base,
      minArgs: 0,
      maxArgs: 1,
      checkArgs: (args) => checkTable(args[0]),
      fetch(ctx, args) {
        const e = scEntry(ctx, slot, args[0]);
        return e === null ? undefined : get(e);
      },
    });
  }
  register(`src_${suffix}`, {
    ...base,
    minArgs: 1,
    maxArgs: 1,
    checkArgs: (args) => checkTable(args[0]),
    fetch(ctx, args) {
      const t = table(args[0]);
      return t ? src(ctx, t) : undefined;
    },
  });
}

for (const [suffix, data, kb] of READS) {
  registerForms(
    suffix,
    (e) => readData(e, data, kb === true),
    (ctx, t) => {
      const k = srcKey(ctx, t);
      return k === undefined ? undefined : readData(t.lookup(k, now()), data, kb === true);
    },
  );
}

// *_inc_gpc0: the new gpc0; 0 when neither gpc0 nor gpc0_rate is stored or the key is absent.
registerForms(
  'inc_gpc0',
  (e) => e?.incGpc0(now()) ?? 0,
  (ctx, t) => {
    const k = srcKey(ctx, t);
    if (k === undefined) return undefined;
    return t.get(k, now())?.incGpc0(now()) ?? 0;
  },
);

for (const form of ['sc_tracked', 'sc0_tracked', 'sc1_tracked', 'sc2_tracked']) {
  const fixed = form === 'sc_tracked' ? undefined : Number(form[2]);
  register(form, {
    type: 'bool',
    layer: 'l4',
    minArgs: fixed === undefined ? 1 : 0,
    maxArgs: fixed === undefined ? 2 : 1,
    checkArgs: (args) =>
      fixed === undefined ? (checkSlot(args[0]) ?? checkTable(args[1])) : checkTable(args[0]),
    fetch: (ctx, args) => ctx.sc?.[fixed ?? Number(args[0])] !== undefined,
  });
}

register('table_cnt', {
  type: 'int',
  layer: 'l4',
  minArgs: 1,
  maxArgs: 1,
  checkArgs: (args) => checkTable(args[0]),
  fetch(_ctx, args) {
    const t = table(args[0]);
    if (!t) return undefined;
    t.sweep(now());
    return t.used;
  },
});
