/**
 * After a 101 Switching Protocols (WebSocket, RFC 9110 §15.2.2) or a 2xx to
 * CONNECT, the connection is no longer HTTP: bytes are relayed both ways
 * untouched until either side closes, bounded by `timeout tunnel` (falling
 * back to the client and server timeouts, configuration.txt "timeout tunnel").
 * A FIN is forwarded as a FIN; a close or an error closes the other side.
 * The relayed bytes count as they move, as in `mode tcp`, on the counters of
 * the transaction that switched (tx-bytes.ts).
 */
import type net from 'node:net';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { type ReadPort, type ReadSink, resumeRead } from '../conn.js';
import type { Session } from '../session.js';
import type { ServerConn, ServerConnOwner } from './server-conn.js';
import type { TxBytes } from './tx-bytes.js';

class Direction implements ReadSink {
  paused = false;
  constructor(
    private readonly t: HttpTunnel,
    private readonly port: ReadPort,
    private readonly dst: () => net.Socket,
    private readonly toServer: boolean,
  ) {}

  onData(n: number, buf: Buffer): boolean {
    const dst = this.dst();
    const ok = dst.write(buf.subarray(0, n));
    if (dst.writableLength > 0) this.port.detach();
    this.t.last = this.t.clock.now();
    if (this.toServer) this.t.bytes.countIn(n);
    else this.t.bytes.countOut(n);
    if (ok) return true;
    this.paused = true;
    return false;
  }
}

export class HttpTunnel implements ServerConnOwner {
  readonly session: Session;
  readonly clock: Clock;
  last: number;
  private readonly conn: ServerConn;
  private readonly c2s: Direction;
  private readonly s2c: Direction;
  private readonly idleMs: number | undefined;
  private timer: TimerHandle | undefined;
  private readonly onClosed: () => void;

  constructor(
    session: Session,
    conn: ServerConn,
    clock: Clock,
    idleMs: number | undefined,
    /** The counters of the transaction that switched. */
    readonly bytes: TxBytes,
    onClosed: () => void,
  ) {
    this.session = session;
    this.conn = conn;
    this.clock = clock;
    this.idleMs = idleMs;
    this.onClosed = onClosed;
    this.last = clock.now();
    const sock = conn.sock!;
    this.c2s = new Direction(this, session.clientPort, () => sock, true);
    this.s2c = new Direction(this, conn.port, () => session.client, false);
  }

  /** Starts relaying; `toServer` / `toClient` are bytes already read past the heads. */
  start(toServer: Buffer | undefined, toClient: Buffer | undefined): void {
    const sock = this.conn.sock!;
    const client = this.session.client;
    if (toServer && toServer.length > 0) {
      this.bytes.countIn(toServer.length);
      sock.write(toServer);
    }
    if (toClient && toClient.length > 0) {
      this.bytes.countOut(toClient.length);
      client.write(toClient);
    }
    this.conn.owner = this;
    this.session.clientPort.sink = this.c2s;
    this.arm();
    resumeRead(client);
    resumeRead(sock);
  }

  onServerData(n: number, buf: Buffer): boolean {
    return this.s2c.onData(n, buf);
  }

  onServerDrain(): void {
    this.last = this.clock.now();
    if (!this.c2s.paused) return;
    this.c2s.paused = false;
    resumeRead(this.session.client);
  }

  /** The client's write queue drained. */
  clientDrained(): void {
    this.last = this.clock.now();
    if (!this.s2c.paused) return;
    this.s2c.paused = false;
    resumeRead(this.conn.sock!);
  }

  onServerEnd(): void {
    const client = this.session.client;
    if (!client.writableEnded) client.end();
  }

  clientEnded(): void {
    const sock = this.conn.sock!;
    if (!sock.writableEnded) sock.end();
  }

  onServerClose(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.session.client.destroy();
  }

  /** The client closed: closes the server side and reports the end. */
  clientClosed(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.conn.owner = undefined;
    this.conn.sock?.destroy();
    this.onClosed();
  }

  private arm(): void {
    if (this.idleMs === undefined) return;
    const wait = Math.max(1, this.last + this.idleMs - this.clock.now());
    this.timer = this.clock.setTimeout(this.onTimer, wait);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.clock.now() - this.last < this.idleMs!) {
      this.arm();
      return;
    }
    this.session.terminate('c', 'D');
    this.conn.sock?.destroy();
    this.session.client.destroy();
  };
}
