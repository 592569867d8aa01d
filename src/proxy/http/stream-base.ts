/**
 * The state of one `mode http` client connection (stream.ts) and what both of
 * its sides use: writes with back-pressure, the error answer, closing, and
 * the timeouts of each phase (configuration.txt 4 "timeout http-request",
 * "timeout http-keep-alive", "timeout client", "timeout server").
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
import type { ServerConn } from './server-conn.js';
import type { HttpTunnel } from './tunnel.js';
import { TxLog } from './tx-log.js';

export type Phase = 'head' | 'connecting' | 'body' | 'waiting' | 'tunnel' | 'closing';
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
  }
  protected writeServer(b: Buffer): void {
    const sock = this.sc!.sock!;
    if (!sock.write(b)) this.clientPaused = true;
    if (sock.writableLength > 0) this.session.clientPort.detach();
  }

  protected writeClient(b: Buffer): void {
    this.tx.bytes += b.length;
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
    this.dropServer();
    this.releaseConnector();
    const msg = errorMessage(status, this.fe, this.backend?.cfg);
    this.tx.bytes += msg.length;
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
