/**
 * What a rule or a fetch sees of a stick-table entry tracked by
 * `track-sc0|1|2` (configuration.txt 7.3.3 "sc_*" fetches). The table itself
 * lives in table.ts; this interface is all the sample layer depends on.
 */
export interface TrackedEntry {
  /** Name of the table the entry belongs to (the declaring proxy's name). */
  readonly table: string;
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
}

/** The stick tables of a worker, by name, as rules and `stick` keywords find them. */
export interface StickTables {
  /** The table declared by proxy `name` (its `stick-table` line), if any. */
  get(name: string): StickTableRef | undefined;
}

/** One stick table, seen from a rule that tracks or looks up keys in it. */
export interface StickTableRef {
  readonly name: string;
  /** "ip", "ipv6", "integer", "string" (or "binary"). */
  readonly type: string;
  /**
   * The entry for `key` (created if missing, refreshed), counted as tracked
   * until `release()` is called on it when the session ends.
   */
  track(key: string | number, now: number): TrackedEntry & { release(now: number): void };
}
