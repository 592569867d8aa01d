/**
 * A frontend at run time: its listeners and accept limits, `tcp-request
 * connection` rules, the PROXY protocol handshake, session counting and
 * backend selection (`use_backend` / `default_backend`). Sessions are then
 * handed to the handler of the frontend's mode.
 */
import net from 'node:net';
import type { ProxyConfig } from '../config/haproxy/model.js';
import type { Clock } from '../core/clock.js';
import { ConfigCode, ConfigError } from '../core/errors.js';
import { child, type Logger } from '../core/logger.js';
import { ProxyHeaderReader } from './accept-proxy.js';
import { AclCompiler, type AclTest } from './acl/compile.js';
import './acl/fetches-l4.js';
import type { SampleContext } from './acl/types.js';
import type { Backend } from './backend.js';
import { DISCARD, ReadPort } from './conn.js';
import { ProxyCounters } from './counters.js';
import type { ClientHandle, Listener, ListenerOwner } from './listener.js';
import type { ModeContext, ModeHandler } from './mode.js';
import { compileFormat } from './sample/format.js';
import type { FormatFn } from './sample/types.js';
import { connInfoOf, Session } from './session.js';
import {
  type ConnStickAction,
  compileConnStickRule,
  countStickSession,
  releaseStickCounters,
} from './stick/conn-rules.js';
import { FrontendTls } from './tls/bind-tls.js';
import { TlsHandshake } from './tls/handshake.js';

/** Process-wide state the frontends share (global maxconn and rate, waiting listeners). */
export interface EngineShared {
  readonly clock: Clock;
  readonly modeCtx: ModeContext;
  mayAcceptGlobally(): number;
  sessionOpened(): void;
  sessionClosed(): void;
  waitForSlot(l: Listener): void;
}

interface ConnRule {
  readonly action: 'accept' | 'reject' | 'expect-proxy' | 'stick';
  readonly test: AclTest | undefined;
  /** A `track-scN` rule's action; evaluation goes on after it. */
  readonly stick?: ConnStickAction;
}

/** A `use_backend` rule: a fixed backend, or a log-format name resolved per request. */
interface SwitchRule {
  readonly backend: Backend | undefined;
  readonly dynamic: FormatFn | undefined;
  readonly test: AclTest | undefined;
}

const L4 = { maxLayer: 'l4', stage: 'tcp-request connection' } as const;

export class Frontend implements ListenerOwner {
  readonly cfg: ProxyConfig;
  readonly name: string;
  readonly id: number;
  readonly log: Logger;
  readonly counters = new ProxyCounters();
  /** TLS termination of the `ssl` binds, undefined when there are none. */
  readonly tls: FrontendTls | undefined;
  /** The frontend's session limit; `set maxconn frontend` changes it at run time. */
  maxconn: number;
  /**
   * A stopping engine drains (soft stop, -W reload): each keep-alive client
   * gets `Connection: close` on its next response and reconnects to the new
   * workers; idle connections are left open until then or the grace ends,
   * since closing one races with a request the client may be sending.
   */
  draining = false;
  readonly listeners: Listener[] = [];
  /** Open sessions (HAProxy's feconn is their count). */
  readonly sessions = new Set<Session>();
  private readonly shared: EngineShared;
  private readonly mode: ModeHandler;
  private readonly connRules: ConnRule[];
  private readonly switching: SwitchRule[];
  private readonly backendsByName: ReadonlyMap<string, Backend>;
  private readonly defaultBackend: Backend | undefined;

  constructor(
    cfg: ProxyConfig,
    globalMaxconn: number,
    backends: ReadonlyMap<string, Backend>,
    mode: ModeHandler,
    shared: EngineShared,
    log: Logger,
  ) {
    this.cfg = cfg;
    this.name = cfg.name;
    this.id = cfg.id;
    this.log = child(log, `frontend/${cfg.name}`);
    this.tls = cfg.binds.some((b) => b.ssl) ? new FrontendTls(cfg) : undefined;
    this.maxconn = cfg.maxconn > 0 ? cfg.maxconn : globalMaxconn;
    this.shared = shared;
    this.mode = mode;
    const acls = new AclCompiler(cfg.acls);
    this.connRules = this.compileConnRules(acls);
    const find = (name: string, loc: ProxyConfig['loc']) => {
      const be = backends.get(name);
      if (!be) throw new ConfigError(ConfigCode.UnknownRef, loc, 'use_backend', `unknown backend '${name}'`);
      return be;
    };
    // In mode http the switching rules run once the request head is parsed (layer 7); in
    // mode tcp once the session exists, after the PROXY header and TLS handshake (layer 5).
    const switchStage = {
      maxLayer: cfg.mode === 'http' ? 'l7' : 'l5',
      stage: `use_backend (mode ${cfg.mode})`,
    } as const;
    this.switching = cfg.useBackends.map((u) => {
      const dynamic = u.backend.includes('%[')
        ? compileFormat(u.backend, u.loc, 'use_backend', switchStage)
        : undefined;
      return {
        backend: dynamic ? undefined : find(u.backend, u.loc),
        dynamic,
        test: u.cond ? acls.condition(u.cond, switchStage) : undefined,
      };
    });
    this.backendsByName = backends;
    if (cfg.defaultBackend) this.defaultBackend = find(cfg.defaultBackend, cfg.loc);
    else if (cfg.kind === 'listen') this.defaultBackend = backends.get(cfg.name);
  }

  private compileConnRules(acls: AclCompiler): ConnRule[] {
    const out: ConnRule[] = [];
    for (const r of this.cfg.rules) {
      if (r.family !== 'tcp-request connection') continue;
      const stick = compileConnStickRule(r, this.cfg, this.shared.modeCtx.stickTables, L4);
      if (stick) {
        out.push({ action: 'stick', test: r.cond ? acls.condition(r.cond, L4) : undefined, stick });
        continue;
      }
      const expectProxy = r.action === 'expect-proxy' && r.args.length === 1 && r.args[0] === 'layer4';
      if (!(r.action === 'accept' || r.action === 'reject') && !expectProxy) {
        throw new ConfigError(
          ConfigCode.Unsupported,
          r.loc,
          'tcp-request connection',
          `action '${[r.action, ...r.args].join(' ')}' is not supported by hapair yet`,
        );
      }
      const action = expectProxy ? 'expect-proxy' : (r.action as 'accept' | 'reject');
      out.push({ action, test: r.cond ? acls.condition(r.cond, L4) : undefined });
    }
    return out;
  }

  mayAccept(): number {
    if (this.sessions.size >= this.maxconn) return -1;
    const global = this.shared.mayAcceptGlobally();
    if (global !== 0) return global;
    const limit = this.cfg.rateLimitSessions;
    return limit ? this.counters.sessRate.delayFor(this.shared.clock.now(), limit) : 0;
  }

  waitForSlot(l: Listener): void {
    this.shared.waitForSlot(l);
  }

  /** A connection passed the accept gate: make it a session, apply connection rules. */
  accept(l: Listener, handle: ClientHandle): void {
    const clock = this.shared.clock;
    const port = new ReadPort(this.shared.modeCtx.bufsize, DISCARD);
    const sock = new net.Socket({
      handle,
      allowHalfOpen: true,
      readable: true,
      writable: true,
      pauseOnCreate: true,
      onread: port.onread,
    } as net.SocketConstructorOpts);
    sock.on('error', () => {});
    if (sock.remoteFamily === 'IPv4' || sock.remoteFamily === 'IPv6') sock.setNoDelay(true);
    if (this.cfg.options.tcpka || this.cfg.options.clitcpka) sock.setKeepAlive(true);
    const now = clock.now();
    const session = new Session(this, l, sock, port, connInfoOf(sock), now);
    this.sessions.add(session);
    l.nbconn++;
    this.shared.sessionOpened();
    this.counters.countConnection(now);
    this.counters.noteConcurrent(this.sessions.size);
    let expectProxy = l.bind.acceptProxy;
    for (const rule of this.connRules) {
      if (rule.test && !rule.test(session)) continue;
      if (rule.stick) {
        rule.stick(session, now);
        continue;
      }
      if (rule.action === 'expect-proxy') {
        expectProxy = true;
        continue;
      }
      if (rule.action === 'reject') {
        this.counters.deniedConn++;
        sock.destroy();
        return;
      }
      break;
    }
    const next = this.tls?.forBind(l.bind) ? this.handshake : this.establish;
    if (expectProxy) new ProxyHeaderReader(session, next).start(clock, this.cfg.timeouts.client);
    else next(session);
  }

  /** An `ssl` bind: the TLS handshake comes after the PROXY header, before the session. */
  private readonly handshake = (session: Session): void => {
    if (session.client.destroyed) return;
    const bt = this.tls!.forBind(session.listener.bind)!;
    new TlsHandshake(session, bt, this.establish).start(this.shared.clock, this.cfg.timeouts.client);
  };

  /** Handshakes done: the connection is a session (stot, session rate) and goes to its mode. */
  private readonly establish = (session: Session): void => {
    if (session.client.destroyed) return;
    const clock = this.shared.clock;
    this.counters.countSession(clock.now(), clock.wallNow());
    countStickSession(session.sc, clock.now());
    session.takeOver();
    this.mode.start(session, this.shared.modeCtx);
  };

  /** use_backend rules in order, then default_backend (a listen section is its own backend). */
  /**
   * The backend for this connection (mode tcp) or request (mode http): the
   * first matching `use_backend`, else `default_backend`. A dynamic name
   * that names no backend ends the search at `default_backend`, as HAProxy's
   * process_switching_rules() does.
   */
  selectBackend(ctx: SampleContext): Backend | undefined {
    for (const r of this.switching) {
      if (r.test && !r.test(ctx)) continue;
      if (r.backend) return r.backend;
      const be = this.backendsByName.get(r.dynamic!(ctx));
      return be && be.cfg.mode === this.cfg.mode ? be : this.defaultBackend;
    }
    return this.defaultBackend;
  }

  sessionClosed(session: Session): void {
    if (!this.sessions.delete(session)) return;
    releaseStickCounters(session.sc, session.bytesIn, session.bytesOut, this.shared.clock.now());
    session.listener.nbconn--;
    this.recordTimes(session);
    this.shared.sessionClosed();
  }

  /** Queue, connect and total times of a session that reached a server (stream.c stream_update_time_stats). */
  private recordTimes(s: Session): void {
    if (!s.backend || s.tConnect < 0) return;
    const total = Math.round(this.shared.clock.now() - s.acceptedAt);
    const q = Math.max(0, Math.round(s.tQueue));
    const c = Math.round(s.tConnect);
    for (const counters of s.server ? [s.backend.counters, s.server.counters] : [s.backend.counters]) {
      counters.qtime.add(q);
      counters.ctime.add(c);
      counters.ttime.add(total);
    }
  }

  /** Backends this frontend may send traffic to, for fullconn (proxy.c proxy_adjust_all_maxconn). */
  reachableBackends(): Set<Backend> {
    const out = new Set<Backend>();
    if (this.defaultBackend) out.add(this.defaultBackend);
    for (const r of this.switching) if (r.backend) out.add(r.backend);
    return out;
  }
}
