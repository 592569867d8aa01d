/**
 * Stick tables across a reload. HAProxy keeps them through its local peer:
 * on a soft restart the old process pushes all its entries to the new one
 * before that one talks to other peers (configuration.txt 3.5 "Peers"). In
 * master-worker mode hapair does it with a dump: the master asks an old
 * worker for exportStickTables() (each holds the whole table: the workers
 * share their changes, replication.ts), and each new worker calls
 * importStickTables() before it accepts its first connection; a crashed
 * worker's replacement takes a live peer's dump the same way.
 *
 * What crosses (StickDump, plain objects, arrays, strings, numbers and null:
 * safe for JSON and for structured clone):
 * - per table: its name, key type and length, and the stored data types in
 *   the table's order, with the period in ms of the rates (0 for the others);
 * - per entry: the key as text (dotted IPv4, RFC 5952 IPv6, decimal integer,
 *   the string itself, the binary bytes in lower-case hex: the table's own
 *   key forms); the ms left before it expires, null when the table has no
 *   `expire` (a duration, not a date: each process has its own monotonic
 *   clock; an entry in use counts as refreshed now, since it cannot expire
 *   while used); one value per stored data type, aligned with the table's
 *   list: a number for counters and server_id, the server's name or null
 *   for server_key, and for a rate [ms since its current period began,
 *   current period's count, previous period's count], what freq.ts keeps,
 *   made relative like the expiry (HAProxy's peers send a freq_ctr so).
 *
 * What does not: conn_cur crosses as 0, because those connections stay with
 * the old process, which alone will release them; a copied count would never
 * go down in the new one. Nor do use counts, or entries already expired.
 *
 * On import, a table is taken in only if the new configuration declares it
 * with the same key type and a key length at least as long (a shorter one
 * would merge distinct keys); otherwise it is skipped and reported, never
 * thrown. Data types stored by both are restored (a rate only with the same
 * period), the others are dropped or start at 0. Importing several dumps
 * (tables that were not shared, one per process) merges them: counters and
 * rates add up, server_id and server_key keep the first value seen, the
 * expiry the longest. Expiry is capped at the new table's `expire`; a table
 * smaller than what comes keeps the entries that expire last.
 */
import { formatIPv4, parseIPv4, parseIPv6 } from '../acl/ip.js';
import { addCount, type DataSlot } from './data-types.js';
import { rateExport, rateMerge } from './freq.js';
import { formatInet6, type TableType } from './keys.js';
import { StickEntry, type StickTable } from './table.js';
import type { StickTableSet } from './table-set.js';
import type { StickKey } from './types.js';

/** Format of StickDump; a dump of another version is refused as a whole. */
export const STICK_DUMP_VERSION = 1;

/** A rate: [ms since its current period began, current period's count, previous period's count]. */
export type StickRateDump = readonly [sinceStart: number, curr: number, prev: number];

/** A stored value: counters and server_id as numbers, server_key as a name or null, rates as StickRateDump. */
export type StickValueDump = number | string | null | StickRateDump;

export interface StickDataDump {
  /** Data type name as `store` spells it ("gpc0", "http_req_rate"). */
  readonly name: string;
  /** Rate period in ms; 0 for the other types. */
  readonly period: number;
}

export interface StickEntryDump {
  readonly key: string;
  /** ms left before the entry expires; null when the table has no `expire`. */
  readonly expire: number | null;
  /** One value per data type of the table, in the order of StickTableDump.data. */
  readonly values: readonly StickValueDump[];
}

export interface StickTableDump {
  readonly name: string;
  readonly type: TableType;
  readonly len: number;
  readonly data: readonly StickDataDump[];
  readonly entries: readonly StickEntryDump[];
}

export interface StickDump {
  readonly version: typeof STICK_DUMP_VERSION;
  readonly tables: readonly StickTableDump[];
}

/** Why a table of a dump was not taken in. */
export type StickSkipReason = 'gone' | 'type' | 'len' | 'format';

export interface StickTableSkipped {
  readonly name: string;
  readonly reason: StickSkipReason;
  /** For the log: what differs. */
  readonly message: string;
  /** Entries the dump held for it. */
  readonly entries: number;
}

export interface StickTableImported {
  readonly name: string;
  /** Entries of the dump taken in, new or merged into one already there. */
  readonly entries: number;
  /** Of those, the ones merged into an existing entry (an earlier dump). */
  readonly merged: number;
  /** Entries let go to stay within `size` (the ones expiring first). */
  readonly dropped: number;
  /** Entries of the dump left out: expired, or a key the table cannot hold. */
  readonly invalid: number;
  /** Data types of the dump the table no longer stores, as `name` or `name(period)` for rates. */
  readonly lostData: readonly string[];
}

export interface ImportReport {
  readonly tables: readonly StickTableImported[];
  readonly skipped: readonly StickTableSkipped[];
  /** Set when the dump as a whole was refused (unknown version or shape); nothing was imported. */
  readonly rejected?: string;
}

/** A snapshot of every table of `tables` at monotonic time `now` (ms). */
export function exportStickTables(tables: StickTableSet, now: number): StickDump {
  return { version: STICK_DUMP_VERSION, tables: tables.list().map((t) => exportTable(t, now)) };
}

function exportTable(t: StickTable, now: number): StickTableDump {
  const slots = t.layout.slots;
  const entries: StickEntryDump[] = [];
  for (const e of t.all()) {
    if (!e.inUse && e.expireAt <= now) continue;
    const values = slots.map((s) => exportValue(e, s, now));
    entries.push({ key: String(e.key), expire: expireLeft(t, e, now), values });
  }
  const data = slots.map((s) => ({ name: s.def.name, period: s.period }));
  return { name: t.name, type: t.type, len: t.len, data, entries };
}

function expireLeft(t: StickTable, e: StickEntry, now: number): number | null {
  if (t.expire === undefined) return null;
  const left = e.expireAt - now;
  return e.inUse ? Math.max(left, t.expire) : left;
}

function exportValue(e: StickEntry, s: DataSlot, now: number): StickValueDump {
  switch (s.def.kind) {
    case 'name':
      return e.serverKey ?? null;
    case 'rate':
      return rateExport(e.data, s.offset, s.period, now);
    default:
      // The old process's live connections are not the new one's (header).
      return s.def.name === 'conn_cur' ? 0 : e.data[s.offset]!;
  }
}

/**
 * Takes the entries of `dump` into the tables of the same name of `tables`,
 * at monotonic time `now` (ms). Call it before the engine accepts traffic
 * (ProxyEngineOptions.beforeServing), once per dump. Never throws on a dump
 * that does not fit: what was left out is in the report.
 */
export function importStickTables(tables: StickTableSet, dump: StickDump, now: number): ImportReport {
  const d = dump as Partial<StickDump> | null;
  if (typeof d !== 'object' || d === null || !Array.isArray(d.tables)) {
    return { tables: [], skipped: [], rejected: 'not a stick-table dump' };
  }
  if (d.version !== STICK_DUMP_VERSION) {
    return {
      tables: [],
      skipped: [],
      rejected: `stick-table dump version ${String(d.version)} not supported`,
    };
  }
  const imported: StickTableImported[] = [];
  const skipped: StickTableSkipped[] = [];
  for (const td of d.tables as readonly unknown[]) {
    if (!isTableDump(td)) {
      const name = (td as { name?: unknown } | null)?.name;
      skipped.push({
        name: typeof name === 'string' ? name : '?',
        reason: 'format',
        message: 'malformed table in the dump',
        entries: 0,
      });
      continue;
    }
    const t = tables.get(td.name);
    const why = mismatch(t, td);
    if (why) skipped.push({ name: td.name, ...why, entries: td.entries.length });
    else imported.push(importTable(t!, td, now));
  }
  return { tables: imported, skipped };
}

function isTableDump(v: unknown): v is StickTableDump {
  if (typeof v !== 'object' || v === null) return false;
  const td = v as Partial<StickTableDump>;
  return (
    typeof td.name === 'string' &&
    typeof td.type === 'string' &&
    typeof td.len === 'number' &&
    Array.isArray(td.data) &&
    Array.isArray(td.entries)
  );
}

function mismatch(
  t: StickTable | undefined,
  td: StickTableDump,
): { reason: StickSkipReason; message: string } | undefined {
  if (!t) return { reason: 'gone', message: 'no stick-table of that name in the new configuration' };
  if (t.type !== td.type) return { reason: 'type', message: `key type changed from ${td.type} to ${t.type}` };
  if ((t.type === 'string' || t.type === 'binary') && td.len > t.len) {
    return { reason: 'len', message: `key length shrank from ${td.len} to ${t.len}` };
  }
  return undefined;
}

/** Where each value of a dumped entry goes in the new table: its slot, or nowhere. */
function columns(t: StickTable, td: StickTableDump): { slots: (DataSlot | undefined)[]; lost: string[] } {
  const slots: (DataSlot | undefined)[] = [];
  const lost: string[] = [];
  for (const d of td.data as readonly Partial<StickDataDump>[]) {
    const s = typeof d?.name === 'string' ? t.slot(d.name) : undefined;
    if (s && s.period === d.period) slots.push(s);
    else {
      slots.push(undefined);
      lost.push(d?.period ? `${d.name}(${d.period})` : String(d?.name));
    }
  }
  return { slots, lost };
}

function importTable(t: StickTable, td: StickTableDump, now: number): StickTableImported {
  const { slots, lost } = columns(t, td);
  const taken = new Map<StickKey, StickEntry>();
  let merged = 0;
  let invalid = 0;
  for (const ed of td.entries as readonly Partial<StickEntryDump>[]) {
    const key = typeof ed?.key === 'string' ? importKey(t, td.len, ed.key) : undefined;
    const values = Array.isArray(ed?.values) ? ed.values : undefined;
    const ttl = key === undefined || !values ? undefined : timeToLive(t, ed.expire);
    if (key === undefined || !values || ttl === undefined || ttl <= 0) {
      invalid++;
      continue;
    }
    let e = taken.get(key) ?? t.lookup(key, now);
    if (e) merged++;
    else {
      e = new StickEntry(t, key, now);
      e.expireAt = Number.NEGATIVE_INFINITY;
    }
    if (t.expire !== undefined) e.expireAt = Math.max(e.expireAt, now + ttl);
    else e.expireAt = Number.POSITIVE_INFINITY;
    for (const [i, s] of slots.entries()) if (s) mergeValue(e, s, values[i], now);
    taken.set(key, e);
  }
  const dropped = t.restore(taken.values());
  return { name: t.name, entries: taken.size, merged, dropped, invalid, lostData: lost };
}

/** ms the entry has left in the new table (capped at its `expire`), Infinity without one; undefined if malformed. */
function timeToLive(t: StickTable, expire: unknown): number | undefined {
  if (expire !== null && !(typeof expire === 'number' && !Number.isNaN(expire))) return undefined;
  if (t.expire === undefined) return Number.POSITIVE_INFINITY;
  return expire === null ? t.expire : Math.min(expire, t.expire);
}

/** The new table's key for a dumped key of a table of the same type; undefined when it holds no such key. */
function importKey(t: StickTable, dumpedLen: number, text: string): StickKey | undefined {
  switch (t.type) {
    case 'ip': {
      const v4 = parseIPv4(text);
      return v4 === undefined ? undefined : formatIPv4(v4);
    }
    case 'ipv6': {
      const w = parseIPv6(text);
      return w ? formatInet6(w) : undefined;
    }
    case 'integer': {
      const n = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
      return n <= 0xffffffff ? n : undefined;
    }
    case 'string':
      return text.length <= dumpedLen ? text : undefined;
    case 'binary':
      // A longer key pads with zeros, as sampleKey() does for a short sample.
      return text.length === 2 * dumpedLen && /^[0-9a-f]*$/.test(text)
        ? text.padEnd(2 * t.len, '0')
        : undefined;
  }
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && Number.isFinite(v);
}

function isRate(v: unknown): v is StickRateDump {
  return Array.isArray(v) && v.length === 3 && v.every(isCount);
}

/** Adds one dumped value to an entry (header: what adds up, what keeps the first value). */
function mergeValue(e: StickEntry, s: DataSlot, v: StickValueDump | undefined, now: number): void {
  switch (s.def.kind) {
    case 'name':
      if (e.serverKey === undefined && typeof v === 'string') e.serverKey = v;
      return;
    case 'rate':
      if (isRate(v)) rateMerge(e.data, s.offset, s.period, now, v);
      return;
    case 'sint':
      if (e.data[s.offset] === 0 && typeof v === 'number' && Number.isFinite(v)) e.data[s.offset] = v;
      return;
    default: {
      // conn_cur counts this process's own connections only (header).
      if (s.def.name === 'conn_cur' || !isCount(v)) return;
      addCount(e.data, s, v);
    }
  }
}
