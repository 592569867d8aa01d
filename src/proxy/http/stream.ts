/**
 * One client connection in `mode http`: a loop of transactions (request head
 * parsed and checked, backend and server chosen, head re-serialised and body
 * streamed, response head parsed and checked, body streamed back), then the
 * next request on the same connection. Pipelined requests wait, unread, until
 * the response in progress is complete (RFC 9112 §9.3.2).
 *
 * Nothing of a refused request reaches a server: the head is parsed whole
 * first, and the error answer (errors.ts) closes the connection. A response
 * the parser refuses becomes a 502 and its server connection is closed.
 *
 * Timeouts (configuration.txt 4): `timeout http-request` bounds the wait for
 * a complete head (408), `timeout http-keep-alive` the idle wait for the next
 * request (silent close), `timeout server` the wait for the response (504
 * before any response byte, then an abort), `timeout client` the client's
 * inactivity while it sends a body or reads the response.
 *
 * Server connections come from the Connector (queueing, retries, redispatch),
 * which first asks reuseConnection() for an idle one (server-conn.ts).
 */
import type net from 'node:net';
import type { ConnInfo, SampleContext } from '../acl/types.js';
import { type ReadSink, resumeRead } from '../conn.js';
import { type ConnectFailure, Connector, type UpstreamClient } from '../connector.js';
import type { PickContext } from '../lb/types.js';
import { isPromise, type ModeContext } from '../mode.js';
import type { Server } from '../server.js';
import type { Session } from '../session.js';
import { hasStickStores, stickServer, stickStore } from '../stick/persist.js';
import { balanceKey } from './balance-key.js';
import { createBodyFramer } from './body.js';
import { connMode, setPersistence } from './conn-mode.js';
import { requestCookie } from './cookie.js';
import { errorMessage } from './errors.js';
import { addForwardingHeaders } from './forwarding.js';
import type { HeadLimits, RequestHead } from './head.js';
import { monitorStatus } from './monitor.js';
import { parseRequestHead } from './parser.js';
import { ResponseSide } from './response.js';
import { REWRITE_FAILED } from './rules/actions-headers.js';
import { AppletCall } from './rules/actions-service.js';
import { runRules } from './rules/compile.js';
import type { RuleOutcome, RuleReply } from './rules/types.js';
import { serializeRequestHead } from './serialize.js';
import { ServerConn, type ServerConnOwner, takeIdle } from './server-conn.js';
import { statsProxyFor, statsResponse } from './stats-hook.js';
import { concat, EMPTY } from './stream-base.js';

export class HttpStream extends ResponseSide implements ReadSink, UpstreamClient, ServerConnOwner {
  /** The applet answering this request once its body is read (`use-service`, stats form POST). */
  private applet: AppletCall | undefined;
  /** The statsHandler's answer awaited in phase 'applet' (awaitAnswer). */
  private pendingAnswer: Promise<Buffer | RuleReply> | undefined;

  constructor(session: Session, ctx: ModeContext, limits: HeadLimits) {
    super(session, ctx, limits);
    this.tx.attach(session, this.txn, this.clock.now());
    const c = session.client;
    c.on('end', this.onClientEnd);
    c.on('close', this.onClientClose);
    c.on('drain', this.onClientDrain);
    session.abort = () => this.abort();
  }

  start(): void {
    const pending = this.session.pending;
    this.session.pending = undefined;
    this.session.clientPort.sink = this;
    this.arm();
    if (pending && pending.length > 0) {
      this.tx.sawRequest(this.clock.now());
      this.inBuf = Buffer.from(pending);
      if (!this.parseRequest()) return;
    }
    resumeRead(this.session.client);
  }

  get pickCtx(): PickContext {
    return this.session.pickCtx;
  }

  get conn(): ConnInfo {
    return this.session.conn;
  }

  /** What `sni <expr>` of a TLS server reads (connector.ts UpstreamClient): the transaction. */
  get sample(): SampleContext {
    return this.txn;
  }

  get serverOnRead(): net.OnReadOpts {
    const c = new ServerConn(this.bufsize);
    this.attempt = c;
    return c.port.onread;
  }

  get serverKeepAlive(): boolean {
    const o = this.backend!.cfg.options;
    return o.tcpka || o.srvtcpka;
  }

  onData(n: number, buf: Buffer): boolean {
    const now = this.clock.now();
    switch (this.phase) {
      case 'head':
        if ((!this.inBuf || this.inBuf.length === 0) && this.txCount > 0) {
          // First byte of a keep-alive request: `timeout http-request` starts now.
          this.reqStart = now;
          this.rearm();
        }
        this.tx.sawRequest(now);
        this.last = now;
        if (this.inBuf && this.inBuf.length > 0) {
          this.inBuf = concat(this.inBuf, buf, n);
          return this.parseRequest();
        }
        return this.parseInPlace(buf, n);
      case 'body':
        this.last = now;
        this.forwardReqBody(buf, 0, n);
        return this.phase === 'body' && !this.clientPaused;
      case 'connecting':
      case 'waiting':
      case 'applet':
        this.inBuf = concat(this.inBuf, buf, n);
        return false;
      default:
        return true;
    }
  }

  /**
   * Parses a head that starts in the read buffer without copying it (the
   * common case: a whole request in one read); bytes still needed after this
   * call are copied, as the buffer is reused by the next read.
   */
  private parseInPlace(buf: Buffer, n: number): boolean {
    this.inBuf = buf.subarray(0, n);
    const more = this.parseRequest();
    const left = this.inBuf;
    if (left && left.buffer === buf.buffer) this.inBuf = Buffer.from(left);
    return more;
  }

  /** Parses the buffered head; returns whether the client may be read further. */
  private parseRequest(): boolean {
    const buf = this.inBuf;
    if (!buf || buf.length === 0) return true;
    const r = parseRequestHead(buf, 0, this.limits);
    if (r.kind === 'incomplete') return true;
    if (r.kind === 'error') {
      this.session.frontend.counters.failedReq++;
      this.tx.terminate(this.session, 'P', 'R');
      this.sendError(r.status);
      return true;
    }
    this.inBuf = r.consumed < buf.length ? buf.subarray(r.consumed) : undefined;
    this.bytes.countIn(r.consumed);
    this.startTransaction(r.head);
    // An applet reading the request body (startApplet) keeps the client read too.
    return this.phase === 'head' || this.phase === 'closing' || this.applet !== undefined;
  }

  private startTransaction(req: RequestHead): void {
    this.req = req;
    this.tx.headAt = this.clock.now();
    this.tx.requestLine = `${req.method} ${req.target} HTTP/1.${req.version === 10 ? 0 : 1}`;
    this.session.server = undefined;
    this.phase = 'connecting';
    this.respPhase = 'idle';
    this.respStarted = false;
    this.cancelTimer();
    const txn = this.txn;
    txn.begin(req, this.tx.headAt);
    const fc = this.session.frontend.counters;
    fc.countHttpRequest(this.tx.headAt, true);
    const mon = this.fe.monitorUri;
    if (mon !== undefined && req.path === mon) {
      // configuration.txt "monitor-uri": answered here, never forwarded nor logged.
      this.tx.logged = true;
      fc.intercepted++;
      txn.status = monitorStatus(this.fe, txn);
      // http_wait_for_request(): a failed monitor request is answered and closed.
      this.answerLocally(txn.status, txn.status === 200 && req.bodyKind === 'none');
      return;
    }
    // configuration.txt 4.3 / ARCHITECTURE "One HTTP request": frontend
    // rules, use_backend, then the backend's rules.
    if (this.feRules.request.length > 0 && this.ruleStage(runRules(this.feRules.request, txn))) return;
    const be = this.session.frontend.selectBackend(txn);
    if (be) {
      this.backend = be;
      this.session.backend = be;
      this.bytes.onBackend(be.counters);
      txn.backend = be.name;
      const br = this.beRules;
      if (br && br.request.length > 0 && this.ruleStage(runRules(br.request, txn))) return;
    }
    const statsOf = statsProxyFor(req, this.fe, be?.cfg);
    if (statsOf) {
      this.tx.logged = true;
      fc.intercepted++;
      txn.status = 200;
      if (req.bodyKind !== 'none' && this.ctx.statsHandler) {
        this.startApplet(new AppletCall(statsOf, undefined, this.bufsize));
        return;
      }
      const page = statsResponse(req, statsOf, this.session.conn.srcAddr, this.ctx);
      if (isPromise(page)) this.awaitAnswer(page);
      else this.sendStatsPage(page);
      return;
    }
    if (!be) {
      this.tx.terminate(this.session, 'P', 'R');
      this.sendError(503);
      return;
    }
    this.mode = connMode(this.fe.options, be.cfg.options);
    setPersistence(req, this.mode === 'keep-alive' && req.keepAlive);
    txn.addUniqueIdHeader();
    addForwardingHeaders(req, this.session.conn, this.fe, be.cfg, this.session.tls !== undefined, txn);
    this.pickCtx.hashKey = balanceKey(req, be.cfg.balance);
    const ck = be.cfg.cookie;
    const verdict = ck ? requestCookie(req, be, ck, this.clock) : undefined;
    this.cookieServer = verdict?.server;
    if (verdict) this.tx.cookie = `${verdict.flag}N`;
    // `stick match`/`stick on` (stick/persist.ts): a cookie's server wins, the entries are refreshed anyway.
    const sticky = stickServer(be, this.txn, this.tx.headAt);
    this.pickCtx.force = this.cookieServer ?? sticky;
    const connector = new Connector(be, this, this.clock);
    this.connector = connector;
    this.session.connector = connector;
    connector.start();
  }

  /**
   * Acts on what a request rule set decided; true when the transaction was
   * answered here. A deny counts on the frontend (and on the backend once
   * chosen) and closes the connection; `return` and `redirect` are answered
   * locally ("LR") and keep it.
   */
  private ruleStage(out: RuleOutcome): boolean {
    if (out === undefined || out.kind === 'allow') return false;
    const s = this.session;
    if (out.kind === 'service') {
      // http_process_req_common(): an applet counts as intercepted when the frontend's rule chose it.
      if (out.proxy === this.fe) s.frontend.counters.intercepted++;
      this.tx.terminate(s, 'L', 'R');
      this.startApplet(new AppletCall(out.proxy, out.name, this.bufsize));
      return true;
    }
    const fc = s.frontend.counters;
    const bc = this.backend?.counters;
    if (out === REWRITE_FAILED) {
      fc.failedRewrites++;
      fc.internalErrors++;
      if (bc) bc.failedRewrites++;
      this.tx.terminate(s, 'P', 'R');
    } else if (out.denied) {
      fc.deniedReq++;
      if (bc) bc.deniedReq++;
      this.tx.terminate(s, 'P', 'R');
    } else {
      fc.intercepted++;
      this.tx.terminate(s, 'L', 'R');
      // An authentication challenge counts as an HTTP error on tracked entries (HAProxy's auth action).
      if (out.status === 401 || out.status === 407) {
        for (const e of this.txn.sc) e?.countHttpError(this.clock.now());
      }
    }
    this.sendReply(out, !out.denied);
    return true;
  }

  protected replied(): void {
    this.nextRequest();
  }

  /** Answers with an applet, after reading the request body when there is one (forwardReqBody keeps it). */
  private startApplet(call: AppletCall): void {
    const req = this.req!;
    if (req.bodyKind === 'none' || req.bodyKind === 'tunnel') {
      this.appletAnswer(call);
      return;
    }
    this.applet = call;
    this.reqFramer = createBodyFramer(req.bodyKind, req.contentLength, this.limits);
    this.phase = 'body';
    this.last = this.clock.now();
    this.rearm();
    const rest = this.inBuf;
    this.inBuf = undefined;
    if (rest) this.forwardReqBody(rest, 0, rest.length);
    else if (this.reqFramer.done) this.requestDone(EMPTY, 0, 0);
    if (this.phase === 'body') resumeRead(this.session.client);
  }

  /** Sends the applet's reply, now or once the handler's promise settles. */
  private appletAnswer(call: AppletCall): void {
    const reply = call.answer(this.req!, this.session.conn.srcAddr, this.ctx.statsHandler);
    if (isPromise(reply)) this.awaitAnswer(reply);
    else this.sendReply(reply, true);
  }

  /**
   * Waits for the statsHandler's promised answer. The client is not read
   * meanwhile (pipelined requests wait in inBuf, in order); `timeout client`
   * bounds the wait (deadline()). An answer that comes after the client
   * left, or after that timeout answered, is dropped.
   */
  private awaitAnswer(answer: Promise<Buffer | RuleReply>): void {
    this.phase = 'applet';
    this.pendingAnswer = answer;
    this.last = this.clock.now();
    this.rearm();
    answer.then(
      (a) => this.answerCame(answer, a),
      () => this.answerCame(answer, undefined),
    );
  }

  /** `a`: the answer, or undefined when the handler failed (a 500, counted as an internal error). */
  private answerCame(answer: Promise<Buffer | RuleReply>, a: Buffer | RuleReply | undefined): void {
    if (this.pendingAnswer !== answer || this.phase !== 'applet') return;
    this.pendingAnswer = undefined;
    this.cancelTimer();
    if (a === undefined) {
      this.session.frontend.counters.internalErrors++;
      this.tx.terminate(this.session, 'P', 'H');
      this.sendError(500);
    } else if (Buffer.isBuffer(a)) this.sendStatsPage(a);
    else this.sendReply(a, true);
  }

  /** A stats page answered from the request head; the connection goes on when the request allows. */
  private sendStatsPage(page: Buffer): void {
    this.bytes.countOut(page.length);
    this.session.client.write(page);
    const req = this.req!;
    if (req.bodyKind === 'none' && req.keepAlive && !this.clientEnded) this.nextRequest();
    else this.closeClient();
  }

  /** A response produced here (monitor-uri); the connection goes on when `keep`. */
  private answerLocally(status: number, keep: boolean): void {
    const msg = errorMessage(status, this.fe, undefined);
    this.bytes.countOut(msg.length);
    this.session.client.write(msg);
    if (keep && this.req!.keepAlive) this.nextRequest();
    else this.closeClient();
  }

  /** Streams request body bytes buf[off, end) to the server. */
  private forwardReqBody(buf: Buffer, off: number, end: number): void {
    const f = this.reqFramer;
    if (!f) {
      this.requestDone(buf, off, end);
      return;
    }
    const r = f.feed(buf, off, end);
    if (r.used > 0) {
      this.bytes.countIn(r.used);
      if (this.applet) this.applet.push(buf.subarray(off, off + r.used));
      else this.writeServer(buf.subarray(off, off + r.used));
    }
    if (r.error !== undefined) {
      this.session.frontend.counters.failedReq++;
      this.tx.terminate(this.session, 'C', 'D');
      this.dropServer();
      if (this.respStarted) this.session.client.destroy();
      else this.sendError(400);
      return;
    }
    if (r.done) this.requestDone(buf, off + r.used, end);
  }

  /** The request is complete; what follows is the next request, kept for later. */
  private requestDone(buf: Buffer, off: number, end: number): void {
    if (off < end) this.inBuf = concat(this.inBuf, buf.subarray(off), end - off);
    this.phase = 'waiting';
    const applet = this.applet;
    this.applet = undefined;
    if (applet) this.appletAnswer(applet);
    else if (this.respPhase === 'done') this.finishTransaction();
  }

  /** Connector hook: an idle connection to `srv` this request may use (configuration.txt "http-reuse"). */
  reuseConnection(srv: Server): net.Socket | undefined {
    const own = this.privateConn;
    this.privateConn = undefined;
    if (own && own.server === srv && own.alive) {
      this.reused = own;
      return own.sock;
    }
    own?.sock?.destroy();
    const policy = this.backend!.cfg.httpReuse;
    // "safe": the first request of a client connection always gets its own connection.
    if (policy === 'never' || (policy === 'safe' && this.txCount === 0)) return undefined;
    const c = takeIdle(srv);
    if (!c) return undefined;
    this.reused = c;
    return c.sock;
  }

  upstreamReady(sock: net.Socket, server: Server | undefined): void {
    if (server && hasStickStores(this.backend!))
      stickStore(this.backend!, this.txn, server, this.clock.now());
    let c = this.reused;
    if (!c || c.sock !== sock) {
      c = this.attempt!;
      c.bind(sock, server);
    }
    this.reused = undefined;
    this.attempt = undefined;
    c.take(this);
    this.sc = c;
    const s = this.session;
    s.server = server;
    if (server) this.bytes.onServer(server.counters);
    const k = this.connector!;
    s.tQueue = k.queueTime;
    s.tConnect = k.connectTime;
    this.tx.connectedAt = this.clock.now();
    this.tx.queueTime = k.queueTime;
    this.tx.connectTime = k.connectTime;
    this.tx.serverConnected(sock);
    this.tx.retries = k.retries;
    this.tx.redispatched = k.redispatched;
    this.sendRequest();
  }

  upstreamFailed(failure: ConnectFailure): void {
    const s = this.session;
    this.tx.retries = this.connector!.retries;
    this.tx.redispatched = this.connector!.redispatched;
    if (failure === 'queue-timeout') this.tx.terminate(s, 's', 'Q');
    else if (failure === 'queue-full') this.tx.terminate(s, 'S', 'Q');
    else if (failure === 'connect-failed' && this.connector!.lastAttemptTimedOut)
      this.tx.terminate(s, 's', 'C');
    else this.tx.terminate(s, 'S', 'C');
    this.sendError(503);
  }

  private sendRequest(): void {
    const req = this.req!;
    const srv = this.session.server;
    if (srv) srv.counters.reqTot++;
    this.respPhase = 'head';
    this.respBuf = undefined;
    this.selectCompression();
    this.writeServer(serializeRequestHead(req));
    this.reqFramer =
      req.bodyKind === 'none' || req.bodyKind === 'tunnel'
        ? undefined
        : createBodyFramer(req.bodyKind, req.contentLength, this.limits);
    this.phase = 'body';
    this.last = this.clock.now();
    this.rearm();
    const rest = this.inBuf;
    this.inBuf = undefined;
    if (rest) this.forwardReqBody(rest, 0, rest.length);
    else if (!this.reqFramer || this.reqFramer.done) this.requestDone(EMPTY, 0, 0);
    if (this.phase === 'body' && !this.clientPaused) resumeRead(this.session.client);
  }

  protected finishTransaction(): void {
    if (this.clientKeep && this.session.client.writable) this.nextRequest();
    else this.closeClient();
  }

  /** The transaction is over: status counters, stick counters, variables. */
  private endTxn(): void {
    const txn = this.txn;
    const status = txn.status;
    if (status > 0) {
      this.session.frontend.counters.countHttpStatus(status);
      const bc = this.backend?.counters;
      if (bc) {
        bc.countHttpStatus(status);
        bc.countHttpRequest(txn.now, false);
      }
    }
    txn.end(status, this.clock.now());
  }

  private nextRequest(): void {
    this.endTxn();
    this.txCount++;
    this.req = undefined;
    this.resp = undefined;
    this.reqFramer = undefined;
    this.respFramer = undefined;
    this.respPhase = 'idle';
    this.phase = 'head';
    this.clientPaused = false;
    this.reqStart = this.clock.now();
    this.tx.reset(this.reqStart, this.clock.wallNow());
    this.bytes.begin();
    if (this.inBuf && this.inBuf.length > 0) this.tx.sawRequest(this.reqStart);
    this.rearm();
    if (this.inBuf && !this.parseRequest()) return;
    if (this.phase === 'head') resumeRead(this.session.client);
  }

  private readonly onClientEnd = (): void => {
    this.clientEnded = true;
    if (this.tunnel) {
      this.tunnel.clientEnded();
      return;
    }
    switch (this.phase) {
      case 'closing':
        this.session.client.destroy();
        return;
      case 'head':
        if (this.inBuf && this.inBuf.length > 0) this.tx.terminate(this.session, 'C', 'R');
        this.closeClient();
        return;
      case 'body':
        this.tx.terminate(this.session, 'C', 'D');
        this.dropServer();
        this.session.client.destroy();
        return;
      default:
        // The request is complete: the response still goes out, then the connection closes.
        this.clientKeep = false;
    }
  };

  private readonly onClientClose = (): void => {
    this.cancelTimer();
    this.pendingAnswer = undefined;
    // Logged before the transaction ends: the line may print its variables.
    if (this.phase !== 'head' && this.phase !== 'closing' && this.phase !== 'tunnel') {
      this.tx.emit(
        this.session,
        this.ctx,
        this.backend,
        this.session.server,
        this.resp?.status ?? -1,
        this.clock.now(),
      );
    }
    if (this.req) this.endTxn();
    if (this.tunnel) {
      this.tunnel.clientClosed();
      return;
    }
    this.dropServer();
    const own = this.privateConn;
    this.privateConn = undefined;
    own?.sock?.destroy();
    this.releaseConnector();
    this.session.finish();
  };
}
