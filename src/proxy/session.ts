/**
 * A session: one accepted client connection, from accept to close. It carries
 * what every mode needs — the client socket and its read port, the connection
 * addresses (rewritten by the PROXY protocol), the backend and server in use,
 * timings and HAProxy's two-letter termination state (configuration.txt 8.5
 * "Session state at disconnection": who ended it, and in which phase).
 */
import type net from 'node:net';
import type { ConnInfo, SampleContext, TlsInfo } from './acl/types.js';
import type { Backend } from './backend.js';
import type { ReadPort } from './conn.js';
import type { Connector } from './connector.js';
import type { Frontend } from './frontend.js';
import type { PickContext } from './lb/types.js';
import type { Listener } from './listener.js';
import type { Server } from './server.js';
import type { TrackedCounter } from './stick/types.js';

/** First letter of the termination state: what ended the session. */
export type TermCause = '-' | 'C' | 'S' | 'P' | 'R' | 'I' | 'D' | 'U' | 'L' | 'K' | 'c' | 's';
/** Second letter: the phase it was in (R request, Q queue, C connect, D data, L last data). */
export type TermPhase = '-' | 'R' | 'Q' | 'C' | 'H' | 'D' | 'L' | 'T';

export class Session implements SampleContext {
  readonly frontend: Frontend;
  readonly listener: Listener;
  /** The accepted socket, or the TLS socket over it once an `ssl` bind's handshake starts. */
  client: net.Socket;
  readonly clientPort: ReadPort;
  conn: ConnInfo;
  backend: Backend | undefined;
  server: Server | undefined;
  connector: Connector | undefined;
  readonly pickCtx: PickContext;
  /** Monotonic accept time; the t* fields are ms since then, -1 when not reached. */
  readonly acceptedAt: number;
  tQueue = -1;
  tConnect = -1;
  termCause: TermCause = '-';
  termPhase: TermPhase = '-';
  /** Bytes from the client / to the client. */
  bytesIn = 0;
  bytesOut = 0;
  /** Client bytes read past a PROXY header or the TLS handshake, to forward first. */
  pending: Buffer | undefined;
  /** The client's TLS session on an `ssl` bind, once the handshake is done (`ssl_fc*` fetches). */
  tls: TlsInfo | undefined;
  /**
   * Stick counters sc0–sc2 tracked by `tcp-request connection track-scN`,
   * allocated by the first of them; the frontend releases them when the
   * session closes (stick/conn-rules.ts).
   */
  sc: (TrackedCounter | undefined)[] | undefined;
  /** Closes everything at once; the stage that owns the session replaces it. */
  abort: () => void;
  private finished = false;
  private readonly finishOnClose = (): void => this.finish();

  constructor(
    frontend: Frontend,
    listener: Listener,
    client: net.Socket,
    clientPort: ReadPort,
    conn: ConnInfo,
    now: number,
  ) {
    this.frontend = frontend;
    this.listener = listener;
    this.client = client;
    this.clientPort = clientPort;
    this.conn = conn;
    this.acceptedAt = now;
    this.pickCtx = {
      now,
      srcAddr: conn.family === 'unix' ? undefined : conn.srcAddr,
      hashKey: undefined,
      avoid: undefined,
    };
    this.abort = () => client.destroy();
    // Until a mode handler takes the session over, closing the client ends it.
    client.once('close', this.finishOnClose);
  }

  /** The bind terminates TLS: `sock`, layered over the accepted socket, becomes the client (tls/handshake.ts). */
  useTlsClient(sock: net.Socket): void {
    this.client.off('close', this.finishOnClose);
    this.client = sock;
    sock.once('close', this.finishOnClose);
    this.abort = () => sock.destroy();
  }

  /** A mode handler now decides when the session ends. */
  takeOver(): void {
    this.client.off('close', this.finishOnClose);
  }

  /** Replaces the addresses with those announced in a PROXY protocol header. */
  setConn(conn: ConnInfo): void {
    this.conn = conn;
    this.pickCtx.srcAddr = conn.family === 'unix' ? undefined : conn.srcAddr;
  }

  /** Records why the session ends; the first reason given wins. */
  terminate(cause: TermCause, phase: TermPhase): void {
    if (this.termCause === '-' && this.termPhase === '-') {
      this.termCause = cause;
      this.termPhase = phase;
    }
  }

  get termState(): string {
    return `${this.termCause}${this.termPhase}`;
  }

  /** Called exactly once when both sides are closed: releases slots and counters. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.connector?.release();
    this.frontend.sessionClosed(this);
  }

  get isFinished(): boolean {
    return this.finished;
  }
}

/** The addresses of an accepted socket. */
export function connInfoOf(sock: net.Socket): ConnInfo {
  const fam = sock.remoteFamily;
  if (fam !== 'IPv4' && fam !== 'IPv6') {
    return { family: 'unix', srcAddr: '', srcPort: 0, dstAddr: '', dstPort: 0 };
  }
  return {
    family: fam === 'IPv4' ? 'ipv4' : 'ipv6',
    srcAddr: sock.remoteAddress ?? '',
    srcPort: sock.remotePort ?? 0,
    dstAddr: sock.localAddress ?? '',
    dstPort: sock.localPort ?? 0,
  };
}
