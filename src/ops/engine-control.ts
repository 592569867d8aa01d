/**
 * ProxyControl over a ProxyEngine and, when checks run, the health-check
 * runner: a checked server's health and agent are forced, and its checks
 * enabled or disabled, through the runner, which owns them. What neither can
 * do yet is answered `unsupported` rather than approximated: a frontend's
 * maxconn, the session rate limit, a server's port, NOLB on an unchecked
 * server, and dynamic servers.
 */
import type { HaproxyConfig, ServerAdminState } from '../config/haproxy/model.js';
import { type ListenerStateEvent, listenerKey, type ProxyEngine } from '../proxy/engine.js';
import type { Frontend } from '../proxy/frontend.js';
import type { Server } from '../proxy/server.js';
import type { Session } from '../proxy/session.js';
import type { StatRow } from '../proxy/stat-fields.js';
import { formatAddress } from '../proxy/stats.js';
import { clearEngineCounters } from './engine-counters.js';
import { type CheckStatusSource, serverView, sessionView, withCheckColumns } from './engine-views.js';
import { sessionId } from './session-ids.js';
import type {
  ControlResult,
  FrontendView,
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
  /** Checks without an address of their own follow the server's new one. */
  setServerAddr(backend: string, server: string, host: string): void;
}

export interface EngineControlOptions {
  readonly checks?: CheckControl;
  /** The process is soft-stopping (`Stopping` in `show info`). */
  readonly stopping?: () => boolean;
}

const OK: ControlResult = { ok: true };
const LATER: ControlResult = { ok: false, reason: 'not supported by hapair yet', unsupported: true };

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
  /** Servers given a new address by `set server addr`, whose `addr` column follows it. */
  private readonly moved = new Set<Server>();

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

  private view(s: Server): ServerView {
    return serverView(s, {
      now: this.engine.clock.now(),
      checks: this.opts.checks,
      touched: this.touched,
      backendPosition: this.config.proxies.findIndex((p) => p.name === s.backend.name),
    });
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
      return s && this.moved.has(s) ? { ...out, addr: movedAddr(s) } : out;
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
    // The engine has no NOLB state (server.ts knows up and down only).
    if (health === 'stopping') return LATER;
    // A checked server's health belongs to the runner: its next results count from the forced state.
    if (this.opts.checks?.force(b, s, 'health', health)) return OK;
    // Without the runner here (a worker: checks run in the master) it is not ours to force.
    if (srv.cfg.check.enabled || srv.cfg.check.agent) return LATER;
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

  /** The address only: the connector reads the port from the configuration. */
  setServerAddr(b: string, s: string, host: string, port: number | undefined): ControlResult {
    const srv = this.find(b, s);
    if (!srv) return { ok: false, reason: 'No such server.' };
    if (port !== undefined && port !== srv.cfg.addr.port) return LATER;
    const r = this.engine.setServerAddr(b, s, host);
    if (!r.ok) return r;
    this.moved.add(srv);
    this.opts.checks?.setServerAddr(b, s, host);
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

  addServer(): ControlResult {
    return LATER;
  }
  delServer(): ControlResult {
    return LATER;
  }
}

/** `show stat`'s addr column for a server moved at run time: its new address, the configured port. */
function movedAddr(s: Server): string {
  const a = s.cfg.addr;
  const host = s.connectHost ?? a.host;
  return formatAddress({ ...a, family: host.includes(':') ? 'ipv6' : 'ipv4', host });
}

/** The runtime API's ProxyControl for a running engine (and its check runner). */
export function engineControl(engine: ProxyEngine, opts: EngineControlOptions = {}): ProxyControl {
  return new EngineControl(engine, opts);
}
