/**
 * `mode tcp` forwarding: a full-duplex tunnel between the client and the
 * server socket. Each direction reads into its socket's buffer and writes
 * the bytes to the other socket at once; the kernel usually takes them
 * synchronously, otherwise the read buffer is handed over to the pending
 * write, reading pauses when the peer's queue is full and resumes on 'drain'.
 *
 * Timeouts follow HAProxy's meanings (configuration.txt "timeout client",
 * "timeout server", "timeout tunnel", "timeout client-fin", "timeout
 * server-fin"): inactivity is bounded by the client and the server timeout;
 * once connected both sides use `timeout tunnel` when set; once a side is
 * half-closed the *-fin value applies when set. Each moved chunk counts as
 * activity of both sockets (it was read from one and written to the other,
 * and HAProxy refreshes the read timeout on write activity). Rather than
 * re-arming a timer per chunk, a chunk only stores the time and one timer per
 * tunnel checks the deadline when it fires; the side that times out is the
 * one whose timeout is shorter, or the one not draining its pending data. A FIN is forwarded
 * as a FIN (half-close), an error as a reset. Errors and timeouts are counted
 * as HAProxy's process_stream() does: client error or timeout → cli_abrt;
 * server error → eresp and srv_abrt; server timeout → srv_abrt.
 */
import type net from 'node:net';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { ConnInfo } from '../acl/types.js';
import type { Backend } from '../backend.js';
import { ReadPort, type ReadSink, resumeRead } from '../conn.js';
import { type ConnectFailure, Connector, type UpstreamClient } from '../connector.js';
import type { ProxyCounters } from '../counters.js';
import type { PickContext } from '../lb/types.js';
import type { ModeContext } from '../mode.js';
import type { Server } from '../server.js';
import type { Session } from '../session.js';
import { emitTcpLog } from './tcplog.js';

/** One direction of the tunnel. Fields are set once the server is connected. */
class Half implements ReadSink {
  paused = false;
  readonly toServer: boolean;
  private readonly t: TcpTunnel;
  private src!: net.Socket;
  private dst!: net.Socket;
  private port!: ReadPort;
  private fe!: ProxyCounters;
  private be!: ProxyCounters;
  private srv: ProxyCounters | undefined;

  constructor(t: TcpTunnel, toServer: boolean) {
    this.t = t;
    this.toServer = toServer;
  }

  wire(src: net.Socket, dst: net.Socket, port: ReadPort, s: Session): void {
    this.src = src;
    this.dst = dst;
    this.port = port;
    this.fe = s.frontend.counters;
    this.be = s.backend!.counters;
    this.srv = s.server?.counters;
  }

  onData(n: number, buf: Buffer): boolean {
    const dst = this.dst;
    const ok = dst.write(buf.subarray(0, n));
    if (dst.writableLength > 0) this.port.detach();
    this.t.last = this.t.clock.now();
    this.count(n);
    if (ok) return true;
    this.paused = true;
    return false;
  }

  /** Counts n bytes moved in this direction (session, frontend, backend, server). */
  count(n: number): void {
    if (this.toServer) {
      this.t.session.bytesIn += n;
      this.fe.bytesIn += n;
      this.be.bytesIn += n;
      if (this.srv) this.srv.bytesIn += n;
    } else {
      this.t.session.bytesOut += n;
      this.fe.bytesOut += n;
      this.be.bytesOut += n;
      if (this.srv) this.srv.bytesOut += n;
    }
  }

  /** The destination drained: that is activity, and the source may be read again. */
  readonly drain = (): void => {
    this.t.last = this.t.clock.now();
    if (!this.paused) return;
    this.paused = false;
    resumeRead(this.src);
  };
}

export class TcpTunnel implements UpstreamClient {
  readonly session: Session;
  readonly serverPort: ReadPort;
  readonly serverOnRead: net.OnReadOpts;
  readonly serverKeepAlive: boolean;
  serverSock: net.Socket | undefined;
  readonly clock: Clock;
  private readonly ctx: ModeContext;
  /** Time of the last data movement (monotonic ms). */
  last = 0;
  private timer: TimerHandle | undefined;
  private cliTimeout: number | undefined;
  private srvTimeout: number | undefined;
  private readonly c2s: Half;
  private readonly s2c: Half;
  private readonly connector: Connector;
  private clientEnded = false;
  private serverEnded = false;
  private clientClosed = false;
  private serverClosed = true;
  /** Client bytes read before the tunnel existed (after a PROXY header), sent first. */
  private pending: Buffer | undefined;
  /** A connection to a server was attempted: the queue stage is over (%Tw of the log line). */
  private leftQueue = false;

  constructor(session: Session, backend: Backend, ctx: ModeContext, pending: Buffer | undefined) {
    this.session = session;
    this.ctx = ctx;
    const clock = ctx.clock;
    const bufsize = ctx.bufsize;
    this.clock = clock;
    this.pending = pending;
    this.c2s = new Half(this, true);
    this.s2c = new Half(this, false);
    this.serverPort = new ReadPort(bufsize, this.s2c);
    this.serverOnRead = this.serverPort.onread;
    const opts = backend.cfg.options;
    this.serverKeepAlive = opts.tcpka || opts.srvtcpka;
    session.backend = backend;
    this.connector = new Connector(backend, this, clock);
    session.connector = this.connector;
    const client = session.client;
    client.on('error', this.onClientError);
    client.on('close', this.onClientClose);
    session.abort = () => this.abort();
  }

  get pickCtx(): PickContext {
    return this.session.pickCtx;
  }

  get conn(): ConnInfo {
    return this.session.conn;
  }

  start(): void {
    this.connector.start();
  }

  upstreamReady(sock: net.Socket, server: Server | undefined): void {
    const s = this.session;
    s.server = server;
    s.tQueue = this.connector.queueTime;
    s.tConnect = this.connector.connectTime;
    this.serverSock = sock;
    this.serverClosed = false;
    this.leftQueue = true;
    sock.on('error', this.onServerError);
    sock.on('close', this.onServerClose);
    sock.on('end', this.onServerEnd);
    sock.on('drain', this.c2s.drain);
    const client = s.client;
    client.on('end', this.onClientEnd);
    client.on('drain', this.s2c.drain);
    this.c2s.wire(client, sock, s.clientPort, s);
    this.s2c.wire(sock, client, this.serverPort, s);
    this.last = this.clock.now();
    this.applyTimeouts();
    if (this.pending) {
      this.c2s.count(this.pending.length);
      sock.write(this.pending);
    }
    this.pending = undefined;
    s.clientPort.sink = this.c2s;
    resumeRead(client);
  }

  upstreamFailed(failure: ConnectFailure): void {
    const s = this.session;
    this.leftQueue = failure === 'connect-failed';
    if (failure === 'queue-timeout') s.terminate('s', 'Q');
    else if (failure === 'queue-full') s.terminate('S', 'Q');
    else if (failure === 'connect-failed' && this.connector.lastAttemptTimedOut) s.terminate('s', 'C');
    else s.terminate('S', 'C');
    s.client.destroy();
  }

  /** Inactivity timeouts of both sides for the current state (see file comment). */
  private applyTimeouts(): void {
    const s = this.session;
    const fe = s.frontend.cfg.timeouts;
    const be = s.backend!.cfg.timeouts;
    const half = this.clientEnded || this.serverEnded;
    this.cliTimeout = (half ? fe.clientFin : undefined) ?? be.tunnel ?? fe.client;
    this.srvTimeout = (half ? be.serverFin : undefined) ?? be.tunnel ?? be.server;
    this.timer?.cancel();
    this.timer = undefined;
    this.arm();
  }

  private arm(): void {
    const t = Math.min(
      this.cliTimeout ?? Number.POSITIVE_INFINITY,
      this.srvTimeout ?? Number.POSITIVE_INFINITY,
    );
    if (t === Number.POSITIVE_INFINITY) return;
    const wait = Math.max(1, this.last + t - this.clock.now());
    this.timer = this.clock.setTimeout(this.onTimer, wait);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    const idle = this.clock.now() - this.last;
    const cliOut = this.cliTimeout !== undefined && idle >= this.cliTimeout;
    const srvOut = this.srvTimeout !== undefined && idle >= this.srvTimeout;
    if (!cliOut && !srvOut) {
      this.arm();
      return;
    }
    // Both expired: blame the side that does not take its pending data, else the client.
    const client = cliOut && (!srvOut || this.s2c.paused || !this.c2s.paused);
    this.session.terminate(client ? 'c' : 's', 'D');
    this.countAbort(client);
    this.abort();
  };

  private readonly onClientEnd = (): void => {
    this.clientEnded = true;
    const srv = this.serverSock;
    if (srv && !srv.writableEnded) srv.end();
    this.applyTimeouts();
  };

  private readonly onServerEnd = (): void => {
    this.serverEnded = true;
    const client = this.session.client;
    if (!client.writableEnded) client.end();
    this.applyTimeouts();
  };

  private countAbort(client: boolean): void {
    const s = this.session;
    const be = s.backend!.counters;
    const fe = s.frontend.counters;
    const srv = s.server?.counters;
    if (client) {
      be.cliAborts++;
      fe.cliAborts++;
      if (srv) srv.cliAborts++;
    } else {
      be.srvAborts++;
      fe.srvAborts++;
      if (srv) srv.srvAborts++;
    }
  }

  private readonly onClientError = (): void => {
    if (this.serverSock) {
      this.session.terminate('C', 'D');
      this.countAbort(true);
      this.serverSock.resetAndDestroy();
    } else {
      const queued = this.connector.state === 'queued';
      this.leftQueue = !queued && this.connector.state !== 'idle';
      this.session.terminate('C', queued ? 'Q' : 'C');
      this.connector.release();
    }
  };

  private readonly onServerError = (): void => {
    const s = this.session;
    s.terminate('S', 'D');
    s.backend!.counters.failedResp++;
    if (s.server) s.server.counters.failedResp++;
    this.countAbort(false);
    if (!s.client.destroyed) s.client.resetAndDestroy();
  };

  /** Closes both sides at once (timeouts, engine stop). */
  abort(): void {
    this.serverSock?.destroy();
    this.session.client.destroy();
  }

  private readonly onClientClose = (): void => {
    this.clientClosed = true;
    const srv = this.serverSock;
    if (srv && !this.serverClosed && !(this.clientEnded && this.serverEnded)) srv.destroy();
    this.maybeFinish();
  };

  private readonly onServerClose = (): void => {
    this.serverClosed = true;
    this.connector.serverClosed();
    const client = this.session.client;
    if (!this.clientClosed && !(this.clientEnded && this.serverEnded)) client.destroy();
    this.maybeFinish();
  };

  private maybeFinish(): void {
    if (!this.clientClosed || !this.serverClosed) return;
    this.timer?.cancel();
    this.timer = undefined;
    // The log line counts the backend and server without this session (fixture in tcplog.ts).
    this.connector.release();
    emitTcpLog(this.session, this.ctx, { leftQueue: this.leftQueue });
    this.session.finish();
  }
}
