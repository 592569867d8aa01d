/**
 * The state of one `mode http` client connection (stream.ts) and what both of
 * its sides use: writes with back-pressure and byte counts (tx-bytes.ts),
 * the error answer, closing, and the timeouts of each phase
 * (configuration.txt 4 "timeout http-request", "timeout http-keep-alive",
 * "timeout client", "timeout server").
 */
import type { ProxyConfig } from '../../config/haproxy/model.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Backend } from '../backend.js';
import { resumeRead } from '../conn.js';
import type { Connector } from '../connector.js';
import type { ModeContext } from '../mode.js';
import type { Server } from '../server.js';
import type { Session } from '../session.js';
import type { BodyFramer } from './body.js';
import type { ConnMode } from './conn-mode.js';
import { errorMessage } from './errors.js';
import type { HeadLimits, RequestHead, ResponseHead } from './head.js';
import { REWRITE_FAILED } from './rules/actions-headers.js';
import { type CompiledRule, type HttpRuleSet, httpRulesOf, runRules } from './rules/compile.js';
import { buildReply, runAfterRules } from './rules/reply.js';
import { HttpTxn } from './rules/txn.js';
import type { RuleReply } from './rules/types.js';
import type { ServerConn } from './server-conn.js';
import type { HttpTunnel } from './tunnel.js';
import { TxBytes } from './tx-bytes.js';
import { TxLog } from './tx-log.js';

/** `applet`: the request is complete and the statsHandler's promised answer is awaited. */
export type Phase = 'head' | 'connecting' | 'body' | 'waiting' | 'applet' | 'tunnel' | 'closing';
export type RespPhase = 'idle' | 'head' | 'body' | 'done';

/** How long a closing connection lingers for the client's FIN before it is cut. */
const LINGER_MS = 1000;

export const EMPTY = Buffer.alloc(0);

export function concat(a: Buffer | undefined, b: Buffer, n: number): Buffer {
  if (!a || a.length === 0) return Buffer.from(b.subarray(0, n));
  return Buffer.concat([a, b.subarray(0, n)]);
}

export abstract class StreamBase {
  readonly session: Session;
  protected readonly ctx: ModeContext;
  protected readonly tx = new TxLog();
  /** The transaction as rules and fetches see it (one per connection, reset per request). */
  protected readonly txn: HttpTxn;
  protected readonly feRules: HttpRuleSet;
  protected readonly clock: Clock;
  protected readonly limits: HeadLimits;
  protected readonly bufsize: number;
  protected readonly fe: ProxyConfig;
  protected phase: Phase = 'head';
  protected respPhase: RespPhase = 'idle';
  /** Client bytes read but not yet handled (a partial head, pipelined requests). */
  protected inBuf: Buffer | undefined;
  protected req: RequestHead | undefined;
  protected reqFramer: BodyFramer | undefined;
  protected resp: ResponseHead | undefined;
  protected respBuf: Buffer | undefined;
  protected respFramer: BodyFramer | undefined;
  protected respStarted = false;
  protected clientKeep = false;
  protected clientEnded = false;
  protected backend: Backend | undefined;
  protected mode: ConnMode = 'keep-alive';
  protected connector: Connector | undefined;
  protected sc: ServerConn | undefined;
  protected attempt: ServerConn | undefined;
  protected reused: ServerConn | undefined;
  /** `http-reuse never`: the idle connection stays with this client only. */
  protected privateConn: ServerConn | undefined;
  protected tunnel: HttpTunnel | undefined;
  /** The server the request's persistence cookie named, if valid. */
  protected cookieServer: Server | undefined;
  protected txCount = 0;
  protected reqStart: number;
  protected last = 0;
  protected timer: TimerHandle | undefined;
  /** When the pending timer fires (monotonic ms). */
  protected timerAt = 0;
  protected clientPaused = false;
  protected serverPaused = false;
  /** `bin`/`bout` of the current transaction. */
  protected readonly bytes: TxBytes;

  constructor(session: Session, ctx: ModeContext, limits: HeadLimits) {
    this.session = session;
    this.ctx = ctx;
    this.clock = ctx.clock;
    this.bufsize = ctx.bufsize;
    this.limits = limits;
    const now = this.clock.now();
    this.tx.reset(session.acceptedAt, this.clock.wallNow() - (now - session.acceptedAt));
    this.fe = session.frontend.cfg;
    this.reqStart = session.acceptedAt;
    this.feRules = httpRulesOf(this.fe);
    this.txn = new HttpTxn(session, this.fe.name);
    this.bytes = new TxBytes(session, this.tx);
  }

  /** The backend's rule set when it is not the frontend itself (a `listen` runs its rules once). */
  protected get beRules(): HttpRuleSet | undefined {
    const be = this.backend?.cfg;
    return be && be !== this.fe ? httpRulesOf(be) : undefined;
  }

  /** `http-after-response` sets in HAProxy's order: the backend's, then the frontend's. */
  protected afterSets(): (readonly CompiledRule[])[] {
    const out: (readonly CompiledRule[])[] = [];
    const be = this.beRules;
    if (be && be.after.length > 0) out.push(be.after);
    if (this.feRules.after.length > 0) out.push(this.feRules.after);
    return out;
  }

  /**
   * Answers with a rule's reply (or an error page through after-response
   * rules). The connection stays open only when `keep` and nothing of the
   * request remains unread.
   */
  protected sendReply(reply: RuleReply, keep: boolean): void {
    this.dropServer();
    this.releaseConnector();
    const req = this.req;
    const stay =
      keep &&
      req?.keepAlive === true &&
      req.bodyKind === 'none' &&
      this.mode !== 'close' &&
      !this.clientEnded &&
      !this.session.frontend.draining;
    const built = buildReply(
      reply,
      () => errorMessage(reply.status, this.fe, this.backend?.cfg),
      stay,
      req?.version ?? 11,
      this.afterSets(),
      this.txn,
    );
    this.txn.status = built.status;
    this.bytes.countOut(built.bytes.length);
    this.session.client.write(built.bytes);
    this.tx.emit(this.session, this.ctx, this.backend, this.session.server, built.status, this.clock.now());
    if (stay) this.replied();
    else this.closeClient();
  }

  /**
   * `http-response` rules on a server's response head: the backend's set,
   * then the frontend's. True when a rule answered instead (the server's
   * response is dropped with its connection; a deny counts on both proxies).
   */
  protected responseRulesAnswered(head: ResponseHead): boolean {
    const txn = this.txn;
    txn.resp = head;
    txn.status = head.status;
    const be = this.beRules;
    let out = be && be.response.length > 0 ? runRules(be.response, txn) : undefined;
    if (out?.kind !== 'reply' && this.feRules.response.length > 0) out = runRules(this.feRules.response, txn);
    if (out?.kind !== 'reply') return false;
    const s = this.session;
    if (out === REWRITE_FAILED) {
      s.frontend.counters.failedRewrites++;
      s.frontend.counters.internalErrors++;
      if (this.backend) this.backend.counters.failedRewrites++;
      this.tx.terminate(s, 'P', 'H');
    } else if (out.denied) {
      s.frontend.counters.deniedResp++;
      if (this.backend) this.backend.counters.deniedResp++;
      this.tx.terminate(s, 'P', 'H');
    } else this.tx.terminate(s, 'L', 'H');
    this.respPhase = 'done';
    this.sendReply(out, false);
    return true;
  }

  /** `http-after-response` rules on a server's response, just before it is sent. */
  protected afterResponseRules(head: ResponseHead): void {
    this.session.server?.counters.countHttpStatus(head.status);
    const sets = this.afterSets();
    if (sets.length > 0) runAfterRules(sets, this.txn, head);
    this.txn.status = head.status;
  }

  /** A reply went out on a connection that stays open: the next request may come. */
  protected abstract replied(): void;
  protected writeServer(b: Buffer): void {
    const sock = this.sc!.sock!;
    if (!sock.write(b)) this.clientPaused = true;
    if (sock.writableLength > 0) this.session.clientPort.detach();
  }

  protected writeClient(b: Buffer): void {
    this.bytes.countOut(b.length);
    const c = this.session.client;
    if (!c.write(b)) this.serverPaused = true;
    if (c.writableLength > 0 && c.writableCorked === 0) this.sc?.port.detach();
  }

  protected countServerError(): void {
    const s = this.session;
    s.backend!.counters.failedResp++;
    if (s.server) s.server.counters.failedResp++;
  }

  protected dropServer(): void {
    const c = this.sc;
    this.sc = undefined;
    if (!c) return;
    c.owner = undefined;
    c.sock?.destroy();
    this.connector?.serverClosed();
  }

  /**
   * Gives back the server slot. The session forgets the connector too: a
   * second release() would destroy the socket it connected, which may now be
   * idle in the pool.
   */
  protected releaseConnector(): void {
    this.connector?.release();
    this.connector = undefined;
    this.session.connector = undefined;
  }

  /** Sends the error answer for `status` and closes the connection. */
  protected sendError(status: number): void {
    if (this.req && (this.feRules.after.length > 0 || (this.beRules?.after.length ?? 0) > 0)) {
      this.sendReply({ kind: 'reply', status, headers: [], body: undefined, denied: false }, false);
      return;
    }
    this.dropServer();
    this.releaseConnector();
    this.txn.status = status;
    const msg = errorMessage(status, this.fe, this.backend?.cfg);
    // Without a parsed request this is the answer of HAProxy's H1 layer, outside any stream: not counted.
    if (this.req) this.bytes.countOut(msg.length);
    this.session.client.write(msg);
    this.tx.emit(this.session, this.ctx, this.backend, this.session.server, status, this.clock.now());
    this.closeClient();
  }

  /** Ends the client side, reading and discarding until its FIN (so no reset eats the answer). */
  protected closeClient(): void {
    if (this.phase === 'closing') return;
    this.phase = 'closing';
    this.inBuf = undefined;
    this.cancelTimer();
    const c = this.session.client;
    c.end();
    if (this.clientEnded) {
      c.destroy();
      return;
    }
    this.timer = this.clock.setTimeout(() => c.destroy(), this.fe.timeouts.clientFin ?? LINGER_MS);
    resumeRead(c);
  }

  abort(): void {
    this.dropServer();
    this.session.client.destroy();
  }

  protected cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /**
   * The phase or its activity changed. A pending timer that fires no later
   * than the new deadline is kept (it re-checks when it fires), so a busy
   * keep-alive connection does not create a timer per request.
   */
  protected rearm(): void {
    this.arm();
  }

  /** The deadline of the current phase (monotonic ms), or undefined for none. */
  protected deadline(): number | undefined {
    const fe = this.fe.timeouts;
    const be = this.backend?.cfg.timeouts;
    switch (this.phase) {
      case 'head': {
        const idle = this.txCount > 0 && (!this.inBuf || this.inBuf.length === 0);
        const t = idle ? (fe.httpKeepAlive ?? fe.httpRequest ?? fe.client) : (fe.httpRequest ?? fe.client);
        return t === undefined ? undefined : this.reqStart + t;
      }
      case 'body':
      case 'waiting': {
        const t =
          this.phase === 'waiting' && !this.respStarted ? be?.server : minDefined(fe.client, be?.server);
        return t === undefined ? undefined : this.last + t;
      }
      case 'applet':
        // No server timeout applies to the process's own answer; the client's bounds the wait.
        return fe.client === undefined ? undefined : this.last + fe.client;
      default:
        return undefined;
    }
  }

  protected arm(): void {
    const d = this.deadline();
    if (d === undefined) return;
    if (this.timer && this.timerAt <= d) return;
    this.timer?.cancel();
    this.timerAt = d;
    this.timer = this.clock.setTimeout(this.onTimer, Math.max(1, d - this.clock.now()));
  }

  protected readonly onTimer = (): void => {
    this.timer = undefined;
    const d = this.deadline();
    if (d === undefined) return;
    if (this.clock.now() < d) {
      this.arm();
      return;
    }
    this.expired();
  };

  protected expired(): void {
    const s = this.session;
    if (this.phase === 'head') {
      const idle = this.txCount > 0 && (!this.inBuf || this.inBuf.length === 0);
      if (idle) {
        this.closeClient();
        return;
      }
      this.tx.terminate(s, 'c', 'R');
      s.frontend.counters.failedReq++;
      this.sendError(408);
      return;
    }
    if (this.phase === 'applet') {
      // The handler's answer did not come while the client waited: a 504 (the answer is dropped if it comes).
      this.tx.terminate(s, 'c', 'H');
      this.sendError(504);
      return;
    }
    const serverSide = this.phase === 'waiting';
    this.tx.terminate(s, serverSide ? 's' : 'c', serverSide && !this.respStarted ? 'H' : 'D');
    if (serverSide) {
      s.backend!.counters.srvAborts++;
      if (!this.respStarted) {
        this.sendError(504);
        return;
      }
    } else if (!this.respStarted) {
      s.frontend.counters.failedReq++;
      this.sendError(408);
      return;
    }
    this.abort();
  }
}

export function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
