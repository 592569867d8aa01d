/**
 * A stick table at run time (configuration.txt 11.1, stick_table.c): entries
 * by key, each with the data types the table stores, a reference count of the
 * sessions tracking it and an expiry date.
 *
 * - An entry expires `expire` ms after it was last created, refreshed or
 *   updated, unless a session tracks it. There is no timer per entry: reads
 *   drop expired entries they meet, and a periodic sweep (StickTableSet)
 *   drops the rest.
 * - A full table makes room by dropping its oldest entries nobody tracks,
 *   (size / 256) + 1 at a time (stktable_trash_oldest); with `nopurge` it
 *   refuses the new key instead.
 * - Entries are kept in a Map in order of last refresh (creation order when
 *   the table has no `expire`, which is the order HAProxy's expiry tree then
 *   holds), so the oldest candidates and the expired ones come first.
 * - Under -W with several workers, each worker holds the whole table: a
 *   recorder (replication.ts) sees every change local traffic makes, and the
 *   other workers' changes are applied here without being recorded again.
 *   An entry that sessions of another worker track is in use here too.
 */
import type { StickTableConfig } from '../../config/haproxy/model.js';
import type { SampleType, SampleValue } from '../acl/types.js';
import { addCount, DataLayout, type DataSlot } from './data-types.js';
import { rateAdd, rateInit, rateRead } from './freq.js';
import { type KeyShape, sampleKey, type TableType } from './keys.js';
import type { StickKey, StickTableRef, TrackedCounter } from './types.js';

let serials = 0;

/**
 * What a table tells the replication of its entries (replication.ts) about
 * the changes local traffic makes; absent in a single process, where each
 * call site costs one test.
 */
export interface StickChangeRecorder {
  /** `n` events were added to the counter or rate in `slot` of `e`. */
  counted(e: StickEntry, slot: DataSlot, n: number): void;
  /** `e` was created or refreshed (its expiry moved). */
  touched(e: StickEntry): void;
  /** A `stick` rule stored a server in `e`. */
  stored(e: StickEntry): void;
  /** The sessions tracking `e` here (`ref`) changed. */
  used(e: StickEntry): void;
}

export class StickEntry implements TrackedCounter {
  readonly key: StickKey;
  /** Sessions and transactions of this process tracking the entry. */
  ref = 0;
  /**
   * Sessions of the other workers tracking it, by worker (replication.ts),
   * as each last reported; undefined when none does.
   */
  remoteUsers: Map<number, number> | undefined;
  /** Monotonic ms after which the entry may go; +Infinity without `expire`. */
  expireAt = Number.POSITIVE_INFINITY;
  /** The server's name stored by `stick` rules (server_key). */
  serverKey: string | undefined;
  readonly data: Float64Array;
  /** Creation rank, for the pointer-like id `show table` prints. */
  readonly serial = ++serials;
  private readonly owner: StickTable;

  constructor(owner: StickTable, key: StickKey, now: number) {
    this.owner = owner;
    this.key = key;
    this.data = new Float64Array(owner.layout.width);
    for (const s of owner.layout.slots) if (s.def.kind === 'rate') rateInit(this.data, s.offset, now);
  }

  get table(): string {
    return this.owner.name;
  }

  /** Every session tracking the entry, here and in the other workers (`use=` in `show table`). */
  get users(): number {
    let n = this.ref;
    if (this.remoteUsers) for (const u of this.remoteUsers.values()) n += u;
    return n;
  }

  /** Whether a session tracks the entry, here or in another worker: it may then not expire or go. */
  get inUse(): boolean {
    return this.ref > 0 || this.remoteUsers !== undefined;
  }

  /**
   * Worker `origin` now has `n` sessions tracking the entry. They count in
   * conn_cur, which thus holds every worker's sessions, as one entry shared
   * by HAProxy's threads holds all of theirs.
   */
  setRemoteUsers(origin: number, n: number): void {
    const old = this.remoteUsers?.get(origin) ?? 0;
    if (n === old) return;
    if (n > 0) {
      this.remoteUsers ??= new Map();
      this.remoteUsers.set(origin, n);
    } else if (this.remoteUsers?.delete(origin) && this.remoteUsers.size === 0) this.remoteUsers = undefined;
    const cur = this.owner.counters.connCur;
    if (cur) this.data[cur.offset] = Math.max(0, this.data[cur.offset]! + n - old);
  }

  /** A stored data type's value at `now`; rates as HAProxy reports them. */
  read(name: string, now: number): number | undefined {
    const s = this.owner.layout.slot(name);
    if (!s || s.def.kind === 'name') return undefined;
    return s.def.kind === 'rate' ? rateRead(this.data, s.offset, s.period, now) : this.data[s.offset]!;
  }

  /** Adds `n` to a counter or a rate if the table stores it; true when it does. */
  private add(slot: DataSlot | undefined, now: number, n = 1): boolean {
    if (!slot) return false;
    if (slot.def.kind === 'rate') rateAdd(this.data, slot.offset, slot.period, now, n);
    else addCount(this.data, slot, n);
    this.owner.recorder?.counted(this, slot, n);
    return true;
  }

  /** stream_start_counters(): conn_cur, conn_cnt and conn_rate when tracking begins (the table refreshed the entry). */
  startCounters(now: number): void {
    const c = this.owner.counters;
    this.add(c.connCur, now);
    this.add(c.connCnt, now);
    this.add(c.connRate, now);
  }

  /** Adds one to a counter and its rate, whichever the table stores, refreshing the entry if any. */
  private bump(cnt: DataSlot | undefined, rate: DataSlot | undefined, now: number): void {
    const a = this.add(cnt, now);
    const b = this.add(rate, now);
    if (a || b) this.owner.touch(this, now);
  }

  countSession(now: number): void {
    this.bump(this.owner.counters.sessCnt, this.owner.counters.sessRate, now);
  }

  countHttpRequest(now: number): void {
    this.bump(this.owner.counters.httpReqCnt, this.owner.counters.httpReqRate, now);
  }

  countHttpError(now: number): void {
    this.bump(this.owner.counters.httpErrCnt, this.owner.counters.httpErrRate, now);
  }

  countBytes(bytesIn: number, bytesOut: number, now: number): void {
    const c = this.owner.counters;
    const a = bytesIn > 0 && this.add(c.bytesIn, now, bytesIn);
    const b = bytesOut > 0 && this.add(c.bytesOut, now, bytesOut);
    if (a || b) this.owner.touch(this, now);
  }

  incGpc0(now: number): number | undefined {
    const c = this.owner.counters;
    if (!c.gpc0 && !c.gpc0Rate) return undefined;
    let out = 0;
    if (c.gpc0Rate) {
      out = rateAdd(this.data, c.gpc0Rate.offset, c.gpc0Rate.period, now);
      this.owner.recorder?.counted(this, c.gpc0Rate, 1);
    }
    if (c.gpc0) {
      this.add(c.gpc0, now);
      out = this.data[c.gpc0.offset]!;
    }
    this.owner.touch(this, now);
    return out;
  }

  /** Records the server a `stick store-request` rule learnt (server_id, server_key). */
  storeServer(id: number, name: string, now: number): void {
    const c = this.owner.counters;
    if (c.serverId) this.data[c.serverId.offset] = id;
    this.serverKey = name;
    this.owner.recorder?.stored(this);
    this.owner.touch(this, now);
  }

  /** The server id stored, 0 when none. */
  get serverId(): number {
    const s = this.owner.counters.serverId;
    return s ? this.data[s.offset]! : 0;
  }

  release(now: number): void {
    if (this.ref === 0) return;
    this.ref--;
    this.owner.recorder?.used(this);
    const cur = this.owner.counters.connCur;
    if (cur) {
      const v = this.data[cur.offset]!;
      if (v > 0) this.data[cur.offset] = v - 1;
      // session_store_counters(): updating conn_cur refreshes the entry.
      this.owner.touch(this, now);
    } else if (!this.inUse && this.expireAt <= now) this.owner.remove(this);
  }
}

/** The slots of the data types the table code updates itself. */
interface Counters {
  readonly serverId?: DataSlot;
  readonly gpc0?: DataSlot;
  readonly gpc0Rate?: DataSlot;
  readonly connCnt?: DataSlot;
  readonly connCur?: DataSlot;
  readonly connRate?: DataSlot;
  readonly sessCnt?: DataSlot;
  readonly sessRate?: DataSlot;
  readonly httpReqCnt?: DataSlot;
  readonly httpReqRate?: DataSlot;
  readonly httpErrCnt?: DataSlot;
  readonly httpErrRate?: DataSlot;
  readonly bytesIn?: DataSlot;
  readonly bytesOut?: DataSlot;
}

function countersOf(l: DataLayout): Counters {
  const s = (n: string) => l.slot(n);
  return {
    serverId: s('server_id'),
    gpc0: s('gpc0'),
    gpc0Rate: s('gpc0_rate'),
    connCnt: s('conn_cnt'),
    connCur: s('conn_cur'),
    connRate: s('conn_rate'),
    sessCnt: s('sess_cnt'),
    sessRate: s('sess_rate'),
    httpReqCnt: s('http_req_cnt'),
    httpReqRate: s('http_req_rate'),
    httpErrCnt: s('http_err_cnt'),
    httpErrRate: s('http_err_rate'),
    bytesIn: s('bytes_in_cnt'),
    bytesOut: s('bytes_out_cnt'),
  };
}

function byExpiry(a: StickEntry, b: StickEntry): number {
  return a.expireAt < b.expireAt ? -1 : a.expireAt > b.expireAt ? 1 : 0;
}

export class StickTable implements StickTableRef, KeyShape {
  readonly name: string;
  readonly type: TableType;
  readonly len: number;
  readonly size: number;
  /** ms; undefined = entries never expire. */
  readonly expire: number | undefined;
  readonly nopurge: boolean;
  readonly layout: DataLayout;
  readonly counters: Counters;
  /** Set under -W with several workers (replication.ts). */
  recorder: StickChangeRecorder | undefined;
  private readonly entries = new Map<StickKey, StickEntry>();

  /** `persistence`: a `stick` rule uses the table, which then stores server_id and server_key. */
  constructor(name: string, cfg: StickTableConfig, persistence: boolean) {
    this.name = name;
    this.type = cfg.type;
    this.len = cfg.len;
    this.size = cfg.size;
    this.expire = cfg.expire;
    this.nopurge = cfg.nopurge;
    const store = persistence ? [...cfg.store, { data: 'server_id' }, { data: 'server_key' }] : cfg.store;
    this.layout = new DataLayout(store);
    this.counters = countersOf(this.layout);
  }

  /** Entries held now, expired ones not yet swept included (HAProxy's `current`). */
  get used(): number {
    return this.entries.size;
  }

  key(value: SampleValue, type?: SampleType): StickKey | undefined {
    return sampleKey(this, value, type);
  }

  lookup(key: StickKey, now: number): StickEntry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (!e.inUse && e.expireAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** The entry for `key`, created if missing, refreshed; undefined when the table has no room. */
  get(key: StickKey, now: number): StickEntry | undefined {
    let e = this.lookup(key, now);
    if (!e) {
      if (this.entries.size >= this.size && !this.makeRoom(now)) return undefined;
      e = new StickEntry(this, key, now);
      this.entries.set(key, e);
    }
    this.touch(e, now);
    return e;
  }

  track(key: StickKey, now: number): StickEntry | undefined {
    const e = this.get(key, now);
    if (!e) return undefined;
    e.ref++;
    this.recorder?.used(e);
    e.startCounters(now);
    return e;
  }

  /** stktable_touch_local(): the entry lives `expire` ms more, and becomes the youngest. */
  touch(e: StickEntry, now: number): void {
    this.recorder?.touched(e);
    if (this.expire === undefined) return;
    e.expireAt = now + this.expire;
    if (this.entries.get(e.key) !== e) return;
    this.entries.delete(e.key);
    this.entries.set(e.key, e);
  }

  remove(e: StickEntry): boolean {
    if (e.inUse || this.entries.get(e.key) !== e) return false;
    this.entries.delete(e.key);
    return true;
  }

  /** Drops expired entries nobody tracks; returns how many went. */
  sweep(now: number): number {
    let n = 0;
    for (const e of this.entries.values()) {
      if (e.inUse) continue;
      // Refresh order is expiry order: the first live entry ends the scan.
      if (e.expireAt > now) break;
      this.entries.delete(e.key);
      n++;
    }
    return n;
  }

  /** Frees room for one entry: expired ones first, then the oldest untracked unless `nopurge`. */
  private makeRoom(now: number): boolean {
    if (this.sweep(now) > 0) return true;
    if (this.nopurge) return false;
    let budget = Math.floor(this.size / 256) + 1;
    for (const e of this.entries.values()) {
      if (budget === 0) break;
      if (e.inUse) continue;
      this.entries.delete(e.key);
      budget--;
    }
    return this.entries.size < this.size;
  }

  /**
   * Takes in entries carried over from a previous process (handover.ts):
   * `incoming` holds new entries of this table and entries already in it
   * that were updated in place, expiry dates set. The table is put back in
   * expiry order, which sweep() and makeRoom() rely on (without `expire`:
   * the entries already there, then the incoming ones in the order given),
   * and cut to `size` by dropping the untracked entries that expire first,
   * the ones makeRoom() would drop first. Returns how many were dropped.
   */
  restore(incoming: Iterable<StickEntry>): number {
    const all = new Map(this.entries);
    for (const e of incoming) all.set(e.key, e);
    const sorted = [...all.values()].sort(byExpiry);
    let excess = sorted.length - this.size;
    let dropped = 0;
    this.entries.clear();
    for (const e of sorted) {
      if (excess > 0 && !e.inUse) {
        excess--;
        dropped++;
      } else this.entries.set(e.key, e);
    }
    return dropped;
  }

  /** Every entry, in the table's internal order (`show table` sorts them). */
  all(): StickEntry[] {
    return [...this.entries.values()];
  }

  /** The slot of a stored data type, for `show table` and its filters. */
  slot(name: string): DataSlot | undefined {
    return this.layout.slot(name);
  }
}
