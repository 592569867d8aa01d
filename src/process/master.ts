/**
 * The master of master-worker mode (`-W`, `master-worker`; ARCHITECTURE.md
 * "Process model"): owns every listening socket, forks `nbthread` proxy
 * workers and hands them the sockets, runs the health checks once and
 * broadcasts verdicts, runs the VRRP process, restarts a crashed worker, and
 * reloads on SIGUSR2/SIGHUP: an invalid new configuration is logged and the old
 * one keeps serving; a valid one starts new workers on the same sockets, then
 * the old workers stop accepting and drain. Passive health (`observe`) is
 * judged here too, from the outcomes the workers report. The new workers start from the
 * old worker 0's `show servers state` (runtime admin states, weights,
 * addresses, servers found down), applied as HAProxy applies a server-state
 * file, so runtime changes survive a reload without one, and import an old
 * worker's stick-table contents (proxy/stick/handover.ts). It forwards each
 * worker's stick-table changes to the other workers of its generation, so
 * that they share one table (proxy/stick/replication.ts), and gathers the
 * workers' counters for a worker's whole-process counter view
 * (ops/whole-process.ts). No request passes through it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HealthCheckRunner } from '../checks/runner.js';
import type { HealthSink } from '../checks/types.js';
import { healthSinkFor } from '../checks/wire.js';
import { loadHaproxyConfig } from '../config/haproxy/index.js';
import type { BindConfig, HaproxyConfig } from '../config/haproxy/model.js';
import { loadKeepalivedConfig } from '../config/keepalived/index.js';
import type { KeepalivedConfig } from '../config/keepalived/model.js';
import type {
  FromWorker,
  ObservedEvent,
  ServerStateHandover,
  ToVrrp,
  ToWorker,
  WorkerArgs,
} from '../core/ipc.js';
import type { Logger } from '../core/logger.js';
import { parseServersState, stoppedServers } from '../ops/servers-state-load.js';
import { proxyLogSenders } from '../ops/syslog.js';
import { CounterGather } from '../ops/whole-process.js';
import { bindListener, listenHandle } from '../proxy/bind.js';
import { listenerKey } from '../proxy/engine.js';
import type { StickDump } from '../proxy/stick/handover.js';
import type { StickTableUpdates } from '../proxy/stick/replication.js';
import { applyCpuMap } from './cpu-map.js';

const here = dirname(fileURLToPath(import.meta.url));
const RESTART_DELAY_MS = 200;
/** How long a reload waits for the old worker's server state before going on without it. */
const STATE_TIMEOUT_MS = 2000;
/**
 * How long a whole-process counter view waits for the other workers'
 * snapshots: a worker busier than this is left out of that one answer.
 */
const SNAPSHOT_TIMEOUT_MS = 500;

/**
 * The master holds the listening sockets but must never accept on them: a
 * connection it accepted would wait forever. libuv polls a listening handle
 * as soon as it listens; readStart() then readStop() takes it out of the poll
 * (uv_read_stop is a no-op unless a read was started), the socket stays open
 * and the workers' copies accept.
 */
function stopAccepting(server: net.Server): void {
  const h = listenHandle(server) as unknown as { readStart(): number; readStop(): number } | undefined;
  h?.readStart();
  h?.readStop();
}

/**
 * Sends a stick-table message a worker may as well miss. Without a callback
 * a failed write (a worker exiting meanwhile, its channel not yet seen
 * closed) is an 'error' event on the child process, which nothing handles.
 */
function sendStick(w: { readonly proc: ChildProcess }, m: ToWorker): void {
  if (w.proc.connected) w.proc.send(m, () => undefined);
}

/** The handover keys of one `bind` line: one per port of a port range. */
function bindKeys(proxy: string, bind: BindConfig): string[] {
  const { port, portEnd } = bind.addr;
  if (portEnd <= port) return [listenerKey(proxy, bind)];
  return Array.from({ length: portEnd - port + 1 }, (_, i) => listenerKey(proxy, bind, port + i));
}

/**
 * `backend/server` of the servers of `next` whose configured address and port
 * are those of `prev`: only their `set server addr` carries over, an edited
 * address in the file wins (like HAProxy, where the configuration has precedence).
 */
function unchangedAddresses(prev: HaproxyConfig, next: HaproxyConfig): string[] {
  const before = new Map(prev.proxies.map((p) => [p.name, p]));
  return next.proxies.flatMap((p) =>
    p.servers
      .filter((s) => {
        const old = before.get(p.name)?.servers.find((o) => o.name === s.name)?.addr;
        return old !== undefined && old.host === s.addr.host && old.port === s.addr.port;
      })
      .map((s) => `${p.name}/${s.name}`),
  );
}

export interface MasterOptions {
  readonly files: readonly string[];
  readonly ka: KeepalivedConfig | undefined;
  /** The keepalived.conf files, re-read by a reload. */
  readonly kaFiles: readonly string[];
  readonly pretty: boolean;
  readonly level: string;
  readonly log: Logger;
  /** Starts the VRRP process (run.ts) when keepalived instances exist. */
  readonly startVrrp: () => Promise<ChildProcess>;
}

interface Worker {
  readonly index: number;
  readonly gen: number;
  readonly proc: ChildProcess;
  ready: boolean;
}

export class Master {
  private cfg: HaproxyConfig;
  private readonly sockets = new Map<string, net.Server>();
  private workers: Worker[] = [];
  private gen = 0;
  private checks: HealthCheckRunner | undefined;
  private vrrp: ChildProcess | undefined;
  private stopping = false;
  private lastHealth = '';
  private stateRequests = 0;
  private readonly counters = new CounterGather<Worker>((w, id) => {
    if (w.proc.connected) w.proc.send({ type: 'stats-snapshot-collect', id } satisfies ToWorker);
  }, SNAPSHOT_TIMEOUT_MS);

  constructor(
    cfg: HaproxyConfig,
    private readonly opts: MasterOptions,
  ) {
    this.cfg = cfg;
  }

  async start(): Promise<void> {
    await this.bindAll(this.cfg);
    await this.startGeneration();
    this.startChecks();
    if (this.opts.ka && this.opts.ka.instances.length > 0) {
      this.vrrp = await this.opts.startVrrp();
      this.reportHealth();
    }
  }

  /** Binds every listener of `cfg` not already held (a reload keeps the old sockets). */
  private async bindAll(cfg: HaproxyConfig): Promise<void> {
    for (const p of cfg.proxies) {
      if (p.disabled || (p.kind !== 'frontend' && p.kind !== 'listen')) continue;
      for (const bind of p.binds) {
        const keys = bindKeys(p.name, bind);
        if (keys.every((k) => this.sockets.has(k))) continue;
        const backlog = bind.backlog || p.backlog || p.maxconn || 2048;
        const servers = await bindListener(bind, Math.min(backlog, 65535));
        // A port range gives one socket per port, each handed over under its own key.
        for (const [i, server] of servers.entries()) {
          stopAccepting(server);
          this.sockets.get(keys[i]!)?.close();
          this.sockets.set(keys[i]!, server);
        }
      }
    }
  }

  private workerCount(): number {
    return Math.max(1, this.cfg.global.nbthread || 1);
  }

  private async startGeneration(state?: ServerStateHandover, tables?: readonly StickDump[]): Promise<void> {
    const gen = ++this.gen;
    const started = Array.from({ length: this.workerCount() }, (_, i) => this.fork(i, gen, state, tables));
    await Promise.all(started.map((w) => this.waitReady(w)));
  }

  /**
   * The running generation's server state (`show servers state` of worker 0,
   * which serves the runtime API and so holds its changes), for the workers
   * of a reload or a crashed worker's replacement; undefined when worker 0
   * is not there or does not answer in time: they then start from the
   * configuration's state.
   */
  private serverState(next: HaproxyConfig): Promise<ServerStateHandover | undefined> {
    const w = this.workers.find((x) => x.gen === this.gen && x.index === 0 && x.ready && x.proc.connected);
    if (!w) return Promise.resolve(undefined);
    const id = ++this.stateRequests;
    return new Promise((resolve) => {
      const done = (text: string | undefined) => {
        clearTimeout(timer);
        w.proc.off('message', onMsg);
        if (text === undefined) {
          this.opts.log.warn(
            { workerPid: w.proc.pid },
            'no server state from worker 0; starting from the configuration',
          );
          resolve(undefined);
          return;
        }
        const source = `worker ${w.proc.pid} (generation ${w.gen})`;
        resolve({ text, source, keepAddr: unchangedAddresses(this.cfg, next) });
      };
      const onMsg = (m: FromWorker) => {
        if (m.type === 'servers-state' && m.id === id) done(m.text);
      };
      const timer = setTimeout(() => done(undefined), STATE_TIMEOUT_MS);
      w.proc.on('message', onMsg);
      w.proc.send({ type: 'servers-state-request', id } satisfies ToWorker);
    });
  }

  /**
   * The stick-table contents of the running generation, for the workers of a
   * reload or a crashed worker's replacement: one dump, as every worker holds
   * the whole table (replication.ts), asked of worker 0 first, then of the
   * next worker when one does not answer in time; none when nobody answers.
   */
  private async stickTables(): Promise<StickDump[]> {
    const live = this.workers
      .filter((x) => x.gen === this.gen && x.ready && x.proc.connected)
      .sort((a, b) => a.index - b.index);
    for (const w of live) {
      const dump = await this.stickDump(w);
      if (dump) return [dump];
      this.opts.log.warn({ workerPid: w.proc.pid }, 'no stick-table contents from a worker in time');
    }
    return [];
  }

  private stickDump(w: Worker): Promise<StickDump | undefined> {
    if (!w.proc.connected) return Promise.resolve(undefined);
    const id = ++this.stateRequests;
    return new Promise((resolve) => {
      const done = (dump: StickDump | undefined) => {
        clearTimeout(timer);
        w.proc.off('message', onMsg);
        resolve(dump);
      };
      const onMsg = (m: FromWorker) => {
        if (m.type === 'stick-tables' && m.id === id) done(m.dump);
      };
      const timer = setTimeout(() => done(undefined), STATE_TIMEOUT_MS);
      w.proc.on('message', onMsg);
      w.proc.send({ type: 'stick-tables-request', id } satisfies ToWorker);
    });
  }

  /** Sends a worker's stick-table changes to the other workers of its generation. */
  private shareStickUpdates(w: Worker, tables: readonly StickTableUpdates[]): void {
    const m = { type: 'stick-updates', from: w.proc.pid ?? 0, tables } satisfies ToWorker;
    for (const o of this.workers) if (o !== w && o.gen === w.gen) sendStick(o, m);
  }

  private fork(
    index: number,
    gen: number,
    serverState?: ServerStateHandover,
    stickTables?: readonly StickDump[],
  ): Worker {
    const args: WorkerArgs = { pretty: this.opts.pretty, level: this.opts.level, index };
    const proc = fork(join(here, 'worker.js'), [JSON.stringify(args)], {
      stdio: 'inherit',
      serialization: 'advanced',
    });
    const w: Worker = { index, gen, proc, ready: false };
    this.workers.push(w);
    // A send to a worker that is exiting fails with an 'error' event (EPIPE,
    // channel closed): the worker's exit is handled by 'exit', never fatal here.
    proc.on('error', (err) =>
      this.opts.log.debug({ workerPid: proc.pid, err: err.message }, 'message to a worker failed'),
    );
    // The raw handle, not the net.Server: Node would listen on a net.Server in
    // the worker before delivering it and could accept a connection there
    // that nobody serves (engine.ts adopt).
    for (const [key, server] of this.sockets) {
      const raw = listenHandle(server) as unknown as net.Server | undefined;
      if (raw) proc.send({ type: 'listener', key } satisfies ToWorker, raw);
    }
    proc.send({ type: 'start', config: this.cfg, serverState, stickTables } satisfies ToWorker);
    proc.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        w.ready = true;
        this.opts.log.info({ workerPid: proc.pid, worker: index, gen }, 'worker ready');
        this.reportHealth();
      } else if (m.type === 'cli-replicate') {
        for (const o of this.workers)
          if (o !== w && o.gen === gen && o.proc.connected)
            o.proc.send({ type: 'cli-apply', args: m.args, level: m.level } satisfies ToWorker);
      } else if (m.type === 'stick-updates') {
        this.shareStickUpdates(w, m.tables);
      } else if (m.type === 'stats-snapshot-request') {
        void this.peerCounters(w, m.id);
      } else if (m.type === 'stats-snapshot') {
        this.counters.answered(w, m.id, m.snapshot);
      } else if (m.type === 'observed') {
        // Only the running generation's traffic counts: the runner is that generation's.
        if (gen === this.gen) this.observed(m.events);
      } else if (m.type === 'failed')
        this.opts.log.error({ worker: index, err: m.message }, 'worker failed to start');
    });
    proc.on('exit', (code, signal) => this.onExit(w, code, signal));
    if (proc.pid !== undefined) applyCpuMap(this.cfg.global.cpuMap, index + 1, proc.pid, this.opts.log);
    return w;
  }

  /**
   * Answers a worker's `stats-snapshot-request`: the counters of the other
   * live workers of its generation (a draining generation sums its own).
   */
  private async peerCounters(w: Worker, id: number): Promise<void> {
    const peers = this.workers.filter((o) => o !== w && o.gen === w.gen && o.ready && o.proc.connected);
    const { snapshots, missing } = await this.counters.collect(peers);
    if (missing.length > 0) {
      this.opts.log.debug(
        { workers: missing.map((o) => o.index), timeoutMs: SNAPSHOT_TIMEOUT_MS },
        'stats snapshot: workers left out of the whole-process counters (no answer in time)',
      );
    }
    if (w.proc.connected) w.proc.send({ type: 'stats-snapshots', id, snapshots } satisfies ToWorker);
  }

  private waitReady(w: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMsg = (m: FromWorker) => {
        if (m.type === 'ready') done(undefined);
        else if (m.type === 'failed') done(new Error(`worker ${w.index}: ${m.message}`));
      };
      const onExit = () => done(new Error(`worker ${w.index} exited before it was ready`));
      const done = (err: Error | undefined) => {
        w.proc.off('message', onMsg);
        w.proc.off('exit', onExit);
        if (err) reject(err);
        else resolve();
      };
      w.proc.on('message', onMsg);
      w.proc.once('exit', onExit);
    });
  }

  private onExit(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    this.workers = this.workers.filter((x) => x !== w);
    this.counters.gone(w);
    this.stickPeerGone(w);
    const current = w.gen === this.gen;
    if (this.stopping || !current) return;
    this.opts.log.error(
      { workerPid: w.proc.pid, worker: w.index, code, signal },
      'worker died; restarting it',
    );
    this.reportHealth();
    // The replacement starts from worker 0's runtime state when worker 0 is alive to give it,
    // and from a live peer's stick tables, which hold what the dead worker had shared.
    setTimeout(async () => {
      if (this.stopping || w.gen !== this.gen) return;
      const [state, tables] = await Promise.all([this.serverState(this.cfg), this.stickTables()]);
      if (this.stopping || w.gen !== this.gen) return;
      const peers = this.workers.filter((o) => o.gen === w.gen);
      this.fork(w.index, this.gen, state, tables);
      for (const o of peers) sendStick(o, { type: 'stick-resync' });
    }, RESTART_DELAY_MS);
  }

  /** The workers still running with `w`'s generation stop counting its sessions in their stick tables. */
  private stickPeerGone(w: Worker): void {
    if (w.proc.pid === undefined) return;
    const m = { type: 'stick-peer-gone', from: w.proc.pid } satisfies ToWorker;
    for (const o of this.workers) if (o.gen === w.gen) sendStick(o, m);
  }

  private broadcast(m: ToWorker): void {
    for (const w of this.workers) if (w.proc.connected) w.proc.send(m);
  }

  private sink(): HealthSink {
    const send = (m: ToWorker) => this.broadcast(m);
    return healthSinkFor(
      {
        setServerHealth: (backend, server, up, reason) =>
          send({ type: 'server-health', backend, server, up, reason }),
        setServerAdminState: (backend, server, state) =>
          send({ type: 'server-admin', backend, server, state }),
        setServerWeight: (backend, server, weight) =>
          send({ type: 'server-weight', backend, server, weight }),
        setServerStopping: (backend, server, reason) =>
          send({ type: 'server-stopping', backend, server, reason }),
        setServerMaxconn: (backend, server, maxconn) =>
          send({ type: 'server-maxconn', backend, server, maxconn }),
      },
      () => this.reportHealth(),
    );
  }

  /** Outcomes reported before the check runner starts (workers serve first) wait for it. */
  private earlyObserved: ObservedEvent[] | undefined = [];

  private observed(events: readonly ObservedEvent[]): void {
    if (!this.checks) {
      this.earlyObserved?.push(...events.slice(0, 10_000));
      return;
    }
    for (const [be, srv, status] of events) this.checks.observe(be, srv, status);
  }

  private startChecks(): void {
    const senders = proxyLogSenders(this.cfg.proxies);
    this.checks = new HealthCheckRunner({
      config: this.cfg,
      sink: this.sink(),
      log: this.opts.log,
      onLog: (l) => senders.get(l.backend)?.send(l.message, l.level),
    });
    this.checks.start();
    const early = this.earlyObserved;
    this.earlyObserved = undefined;
    if (early) this.observed(early);
  }

  /**
   * The new check runner starts every server as the configuration says; the
   * new workers start a server the old generation had stopped down, so the
   * runner is told the same (check health 0: `rise` successes to come back),
   * where the old one would have sent traffic to a dead server until `fall`
   * failures.
   */
  private keepStopped(state: ServerStateHandover): void {
    const down = stoppedServers(parseServersState(state.text)).filter((name) => {
      const [be, srv] = name.split('/') as [string, string];
      return this.checks?.force(be, srv, 'health', 'down') === true;
    });
    if (down.length > 0)
      this.opts.log.info({ servers: down }, 'reload: servers stay down until their checks pass');
  }

  /** The proxy as the VRRP tracker sees it: every worker slot served, watched backends with an UP server. */
  private reportHealth(): void {
    if (!this.vrrp?.connected) return;
    const ready = this.workers.filter((w) => w.gen === this.gen && w.ready).length;
    let ok = ready >= this.workerCount();
    let reason = ok ? 'all workers serving' : `${ready}/${this.workerCount()} workers serving`;
    for (const be of new Set(this.opts.ka?.instances.flatMap((i) => i.trackProxy?.backends ?? []))) {
      const px = this.cfg.proxies.find((p) => p.name === be);
      const up = px?.servers.some((s) => {
        const st = this.checks?.status(be, s.name)?.state;
        return st === undefined ? s.initialState !== 'maint' : st === 'UP';
      });
      if (ok && !up) {
        ok = false;
        reason = `backend ${be} has no server available`;
      }
    }
    const key = `${ok}:${reason}`;
    if (key === this.lastHealth) return;
    this.lastHealth = key;
    this.vrrp.send({ type: 'proxy-health', ok, reason } satisfies ToVrrp);
  }

  /** SIGUSR2/SIGHUP: validate, then new workers on the same sockets, then drain the old ones. */
  async reload(): Promise<void> {
    let next: HaproxyConfig;
    try {
      next = loadHaproxyConfig(this.opts.files);
      // Both files are checked before anything changes: a reload is all or nothing.
      if (this.opts.kaFiles.length > 0) loadKeepalivedConfig(this.opts.kaFiles);
    } catch (err) {
      this.opts.log.error(
        { err: (err as Error).message },
        'reload refused: the new configuration is invalid; the running one keeps serving',
      );
      return;
    }
    const old = this.workers.slice();
    const [state, tables] = await Promise.all([this.serverState(next), this.stickTables()]);
    if (state) this.opts.log.info({ from: state.source }, 'reload: handing the running server state over');
    try {
      await this.bindAll(next);
      this.cfg = next;
      await this.startGeneration(state, tables);
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message }, 'reload failed; the running workers keep serving');
      return;
    }
    await this.checks?.stop();
    this.startChecks();
    if (state) this.keepStopped(state);
    const grace = next.global.hardStopAfter ?? 30_000;
    for (const w of old) if (w.proc.connected) w.proc.send({ type: 'stop', grace } satisfies ToWorker);
    this.closeUnusedSockets(next);
    // The VRRP process re-reads keepalived.conf itself and keeps unchanged instances as they are.
    if (this.vrrp?.connected) this.vrrp.send({ type: 'reload' } satisfies ToVrrp);
    this.opts.log.info({ gen: this.gen }, 'reloaded: new workers serving, old ones draining');
  }

  private closeUnusedSockets(cfg: HaproxyConfig): void {
    const keys = new Set(
      cfg.proxies.flatMap((p) => (p.disabled ? [] : p.binds.flatMap((b) => bindKeys(p.name, b)))),
    );
    for (const [key, server] of this.sockets) {
      if (keys.has(key)) continue;
      server.close();
      this.sockets.delete(key);
    }
  }

  pause(): void {
    this.broadcast({ type: 'pause' });
  }

  resume(): void {
    this.broadcast({ type: 'resume' });
  }

  /** Hard (grace 0) or soft stop: VRRP hands the VIP over first, then the workers stop. */
  async stop(grace: number): Promise<void> {
    this.stopping = true;
    const v = this.vrrp;
    if (v?.connected) {
      const exited = new Promise((r) => v.once('exit', r));
      v.send({ type: 'stop' } satisfies ToVrrp);
      await exited;
    }
    await this.checks?.stop();
    const exits = this.workers.map((w) => new Promise((r) => w.proc.once('exit', r)));
    this.broadcast({ type: 'stop', grace });
    await Promise.all(exits);
    for (const s of this.sockets.values()) s.close();
  }
}
