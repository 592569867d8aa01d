/**
 * The proxy engine: builds frontends and backends from the frozen model,
 * binds (or adopts) the listening sockets, and offers the run-time controls
 * the rest of hapair uses — the check runner's health verdicts, the runtime
 * API's admin state and weight changes, stats, pause/resume for reloads and a
 * graceful stop. Server and listener state changes are emitted as events for
 * the VRRP tracker.
 */
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type {
  BindConfig,
  HaproxyConfig,
  Mode,
  ProxyConfig,
  ServerAdminState,
  ServerConfig,
} from '../config/haproxy/model.js';
import { type Clock, realClock, type TimerHandle } from '../core/clock.js';
import { ConfigCode, ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { copyListenHandle } from './accept-copies.js';
import { Backend, type ServerStateEvent } from './backend.js';
import { bindListener, listenHandle } from './bind.js';
import { type EngineShared, Frontend } from './frontend.js';
import { httpMode } from './http/mode.js';
import './http/auth/fetches.js';
import { clearCurrentBackends, setCurrentBackends } from './acl/fetches-proxy.js';
import { installUserlists } from './http/auth/userlists.js';
import { compileHttpRules } from './http/rules/compile.js';
import { takeIdle } from './http/server-conn.js';
import { type ClientHandle, Listener } from './listener.js';
import type { ModeContext, ModeHandler } from './mode.js';
import { FreqCounter } from './rate.js';
import type { DynamicServer, Server } from './server.js';
import type { Session } from './session.js';
import type { StatRow } from './stat-fields.js';
import { backendRow, frontendRow, serverRow } from './stats.js';
import './stick/actions.js';
import { checkStickFetches, checkTableNames } from './stick/check.js';
import { clearCurrentStickTables, setCurrentStickTables } from './stick/current.js';
import { compileStickRules } from './stick/persist.js';
import { StickTableSet } from './stick/table-set.js';
import { tcpMode } from './tcp/mode.js';

export type { ServerStateEvent } from './backend.js';

export interface ListenerStateEvent {
  readonly frontend: string;
  readonly bind: string;
  readonly state: 'bound' | 'paused' | 'unbound';
}

export interface ProxyEngineOptions {
  readonly log: Logger;
  readonly clock?: Clock;
  /** Sockets bound elsewhere (a master process), by listenerKey(); bound here when absent. */
  readonly listenerHandles?: ReadonlyMap<string, GivenListener>;
  /** Mode handlers replacing the built-in ones (`tcp`, tcp/mode.ts; `http`, http/mode.ts). */
  readonly modes?: ReadonlyMap<Mode, ModeHandler>;
  /**
   * Handles polled per TCP listening socket, i.e. connections accepted per
   * event-loop turn at most (accept-copies.ts); 1 disables the copies.
   * Default 16: a Node loop turn handles up to 1024 events where HAProxy's
   * handles 200 with tune.maxaccept 4; 16 brought the time to accept a
   * 1000-connection burst under load from ~4 s to ~0.5 s in bench/ runs.
   */
  readonly acceptsPerTurn?: number;
  /** Renders statistics pages for `stats uri` requests in mode http (src/ops wires it). */
  readonly statsHandler?: ModeContext['statsHandler'];
  /** Receives traffic log lines (`option httplog`/`tcplog`), e.g. for syslog; default: the logger at info. */
  readonly logSink?: (frontend: string, line: string) => void;
  /** Runs once servers are resolved and before any listener accepts (e.g. restoring server state). */
  readonly beforeServing?: (engine: ProxyEngine) => void;
}

/** Identifies one listening socket: the proxy, the bind address as written, and the port of a range. */
export function listenerKey(proxy: string, bind: BindConfig, port?: number): string {
  const range = bind.addr.portEnd > bind.addr.port && port !== undefined ? `#${port}` : '';
  return `${proxy} ${bind.addr.text}${range}`;
}

const HTTP_RULE_FAMILIES: ReadonlySet<string> = new Set([
  'http-request',
  'http-response',
  'http-after-response',
]);

export type SetResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export class ProxyEngine extends EventEmitter {
  readonly cfg: HaproxyConfig;
  readonly log: Logger;
  readonly clock: Clock;
  /** Tables of the proxies with a `stick-table` line (also the process's current ones, stick/current.ts). */
  readonly stickTables: StickTableSet;
  private readonly frontends = new Map<string, Frontend>();
  private readonly backends = new Map<string, Backend>();
  private readonly waiting = new Set<Listener>();
  private readonly globalRate = new FreqCounter();
  private actconn = 0;
  /** The process-wide connection limit (global maxconn; `set maxconn global` changes it), 0 for none. */
  private maxconn: number;
  /** Sessions per second the process accepts (`set rate-limit sessions global` changes it), 0 for none. */
  private sessRateLimit: number;
  private warmupTimer: TimerHandle | undefined;
  private stopped = false;
  private readonly logSink: ((frontend: string, line: string) => void) | undefined;
  private readonly statsHandler: ModeContext['statsHandler'];

  constructor(cfg: HaproxyConfig, opts: ProxyEngineOptions) {
    super();
    this.cfg = cfg;
    this.log = opts.log;
    this.clock = opts.clock ?? realClock;
    this.logSink = opts.logSink;
    this.statsHandler = opts.statsHandler;
    this.maxconn = cfg.global.maxconn;
    this.sessRateLimit = cfg.global.rateLimitSessions ?? 0;
    const modes = new Map<Mode, ModeHandler>([['tcp', tcpMode], ['http', httpMode], ...(opts.modes ?? [])]);
    // Userlists first: `http_auth*` ACLs check their userlist when they compile.
    installUserlists(cfg.userlists);
    const proxies = cfg.proxies.filter((p) => !p.disabled);
    checkTableNames(proxies);
    this.stickTables = new StickTableSet(proxies, this.clock);
    setCurrentStickTables(this.stickTables);
    checkStickFetches(proxies);
    for (const p of proxies) {
      this.refuseUnknownRules(p);
      modes.get(p.mode)?.check?.(p);
      if (p.kind === 'backend' || p.kind === 'listen') {
        this.backends.set(p.name, new Backend(p, this.log, this.clock, (ev) => this.serverStateChanged(ev)));
      }
    }
    for (const be of this.backends.values()) compileStickRules(be, this.stickTables);
    // nbsrv(), be_conn(), srv_is_up() read this engine's backends (acl/fetches-proxy.ts).
    setCurrentBackends(this.backendLookup);
    const shared = this.shared();
    // HTTP rules compile before any socket is bound: a bad one stops the start.
    for (const p of proxies) if (p.mode === 'http') compileHttpRules(p, cfg, shared.modeCtx.stickTables);
    for (const p of proxies) {
      if (p.kind !== 'frontend' && p.kind !== 'listen') continue;
      const mode = modes.get(p.mode);
      if (!mode)
        throw new ConfigError(ConfigCode.Unsupported, p.loc, 'mode', `mode ${p.mode} is not served yet`);
      this.frontends.set(
        p.name,
        new Frontend(p, cfg.global.maxconn || Number.MAX_SAFE_INTEGER, this.backends, mode, shared, this.log),
      );
    }
    this.computeFullconn();
  }

  private shared(): EngineShared {
    const modeCtx: ModeContext = {
      clock: this.clock,
      bufsize: this.cfg.global.tuneBufsize || 16384,
      maxhdr: this.cfg.global.tuneMaxhdr,
      actconn: () => this.actconn,
      stickTables: this.stickTables,
      ...(this.logSink ? { emitLog: this.logSink } : {}),
      ...(this.statsHandler ? { statsHandler: this.statsHandler } : {}),
    };
    return {
      clock: this.clock,
      modeCtx,
      mayAcceptGlobally: () => this.mayAcceptGlobally(),
      sessionOpened: () => {
        this.actconn++;
        this.globalRate.add(this.clock.now());
      },
      sessionClosed: () => {
        this.actconn--;
        this.wakeListeners();
      },
      waitForSlot: (l) => this.waiting.add(l),
    };
  }

  /** Rule families no stage of this build evaluates must not be silently ignored. */
  private refuseUnknownRules(p: ProxyConfig): void {
    for (const r of p.rules) {
      if (r.family === 'tcp-request connection') continue;
      if (p.mode === 'http' && HTTP_RULE_FAMILIES.has(r.family)) continue;
      if (r.family.startsWith('http-') && p.mode === 'tcp') {
        // HAProxy ignores HTTP rules in a TCP proxy, with a warning.
        this.log.warn({ proxy: p.name, rule: r.family, line: r.loc.line }, 'HTTP rule ignored in mode tcp');
        continue;
      }
      throw new ConfigError(
        ConfigCode.Unsupported,
        r.loc,
        r.family,
        `'${r.family} ${r.action}' rules are not supported by hapair yet`,
      );
    }
  }

  /** proxy.c proxy_adjust_all_maxconn(): fullconn defaults to 10% of the reaching frontends' maxconn. */
  private computeFullconn(): void {
    const sums = new Map<Backend, number>();
    for (const fe of this.frontends.values()) {
      for (const be of fe.reachableBackends()) sums.set(be, (sums.get(be) ?? 0) + fe.maxconn);
    }
    for (const be of this.backends.values()) {
      be.fullconn = be.cfg.fullconn > 0 ? be.cfg.fullconn : Math.max(1, Math.ceil((sums.get(be) ?? 0) / 10));
    }
  }

  private mayAcceptGlobally(): number {
    if (this.stopped) return -1;
    if (this.maxconn > 0 && this.actconn >= this.maxconn) return -1;
    return this.sessRateLimit ? this.globalRate.delayFor(this.clock.now(), this.sessRateLimit) : 0;
  }

  private wakeListeners(): void {
    if (this.waiting.size === 0) return;
    const list = [...this.waiting];
    this.waiting.clear();
    for (const l of list) l.wake();
  }

  /** Resolves server host names once, as HAProxy does at start-up (libc resolver). */
  async resolveServers(): Promise<void> {
    for (const be of this.backends.values()) {
      for (const s of be.servers) {
        if (s.cfg.addr.family !== 'hostname') continue;
        try {
          s.connectHost = (await lookup(s.cfg.addr.host)).address;
        } catch (e) {
          throw new ConfigError(
            ConfigCode.BadAddress,
            s.cfg.loc,
            'server',
            `cannot resolve '${s.cfg.addr.host}': ${(e as Error).message}`,
          );
        }
      }
    }
  }

  async bindAll(
    handles: ReadonlyMap<string, GivenListener> | undefined,
    acceptsPerTurn: number,
  ): Promise<void> {
    this.acceptsPerTurn = acceptsPerTurn;
    for (const fe of this.frontends.values()) {
      for (const bind of fe.cfg.binds) {
        // configuration.txt "backlog": unset, it follows the frontend's maxconn.
        const backlog = Math.min(bind.backlog || fe.cfg.backlog || fe.maxconn, 65535);
        const { port, portEnd } = bind.addr;
        const keys =
          portEnd > port
            ? Array.from({ length: portEnd - port + 1 }, (_, i) => listenerKey(fe.name, bind, port + i))
            : [listenerKey(fe.name, bind)];
        const given = handles ? keys.map((k) => handles.get(k)) : [];
        const servers =
          given.length > 0 && given.every((g) => g !== undefined)
            ? given.map((g) => adopt(g!, backlog))
            : await bindListener(bind, backlog);
        // No event-loop turn since listen(): nothing was accepted yet.
        const early = servers.map(parkUntilStarted);
        for (const [i, server] of servers.entries()) {
          const handle = (server as unknown as { _handle: object })._handle;
          const tcp = handle.constructor.name === 'TCP';
          const copies = tcp && acceptsPerTurn > 1 ? await copyListenHandle(handle, acceptsPerTurn - 1) : [];
          const l = new Listener(fe, server, bind, bind.maxconn ?? 0, this.clock, fe.log, copies);
          fe.listeners.push(l);
          l.start(backlog);
          l.adoptEarly(early[i]!);
          this.emitListener(fe, bind, 'bound', i);
        }
      }
    }
    // Accepting from now on: expired stick-table entries get swept.
    if (!this.sweeping) this.stickTables.start();
    this.sweeping = true;
  }

  private acceptsPerTurn = 16;
  private sweeping = false;
  private released = false;

  /**
   * SIGTTOU without -W (HAProxy's pause, the seeds' legacy reload script):
   * the listening sockets are closed so that a new process can bind the same
   * ports, while established sessions go on. Connections still waiting in
   * the kernel's accept queue are refused, as with HAProxy's pause on Linux.
   */
  async releaseListeners(): Promise<void> {
    this.released = true;
    for (const fe of this.frontends.values()) {
      for (const l of fe.listeners.splice(0)) {
        await l.close();
        this.emitListener(fe, l.bind, 'paused');
      }
    }
  }

  /** SIGTTIN after releaseListeners(): binds the ports again (fails if another process holds one). */
  async rebindListeners(): Promise<void> {
    if (!this.released) {
      this.resumeListeners();
      return;
    }
    await this.bindAll(undefined, this.acceptsPerTurn);
    this.released = false;
  }

  private emitListener(fe: Frontend, bind: BindConfig, state: ListenerStateEvent['state'], i = 0): void {
    const ev: ListenerStateEvent = {
      frontend: fe.name,
      bind: listenerKey(fe.name, bind, bind.addr.port + i),
      state,
    };
    this.emit('listener-state', ev);
  }

  frontend(name: string): Frontend | undefined {
    return this.frontends.get(name);
  }

  backend(name: string): Backend | undefined {
    return this.backends.get(name);
  }

  private server(backend: string, server: string) {
    const be = this.backends.get(backend);
    const srv = be?.findServer(server);
    return be && srv ? { be, srv } : undefined;
  }

  private serverStateChanged(ev: ServerStateEvent): void {
    this.emit('server-state', ev);
    this.scheduleWarmup();
  }

  /** Slowstart ramps are recomputed on a timer while a server warms up. */
  private scheduleWarmup(): void {
    if (this.warmupTimer || this.stopped) return;
    const warming = [...this.backends.values()].flatMap((b) => b.servers).filter((s) => s.warming);
    if (warming.length === 0) return;
    const step = Math.min(1000, Math.max(100, Math.min(...warming.map((s) => s.cfg.slowstart)) / 20));
    this.warmupTimer = this.clock.setTimeout(() => {
      this.warmupTimer = undefined;
      let more = false;
      for (const be of this.backends.values()) if (be.tickWarmup()) more = true;
      if (more) this.scheduleWarmup();
    }, step);
  }

  /** The health-check runner's verdict. */
  setServerHealth(backend: string, server: string, up: boolean, reason: string): SetResult {
    const t = this.server(backend, server);
    if (!t) return { ok: false, reason: `no such server ${backend}/${server}` };
    if (t.be.setHealth(t.srv, up, reason)) this.onMarked(t.be, t.srv, up);
    return { ok: true };
  }

  /**
   * `on-marked-down shutdown-sessions` closes the sessions of a server the
   * checks marked down; `on-marked-up shutdown-backup-sessions` closes the
   * backup servers' sessions once an active server is up again
   * (configuration.txt 5.2; the latter only for a server with a non-zero
   * weight). Sessions end logged 'D' (server down) or 'U' (active server up),
   * HAProxy's termination codes for them.
   */
  private onMarked(be: Backend, srv: Server, up: boolean): void {
    const check = srv.cfg.check;
    let victims: (s: Session) => boolean;
    if (!up && check.onMarkedDown === 'shutdown-sessions') victims = (s) => s.server === srv;
    else if (up && !srv.backup && srv.uweight > 0 && check.onMarkedUp === 'shutdown-backup-sessions') {
      victims = (s) => s.backend === be && s.server?.backup === true;
    } else return;
    for (const fe of this.frontends.values()) {
      for (const s of fe.sessions) {
        if (!victims(s)) continue;
        s.terminate(up ? 'U' : 'D', 'D');
        s.abort();
      }
    }
  }

  /** NOLB (`set server health stopping`, a check's conditional pass): no new load-balanced sessions. */
  setServerStopping(backend: string, server: string, reason: string): SetResult {
    const t = this.server(backend, server);
    if (!t) return { ok: false, reason: `no such server ${backend}/${server}` };
    t.be.setStopping(t.srv, reason);
    return { ok: true };
  }

  setServerAdminState(backend: string, server: string, state: ServerAdminState): SetResult {
    const t = this.server(backend, server);
    if (!t) return { ok: false, reason: `no such server ${backend}/${server}` };
    t.be.setAdmin(t.srv, state, `admin state set to ${state}`);
    return { ok: true };
  }

  setServerWeight(backend: string, server: string, weight: number): SetResult {
    const t = this.server(backend, server);
    if (!t) return { ok: false, reason: `no such server ${backend}/${server}` };
    const err = t.be.setWeight(t.srv, weight);
    if (err) return { ok: false, reason: err };
    this.scheduleWarmup();
    return { ok: true };
  }

  /** `set maxconn server`: the server's new limit; waiting connections may take the freed slots. */
  setServerMaxconn(backend: string, server: string, maxconn: number): SetResult {
    const t = this.server(backend, server);
    if (!t) return { ok: false, reason: `no such server ${backend}/${server}` };
    t.be.setMaxconn(t.srv, maxconn);
    return { ok: true };
  }

  /**
   * `set server addr`: new connections go to `host` (an IP address) and, when
   * given, to `port` (an offset to the client's port with `mapPorts`). Idle
   * connections to the old address are closed (server.c
   * srv_cleanup_connections); those in use finish.
   */
  setServerAddr(
    backend: string,
    server: string,
    host: string,
    port?: { readonly port: number; readonly mapPorts: boolean },
  ): SetResult {
    const t = this.server(backend, server);
    if (!t) return { ok: false, reason: `no such server ${backend}/${server}` };
    const f = t.srv.cfg.addr.family;
    if (f !== 'ipv4' && f !== 'ipv6' && f !== 'hostname')
      return { ok: false, reason: `server ${backend}/${server} has no IP address to change` };
    t.srv.connectHost = host;
    if (port) {
      t.srv.svcPort = port.port & 0xffff;
      t.srv.mapPorts = port.mapPorts;
    }
    t.srv.addrChanged = true;
    closeIdle(t.srv);
    return { ok: true };
  }

  /**
   * `add server` (management.txt 9.3): appends a server built from `cfg`,
   * in the state `cfg.initialState` gives. The caller has checked the name,
   * the id and that the backend balances dynamically.
   */
  addServer(backend: string, cfg: ServerConfig, dynamic: DynamicServer): Server | undefined {
    const be = this.backends.get(backend);
    if (!be) return undefined;
    const srv = be.addServer(cfg);
    srv.dynamic = dynamic;
    srv.log.info('new server registered');
    return srv;
  }

  /**
   * `del server`: removes a server the caller found in maintenance with no
   * session served or queued; its idle connections are closed first.
   */
  delServer(backend: string, server: string): SetResult {
    const t = this.server(backend, server);
    if (!t) return { ok: false, reason: `no such server ${backend}/${server}` };
    closeIdle(t.srv);
    t.be.removeServer(t.srv);
    t.srv.log.info('server deleted');
    return { ok: true };
  }

  /** The global maxconn in force (0: no limit). */
  get globalMaxconn(): number {
    return this.maxconn;
  }

  /** `set maxconn global` (cli.c): the new limit, and listeners waiting for a slot try again. */
  setGlobalMaxconn(maxconn: number): void {
    this.maxconn = maxconn;
    this.wakeListeners();
  }

  /** `set maxconn frontend` (cli.c cli_parse_set_maxconn_frontend): the new limit, waiting listeners retry. */
  setFrontendMaxconn(name: string, maxconn: number): SetResult {
    const fe = this.frontends.get(name);
    if (!fe) return { ok: false, reason: 'No such frontend.' };
    // 0 falls back to the process limit, as a frontend without `maxconn` does.
    fe.maxconn = maxconn > 0 ? maxconn : this.maxconn || Number.MAX_SAFE_INTEGER;
    this.wakeListeners();
    return { ok: true };
  }

  /** The global session rate limit in force (0: none). */
  get globalSessionRate(): number {
    return this.sessRateLimit;
  }

  /** `set rate-limit sessions global` (cli.c cli_parse_set_ratelimit): 0 lifts the limit. */
  setGlobalSessionRate(limit: number): void {
    this.sessRateLimit = limit;
    this.wakeListeners();
  }

  /** Stop accepting (reload): connections wait in the kernel queues, nothing is refused. */
  pauseListeners(): void {
    for (const fe of this.frontends.values()) {
      for (const l of fe.listeners) {
        l.pause();
        this.emitListener(fe, l.bind, 'paused');
      }
    }
  }

  resumeListeners(): void {
    for (const fe of this.frontends.values()) {
      for (const l of fe.listeners) {
        l.resume();
        this.emitListener(fe, l.bind, 'bound');
      }
    }
  }

  /** `show stat` rows: for each proxy, FRONTEND, then its servers, then BACKEND. */
  stats(): StatRow[] {
    const now = this.clock.now();
    const wall = this.clock.wallNow();
    const rows: StatRow[] = [];
    for (const p of this.cfg.proxies) {
      const fe = this.frontends.get(p.name);
      const be = this.backends.get(p.name);
      if (fe) rows.push(frontendRow(fe, now));
      if (be) {
        for (const s of be.servers) rows.push(serverRow(s, now, wall));
        rows.push(backendRow(be, now, wall));
      }
    }
    return rows;
  }

  /** Open sessions across all frontends. */
  get currentConnections(): number {
    return this.actconn;
  }

  /**
   * Closes the listeners, lets sessions finish for up to `grace` ms, then
   * closes what remains. Resolves when every session is gone.
   */
  private readonly backendLookup = (name: string): Backend | undefined => this.backends.get(name);

  async stop(opts: { readonly grace?: number } = {}): Promise<void> {
    this.stopped = true;
    for (const fe of this.frontends.values()) fe.draining = true;
    clearCurrentBackends(this.backendLookup);
    this.warmupTimer?.cancel();
    this.stickTables.stop();
    const closing: Promise<void>[] = [];
    for (const fe of this.frontends.values()) {
      for (const l of fe.listeners) {
        closing.push(l.close());
        this.emitListener(fe, l.bind, 'unbound');
      }
    }
    await Promise.all(closing);
    const sessions = () => [...this.frontends.values()].flatMap((fe) => [...fe.sessions]);
    const deadline = this.clock.now() + (opts.grace ?? 0);
    while (sessions().length > 0 && this.clock.now() < deadline) {
      await new Promise<void>((r) => this.clock.setTimeout(r, Math.min(50, deadline - this.clock.now())));
    }
    for (const s of sessions()) s.abort();
    // Aborted sockets close within a few loop turns; anything still open after
    // a second is accounted as finished so stop() always completes.
    const hardDeadline = performance.now() + 1000;
    while (sessions().length > 0 && performance.now() < hardDeadline) {
      await new Promise<void>((r) => setTimeout(r, 5));
    }
    for (const s of sessions()) {
      this.log.warn(
        { frontend: s.frontend.name, src: s.conn.srcAddr },
        'session still open after abort, released',
      );
      s.finish();
    }
    clearCurrentStickTables(this.stickTables);
  }
}

/** Closes the idle (reusable) connections to a server. */
function closeIdle(srv: Server): void {
  for (let c = takeIdle(srv); c; c = takeIdle(srv)) c.sock?.destroy();
}

/**
 * A listening socket handed to the engine: a net.Server, an inherited
 * descriptor (`fd@`), or the raw libuv handle a -W master passes, which is
 * not polled until listen() here (a net.Server passed over IPC is listened
 * on by Node before the message is delivered, and may accept a connection
 * into a 'connection' event nobody listens to).
 */
export type GivenListener = net.Server | { readonly fd: number } | RawListenHandle;

/** A libuv TCP or Pipe handle (tcp_wrap/pipe_wrap), as a -W worker receives it. */
export interface RawListenHandle {
  readonly fd: number;
  listen(backlog: number): number;
}

function isRawHandle(g: GivenListener): g is RawListenHandle {
  return !(g instanceof net.Server) && typeof (g as { listen?: unknown }).listen === 'function';
}

/**
 * Starts listening on a given socket, synchronously: listen() errors are
 * thrown by Node at once, and the caller parks connections before the next
 * event-loop turn.
 */
function adopt(given: GivenListener, backlog: number): net.Server {
  if (given instanceof net.Server) return given;
  const server = new net.Server();
  server.on('error', () => undefined);
  if (isRawHandle(given)) server.listen(given as unknown as net.ListenOptions, backlog);
  else server.listen({ fd: given.fd, backlog });
  if (!listenHandle(server)) throw new Error(`cannot listen on inherited socket ${given.fd}`);
  return server;
}

/**
 * From listen() until its Listener starts, a socket's accepted connections
 * would go to net.Server's own callback and be lost (a 'connection' event
 * nobody listens to). Park them instead; the Listener adopts them.
 */
function parkUntilStarted(server: net.Server): ClientHandle[] {
  const early: ClientHandle[] = [];
  const h = listenHandle(server) as unknown as { onconnection: (err: number, c?: ClientHandle) => void };
  h.onconnection = (err, c) => {
    if (!err && c) early.push(c);
  };
  return early;
}

/** Builds the engine, resolves server names, binds every listener and starts accepting. */
export async function startProxyEngine(cfg: HaproxyConfig, opts: ProxyEngineOptions): Promise<ProxyEngine> {
  const engine = new ProxyEngine(cfg, opts);
  await engine.resolveServers();
  try {
    opts.beforeServing?.(engine);
    await engine.bindAll(opts.listenerHandles, opts.acceptsPerTurn ?? 16);
  } catch (e) {
    await engine.stop();
    throw e;
  }
  engine.log.info({ frontends: engine.cfg.proxies.length }, 'proxy engine started');
  return engine;
}
