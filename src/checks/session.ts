/**
 * One check connection: connect (TCP, then TLS when asked), send, and collect
 * input into a bounded buffer, all under one deadline armed through the Clock
 * seam. The rule engine (rules.ts) drives it; nothing here knows protocols.
 * Input is capped like HAProxy's check buffer (tune.bufsize, 16 KiB): once full,
 * reading stops and the expect rules see it as the last read.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Clock, TimerHandle } from '../core/clock.js';
import { proxyHeader } from './proxy-header.js';

export const CHECK_BUFSIZE = 16 * 1024;

export interface TlsTarget {
  readonly servername?: string;
  readonly verify: boolean;
  /** CA certificates (PEM), read once when the check plan is built. */
  readonly ca?: Buffer;
  readonly alpn?: readonly string[];
}

export interface ConnectTarget {
  readonly host: string;
  readonly port: number;
  /** Unix socket path instead of host/port. */
  readonly path?: string;
  readonly tls?: TlsTarget;
  readonly proxyHeader?: 1 | 2;
}

export type ConnectOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** l4: TCP not established; l6: TLS handshake not finished. */
      readonly stage: 'l4' | 'l6';
      readonly timeout: boolean;
      readonly error?: NodeJS.ErrnoException;
    };

export type InputEvent = 'data' | 'eof' | 'error' | 'timeout' | 'aborted';

const EMPTY = Buffer.alloc(0);

export class CheckSession {
  private raw: net.Socket | undefined;
  private unix = false;
  private sock: net.Socket | undefined;
  private input: Buffer = EMPTY;
  private eofSeen = false;
  private errorSeen: NodeJS.ErrnoException | undefined;
  private timedOut = false;
  private abortedFlag = false;
  private timer: TimerHandle | undefined;
  private wake: (() => void) | undefined;
  /** Bumped by every connect, so events of a dropped socket cannot touch the new one. */
  private gen = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxInput = CHECK_BUFSIZE,
  ) {}

  get data(): Buffer {
    return this.input;
  }
  /** No more input will come: peer closed, error, or buffer full. */
  get lastRead(): boolean {
    return this.eofSeen || this.errorSeen !== undefined || this.input.length >= this.maxInput;
  }
  get error(): NodeJS.ErrnoException | undefined {
    return this.errorSeen;
  }
  get expired(): boolean {
    return this.timedOut;
  }
  get aborted(): boolean {
    return this.abortedFlag;
  }

  /** Arms (or re-arms) the single deadline, `ms` from now. */
  deadline(ms: number): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => {
      this.timedOut = true;
      this.notify();
    }, ms);
  }

  connect(t: ConnectTarget): Promise<ConnectOutcome> {
    this.drop();
    this.resetInput();
    this.eofSeen = false;
    this.errorSeen = undefined;
    const gen = ++this.gen;
    return new Promise((resolve) => {
      let done = false;
      let stage: 'l4' | 'l6' = 'l4';
      const finish = (o: ConnectOutcome): void => {
        if (done) return;
        done = true;
        this.wake = undefined;
        resolve(o);
      };
      const raw =
        t.path !== undefined ? net.connect({ path: t.path }) : net.connect({ host: t.host, port: t.port });
      this.raw = raw;
      this.sock = raw;
      this.unix = t.path !== undefined;
      raw.setNoDelay(true);
      raw.on('error', (e: NodeJS.ErrnoException) => {
        if (gen !== this.gen) return;
        this.errorSeen ??= e;
        finish({ ok: false, stage, timeout: false, error: e });
        this.notify();
      });
      raw.once('connect', () => {
        if (t.proxyHeader !== undefined) raw.write(this.header(raw, t.proxyHeader));
        if (!t.tls) {
          this.listen(raw, gen);
          finish({ ok: true });
          return;
        }
        stage = 'l6';
        const s = this.startTls(raw, t.tls, gen);
        s.once('secureConnect', () => finish({ ok: true }));
      });
      this.wake = () => {
        if (this.timedOut || this.abortedFlag) finish({ ok: false, stage, timeout: this.timedOut });
        else if (this.errorSeen) finish({ ok: false, stage, timeout: false, error: this.errorSeen });
        else if (this.eofSeen) finish({ ok: false, stage, timeout: false });
      };
    });
  }

  private startTls(raw: net.Socket, t: TlsTarget, gen: number): tls.TLSSocket {
    const s = tls.connect({
      socket: raw,
      rejectUnauthorized: t.verify,
      ...(t.servername !== undefined ? { servername: t.servername } : {}),
      ...(t.ca !== undefined ? { ca: t.ca } : {}),
      ...(t.alpn !== undefined ? { ALPNProtocols: [...t.alpn] } : {}),
    });
    this.sock = s;
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (gen !== this.gen) return;
      this.errorSeen ??= e;
      this.notify();
    });
    this.listen(s, gen);
    return s;
  }

  private header(raw: net.Socket, version: 1 | 2): Buffer {
    return proxyHeader(version, {
      srcAddr: raw.localAddress,
      srcPort: raw.localPort,
      dstAddr: raw.remoteAddress,
      dstPort: raw.remotePort,
    });
  }

  private listen(s: net.Socket, gen: number): void {
    s.on('data', (chunk: Buffer) => {
      if (gen !== this.gen) return;
      const room = this.maxInput - this.input.length;
      if (room > 0) {
        this.input = Buffer.concat([this.input, chunk.length > room ? chunk.subarray(0, room) : chunk]);
      }
      if (this.input.length >= this.maxInput) s.pause();
      this.notify();
    });
    const ended = (): void => {
      if (gen !== this.gen) return;
      this.eofSeen = true;
      this.notify();
    };
    s.on('end', ended);
    s.on('close', ended);
  }

  /** Queues bytes; a write error shows up as an error event on the next wait. */
  write(data: Buffer): void {
    if (this.sock && !this.sock.destroyed) this.sock.write(data);
  }

  /** Resolves on the next input event, or at once if the session already ended. */
  waitInput(): Promise<InputEvent> {
    const now = this.immediate();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      const before = this.input.length;
      this.wake = () => {
        const ev = this.immediate() ?? (this.input.length !== before ? 'data' : undefined);
        if (ev === undefined) return;
        this.wake = undefined;
        resolve(ev);
      };
    });
  }

  private immediate(): InputEvent | undefined {
    if (this.abortedFlag) return 'aborted';
    if (this.timedOut) return 'timeout';
    if (this.errorSeen) return 'error';
    if (this.eofSeen || this.input.length >= this.maxInput) return 'eof';
    return undefined;
  }

  resetInput(): void {
    this.input = EMPTY;
    if (this.sock?.isPaused()) this.sock.resume();
  }

  private notify(): void {
    this.wake?.();
  }

  /** Closes the connection: a clean FIN with `linger`, a single RST otherwise (HAProxy's default). */
  close(linger = false): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.drop(linger);
  }

  private drop(linger = false): void {
    const raw = this.raw;
    const sock = this.sock;
    this.raw = undefined;
    this.sock = undefined;
    if (!raw || raw.destroyed) return;
    if (linger) {
      sock?.end();
      sock?.destroySoon();
    } else if (sock === raw && !this.unix && raw.readyState === 'open' && !this.eofSeen) {
      raw.resetAndDestroy();
    } else {
      // A reset is only safe on a fully open TCP socket: libuv refuses it once a shutdown
      // started (half-closed by the peer) and Node defers it while connecting.
      sock?.destroy();
      raw.destroy();
    }
  }

  /** Stops everything now (runner stop): pending waits resolve with 'aborted'. */
  abort(): void {
    this.abortedFlag = true;
    this.notify();
    this.close();
  }
}
