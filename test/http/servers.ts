/**
 * Test peers for the HTTP data path: a raw backend that records exactly the
 * bytes and requests it received (parsed with the reference reader's rules),
 * and a raw client that reads responses one by one off a keep-alive
 * connection. Both speak through plain `net` sockets on 127.0.0.1.
 */
import net from 'node:net';
import { type BodyFramer, createBodyFramer } from '../../src/proxy/http/body.js';
import {
  DEFAULT_LIMITS,
  Method,
  type MethodId,
  type RequestHead,
  type ResponseHead,
} from '../../src/proxy/http/head.js';
import { parseRequestHead, parseResponseHead } from '../../src/proxy/http/parser.js';
import { startServer, type TestServer } from '../proxy/helpers.js';

export interface Received {
  readonly head: RequestHead;
  /** The head bytes exactly as received. */
  readonly rawHead: string;
  /** Body bytes as on the wire (chunked framing included). */
  body: Buffer;
  /** Index of the backend connection that carried it. */
  readonly connIndex: number;
}

export type Responder = (req: Received, sock: net.Socket) => string | Buffer | undefined;

export interface HttpBackend extends TestServer {
  readonly requests: Received[];
  /** Everything received, per connection, in arrival order. */
  readonly raw: Buffer[];
  /** Heads that failed to parse (the proxy forwarded something invalid). */
  readonly errors: string[];
}

export function okResponse(body: string, extra = ''): string {
  return `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
}

/** A backend answering every complete request with `respond` (default: 200 with `name` as body). */
export async function httpBackend(name: string, respond?: Responder): Promise<HttpBackend> {
  const requests: Received[] = [];
  const raw: Buffer[] = [];
  const errors: string[] = [];
  const t = await startServer((sock) => {
    const connIndex = raw.length;
    raw.push(Buffer.alloc(0));
    let pending = Buffer.alloc(0);
    let cur: Received | undefined;
    let framer: BodyFramer | undefined;
    sock.on('data', (d: Buffer) => {
      raw[connIndex] = Buffer.concat([raw[connIndex]!, d]);
      pending = Buffer.concat([pending, d]);
      for (let guard = 0; guard < 1000 && pending.length > 0; guard++) {
        if (!cur) {
          const r = parseRequestHead(pending, 0, DEFAULT_LIMITS);
          if (r.kind === 'incomplete') return;
          if (r.kind === 'error') {
            errors.push(`${r.status} ${r.reason}`);
            sock.destroy();
            return;
          }
          cur = {
            head: r.head,
            rawHead: pending.toString('latin1', 0, r.consumed),
            body: Buffer.alloc(0),
            connIndex,
          };
          pending = pending.subarray(r.consumed);
          framer =
            r.head.bodyKind === 'none' || r.head.bodyKind === 'tunnel'
              ? undefined
              : createBodyFramer(r.head.bodyKind, r.head.contentLength);
          requests.push(cur);
        }
        if (framer) {
          const f = framer.feed(pending, 0, pending.length);
          cur.body = Buffer.concat([cur.body, pending.subarray(0, f.used)]);
          pending = pending.subarray(f.used);
          if (f.error) {
            errors.push(f.error);
            sock.destroy();
            return;
          }
          if (!f.done) return;
        }
        const done = cur;
        cur = undefined;
        framer = undefined;
        const out = respond ? respond(done, sock) : okResponse(name);
        if (out !== undefined && !sock.destroyed) sock.write(out);
      }
    });
  });
  return Object.assign(t, { requests, raw, errors });
}

export interface Response {
  readonly head: ResponseHead;
  readonly body: Buffer;
}

/** A client on one connection that reads responses in order. */
export class RawClient {
  readonly sock: net.Socket;
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  ended = false;
  closed = false;
  readonly closedP: Promise<void>;

  constructor(port: number) {
    this.sock = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    this.sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    this.sock.on('error', () => {});
    this.sock.on('end', () => {
      this.ended = true;
      this.wake();
    });
    this.closedP = new Promise((r) =>
      this.sock.on('close', () => {
        this.closed = true;
        this.wake();
        r();
      }),
    );
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private more(ms: number): Promise<boolean> {
    if (this.ended || this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  send(s: string | Buffer): void {
    this.sock.write(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  }

  /** The next final response (1xx skipped unless `interim`), or undefined when the connection ends first. */
  async response(method: MethodId = Method.GET, ms = 3000, interim = false): Promise<Response | undefined> {
    const deadline = performance.now() + ms;
    for (;;) {
      const r = parseResponseHead(this.buf, 0, DEFAULT_LIMITS, method);
      if (r.kind === 'error') throw new Error(`bad response: ${r.reason}`);
      if (r.kind === 'done') {
        const h = r.head;
        if (h.status < 200 && h.status !== 101) {
          this.buf = this.buf.subarray(r.consumed);
          if (interim) return { head: h, body: Buffer.alloc(0) };
          continue;
        }
        if (h.bodyKind === 'tunnel' || h.bodyKind === 'none') {
          this.buf = this.buf.subarray(r.consumed);
          return { head: h, body: Buffer.alloc(0) };
        }
        const f = createBodyFramer(h.bodyKind, h.contentLength);
        const res = f.feed(this.buf, r.consumed, this.buf.length);
        if (res.done) {
          const body = this.buf.subarray(r.consumed, r.consumed + res.used);
          this.buf = this.buf.subarray(r.consumed + res.used);
          return { head: h, body };
        }
        if ((this.ended || this.closed) && h.bodyKind === 'until-close') {
          const body = this.buf.subarray(r.consumed);
          this.buf = Buffer.alloc(0);
          return { head: h, body };
        }
      }
      const left = deadline - performance.now();
      if (this.ended || this.closed || left <= 0) return undefined;
      await this.more(left);
    }
  }

  /** Raw bytes received and not consumed yet. */
  get rest(): Buffer {
    return this.buf;
  }

  /** Waits for the proxy's FIN (or a close). */
  async waitClosed(ms = 3000): Promise<boolean> {
    const end = performance.now() + ms;
    while (!this.ended && !this.closed && performance.now() < end) await this.more(end - performance.now());
    return this.ended || this.closed;
  }

  close(): void {
    this.sock.destroy();
  }
}

/** Sends latin1 `input` on a new connection, half-closes, and collects the answer (latin1) until the proxy closes. */
export function sendRaw(port: number, input: string, ms = 5000): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const t = setTimeout(() => c.destroy(), ms);
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => c.end());
    c.on('error', () => {});
    c.on('close', () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    c.end(Buffer.from(input, 'latin1'));
  });
}
