/**
 * What a rule or a fetch sees of a stick-table entry tracked by
 * `track-sc0|1|2` (configuration.txt 7.3.3 "sc_*" fetches). The table itself
 * lives in table.ts; these interfaces are all the sample layer depends on.
 */
import type { StickTableConfig } from '../../config/haproxy/model.js';
import type { SampleType, SampleValue } from '../acl/types.js';

/**
 * A key as a table stores it: the dotted IPv4 text (type ip), the RFC 5952
 * text (ipv6), an unsigned 32-bit number (integer), the truncated string
 * (string) or the zero-padded bytes in lower-case hex (binary).
 */
export type StickKey = string | number;

/** Stick counters per session, sc0 to sc2 (HAProxy's default tune.stick-counters). */
export const SC_SLOTS = 3;

export interface TrackedEntry {
  /** Name of the table the entry belongs to (the declaring proxy's name). */
  readonly table: string;
  /** The entry's key, for looking the same key up in another table (`sc_*(<ctr>,<table>)`). */
  readonly key: StickKey;
  /**
   * Current value of a stored data type ("conn_cur", "conn_rate",
   * "http_req_rate", "http_err_rate", "gpc0", …) at monotonic time `now`,
   * or undefined when the table does not store it.
   */
  read(data: string, now: number): number | undefined;
  /** One HTTP request was received on a session tracking this entry (http_req_cnt/rate). */
  countHttpRequest(now: number): void;
  /** A 4xx answer (other than 401/407... as HAProxy counts it) went to such a session (http_err_cnt/rate). */
  countHttpError(now: number): void;
  /** Bytes moved by a tracking session, client to server and back (bytes_in_cnt / bytes_out_cnt). */
  countBytes(bytesIn: number, bytesOut: number, now: number): void;
  /**
   * `sc-inc-gpc0` and the `*_inc_gpc0` fetches: gpc0_rate and gpc0 go up by
   * one when stored. Returns the new gpc0 (the gpc0_rate period's count when
   * only the rate is stored), undefined when neither is stored.
   */
  incGpc0(now: number): number | undefined;
}

/** An entry as the session or transaction tracking it holds it: released exactly once. */
export interface TrackedCounter extends TrackedEntry {
  /** The tracking connection became a session (sess_cnt / sess_rate, after `tcp-request connection`). */
  countSession(now: number): void;
  /** Tracking stops: conn_cur goes down, the entry may expire again. */
  release(now: number): void;
}

/** The stick tables of a worker, by name, as rules and `stick` keywords find them. */
export interface StickTables {
  /** The table declared by proxy `name` (its `stick-table` line), if any. */
  get(name: string): StickTableRef | undefined;
}

/** One stick table, seen from a rule that tracks or looks up keys in it. */
export interface StickTableRef {
  readonly name: string;
  /** "ip", "ipv6", "integer", "string" or "binary". */
  readonly type: StickTableConfig['type'];
  /**
   * The key a sample makes in this table (HAProxy's smp_to_stkey: casts to
   * the table's type, truncates strings), or undefined when it does not
   * convert (an IPv6 address for a `type ip` table, binary for an integer
   * one…). `type` is the fetch's declared type (an `ip` sample is text).
   */
  key(value: SampleValue, type?: SampleType): StickKey | undefined;
  /**
   * The entry for `key` (created if missing, refreshed), counted as tracked
   * until `release()` is called on it when the session ends. Undefined when
   * the table is full of entries in use, or full with `nopurge`.
   */
  track(key: StickKey, now: number): TrackedCounter | undefined;
  /** The entry for `key` if there is one, neither created nor refreshed (`src_*` fetches). */
  lookup(key: StickKey, now: number): TrackedEntry | undefined;
}
