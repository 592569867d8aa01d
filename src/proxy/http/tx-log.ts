/**
 * Per-transaction facts for the log line (httplog.ts): when the request
 * started, when its head was complete, when the server was connected and
 * answered, the bytes sent back, the termination state and cookie flags of
 * this transaction (a keep-alive connection logs one line per request, as
 * HAProxy does). Reset for each request; emitted once.
 */
import type { Backend } from '../backend.js';
import type { ModeContext } from '../mode.js';
import type { Server } from '../server.js';
import type { Session, TermCause, TermPhase } from '../session.js';
import { httpLogLine, type TxRecord, tcpLogLine } from './httplog.js';

const since = (t: number, from: number) => (t < 0 ? -1 : Math.round(t - from));

export class TxLog {
  start = 0;
  startWall = 0;
  headAt = -1;
  connectedAt = -1;
  respAt = -1;
  queueTime = -1;
  connectTime = -1;
  retries = 0;
  redispatched = false;
  bytes = 0;
  term = '--';
  cookie = '--';
  requestLine = '<BADREQ>';
  /** Client bytes seen for this request (option dontlognull). */
  seen = false;
  logged = false;

  reset(now: number, wall: number): void {
    this.start = now;
    this.startWall = wall;
    this.headAt = this.connectedAt = this.respAt = -1;
    this.queueTime = this.connectTime = -1;
    this.retries = 0;
    this.redispatched = false;
    this.bytes = 0;
    this.term = '--';
    this.cookie = '--';
    this.requestLine = '<BADREQ>';
    this.seen = false;
    this.logged = false;
  }

  /** The first termination reason of this transaction wins (the session's too). */
  terminate(s: Session, cause: TermCause, phase: TermPhase): void {
    s.terminate(cause, phase);
    if (this.term === '--') this.term = `${cause}${phase}`;
  }

  /** Emits the line when the frontend logs (option httplog/tcplog), once. */
  emit(
    s: Session,
    ctx: ModeContext,
    be: Backend | undefined,
    srv: Server | undefined,
    status: number,
    now: number,
  ): void {
    if (this.logged) return;
    this.logged = true;
    const o = s.frontend.cfg.options;
    if (!o.httplog && !o.tcplog) return;
    if (o.dontlognull && !this.seen) return;
    const fe = s.frontend;
    const r: TxRecord = {
      clientAddr: s.conn.srcAddr,
      clientPort: s.conn.srcPort,
      startWall: this.startWall,
      frontend: fe.name,
      backend: be ? be.name : fe.name,
      server: srv ? srv.name : '<NOSRV>',
      tR: since(this.headAt, this.start),
      tW: this.connectedAt < 0 && this.queueTime < 0 ? -1 : Math.max(0, Math.round(this.queueTime)),
      tC: this.connectedAt < 0 ? -1 : Math.max(0, Math.round(this.connectTime)),
      tRs: this.respAt < 0 ? -1 : Math.round(this.respAt - this.connectedAt),
      tA: Math.round(now - this.start),
      status,
      bytes: this.bytes,
      term: this.term,
      cookie: this.cookie,
      actconn: ctx.actconn ? ctx.actconn() : fe.sessions.size,
      feconn: fe.sessions.size,
      beconn: be ? be.beconn : 0,
      srvconn: srv ? srv.served : 0,
      retries: this.retries,
      redispatched: this.redispatched,
      srvQueue: srv ? srv.queue.length : 0,
      beQueue: be ? be.queue.length : 0,
      requestLine: this.requestLine,
    };
    const line = o.httplog ? httpLogLine(r) : tcpLogLine(r);
    if (ctx.emitLog) ctx.emitLog(fe.name, line);
    else fe.log.info({ httplog: line }, 'request');
  }
}
