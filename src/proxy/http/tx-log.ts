/**
 * Per-transaction facts for the log line (httplog.ts, log-format.ts): when
 * the stream started, its handshakes, the request's first byte, when its
 * head was complete, when the server was connected and answered, the bytes
 * each way, the termination state and cookie flags of this transaction (a
 * keep-alive connection logs one line per request, as HAProxy does). Reset
 * for each request; emitted once.
 *
 * Timers follow configuration.txt 8.4: a keep-alive request's stream starts
 * when the previous response ended, so %Ti is the idle time before its first
 * byte and %TR the time from that byte to the end of the head.
 */
import type net from 'node:net';
import type { Backend } from '../backend.js';
import type { ModeContext } from '../mode.js';
import type { Server } from '../server.js';
import type { Session, TermCause, TermPhase } from '../session.js';
import { httpLogLine, type TxRecord, tcpLogLine } from './httplog.js';
import {
  LogContext,
  logFormatsOf,
  nextRequestId,
  type ProxyLogFormats,
  renderLogLine,
  type StreamFacts,
} from './log-format.js';
import type { HttpTxn } from './rules/txn.js';

const BADREQ = '<BADREQ>';

export class TxLog implements StreamFacts {
  /** Monotonic ms the stream started: the accept, or the end of the previous response. */
  start = 0;
  acceptWall = 0;
  /** Handshakes (TLS, PROXY protocol) before the first request, ms. */
  handshake = 0;
  /** The request's first byte, -1 before. */
  firstAt = -1;
  reqId = -1;
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
  requestLine = BADREQ;
  logged = false;
  private serverAddrs: TxRecord['serverAddrs'];
  /** The session's client byte count when this transaction started (%U counts from there). */
  private bytesInBase = 0;
  private session: Session | undefined;
  private txn: HttpTxn | undefined;

  reset(now: number, wall: number): void {
    this.start = now;
    this.acceptWall = wall;
    this.handshake = 0;
    this.firstAt = -1;
    this.reqId = -1;
    this.headAt = this.connectedAt = this.respAt = -1;
    this.queueTime = this.connectTime = -1;
    this.retries = 0;
    this.redispatched = false;
    this.bytes = 0;
    this.bytesInBase = this.session ? this.session.bytesIn : 0;
    this.term = '--';
    this.cookie = '--';
    this.requestLine = BADREQ;
    this.serverAddrs = undefined;
    this.logged = false;
  }

  /**
   * Binds the log to its connection and transaction once the stream exists,
   * after the handshakes: the time since the accept is %Th.
   */
  attach(session: Session, txn: HttpTxn, now: number): void {
    this.session = session;
    this.txn = txn;
    txn.streamFacts = this;
    this.handshake = Math.max(0, now - this.start);
    this.bytesInBase = session.bytesIn;
  }

  /** Client bytes for this request arrived (its first one starts %TR and takes a request number). */
  sawRequest(now: number): void {
    if (this.firstAt >= 0) return;
    this.firstAt = now;
    this.reqId = nextRequestId();
  }

  /** Client bytes were seen for this request (option dontlognull). */
  get seen(): boolean {
    return this.firstAt >= 0;
  }

  get startWall(): number {
    return this.acceptWall + (this.firstAt >= 0 ? this.firstAt - this.start : 0);
  }

  /** The server connection is up: its addresses are kept when the log line prints them. */
  serverConnected(sock: net.Socket): void {
    const s = this.session;
    if (!s || !logFormatsOf(s.frontend.cfg)?.wantsServerAddrs) return;
    this.serverAddrs = {
      si: sock.remoteAddress ?? '',
      sp: sock.remotePort ?? 0,
      bi: sock.localAddress ?? '',
      bp: sock.localPort ?? 0,
    };
  }

  /** The first termination reason of this transaction wins (the session's too). */
  terminate(s: Session, cause: TermCause, phase: TermPhase): void {
    s.terminate(cause, phase);
    if (this.term === '--') this.term = `${cause}${phase}`;
  }

  /** Emits the line when the frontend logs (option httplog/tcplog, log-format), once. */
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
    const fe = s.frontend;
    const o = fe.cfg.options;
    const formats = logFormatsOf(fe.cfg);
    if (!o.httplog && !o.tcplog && !formats?.line) return;
    if (o.dontlognull && !this.seen) return;
    if (this.reqId < 0) this.reqId = nextRequestId();
    const r = this.record(s, ctx, be, srv, status, now);
    let line: string;
    if (formats?.line) line = this.customLine(formats, r, s);
    else line = o.httplog ? httpLogLine(r) : tcpLogLine(r);
    if (ctx.emitLog) ctx.emitLog(fe.name, line);
    else fe.log.info({ httplog: line }, 'request');
  }

  /** The transaction as rules saw it, when its request was parsed. */
  private parsedTxn(): HttpTxn | undefined {
    return this.requestLine !== BADREQ ? this.txn : undefined;
  }

  private record(
    s: Session,
    ctx: ModeContext,
    be: Backend | undefined,
    srv: Server | undefined,
    status: number,
    now: number,
  ): TxRecord {
    const fe = s.frontend;
    const start = this.start;
    const first = this.firstAt >= 0 ? this.firstAt : start;
    const txn = this.parsedTxn();
    return {
      clientAddr: s.conn.srcAddr,
      clientPort: s.conn.srcPort,
      acceptWall: this.acceptWall,
      startWall: this.startWall,
      reqId: this.reqId,
      frontend: fe.name,
      backend: be ? be.name : fe.name,
      server: srv ? srv.name : '<NOSRV>',
      tH: Math.round(this.handshake),
      tI: this.firstAt < 0 ? -1 : Math.max(0, Math.round(this.firstAt - start - this.handshake)),
      tR: this.headAt < 0 ? -1 : Math.round(this.headAt - first),
      tW: this.connectedAt < 0 && this.queueTime < 0 ? -1 : Math.max(0, Math.round(this.queueTime)),
      tC: this.connectedAt < 0 ? -1 : Math.max(0, Math.round(this.connectTime)),
      tRs: this.respAt < 0 ? -1 : Math.round(this.respAt - this.connectedAt),
      tA: Math.round(now - first),
      tT: Math.round(now - start),
      tD: this.respAt < 0 ? -1 : Math.round(now - this.respAt),
      status,
      // HAProxy's H1 layer answers an unparsable request itself, outside any stream: 0 bytes logged.
      bytes: this.requestLine === BADREQ ? 0 : this.bytes,
      bytesIn: s.bytesIn - this.bytesInBase,
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
      reqCaptures: txn?.reqCaptures,
      resCaptures: txn?.resCaptures,
      serverAddrs: this.serverAddrs,
    };
  }

  /** A `log-format` line: the transaction's sample context (when parsed) with the record. */
  private customLine(formats: ProxyLogFormats, r: TxRecord, s: Session): string {
    const txn = this.parsedTxn();
    const lc = new LogContext({
      conn: s.conn,
      tls: s.tls,
      // %ST prints the status this line reports (a tunnel's 101, an aborted response's).
      http: txn && {
        req: txn.req,
        resp: txn.resp,
        status: r.status,
        frontend: txn.frontend,
        backend: txn.backend,
      },
      vars: txn?.vars,
      sc: txn?.sc,
      frontendName: r.frontend,
      backendName: r.backend,
      rec: r,
      startWall: r.startWall,
      reqCaptures: r.reqCaptures,
      resCaptures: r.resCaptures,
      uniqueId: txn?.uniqueIdValue(),
      uniqueIdFormat: undefined,
    });
    return renderLogLine(formats, lc);
  }
}
