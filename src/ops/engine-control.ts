/**
 * ProxyControl over a ProxyEngine and, when checks run, the health-check
 * runner. What neither can do yet is answered `unsupported` rather than
 * approximated: run-time limits (maxconn, rate limits), server addresses,
 * dynamic servers, forcing a checked server's health or agent, and enabling
 * or disabling checks.
 */
import type { HaproxyConfig, ServerAdminState } from '../config/haproxy/model.js';
import { type ListenerStateEvent, listenerKey, type ProxyEngine } from '../proxy/engine.js';
import type { Frontend } from '../proxy/frontend.js';
import type { Server } from '../proxy/server.js';
import type { Session } from '../proxy/session.js';
import type { StatRow } from '../proxy/stat-fields.js';
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
      return withCheckColumns(row, s ? this.view(s) : undefined);
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
      maxconn: g.maxconn,
      hardMaxconn: g.maxconn,
      sessRateLimit: g.rateLimitSessions ?? 0,
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
    // The engine has no NOLB state; and a checked server's health belongs to the check
    // runner, whose next results would not restart from a forced state as HAProxy's do.
    if (health === 'stopping' || srv.cfg.check.enabled) return LATER;
    return result(this.engine.setServerHealth(b, s, health === 'up', 'changed from CLI'));
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

  setServerAgent(): ControlResult {
    return LATER;
  }
  setServerAddr(): ControlResult {
    return LATER;
  }
  setServerMaxconn(): ControlResult {
    return LATER;
  }
  setCheckEnabled(): ControlResult {
    return LATER;
  }
  setFrontendMaxconn(): ControlResult {
    return LATER;
  }
  setGlobalMaxconn(): ControlResult {
    return LATER;
  }
  setGlobalSessionRate(): ControlResult {
    return LATER;
  }
  addServer(): ControlResult {
    return LATER;
  }
  delServer(): ControlResult {
    return LATER;
  }
}

/** The runtime API's ProxyControl for a running engine (and its check runner). */
export function engineControl(engine: ProxyEngine, opts: EngineControlOptions = {}): ProxyControl {
  return new EngineControl(engine, opts);
}
