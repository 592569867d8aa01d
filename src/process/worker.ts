/**
 * Entry point of a proxy worker in master-worker mode (ARCHITECTURE.md,
 * "Process model"). The master owns the listening sockets and sends their
 * handles and the configuration it validated (workers never read the files:
 * a file edited meanwhile cannot make a worker differ from its master); the
 * worker runs the data path on them. Health-check verdicts come
 * from the master (checks run once, not once per worker); the live traffic
 * that passive checks (`observe`) judge goes the other way. Losing the master
 * ends the worker after its sessions drain, so no orphan keeps serving a
 * configuration nobody supervises. With several workers, the counter views
 * (`show stat`, `show info`, the stats page, Prometheus) add the other
 * workers' counters, fetched through the master, to this worker's own.
 */
import { processInfo } from '../cli/runtime.js';
import { statsAdminProblems } from '../cli/stats-page.js';
import type { HaproxyConfig } from '../config/haproxy/model.js';
import { ConfigErrors } from '../core/errors.js';
import type { FromWorker, ObservedEvent, ServerStateHandover, ToWorker, WorkerArgs } from '../core/ipc.js';
import { createLogger } from '../core/logger.js';
import { runCommand } from '../ops/cli-commands.js';
import type { RuntimeDeps } from '../ops/cli-context.js';
import { takeSnapshot } from '../ops/counter-snapshot.js';
import { engineControl } from '../ops/engine-control.js';
import type { InfoFields } from '../ops/info.js';
import { startRuntimeApi } from '../ops/runtime-api.js';
import { loadServerStateFiles } from '../ops/server-state-file.js';
import { configDisabled, renderServersState } from '../ops/servers-state.js';
import { applyServersState, parseServersState } from '../ops/servers-state-load.js';
import { statsService } from '../ops/stats-service.js';
import { proxyLogSenders, trafficLogSink } from '../ops/syslog.js';
import type { CliLevel, ProxyControl } from '../ops/types.js';
import { PeerCounters, WholeProcessControl } from '../ops/whole-process.js';
import { type ProxyEngine, type RawListenHandle, startProxyEngine } from '../proxy/engine.js';
import type { ModeContext } from '../proxy/mode.js';
import { exportStickTables, importStickTables, type StickDump } from '../proxy/stick/handover.js';
import { StickReplication } from '../proxy/stick/replication.js';
import { dropPrivileges } from './privileges.js';

/** How long a counter view waits for the master's answer before showing what it last had. */
const PEERS_TIMEOUT_MS = 1000;

function send(msg: FromWorker): void {
  if (process.connected) process.send?.(msg);
}

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
const log = createLogger({ pretty: args.pretty, level: args.level as 'info' }).child({ worker: args.index });
const handles = new Map<string, RawListenHandle>();
let engine: ProxyEngine | undefined;
/** This worker's engine alone, and the view the runtime API and stats pages use (the whole process). */
let local: ProxyControl | undefined;
let control: ProxyControl | undefined;
let info: (() => InfoFields) | undefined;
let statsHandler: ModeContext['statsHandler'];
let stopping = false;
const peers = new PeerCounters((id) => send({ type: 'stats-snapshot-request', id }), PEERS_TIMEOUT_MS);

/** Applies the previous generation's server state before the first connection is accepted. */
function restore(e: ProxyEngine, state: ServerStateHandover): void {
  const keep = new Set(state.keepAddr);
  const r = applyServersState(e, parseServersState(state.text), {
    keepAddr: (b, s) => keep.has(`${b}/${s}`),
  });
  for (const w of r.warnings) log.warn({ source: state.source }, `server state: ${w}`);
  log.info({ source: state.source, applied: r.applied.length, skipped: r.skipped }, 'server state restored');
}

/**
 * Stick-table contents of one of the previous generation's workers (a
 * reload) or of a live peer (a crashed worker's replacement), before the
 * first connection: entries, counters and rates go on where they were. What
 * the new configuration cannot take is logged.
 */
function restoreStickTables(e: ProxyEngine, dump: StickDump): void {
  const r = importStickTables(e.stickTables, dump, e.clock.now());
  if (r.rejected) {
    log.warn(`stick tables: previous contents not restored: ${r.rejected}`);
    return;
  }
  for (const t of r.skipped) if (t.entries > 0) log.warn(`stick tables: ${t.message}`);
  for (const t of r.tables) {
    if (t.lostData.length > 0)
      log.info(
        `stick table '${t.name}': data no longer stored or with a new period restart at 0: ${t.lostData.join(', ')}`,
      );
    if (t.dropped > 0) log.warn(`stick table '${t.name}': ${t.dropped} entries dropped to fit its size`);
  }
  const entries = r.tables.reduce((n, t) => n + t.entries, 0);
  if (entries > 0)
    log.info({ tables: r.tables.length, entries }, 'stick tables restored from the previous workers');
}

/**
 * With nbthread > 1 the workers' stick tables are one, as HAProxy's threads
 * share theirs: this worker's changes go to the others through the master,
 * theirs are applied here (proxy/stick/replication.ts). Attached only then.
 */
const sharedTables = new StickReplication((tables) => send({ type: 'stick-updates', tables }));

/**
 * Passive health (`observe`): the checks run in the master, the traffic here.
 * Each outcome of a server with `observe` goes to the master's check runner,
 * batched per event-loop turn and kept in order, so consecutive-error counts
 * see this worker's sequence as it happened.
 */
function reportObservedTraffic(cfg: HaproxyConfig, e: ProxyEngine): void {
  let pending: ObservedEvent[] = [];
  const flush = () => {
    const events = pending;
    pending = [];
    send({ type: 'observed', events });
  };
  for (const px of cfg.proxies) {
    const be = e.backend(px.name);
    if (!be) continue;
    for (const srv of be.servers) {
      if (srv.cfg.check.observe === undefined || !srv.cfg.check.enabled) continue;
      srv.observer = (s, status) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push([px.name, s.name, status]);
      };
    }
  }
}

/**
 * The counter views over `e`: with several workers they add the others'
 * latest snapshots (PeerCounters), as HAProxy's threads share counters.
 */
function views(cfg: HaproxyConfig, e: ProxyEngine, nb: number): void {
  local = engineControl(e);
  control = nb > 1 ? new WholeProcessControl(local, peers.latest) : local;
  info = processInfo(cfg.global, control, nb);
  const replicate = (command: readonly string[]) =>
    send({ type: 'cli-replicate', args: command, level: 'admin' });
  // Each page and scrape gathers the other workers' counters first, as each stats socket command does.
  const gatherCounters = () => peers.refresh();
  statsHandler = statsService({ control, info, log, ...(nb > 1 ? { replicate, gatherCounters } : {}) });
}

async function start(
  cfg: HaproxyConfig,
  state: ServerStateHandover | undefined,
  tables: readonly StickDump[] = [],
): Promise<void> {
  const adminProblems = statsAdminProblems(cfg.proxies);
  if (adminProblems.length > 0) throw new ConfigErrors(adminProblems);
  const nb = Math.max(1, cfg.global.nbthread || 1);
  const senders = proxyLogSenders(cfg.proxies);
  engine = await startProxyEngine(cfg, {
    log,
    listenerHandles: handles,
    logSink: trafficLogSink(senders, log),
    statsHandler: (req) =>
      statsHandler ? statsHandler(req) : { status: 503, headers: {}, body: 'statistics not ready\n' },
    // Observed from the first connection on, and on the handed-over state.
    // A reload's handover is fresher than any state file; without one (the
    // first start), the configured files apply. The check runner is the
    // master's, which cannot be told here of servers saved stopped: those
    // start as configured and the checks judge them.
    beforeServing: (e) => {
      views(cfg, e, nb);
      reportObservedTraffic(cfg, e);
      if (state) restore(e, state);
      else loadServerStateFiles(cfg, e, log, { restoreStopped: false });
      for (const dump of tables) restoreStickTables(e, dump);
      if (nb > 1) sharedTables.attach(e.stickTables);
    },
  });
  // The runtime API is served by the first worker: one process may own a unix
  // socket path. Its counter views gather the other workers' counters first.
  if (args.index === 0 && cfg.global.statsSockets.length > 0 && control && info) {
    await startRuntimeApi({
      sockets: cfg.global.statsSockets,
      control,
      log,
      ...(nb > 1
        ? {
            replicate: (a: readonly string[], level: CliLevel) =>
              send({ type: 'cli-replicate', args: a, level }),
            gatherCounters: () => peers.refresh(),
          }
        : {}),
      info,
    });
  }
  engine.on('listener-state', (ev: { bind: string; state: 'bound' | 'paused' | 'unbound' }) =>
    send({ type: 'listener-state', bind: ev.bind, state: ev.state }),
  );
  // HAProxy's master-worker keeps the master privileged (it binds new sockets on
  // reload); the workers drop to user/group once their sockets are in hand.
  dropPrivileges(cfg, log);
  send({ type: 'ready' });
}

/**
 * Runs a state-changing command another worker ran (worker 0's stats socket,
 * any worker's stats page admin form); the answer is that worker's.
 */
async function applyCommand(args: readonly string[], level: CliLevel): Promise<void> {
  if (!control || !info) return;
  const deps: RuntimeDeps = {
    control,
    info,
    cliSessions: () => [],
    killCliSession: () => false,
  };
  const out = await runCommand(args, { level, deps }, log);
  log.debug({ command: args.join(' '), answer: out.trim() }, 'runtime command applied from another worker');
}

/** Margin after the grace period before a worker that has not drained exits anyway. */
const STOP_MARGIN_MS = 2000;

async function stop(grace: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // hard-stop-after bounds a stop: nothing may keep a stopped worker alive past it.
  setTimeout(() => {
    log.warn({ graceMs: grace }, 'worker did not drain within the grace period; exiting');
    process.exit(0);
  }, grace + STOP_MARGIN_MS).unref();
  await engine?.stop({ grace });
  process.exit(0);
}

process.on('message', (m: ToWorker, handle?: RawListenHandle) => {
  switch (m.type) {
    case 'listener':
      // The raw libuv handle (see master.ts): not polled here until the engine listens on it.
      if (handle) handles.set(m.key, handle);
      break;
    case 'start':
      start(m.config, m.serverState, m.stickTables).catch((err: unknown) => {
        send({ type: 'failed', message: (err as Error).message });
        process.exit(1);
      });
      break;
    case 'server-health':
      engine?.setServerHealth(m.backend, m.server, m.up, m.reason);
      break;
    case 'server-admin':
      engine?.setServerAdminState(m.backend, m.server, m.state);
      break;
    case 'server-weight':
      engine?.setServerWeight(m.backend, m.server, m.weight);
      break;
    case 'server-stopping':
      engine?.setServerStopping(m.backend, m.server, m.reason);
      break;
    case 'server-maxconn':
      engine?.setServerMaxconn(m.backend, m.server, m.maxconn);
      break;
    case 'servers-state-request':
      if (control) {
        const text = renderServersState(control.servers(), configDisabled(control.config));
        send({ type: 'servers-state', id: m.id, text });
      }
      break;
    case 'stick-tables-request':
      if (engine)
        send({
          type: 'stick-tables',
          id: m.id,
          dump: exportStickTables(engine.stickTables, engine.clock.now()),
        });
      break;
    case 'stick-updates':
      sharedTables.receive(m.from, m.tables);
      break;
    case 'stick-peer-gone':
      sharedTables.peerGone(m.from);
      break;
    case 'stick-resync':
      sharedTables.resync();
      break;
    case 'cli-apply':
      void applyCommand(m.args, m.level);
      break;
    case 'stats-snapshot-collect':
      if (local)
        send({ type: 'stats-snapshot', id: m.id, snapshot: takeSnapshot(local.stats(), local.process()) });
      break;
    case 'stats-snapshots':
      peers.answered(m.id, m.snapshots);
      break;
    case 'pause':
      engine?.pauseListeners();
      break;
    case 'resume':
      engine?.resumeListeners();
      break;
    case 'stop':
      void stop(m.grace);
      break;
  }
});
process.on('disconnect', () => void stop(30_000));
// The master decides on stops; a signal to the whole process group is its business.
for (const s of ['SIGINT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGTTOU', 'SIGTTIN'] as const) {
  process.on(s, () => undefined);
}
