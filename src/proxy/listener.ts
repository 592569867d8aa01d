/**
 * A listener: one listening socket of a frontend and its accept gate. When a
 * limit is reached (bind maxconn, frontend maxconn, global maxconn) the
 * listener stops polling its socket and new connections wait in the kernel's
 * accept queue, as HAProxy's limit_listener() does; it resumes when a session
 * ends. `rate-limit sessions` pauses it for the computed delay instead.
 *
 * A listener may poll several handles of the same socket (accept-copies.ts)
 * to accept more than one connection per event-loop turn. libuv accepts one
 * connection per readiness event since 1.45; should a connection still reach
 * the callback over a limit (an older libuv accepted in a loop), it is parked
 * unread — never a session — and gets the next free slot.
 */
import type net from 'node:net';
import type { BindConfig } from '../config/haproxy/model.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { listenHandle } from './bind.js';

interface AcceptHandle {
  onconnection: (err: number, client?: ClientHandle) => void;
  readStart(): number;
  readStop(): number;
  listen?(backlog: number): number;
  close(cb?: () => void): void;
}

/** A raw accepted connection handle (libuv TCP or Pipe wrap). */
export type ClientHandle = object;

export interface ListenerOwner {
  /** 0: accept now; -1: wait for a session to end; > 0: wait this many ms (rate limit). */
  mayAccept(l: Listener): number;
  accept(l: Listener, handle: ClientHandle): void;
  /** The listener waits for a session to end somewhere. */
  waitForSlot(l: Listener): void;
}

/** Delay before trying again after accept() failed (EMFILE, ENFILE, ENOMEM), as HAProxy does. */
const ACCEPT_ERROR_DELAY_MS = 100;

export type ListenerState = 'ready' | 'limited' | 'paused' | 'closed';

export class Listener {
  readonly server: net.Server;
  readonly bind: BindConfig;
  readonly maxconn: number;
  readonly log: Logger;
  /** Sessions accepted on this listener and still open. */
  nbconn = 0;
  state: ListenerState = 'ready';
  private polling = true;
  private readonly parked: ClientHandle[] = [];
  private timer: TimerHandle | undefined;
  private readonly owner: ListenerOwner;
  private readonly clock: Clock;
  private readonly handles: AcceptHandle[];

  /** `copies`: extra handles of the same socket, not yet listened on (accept-copies.ts). */
  constructor(
    owner: ListenerOwner,
    server: net.Server,
    bind: BindConfig,
    maxconn: number,
    clock: Clock,
    log: Logger,
    copies: readonly object[] = [],
  ) {
    this.owner = owner;
    this.server = server;
    this.bind = bind;
    this.maxconn = maxconn;
    this.clock = clock;
    this.log = log;
    const primary = listenHandle(server) as unknown as AcceptHandle | undefined;
    if (!primary) throw new Error('listener built on a closed server');
    this.handles = [primary, ...(copies as AcceptHandle[])];
  }

  /** Takes over connection handling from net.Server; `backlog` is for the handle copies. */
  start(backlog: number): void {
    for (const [i, h] of this.handles.entries()) {
      h.onconnection = (err, client) => this.onConnection(err, client);
      const listenErr = i > 0 && h.listen ? h.listen(backlog) : 0;
      if (listenErr) this.log.warn({ errno: listenErr }, 'cannot listen on an accept handle copy');
      // libuv's uv_read_stop() is a no-op unless a read was started: start it once
      // (the socket is already polled for connections) so readStop() can pause.
      const err = h.readStart();
      if (err) this.log.warn({ errno: err }, 'cannot pause accepting on this socket');
    }
    this.wake();
  }

  /**
   * Connections accepted between listen() and start() (parkUntilStarted in
   * engine.ts): served as if accepted now, within the limits.
   */
  adoptEarly(clients: readonly ClientHandle[]): void {
    for (const c of clients) this.onConnection(0, c);
  }

  private onConnection(err: number, client: ClientHandle | undefined): void {
    if (err || !client) {
      this.log.warn({ errno: err }, 'accept failed, retrying later');
      this.stopPolling();
      this.retryIn(ACCEPT_ERROR_DELAY_MS);
      return;
    }
    if (this.state !== 'ready' || this.gate() !== 0) {
      this.parked.push(client);
      return;
    }
    this.owner.accept(this, client);
    this.gate();
  }

  /** Checks the limits; stops polling and arranges a wake-up when one is reached. */
  private gate(): number {
    if (this.state === 'paused' || this.state === 'closed') return -1;
    const verdict = this.maxconn > 0 && this.nbconn >= this.maxconn ? -1 : this.owner.mayAccept(this);
    if (verdict === 0) return 0;
    this.stopPolling();
    this.state = 'limited';
    if (verdict < 0) this.owner.waitForSlot(this);
    else this.retryIn(verdict);
    return verdict;
  }

  private retryIn(ms: number): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.wake();
    }, ms);
  }

  private stopPolling(): void {
    if (!this.polling) return;
    for (const h of this.handles) h.readStop();
    this.polling = false;
  }

  /** Serves parked connections, then polls again if the limits allow it. */
  wake(): void {
    if (this.state === 'paused' || this.state === 'closed') return;
    this.state = 'ready';
    while (this.parked.length > 0) {
      if (this.gate() !== 0) return;
      this.owner.accept(this, this.parked.shift()!);
    }
    if (this.gate() !== 0 || this.polling) return;
    this.polling = true;
    for (const h of this.handles) {
      const err = h.readStart();
      if (err) this.log.error({ errno: err }, 'cannot resume accepting');
    }
  }

  /** Soft stop / reload: stop accepting; pending connections stay in the kernel queue. */
  pause(): void {
    if (this.state === 'closed') return;
    this.state = 'paused';
    this.timer?.cancel();
    this.stopPolling();
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'ready';
    this.wake();
  }

  /** Closes the socket; parked connections are closed too. */
  close(): Promise<void> {
    this.state = 'closed';
    this.timer?.cancel();
    for (const h of this.parked.splice(0)) (h as { close(): void }).close();
    for (const h of this.handles.slice(1)) h.close();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Parked connections (accepted by libuv over a limit, not yet sessions). */
  get parkedCount(): number {
    return this.parked.length;
  }
}
