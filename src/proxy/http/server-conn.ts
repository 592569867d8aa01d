/**
 * One HTTP connection to a server, and the per-server pool of idle ones
 * (configuration.txt "http-reuse"). A ServerConn owns the socket's read port;
 * its current owner (the HTTP stream of a client connection) receives the
 * bytes. An idle connection has no owner: any byte it receives, or its close,
 * retires it, since a server may not speak before a request (RFC 9112 §9.3).
 *
 * Idle connections are unref'd so they never keep the process alive, and they
 * are closed after `IDLE_MS` of rest (HAProxy's `pool-purge-delay` default).
 */
import type net from 'node:net';
import { ReadPort, type ReadSink } from '../conn.js';
import type { Server } from '../server.js';

/** The side that receives a connection's events while it serves a request. */
export interface ServerConnOwner {
  onServerData(n: number, buf: Buffer): boolean;
  onServerEnd(conn: ServerConn): void;
  onServerClose(conn: ServerConn, error: boolean): void;
  /** The socket's write queue drained. */
  onServerDrain(): void;
}

/** configuration.txt "pool-purge-delay": idle server connections are closed after 5 s. */
const IDLE_MS = 5000;

export class ServerConn implements ReadSink {
  readonly port: ReadPort;
  sock: net.Socket | undefined;
  server: Server | undefined;
  owner: ServerConnOwner | undefined;
  /** Requests this connection carried. */
  uses = 0;
  private errored = false;

  constructor(bufsize: number) {
    this.port = new ReadPort(bufsize, this);
  }

  /** The connector connected `sock` with this connection's read options. */
  bind(sock: net.Socket, server: Server | undefined): void {
    this.sock = sock;
    this.server = server;
    sock.on('error', this.onError);
    sock.on('end', this.onEnd);
    sock.on('close', this.onClose);
    sock.on('timeout', this.onIdleTimeout);
    sock.on('drain', this.onDrain);
  }

  onData(n: number, buf: Buffer): boolean {
    if (this.owner) return this.owner.onServerData(n, buf);
    this.sock?.destroy();
    return false;
  }

  get alive(): boolean {
    const s = this.sock;
    return s !== undefined && !s.destroyed && !s.readableEnded && !s.writableEnded;
  }

  private readonly onError = (): void => {
    this.errored = true;
  };

  private readonly onEnd = (): void => {
    if (this.owner) this.owner.onServerEnd(this);
    else this.sock?.destroy();
  };

  private readonly onClose = (): void => {
    if (this.server) removeIdle(this);
    const owner = this.owner;
    this.owner = undefined;
    owner?.onServerClose(this, this.errored);
  };

  private readonly onDrain = (): void => {
    this.owner?.onServerDrain();
  };

  private readonly onIdleTimeout = (): void => {
    if (!this.owner) this.sock?.destroy();
  };

  /** Hands the connection to `owner` for one request. */
  take(owner: ServerConnOwner): void {
    this.owner = owner;
    this.uses++;
    const s = this.sock!;
    s.setTimeout(0);
    s.ref();
  }

  /** The request is over and the connection may carry another one. */
  rest(): void {
    this.owner = undefined;
    const s = this.sock!;
    s.setTimeout(IDLE_MS);
    s.unref();
  }
}

const idle = new WeakMap<Server, ServerConn[]>();

/** Parks a connection in its server's idle list. */
export function putIdle(conn: ServerConn): void {
  conn.rest();
  const srv = conn.server!;
  let list = idle.get(srv);
  if (!list) {
    list = [];
    idle.set(srv, list);
  }
  list.push(conn);
}

/** The most recently parked live connection to `srv` (warmest first, as HAProxy), or undefined. */
export function takeIdle(srv: Server): ServerConn | undefined {
  const list = idle.get(srv);
  if (!list) return undefined;
  while (list.length > 0) {
    const c = list.pop()!;
    if (c.alive) return c;
    c.sock?.destroy();
  }
  return undefined;
}

function removeIdle(conn: ServerConn): void {
  const list = idle.get(conn.server!);
  if (!list) return;
  const i = list.indexOf(conn);
  if (i >= 0) list.splice(i, 1);
}
