/**
 * The whole process's counters under master-worker mode (`-W` with nbthread
 * N > 1): each worker runs its own engine, where HAProxy's N threads share
 * one set of counters, so every counter view (`show stat`, `show info`, the
 * stats page, Prometheus) sums the workers' figures to read as HAProxy's.
 *
 * A CounterSnapshot is the part of one worker's `show stat` rows and process
 * figures that differ between workers, small and structured-clonable for IPC.
 * mergeSnapshots() combines snapshots (pure); applySnapshot() and
 * applyProcess() write the result onto the local worker's rows and process
 * figures, so the existing renderers print the whole process unchanged.
 * Every other column (status, weights, check columns, lastchg, downtime,
 * limits, ids, chkdown …) comes from the local worker: server states and
 * check verdicts are broadcast by the master, so all workers agree on them.
 */
import { STAT_TYPE, type StatField, type StatRow } from '../proxy/stat-fields.js';
import type { ProcessCounters } from './types.js';

/**
 * How a column combines across workers:
 * - `sum`: counters, current values and rates; for the maxima of concurrent
 *   sessions, queue length and rates (smax, qmax, rate_max, req_rate_max,
 *   conn_rate_max, need_conn_est) the sum of the workers' maxima, an upper
 *   bound of the true peak: the workers need not have peaked at once.
 * - `max`: the longest time seen (`*time_max`), exact.
 * - `avg`: average times, weighted by each worker's sessions (`stot`): an
 *   approximation of HAProxy's one sliding window over all samples.
 * - `recent`: `lastsess`, the most recent session of any worker (-1: none).
 */
type Policy = 'sum' | 'max' | 'avg' | 'recent';

const POLICY: Readonly<Partial<Record<StatField, Policy>>> = {
  qcur: 'sum',
  qmax: 'sum',
  scur: 'sum',
  smax: 'sum',
  stot: 'sum',
  bin: 'sum',
  bout: 'sum',
  dreq: 'sum',
  dresp: 'sum',
  ereq: 'sum',
  econ: 'sum',
  eresp: 'sum',
  wretr: 'sum',
  wredis: 'sum',
  lbtot: 'sum',
  rate: 'sum',
  rate_max: 'sum',
  hrsp_1xx: 'sum',
  hrsp_2xx: 'sum',
  hrsp_3xx: 'sum',
  hrsp_4xx: 'sum',
  hrsp_5xx: 'sum',
  hrsp_other: 'sum',
  hanafail: 'sum',
  req_rate: 'sum',
  req_rate_max: 'sum',
  req_tot: 'sum',
  cli_abrt: 'sum',
  srv_abrt: 'sum',
  comp_in: 'sum',
  comp_out: 'sum',
  comp_byp: 'sum',
  comp_rsp: 'sum',
  lastsess: 'recent',
  qtime: 'avg',
  ctime: 'avg',
  rtime: 'avg',
  ttime: 'avg',
  conn_rate: 'sum',
  conn_rate_max: 'sum',
  conn_tot: 'sum',
  intercepted: 'sum',
  dcon: 'sum',
  dses: 'sum',
  wrew: 'sum',
  connect: 'sum',
  reuse: 'sum',
  cache_lookups: 'sum',
  cache_hits: 'sum',
  srv_icur: 'sum',
  qtime_max: 'max',
  ctime_max: 'max',
  rtime_max: 'max',
  ttime_max: 'max',
  eint: 'sum',
  idle_conn_cur: 'sum',
  safe_conn_cur: 'sum',
  used_conn_cur: 'sum',
  need_conn_est: 'sum',
};

const MERGED = Object.keys(POLICY) as StatField[];

/** The merged columns of one `show stat` row; absent where the row's cell is empty. */
export type RowCounters = Readonly<Partial<Record<StatField, number>>>;

/** The process figures of `show info` that add up across workers. */
export interface ProcessTotals {
  readonly currConns: number;
  readonly cumConns: number;
  readonly cumReq: number;
  readonly connRate: number;
  readonly sessRate: number;
}

export interface CounterSnapshot {
  /** Per object, by rowKey(). */
  readonly rows: Readonly<Record<string, RowCounters>>;
  readonly process: ProcessTotals;
}

/** Identifies an object across workers: its kind, proxy and server names (ids may be forced apart). */
export function rowKey(row: StatRow): string {
  const kind = row.type === STAT_TYPE.server ? 'S' : row.type === STAT_TYPE.backend ? 'B' : String(row.type);
  return `${kind}/${row.pxname}/${row.svname}`;
}

export function rowCounters(rows: readonly StatRow[]): Record<string, RowCounters> {
  const out: Record<string, RowCounters> = {};
  for (const row of rows) {
    const c: Partial<Record<StatField, number>> = {};
    for (const f of MERGED) {
      const v = row[f];
      if (typeof v === 'number') c[f] = v;
    }
    out[rowKey(row)] = c;
  }
  return out;
}

export function processTotals(p: ProcessCounters): ProcessTotals {
  return {
    currConns: p.currConns,
    cumConns: p.cumConns,
    cumReq: p.cumReq,
    connRate: p.connRate,
    sessRate: p.sessRate,
  };
}

export function takeSnapshot(rows: readonly StatRow[], process: ProcessCounters): CounterSnapshot {
  return { rows: rowCounters(rows), process: processTotals(process) };
}

function mergeField(policy: Policy, field: StatField, parts: readonly RowCounters[]): number | undefined {
  const vals = parts.flatMap((p) => (p[field] === undefined ? [] : [{ v: p[field], w: p.stot ?? 0 }]));
  if (vals.length === 0) return undefined;
  switch (policy) {
    case 'sum':
      return vals.reduce((n, x) => n + x.v, 0);
    case 'max':
      return Math.max(...vals.map((x) => x.v));
    case 'recent': {
      const seen = vals.map((x) => x.v).filter((v) => v >= 0);
      return seen.length === 0 ? -1 : Math.min(...seen);
    }
    case 'avg': {
      const w = vals.reduce((n, x) => n + x.w, 0);
      const total = vals.reduce((n, x) => n + x.v * (w > 0 ? x.w : 1), 0);
      return Math.round(total / (w > 0 ? w : vals.length));
    }
  }
}

/** One object's columns combined over the workers that have it. */
export function mergeRowCounters(parts: readonly RowCounters[]): RowCounters {
  const out: Partial<Record<StatField, number>> = {};
  for (const f of MERGED) {
    const v = mergeField(POLICY[f]!, f, parts);
    if (v !== undefined) out[f] = v;
  }
  return out;
}

/** The whole process from the workers' snapshots (see POLICY for each column). */
export function mergeSnapshots(parts: readonly CounterSnapshot[]): CounterSnapshot {
  const keys = new Set(parts.flatMap((p) => Object.keys(p.rows)));
  const rows: Record<string, RowCounters> = {};
  for (const k of keys) rows[k] = mergeRowCounters(parts.flatMap((p) => (p.rows[k] ? [p.rows[k]] : [])));
  const sum = (f: keyof ProcessTotals) => parts.reduce((n, p) => n + p.process[f], 0);
  return {
    rows,
    process: {
      currConns: sum('currConns'),
      cumConns: sum('cumConns'),
      cumReq: sum('cumReq'),
      connRate: sum('connRate'),
      sessRate: sum('sessRate'),
    },
  };
}

/**
 * The local rows with the merged columns written over them. Cells the local
 * row leaves empty stay empty (HTTP columns in mode tcp …); objects only
 * other workers have (a server added there a moment ago) are not shown.
 */
export function applySnapshot(rows: readonly StatRow[], merged: CounterSnapshot): StatRow[] {
  return rows.map((row) => {
    const m = merged.rows[rowKey(row)];
    if (!m) return row;
    const out = { ...row } as Record<StatField, number | string | undefined>;
    for (const f of MERGED) if (out[f] !== undefined && m[f] !== undefined) out[f] = m[f];
    return out;
  });
}

/** The local process figures with the merged totals; limits, listeners and stopping stay local. */
export function applyProcess(p: ProcessCounters, merged: CounterSnapshot): ProcessCounters {
  return { ...p, ...merged.process };
}
