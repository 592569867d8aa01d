/**
 * Master-worker counters for the whole process (counter-snapshot.ts says
 * how they combine). Three parts:
 * - WholeProcessControl: a ProxyControl whose `stats()` and `process()`
 *   add the other workers' latest snapshots to the local engine's figures;
 *   every other call goes to the local control unchanged. Every counter view
 *   built on a ProxyControl (`show stat`, `show info`, the stats page,
 *   Prometheus) then reports the whole process with no renderer of its own.
 * - PeerCounters (worker side): asks the master for the other workers'
 *   snapshots and keeps the latest answer.
 * - CounterGather (master side): one collection round per request, asking
 *   each worker of a generation for its snapshot; a worker that has not
 *   answered by the deadline is left out of that answer.
 */
import {
  applyProcess,
  applySnapshot,
  type CounterSnapshot,
  mergeSnapshots,
  processTotals,
  rowCounters,
} from './counter-snapshot.js';
import type { ProxyControl } from './types.js';

export class WholeProcessControl implements ProxyControl {
  readonly config: ProxyControl['config'];

  constructor(
    private readonly local: ProxyControl,
    private readonly peers: () => readonly CounterSnapshot[],
  ) {
    this.config = local.config;
  }

  stats(): ReturnType<ProxyControl['stats']> {
    const rows = this.local.stats();
    const peers = this.peers();
    if (peers.length === 0) return rows;
    const own: CounterSnapshot = { rows: rowCounters(rows), process: processTotals(this.local.process()) };
    return applySnapshot(rows, mergeSnapshots([own, ...peers]));
  }

  process(): ReturnType<ProxyControl['process']> {
    const p = this.local.process();
    const peers = this.peers();
    if (peers.length === 0) return p;
    return applyProcess(p, mergeSnapshots([{ rows: {}, process: processTotals(p) }, ...peers]));
  }

  backends: ProxyControl['backends'] = () => this.local.backends();
  frontend: ProxyControl['frontend'] = (n) => this.local.frontend(n);
  server: ProxyControl['server'] = (b, s) => this.local.server(b, s);
  servers: ProxyControl['servers'] = (b) => this.local.servers(b);
  sessions: ProxyControl['sessions'] = () => this.local.sessions();
  setServerAdmin: ProxyControl['setServerAdmin'] = (b, s, st) => this.local.setServerAdmin(b, s, st);
  setServerHealth: ProxyControl['setServerHealth'] = (b, s, h) => this.local.setServerHealth(b, s, h);
  setServerAgent: ProxyControl['setServerAgent'] = (b, s, up) => this.local.setServerAgent(b, s, up);
  setServerWeight: ProxyControl['setServerWeight'] = (b, s, w) => this.local.setServerWeight(b, s, w);
  setServerAddr: ProxyControl['setServerAddr'] = (b, s, h, p) => this.local.setServerAddr(b, s, h, p);
  setServerMaxconn: ProxyControl['setServerMaxconn'] = (b, s, m) => this.local.setServerMaxconn(b, s, m);
  setCheckEnabled: ProxyControl['setCheckEnabled'] = (b, s, w, on) => this.local.setCheckEnabled(b, s, w, on);
  setFrontendEnabled: ProxyControl['setFrontendEnabled'] = (f, on) => this.local.setFrontendEnabled(f, on);
  setFrontendMaxconn: ProxyControl['setFrontendMaxconn'] = (f, m) => this.local.setFrontendMaxconn(f, m);
  setGlobalMaxconn: ProxyControl['setGlobalMaxconn'] = (m) => this.local.setGlobalMaxconn(m);
  setGlobalSessionRate: ProxyControl['setGlobalSessionRate'] = (l) => this.local.setGlobalSessionRate(l);
  shutdownServerSessions: ProxyControl['shutdownServerSessions'] = (b, s) =>
    this.local.shutdownServerSessions(b, s);
  shutdownSession: ProxyControl['shutdownSession'] = (id) => this.local.shutdownSession(id);
  clearCounters: ProxyControl['clearCounters'] = (all) => this.local.clearCounters(all);
  dynamicBalance: ProxyControl['dynamicBalance'] = (b) => this.local.dynamicBalance(b);
  addServer: ProxyControl['addServer'] = (b, s) => this.local.addServer(b, s);
  delServer: ProxyControl['delServer'] = (b, s) => this.local.delServer(b, s);
}

/**
 * The other workers' counters as last heard from the master. `refresh()`
 * asks for a new round and resolves once it is in (or has timed out: the
 * previous answer then stands); rounds answered out of order never replace
 * a newer one.
 */
export class PeerCounters {
  private seq = 0;
  private applied = 0;
  private snapshots: readonly CounterSnapshot[] = [];
  private readonly waiting = new Map<number, () => void>();

  /**
   * `request(id)` sends the request for round `id`; answered() takes its
   * reply. `timeoutMs` bounds a round when the master does not reply.
   */
  constructor(
    private readonly request: (id: number) => void,
    private readonly timeoutMs: number,
  ) {}

  /** The latest snapshots of the other workers. */
  readonly latest = (): readonly CounterSnapshot[] => this.snapshots;

  refresh(): Promise<void> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(id), this.timeoutMs);
      this.waiting.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      this.request(id);
    });
  }

  answered(id: number, snapshots: readonly CounterSnapshot[]): void {
    if (!this.waiting.has(id)) return;
    if (id > this.applied) {
      this.applied = id;
      this.snapshots = snapshots;
    }
    this.settle(id);
  }

  private settle(id: number): void {
    const done = this.waiting.get(id);
    this.waiting.delete(id);
    done?.();
  }
}

interface Round<P> {
  readonly waiting: Set<P>;
  readonly got: CounterSnapshot[];
  readonly finish: () => void;
}

export interface Gathered<P> {
  readonly snapshots: CounterSnapshot[];
  /** Peers that did not answer by the deadline. */
  readonly missing: P[];
}

/** Master side: collects one snapshot from each of a set of workers. */
export class CounterGather<P> {
  private seq = 0;
  private readonly rounds = new Map<number, Round<P>>();

  /** `ask(peer, id)` sends round `id`'s request to `peer`. */
  constructor(
    private readonly ask: (peer: P, id: number) => void,
    private readonly timeoutMs: number,
  ) {}

  collect(peers: readonly P[]): Promise<Gathered<P>> {
    if (peers.length === 0) return Promise.resolve({ snapshots: [], missing: [] });
    const id = ++this.seq;
    return new Promise((resolve) => {
      const round: Round<P> = {
        waiting: new Set(peers),
        got: [],
        finish: () => {
          clearTimeout(timer);
          this.rounds.delete(id);
          resolve({ snapshots: round.got, missing: [...round.waiting] });
        },
      };
      const timer = setTimeout(round.finish, this.timeoutMs);
      this.rounds.set(id, round);
      for (const p of peers) this.ask(p, id);
    });
  }

  answered(peer: P, id: number, snapshot: CounterSnapshot): void {
    const round = this.rounds.get(id);
    if (!round?.waiting.delete(peer)) return;
    round.got.push(snapshot);
    if (round.waiting.size === 0) round.finish();
  }

  /** A worker that exited answers no round: they stop waiting for it. */
  gone(peer: P): void {
    for (const round of [...this.rounds.values()]) {
      if (round.waiting.delete(peer) && round.waiting.size === 0) round.finish();
    }
  }
}
