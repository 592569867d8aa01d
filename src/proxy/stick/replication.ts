/**
 * One stick table for all the workers of a -W master with nbthread > 1, as
 * HAProxy's threads share one (configuration.txt 11.1): each worker records
 * the changes its own traffic makes to its entries, sends them in one batch
 * per FLUSH_MS through the master to the other workers of its generation,
 * and applies theirs to its own entries as if the events had happened here.
 * HAProxy's peers send an entry's values; these batches send what changed
 * (events added), so that every worker's copy adds up to the whole process's
 * traffic whichever worker saw it.
 *
 * What a batch holds for an entry (StickEntryUpdate):
 * - touched: it was created or refreshed: the receiver creates it if it has
 *   none and moves its expiry;
 * - counts: the events added to each counter and rate since the last batch
 *   (gpc0, conn_cnt, http_req_cnt, bytes, … and the `*_rate` ones, which
 *   the receiver adds to its current period);
 * - server: the server a `stick` rule stored (the latest one wins);
 * - users: the sender's sessions tracking the entry, as a number, not a
 *   change: conn_cur is a gauge. The receiver keeps one number per worker,
 *   counts their sum in conn_cur and `use`, and holds the entry as in use.
 *   A worker that exits has its share dropped (peerGone()); the peers of a
 *   crashed worker's replacement send it their shares again (resync()).
 *
 * Batches are applied with the table's recorder detached, so nothing that
 * arrives is ever sent on. Removals do not travel: `clear table` runs in
 * every worker through the runtime API's own replication, and each worker's
 * sweep drops the entries nobody refreshed, at the same time to within one
 * batch. What this costs: a worker sees another's events up to one interval
 * (plus the IPC hop) late, where HAProxy's threads see them at once.
 */
import { addCount, type DataSlot } from './data-types.js';
import { rateAdd } from './freq.js';
import type { StickChangeRecorder, StickEntry, StickTable } from './table.js';
import type { StickTableSet } from './table-set.js';
import type { StickKey } from './types.js';

/** How long a change waits to be sent: at most one batch per worker per interval. */
export const FLUSH_MS = 20;
/** Batches of other workers kept while this worker's tables are not built yet. */
const MAX_EARLY_BATCHES = 10_000;

/** The changes of one entry since the last batch (header). */
export interface StickEntryUpdate {
  readonly key: StickKey;
  readonly touched: boolean;
  /** Events per data type of the table (StickTable.layout.slots order), 0 for those that are not counts. */
  readonly counts?: readonly number[];
  /** [server_id, server_key] a `stick` rule stored. */
  readonly server?: readonly [id: number, name: string | null];
  /** The sender's sessions tracking the entry now. */
  readonly users?: number;
}

export interface StickTableUpdates {
  readonly table: string;
  readonly entries: readonly StickEntryUpdate[];
}

interface Pending {
  /** Events, at each counter's or rate's offset in the entry's data. */
  counts: Float64Array | undefined;
  touched: boolean;
  stored: boolean;
  used: boolean;
}

/** What local traffic changed in one table since the last batch. */
class TableRecorder implements StickChangeRecorder {
  private readonly pending = new Map<StickEntry, Pending>();

  constructor(
    private readonly table: StickTable,
    private readonly changed: () => void,
  ) {}

  private of(e: StickEntry): Pending {
    let p = this.pending.get(e);
    if (!p) {
      p = { counts: undefined, touched: false, stored: false, used: false };
      this.pending.set(e, p);
      this.changed();
    }
    return p;
  }

  counted(e: StickEntry, slot: DataSlot, n: number): void {
    // conn_cur is a gauge: it travels as `users`.
    if (slot === this.table.counters.connCur) return;
    const p = this.of(e);
    p.counts ??= new Float64Array(this.table.layout.width);
    p.counts[slot.offset]! += n;
  }

  touched(e: StickEntry): void {
    this.of(e).touched = true;
  }

  stored(e: StickEntry): void {
    this.of(e).stored = true;
  }

  used(e: StickEntry): void {
    this.of(e).used = true;
  }

  /** The batch, after which the recorder starts afresh; undefined when nothing changed. */
  take(): StickTableUpdates | undefined {
    if (this.pending.size === 0) return undefined;
    const entries: StickEntryUpdate[] = [];
    for (const [e, p] of this.pending) entries.push(updateOf(this.table, e, p));
    this.pending.clear();
    return { table: this.table.name, entries };
  }

  /** Puts the users of every entry tracked here in the next batch, for a worker that never had them. */
  resendUsers(): void {
    for (const e of this.table.all()) if (e.ref > 0) this.used(e);
  }
}

function updateOf(t: StickTable, e: StickEntry, p: Pending): StickEntryUpdate {
  const c = p.counts;
  const sid = t.counters.serverId;
  return {
    key: e.key,
    touched: p.touched,
    ...(c ? { counts: t.layout.slots.map((s) => c[s.offset]!) } : {}),
    ...(p.stored ? { server: [sid ? e.data[sid.offset]! : 0, e.serverKey ?? null] as const } : {}),
    ...(p.used ? { users: e.ref } : {}),
  };
}

/**
 * Applies batches worker `from` sent to the tables of the same name of
 * `tables`, at monotonic time `now` (ms), without recording them as this
 * worker's changes. The workers of one generation run one configuration, so
 * the tables match; a batch for a table that is not there, or of another
 * shape, is ignored.
 */
export function applyStickUpdates(
  tables: StickTableSet,
  from: number,
  updates: readonly StickTableUpdates[],
  now: number,
): void {
  for (const tu of updates) {
    const t = tables.get(tu.table);
    if (!t) continue;
    const rec = t.recorder;
    t.recorder = undefined;
    try {
      for (const u of tu.entries) applyEntry(t, from, u, now);
    } finally {
      t.recorder = rec;
    }
  }
}

function applyEntry(t: StickTable, from: number, u: StickEntryUpdate, now: number): void {
  let e = t.lookup(u.key, now);
  if (e) {
    if (u.touched) t.touch(e, now);
  } else {
    // A session let go of an entry this worker has no longer: nothing to create.
    if (!u.touched && !u.counts && !u.server && !u.users) return;
    e = t.get(u.key, now);
    // Full, with `nopurge` or every entry in use: the update is lost here, as a local one would be.
    if (!e) return;
  }
  if (u.counts && u.counts.length === t.layout.slots.length) addCounts(t, e, u.counts, now);
  if (u.server) {
    const sid = t.counters.serverId;
    if (sid) e.data[sid.offset] = u.server[0];
    e.serverKey = u.server[1] ?? undefined;
  }
  if (u.users !== undefined) e.setRemoteUsers(from, u.users);
}

function addCounts(t: StickTable, e: StickEntry, counts: readonly number[], now: number): void {
  for (const [i, s] of t.layout.slots.entries()) {
    const n = counts[i];
    if (!n) continue;
    if (s.def.kind === 'rate') rateAdd(e.data, s.offset, s.period, now, n);
    else if (s.def.kind === 'uint' || s.def.kind === 'ull') addCount(e.data, s, n);
  }
}

/** Forgets the sessions worker `from` had tracking entries of `tables` (it exited). */
export function dropStickPeer(tables: StickTableSet, from: number): void {
  for (const t of tables.list()) for (const e of t.all()) if (e.remoteUsers) e.setRemoteUsers(from, 0);
}

/**
 * A worker's side: records its tables' changes, sends a batch FLUSH_MS
 * after the first change (nothing when idle; the timer does not keep the
 * process alive), applies the other workers' batches. Batches that arrive
 * before the engine has built its tables wait for attach().
 */
export class StickReplication {
  private tables: StickTableSet | undefined;
  private recorders: TableRecorder[] = [];
  private early: { readonly from: number; readonly updates: readonly StickTableUpdates[] }[] = [];
  /** Workers that exited: a batch of theirs still on its way is dropped. */
  private readonly gone = new Set<number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (updates: StickTableUpdates[]) => void,
    private readonly interval = FLUSH_MS,
  ) {}

  /** Shares `tables` from now on; call it once they hold what a reload handed over, before serving. */
  attach(tables: StickTableSet): void {
    this.tables = tables;
    const changed = () => this.schedule();
    this.recorders = tables.list().map((t) => {
      const r = new TableRecorder(t, changed);
      t.recorder = r;
      return r;
    });
    const early = this.early;
    this.early = [];
    for (const b of early) this.receive(b.from, b.updates);
  }

  /** A batch of worker `from` (its pid). */
  receive(from: number, updates: readonly StickTableUpdates[]): void {
    if (this.gone.has(from)) return;
    if (this.tables) applyStickUpdates(this.tables, from, updates, this.tables.now());
    else if (this.early.length < MAX_EARLY_BATCHES) this.early.push({ from, updates });
  }

  /** Worker `from` exited: its sessions no longer count. */
  peerGone(from: number): void {
    this.gone.add(from);
    this.early = this.early.filter((b) => b.from !== from);
    if (this.tables) dropStickPeer(this.tables, from);
  }

  /** A new worker joined (a crashed one's replacement): it gets this worker's users of every entry. */
  resync(): void {
    for (const r of this.recorders) r.resendUsers();
  }

  /** Sends what changed since the last batch, if anything did. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const out: StickTableUpdates[] = [];
    for (const r of this.recorders) {
      const u = r.take();
      if (u) out.push(u);
    }
    if (out.length > 0) this.send(out);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.interval);
    this.timer.unref();
  }
}
