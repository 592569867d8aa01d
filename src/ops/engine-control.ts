/**
 * ProxyControl over a ProxyEngine and, when checks run, the health-check
 * runner: a checked server's health and agent are forced, and its checks
 * enabled or disabled, through the runner, which owns them; a server added
 * or deleted at run time joins or leaves both. Where the runner is not here
 * (a worker of master-worker mode: the checks run in the master), what
 * belongs to the checks is answered `unsupported` rather than approximated.
 */
import type { ServerPlan } from '../checks/plan.js';
import type { HaproxyConfig, ProxyConfig, ServerAdminState, ServerConfig } from '../config/haproxy/model.js';
import { ConfigError } from '../core/errors.js';
import { type ListenerStateEvent, listenerKey, type ProxyEngine } from '../proxy/engine.js';
import type { Frontend } from '../proxy/frontend.js';
import type { ObservedStatus, Server } from '../proxy/server.js';
import type { Session } from '../proxy/session.js';
import type { StatRow } from '../proxy/stat-fields.js';
import { formatAddress } from '../proxy/stats.js';
import { clearEngineCounters } from './engine-counters.js';
import { type CheckStatusSource, serverView, sessionView, withCheckColumns } from './engine-views.js';
import { sessionId } from './session-ids.js';
import type {
  ControlResult,
  FrontendView,
  NewServer,
  PortChange,
  ProcessCounters,
  ProxyControl,
  ServerLookup,
  ServerView,
  SessionView,
} from './types.js';

/** The health-check runner's side (HealthCheckRunner provides these). */
export interface CheckControl extends CheckStatusSource {
  /** Pauses checks while a server is in maintenance, resumes them after. */
  setMaintenance(backend: string, server: string, on: boolean): void;
  /** Forces a check's counter and the server's state; false when the server has no such check. */
  force(backend: string, server: string, source: 'health' | 'agent', op: 'up' | 'stopping' | 'down'): boolean;
  /** `enable|disable health|agent`; false when the check is not configured. */
  setEnabled(backend: string, server: string, which: 'health' | 'agent', on: boolean): boolean;
  /** Checks without an address (or port) of their own follow the server's new one. */
  setServerAddr(backend: string, server: string, host: string, port?: number): void;
  /** Compiles the checks of a server `add server` builds; throws ConfigError on a bad definition. */
  planServer(proxy: ProxyConfig, server: ServerConfig): ServerPlan | undefined;
  /** Registers them, disabled until `enable health|agent`. */
  addServer(plan: ServerPlan): void;
  /** `del server`: the server's checks stop. */
  removeServer(backend: string, server: string): void;
  /** Live traffic to a server with `observe`. */
  observe(backend: string, server: string, status: ObservedStatus): void;
}

export interface EngineControlOptions {
  readonly checks?: CheckControl;
  /** The process is soft-stopping (`Stopping` in `show info`). */
  readonly stopping?: () => boolean;
}

const OK: ControlResult = { ok: true };
const LATER: ControlResult = { ok: false, reason: 'not supported by hapair yet', unsupported: true };

/** Where the checks run in the master, a worker can neither start nor stop a server's checks. */
const CHECKS_ELSEWHERE =
  'hapair runs health checks in the master process: servers with checks cannot be added or deleted at run time in master-worker mode yet.\n';

const result = (r: { ok: true } | { ok: false; reason: string }): ControlResult => (r.ok ? OK : r);

/** Ends a session as killed by the administrator: `K` in its log's termination state (configuration.txt 8.5). */
function kill(s: Session): void {
  s.terminate('K', 'D');
  s.abort();
}

/** ProxyControl over the engine; see the file comment for what it answers `unsupported`. */
export class EngineControl implements ProxyControl {
  readonly config: HaproxyConfig;
  /** Servers whose admin state changed at run time (out of the configuration's maintenance). */
  private readonly touched = new Set<Server>();

  constructor(
    private readonly engine: ProxyEngine,
    private readonly opts: EngineControlOptions = {},
  ) {
    this.config = engine.cfg;
  }

  private running(kinds: readonly string[]): string[] {
    return this.config.proxies.filter((p) => kinds.includes(p.kind) && !p.disabled).map((p) => p.name);
  }

  private frontends(): Frontend[] {
    return this.running(['frontend', 'listen'])
      .map((n) => this.engine.frontend(n))
      .filter((f): f is Frontend => f !== undefined);
  }

  private find(b: string, s: string): Server | undefined {
    return this.engine.backend(b)?.findServer(s);
  }

  /** The engine-views view, with what it does not know: the port now, NOLB, dynamic servers. */
  private view(s: Server): ServerView {
    const v = serverView(s, {
      now: this.engine.clock.now(),
      checks: this.opts.checks,
      touched: this.touched,
      backendPosition: this.config.proxies.findIndex((p) => p.name === s.backend.name),
    });
    const dyn = s.dynamic;
    return {
      ...v,
      port: s.svcPort,
      family: s.cfg.addr.family,
      ...(s.mapPorts ? { mapPorts: true } : {}),
      ...(s.cfg.check.port !== undefined ? { checkPort: s.cfg.check.port } : {}),
      ...(s.stopping && s.running() ? { oper: 'stopping' as const } : {}),
      ...(dyn
        ? {
            dynamic: true,
            forcedId: dyn.forcedId,
            configMaint: dyn.disabled && s.admin === 'maint' && !this.touched.has(s),
          }
        : {}),
    };
  }

  backends(): string[] {
    return this.running(['backend', 'listen']).filter((n) => this.engine.backend(n) !== undefined);
  }

  servers(backend?: string): ServerView[] {
    const names = backend === undefined ? this.backends() : [backend];
    return names.flatMap((n) => this.engine.backend(n)?.servers.map((s) => this.view(s)) ?? []);
  }

  stats(): StatRow[] {
    return this.engine.stats().map((row) => {
      const named = typeof row.pxname === 'string' && typeof row.svname === 'string';
      const s = named ? this.find(String(row.pxname), String(row.svname)) : undefined;
      const out = withCheckColumns(row, s ? this.view(s) : undefined);
      return s?.addrChanged ? { ...out, addr: movedAddr(s) } : out;
    });
  }

  frontend(name: string): FrontendView | undefined {
    const fe = this.engine.frontend(name);
    if (!fe) return undefined;
    const ls = fe.listeners;
    return {
      name: fe.name,
      id: fe.id,
      maxconn: fe.maxconn,
      paused: ls.length > 0 && ls.every((l) => l.state === 'paused'),
      stopped: ls.length > 0 && ls.every((l) => l.state === 'closed'),
    };
  }

  server(b: string, s: string): ServerLookup {
    const be = this.engine.backend(b);
    if (!be) return { kind: 'no-backend' };
    const srv = be.findServer(s);
    return srv ? { kind: 'ok', server: this.view(srv) } : { kind: 'no-server' };
  }

  sessions(): SessionView[] {
    const now = this.engine.clock.now();
    return this.frontends().flatMap((fe) => [...fe.sessions].map((s) => sessionView(s, now)));
  }

  process(): ProcessCounters {
    const now = this.engine.clock.now();
    const fes = this.frontends();
    const sum = (f: (fe: Frontend) => number) => fes.reduce((n, fe) => n + f(fe), 0);
    const frontRows = this.engine.stats().filter((r) => r.svname === 'FRONTEND');
    const g = this.config.global;
    return {
      currConns: this.engine.currentConnections,
      cumConns: sum((fe) => fe.counters.connTot),
      cumReq: frontRows.reduce((n, r) => n + (typeof r.req_tot === 'number' ? r.req_tot : 0), 0),
      connRate: Math.floor(sum((fe) => fe.counters.connRate.read(now))),
      sessRate: Math.floor(sum((fe) => fe.counters.sessRate.read(now))),
      maxconn: this.engine.globalMaxconn,
      hardMaxconn: g.maxconn,
      sessRateLimit: this.engine.globalSessionRate,
      listeners: sum((fe) => fe.listeners.filter((l) => l.state !== 'closed').length),
      stopping: this.opts.stopping?.() ?? false,
    };
  }

  setServerAdmin(b: string, s: string, state: ServerAdminState): ControlResult {
    const srv = this.find(b, s);
    const r = this.engine.setServerAdminState(b, s, state);
    if (!r.ok || !srv) return result(r);
    this.touched.add(srv);
    // HAProxy pauses the health check of a server in maintenance (CHK_ST_PAUSED).
    this.opts.checks?.setMaintenance(b, s, state === 'maint');
    return OK;
  }

  setServerHealth(b: string, s: string, health: 'up' | 'stopping' | 'down'): ControlResult {
    const srv = this.find(b, s);
    if (!srv) return { ok: false, reason: 'No such server.' };
    // A checked server's health belongs to the runner: its next results count from the forced state.
    if (this.opts.checks?.force(b, s, 'health', health)) return OK;
    // Without the runner here (a worker: checks run in the master) it is not ours to force.
    if (srv.cfg.check.enabled || srv.cfg.check.agent) return LATER;
    if (health === 'stopping') return result(this.engine.setServerStopping(b, s, 'changed from CLI'));
    return result(this.engine.setServerHealth(b, s, health === 'up', 'changed from CLI'));
  }

  setServerAgent(b: string, s: string, up: boolean): ControlResult {
    if (this.opts.checks?.force(b, s, 'agent', up ? 'up' : 'down')) return OK;
    return { ok: false, reason: 'agent checks are not enabled on this server.' };
  }

  setCheckEnabled(b: string, s: string, which: 'health' | 'agent', on: boolean): ControlResult {
    if (this.opts.checks?.setEnabled(b, s, which, on)) return OK;
    return {
      ok: false,
      reason:
        which === 'health'
          ? 'Health check was not configured on this server, cannot enable.'
          : 'Agent was not configured on this server, cannot enable.',
    };
  }

  setServerMaxconn(b: string, s: string, maxconn: number): ControlResult {
    return result(this.engine.setServerMaxconn(b, s, maxconn));
  }

  setFrontendMaxconn(frontend: string, maxconn: number): ControlResult {
    return result(this.engine.setFrontendMaxconn(frontend, maxconn));
  }

  setGlobalMaxconn(maxconn: number): ControlResult {
    this.engine.setGlobalMaxconn(maxconn);
    return OK;
  }

  /** New connections, and checks without an address or port of their own, go to the new ones. */
  setServerAddr(b: string, s: string, host: string, port?: PortChange): ControlResult {
    const srv = this.find(b, s);
    if (!srv) return { ok: false, reason: 'No such server.' };
    const r = this.engine.setServerAddr(b, s, host, port);
    if (!r.ok) return r;
    this.opts.checks?.setServerAddr(b, s, host, port ? srv.svcPort : undefined);
    return OK;
  }

  setServerWeight(b: string, s: string, weight: number): ControlResult {
    return result(this.engine.setServerWeight(b, s, weight));
  }

  /** `disable|enable frontend`: pauses or resumes its listeners, announced like a reload pause. */
  setFrontendEnabled(name: string, on: boolean): ControlResult {
    const fe = this.engine.frontend(name);
    if (!fe) return { ok: false, reason: 'No such frontend.' };
    for (const l of fe.listeners) {
      if (on) l.resume();
      else l.pause();
      const a = l.server.address();
      const port = a && typeof a === 'object' ? a.port : undefined;
      const ev: ListenerStateEvent = {
        frontend: fe.name,
        bind: listenerKey(fe.name, l.bind, port),
        state: on ? 'bound' : 'paused',
      };
      this.engine.emit('listener-state', ev);
    }
    return OK;
  }

  shutdownServerSessions(b: string, s: string): ControlResult {
    const srv = this.find(b, s);
    if (!srv) return { ok: false, reason: 'No such server.' };
    for (const fe of this.frontends()) {
      for (const sess of [...fe.sessions]) if (sess.server === srv) kill(sess);
    }
    return OK;
  }

  shutdownSession(id: number): boolean {
    for (const fe of this.frontends()) {
      const sess = [...fe.sessions].find((x) => sessionId(x) === id);
      if (!sess) continue;
      kill(sess);
      return true;
    }
    return false;
  }

  clearCounters(all: boolean): void {
    clearEngineCounters(this.engine, this.frontends(), this.backends(), all);
  }

  setGlobalSessionRate(limit: number): ControlResult {
    this.engine.setGlobalSessionRate(limit);
    return OK;
  }

  dynamicBalance(b: string): boolean {
    return this.engine.backend(b)?.balancer.dynamic === true;
  }

  /**
   * server.c cli_parse_add_server, after the keywords: the checks compile,
   * the name must be free, then the server joins the backend in maintenance
   * and its checks are registered, disabled.
   */
  addServer(b: string, ns: NewServer): ControlResult {
    const be = this.engine.backend(b);
    const px = this.config.proxies.find((p) => p.name === b);
    if (!be || !px) return { ok: false, reason: 'No such backend.' };
    const c = ns.config;
    const checks = this.opts.checks;
    let plan: ServerPlan | undefined;
    if (c.check.enabled || c.check.agent !== undefined) {
      if (!checks) return { ok: false, reason: CHECKS_ELSEWHERE };
      try {
        plan = checks.planServer(px, c);
      } catch (e) {
        if (e instanceof ConfigError) return { ok: false, reason: `${e.reason}.\n` };
        throw e;
      }
    }
    if (be.findServer(c.name))
      return { ok: false, reason: 'Already exists a server with the same name in backend.\n' };
    const srv = this.engine.addServer(b, c, { forcedId: ns.forcedId, disabled: ns.disabled });
    if (!srv || !checks) return OK;
    if (plan) checks.addServer(plan);
    if (c.check.enabled && c.check.observe !== undefined) {
      srv.observer = (x, status) => checks.observe(b, x.name, status);
    }
    return OK;
  }

  /** server.c cli_parse_delete_server: only a server in maintenance, with nothing served or queued. */
  delServer(b: string, s: string): ControlResult {
    const be = this.engine.backend(b);
    if (!be) return { ok: false, reason: 'No such backend.' };
    const srv = be.findServer(s);
    if (!srv) return { ok: false, reason: 'No such server.' };
    if (srv.admin !== 'maint')
      return { ok: false, reason: 'Only servers in maintenance mode can be deleted.' };
    if (srv.served > 0 || srv.queue.length > 0)
      return { ok: false, reason: 'Server still has connections attached to it, cannot remove it.' };
    const checked = srv.cfg.check.enabled || srv.cfg.check.agent !== undefined;
    if (checked && !this.opts.checks) return { ok: false, reason: CHECKS_ELSEWHERE };
    this.opts.checks?.removeServer(b, s);
    const r = this.engine.delServer(b, s);
    this.touched.delete(srv);
    return result(r);
  }
}

/** `show stat`'s addr column for a server moved at run time: its address and port now. */
function movedAddr(s: Server): string {
  const a = s.cfg.addr;
  const host = s.connectHost ?? a.host;
  const family = host.includes(':') ? 'ipv6' : 'ipv4';
  // A port map's offset is kept modulo 2^16; shown signed, as written in a configuration.
  const offset = s.svcPort >= 0x8000 ? s.svcPort - 0x10000 : s.svcPort;
  const port = s.mapPorts ? { port: 0, portOffset: offset } : { port: s.svcPort };
  const { portOffset: _o, ...rest } = a;
  return formatAddress({ ...rest, family, host, ...port });
}

/** The runtime API's ProxyControl for a running engine (and its check runner). */
export function engineControl(engine: ProxyEngine, opts: EngineControlOptions = {}): ProxyControl {
  return new EngineControl(engine, opts);
}
