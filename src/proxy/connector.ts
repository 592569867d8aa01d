/**
 * Establishes the server-side connection of a session: server assignment or
 * queueing, connect with `timeout connect`, and on failure HAProxy's retry
 * logic (backend.c back_handle_st_cer, stream.h stream_choose_redispatch,
 * with the 2.6 fix counting a retry only once one is really attempted):
 * - `retries N` allows N more attempts after the first one;
 * - a failed attempt (refused, reset, unreachable) waits min(timeout connect,
 *   1 s) before retrying the same server ("turn-around"); a connect timeout
 *   retries at once;
 * - with `option redispatch [P]` the retry moves to another server every Pth
 *   retry (P > 0), or on the |P|th retry before the last (P < 0, -1 = last),
 *   or whenever the server is down, or at once for round-robin algorithms
 *   with more than one active server.
 * The connector holds the server slot until the session ends.
 */
import net from 'node:net';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { ConnInfo, SampleContext } from './acl/types.js';
import type { Backend, SlotWaiter } from './backend.js';
import type { PickContext } from './lb/types.js';
import { encodeProxyV1, encodeProxyV2 } from './proxy-protocol.js';
import type { PendQueue, QueueNode } from './queue.js';
import type { Server } from './server.js';
import { serverTls } from './tls/server-tls.js';

export type ConnectFailure = 'no-server' | 'queue-timeout' | 'queue-full' | 'connect-failed';

/** The side that wants an upstream connection (the TCP tunnel, later the HTTP stream). */
export interface UpstreamClient {
  readonly pickCtx: PickContext;
  readonly conn: ConnInfo;
  /** Read options for the server socket, so its data goes straight to the client's sink. */
  readonly serverOnRead: net.OnReadOpts | undefined;
  /** TCP keep-alive toward servers (`option tcpka` / `srvtcpka`). */
  readonly serverKeepAlive: boolean;
  upstreamReady(sock: net.Socket, server: Server | undefined): void;
  upstreamFailed(failure: ConnectFailure, server: Server | undefined): void;
  /** The client's session (ssl_fc_sni …), for the `sni` expression of a server with `ssl`. */
  readonly session?: Pick<SampleContext, 'conn' | 'tls'>;
  /** The request in progress (req.hdr() …) in mode http, read by `sni` before `session`. */
  readonly sample?: SampleContext;
  /**
   * An idle connection to `server` to use instead of connecting (HTTP's
   * `http-reuse`, configuration.txt 4); asked before the first attempt only.
   */
  reuseConnection?(server: Server): net.Socket | undefined;
}

type State = 'idle' | 'queued' | 'connecting' | 'turnaround' | 'ready' | 'done';

/** HAProxy never waits more than one second between two attempts. */
const MAX_TURNAROUND_MS = 1000;

export class Connector implements SlotWaiter {
  qPrev: QueueNode | null = null;
  qNext: QueueNode | null = null;
  qOwner: PendQueue | null = null;
  qSeq = 0;
  /** Server whose slot we hold (or whose queue we are in). */
  server: Server | undefined;
  /** Retries performed (stream's conn_retries). */
  retries = 0;
  /** A retry moved to another server (HAProxy's SF_REDISP: the '+' before the retries in logs). */
  redispatched = false;
  state: State = 'idle';
  private readonly backend: Backend;
  private readonly client: UpstreamClient;
  private readonly clock: Clock;
  private sock: net.Socket | undefined;
  private timer: TimerHandle | undefined;
  private holdsSlot = false;
  private attached = false;
  private queuedAt = 0;
  private attemptAt = 0;
  /** Time spent queued and in the successful connect, ms (-1 when not reached). */
  queueTime = -1;
  connectTime = -1;
  /** The last failed attempt hit `timeout connect` (termination state sC rather than SC). */
  lastAttemptTimedOut = false;

  constructor(backend: Backend, client: UpstreamClient, clock: Clock) {
    this.backend = backend;
    this.client = client;
    this.clock = clock;
  }

  start(): void {
    this.backend.attach();
    this.attached = true;
    this.backend.counters.countSession(this.clock.now(), this.clock.wallNow());
    this.assign(undefined);
  }

  private assign(avoid: Server | undefined): void {
    const ctx = this.client.pickCtx;
    ctx.now = this.clock.now();
    ctx.avoid = avoid;
    const a = this.backend.assign(this, ctx);
    ctx.avoid = undefined;
    if (avoid) this.countRetry(avoid, a.kind === 'slot' || a.kind === 'queued' ? a.server : undefined);
    switch (a.kind) {
      case 'slot':
        this.holdsSlot = true;
        this.server = a.server;
        this.connect();
        return;
      case 'dispatch':
        this.server = undefined;
        this.connect();
        return;
      case 'queued':
        this.server = a.server;
        this.enterQueue();
        return;
      case 'no-server':
        this.fail('no-server', undefined);
        return;
      case 'queue-full':
        this.server = a.server;
        this.fail('queue-full', a.server);
        return;
    }
  }

  /**
   * assign_server_and_queue(): landing anywhere but on the previous server
   * (including nowhere yet: queued in the backend) counts a redispatch, else a retry.
   */
  private countRetry(prev: Server, next: Server | undefined): void {
    if (next !== prev) {
      prev.counters.redispatches++;
      this.backend.counters.redispatches++;
      this.redispatched = true;
    } else {
      prev.counters.retries++;
      this.backend.counters.retries++;
    }
  }

  /** `timeout queue`, defaulting to `timeout connect` (configuration.txt). */
  private enterQueue(): void {
    this.state = 'queued';
    this.queuedAt = this.clock.now();
    const t = this.backend.cfg.timeouts;
    const limit = t.queue ?? t.connect;
    if (limit !== undefined) this.timer = this.clock.setTimeout(() => this.queueExpired(), limit);
  }

  private queueExpired(): void {
    this.timer = undefined;
    if (this.state !== 'queued') return;
    this.backend.unqueue(this);
    this.queueTime = this.clock.now() - this.queuedAt;
    this.fail('queue-timeout', this.server);
  }

  slotGranted(server: Server): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.queueTime = this.clock.now() - this.queuedAt;
    this.holdsSlot = true;
    this.server = server;
    if (this.state === 'queued') this.connect();
    else this.releaseSlot();
  }

  reassign(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.state !== 'queued') return;
    this.state = 'idle';
    this.assign(undefined);
  }

  private connectOptions(): net.NetConnectOpts {
    const srv = this.server;
    const conn = this.client.conn;
    const addr = srv ? srv.cfg.addr : this.backend.cfg.dispatch!;
    if (addr.family === 'unix' || addr.family === 'abns') {
      const path = addr.family === 'abns' ? `\0${addr.path}` : (addr.path ?? '');
      return { path, allowHalfOpen: true, onread: this.client.serverOnRead };
    }
    // configuration.txt "server": no address means the client's destination address,
    // no port (or a +/- offset) means the client's destination port (with the offset).
    const host = addr.host && addr.host !== '0.0.0.0' && addr.host !== '::' ? addr.host : conn.dstAddr;
    // A server's port may have changed at run time (`set server addr … port`).
    const port = srv
      ? srv.connectPort(conn.dstPort)
      : addr.portOffset !== undefined
        ? conn.dstPort + addr.portOffset
        : addr.port || conn.dstPort;
    const source = srv?.cfg.source ?? this.backend.cfg.source;
    return {
      host: srv?.connectHost ?? host,
      port,
      allowHalfOpen: true,
      noDelay: true,
      keepAlive: this.client.serverKeepAlive,
      onread: this.client.serverOnRead,
      ...(source?.host ? { localAddress: source.host } : {}),
      ...(source?.port ? { localPort: source.port } : {}),
    };
  }

  private connect(): void {
    this.attemptAt = this.clock.now();
    const srv = this.server;
    const tlsSetup = srv?.cfg.ssl ? serverTls(srv.cfg, srv.log) : undefined;
    const sni = tlsSetup?.serverName(this.client.sample ?? this.client.session);
    let idle = srv && this.retries === 0 ? this.client.reuseConnection?.(srv) : undefined;
    if (idle && tlsSetup && !tlsSetup.mayReuse(idle, sni)) {
      idle.destroy();
      idle = undefined;
    }
    if (idle && srv) {
      srv.counters.countSession(this.attemptAt, this.clock.wallNow());
      srv.observe('l4-ok');
      this.state = 'ready';
      this.connectTime = 0;
      this.client.upstreamReady(idle, srv);
      return;
    }
    this.state = 'connecting';
    const counters = this.backend.counters;
    counters.connect++;
    if (srv) {
      srv.counters.connect++;
      srv.counters.countSession(this.attemptAt, this.clock.wallNow());
    }
    const opts = this.connectOptions();
    // A TLS server's bytes are read by the TLS socket layered over this one.
    const raw = net.connect(tlsSetup ? { ...opts, onread: undefined } : opts);
    const proxyVersion = srv?.cfg.sendProxy ?? 0;
    if (proxyVersion !== 0) {
      raw.write(proxyVersion === 1 ? encodeProxyV1(this.client.conn) : encodeProxyV2(this.client.conn));
    }
    const sock = tlsSetup && srv && opts.onread ? tlsSetup.connect(raw, sni, opts.onread, srv.log) : raw;
    this.sock = sock;
    sock.once(sock === raw ? 'connect' : 'secureConnect', this.onConnect);
    sock.once('error', this.onError);
    const limit = this.backend.cfg.timeouts.connect;
    if (limit !== undefined) this.timer = this.clock.setTimeout(this.onConnectTimeout, limit);
  }

  private readonly onConnect = (): void => {
    this.timer?.cancel();
    this.timer = undefined;
    const sock = this.sock!;
    sock.off('error', this.onError);
    this.state = 'ready';
    this.connectTime = this.clock.now() - this.attemptAt;
    this.server?.observe('l4-ok');
    this.client.upstreamReady(sock, this.server);
  };

  private readonly onError = (): void => {
    this.timer?.cancel();
    this.timer = undefined;
    this.lastAttemptTimedOut = false;
    this.attemptFailed(true);
  };

  private readonly onConnectTimeout = (): void => {
    this.timer = undefined;
    this.lastAttemptTimedOut = true;
    this.attemptFailed(false);
  };

  private dropSocket(): void {
    const sock = this.sock;
    if (!sock) return;
    this.sock = undefined;
    sock.off('connect', this.onConnect);
    sock.off('secureConnect', this.onConnect);
    sock.off('error', this.onError);
    sock.on('error', () => {});
    sock.destroy();
  }

  /** back_handle_st_cer(): `asyncError` is a refused/reset connect (turn-around applies). */
  private attemptFailed(asyncError: boolean): void {
    this.dropSocket();
    // back_handle_st_cer(): each failed attempt, refused or timed out, is a layer-4 error.
    this.server?.observe('l4-err');
    const be = this.backend;
    const srv = this.server;
    if (this.retries >= be.cfg.retries) {
      this.fail('connect-failed', srv);
      return;
    }
    this.retries++;
    const redispatch = srv !== undefined && this.shouldRedispatch(srv);
    if (redispatch) this.releaseSlot();
    else {
      // The same server (or the dispatch address) is tried again.
      if (srv) srv.counters.retries++;
      be.counters.retries++;
    }
    const rrKind = be.balancer.roundRobinKind;
    const wait = asyncError && (!redispatch || !rrKind || be.srvAct <= 1);
    const next = () => (redispatch ? this.assign(srv) : this.connect());
    if (!wait) {
      next();
      return;
    }
    const connectTimeout = be.cfg.timeouts.connect;
    const delay =
      connectTimeout !== undefined ? Math.min(connectTimeout, MAX_TURNAROUND_MS) : MAX_TURNAROUND_MS;
    this.state = 'turnaround';
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      next();
    }, delay);
  }

  /** stream_choose_redispatch(). */
  private shouldRedispatch(srv: Server): boolean {
    const be = this.backend;
    const every = be.cfg.redispatch;
    if (every === 0 || be.cfg.options.persist) return false;
    if (!srv.running()) return true;
    if (every > 0 && this.retries % every === 0) return true;
    const span = be.cfg.retries + 1 + every;
    if (every < 0 && span > 0 && this.retries % span === 0) return true;
    return be.srvAct > 1 && be.balancer.roundRobinKind;
  }

  private fail(why: ConnectFailure, srv: Server | undefined): void {
    this.state = 'done';
    if (srv && why !== 'no-server') srv.counters.failedConns++;
    this.backend.counters.failedConns++;
    this.releaseSlot();
    this.client.upstreamFailed(why, srv);
  }

  /**
   * The server-side connection is closed: its slot goes to the next waiter
   * now, even if the client side is still draining (HAProxy releases the slot
   * when the server stream connector reaches SC_ST_DIS, stream.c).
   */
  serverClosed(): void {
    this.releaseSlot();
  }

  private releaseSlot(): void {
    if (!this.holdsSlot || !this.server) return;
    this.holdsSlot = false;
    this.backend.release(this.server);
  }

  /** The session ends: gives back the slot or the queue place, cancels a pending connect. */
  release(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.state === 'queued') this.backend.unqueue(this);
    if (this.state !== 'ready') this.dropSocket();
    this.state = 'done';
    this.releaseSlot();
    if (this.attached) {
      this.attached = false;
      this.backend.detach();
    }
  }
}
