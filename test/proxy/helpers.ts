/**
 * Socket helpers for proxy tests: small servers on 127.0.0.1:0, clients that
 * collect what they receive, an engine started on port 0, fd counting.
 */
import { readdirSync } from 'node:fs';
import net from 'node:net';
import type { HaproxyConfig, HashType, ProxyConfig } from '../../src/config/haproxy/model.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Backend } from '../../src/proxy/backend.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';
import type { PickContext } from '../../src/proxy/lb/types.js';

export interface TestServer {
  readonly server: net.Server;
  readonly port: number;
  /** Connections open right now, and the most seen at once. */
  current: number;
  peak: number;
  accepted: number;
  readonly sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1:0 whose connections `handler` serves. Tracks concurrency. */
export async function startServer(
  handler: (s: net.Socket) => void,
  opts: net.ServerOpts = {},
): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const t = {
    current: 0,
    peak: 0,
    accepted: 0,
    sockets,
  } as unknown as TestServer & { current: number; peak: number; accepted: number };
  const server = net.createServer(opts, (s) => {
    t.current++;
    t.accepted++;
    t.peak = Math.max(t.peak, t.current);
    sockets.add(s);
    s.on('close', () => {
      t.current--;
      sockets.delete(s);
    });
    s.on('error', () => {});
    handler(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  Object.assign(t, {
    server,
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  });
  return t;
}

export const echoServer = () => startServer((s) => s.pipe(s));

/** Answers its name and closes. */
export const namedServer = (name: string) => startServer((s) => s.end(`${name}\n`));

/** A port nothing listens on (connections are refused). */
export async function refusedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Exchange {
  readonly data: string;
  /** 'end' (FIN), 'error' (reset or other) */
  readonly how: 'end' | 'error';
  readonly error?: NodeJS.ErrnoException;
  readonly ms: number;
}

/** Connects, sends `send` (then half-closes when `endAfter`), collects everything until close. */
export function exchange(
  port: number,
  send = '',
  opts: { endAfter?: boolean; localAddress?: string; host?: string } = {},
): Promise<Exchange> {
  const started = performance.now();
  return new Promise((resolve) => {
    let data = '';
    let err: NodeJS.ErrnoException | undefined;
    const c = net.connect({
      port,
      host: opts.host ?? '127.0.0.1',
      allowHalfOpen: true,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    c.on('data', (d) => {
      data += d;
    });
    c.on('end', () => c.end());
    c.on('error', (e) => {
      err = e;
    });
    c.on('close', () =>
      resolve({
        data,
        how: err ? 'error' : 'end',
        ...(err ? { error: err } : {}),
        ms: performance.now() - started,
      }),
    );
    if (send) c.write(send);
    if (opts.endAfter) c.end();
  });
}

export interface RunningEngine {
  readonly engine: ProxyEngine;
  /** Port of the first listener of `frontend` (default: the first proxy). */
  port(frontend?: string): number;
  stop(): Promise<void>;
}

export async function runEngine(cfg: HaproxyConfig): Promise<RunningEngine> {
  const engine = await startProxyEngine(cfg, { log: silentLogger });
  const first = cfg.proxies[0]!.name;
  return {
    engine,
    port: (fe = first) => (engine.frontend(fe)!.listeners[0]!.server.address() as net.AddressInfo).port,
    stop: () => engine.stop({ grace: 0 }),
  };
}

export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every 5 ms until true or `ms` elapsed; returns the last value. */
export async function waitFor(cond: () => boolean, ms = 2000): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (cond()) return true;
    await sleep(5);
  }
  return cond();
}

/** `hash-type` text → model, with HAProxy's defaults (consistent alone implies sdbm avalanche). */
export function hashType(text: string): HashType {
  const [method, fn, mod] = text.split(' ') as [
    'map-based' | 'consistent',
    HashType['fn'] | undefined,
    string?,
  ];
  if (!fn) return { method, fn: 'sdbm', avalanche: method === 'consistent' };
  return { method, fn, avalanche: mod === 'avalanche' };
}

/** A Backend built from a model with a manual clock, for pick()-level tests. */
export function backendOf(p: ProxyConfig, clock = new ManualClock()): Backend {
  return new Backend(p, silentLogger, clock);
}

export function pickCtx(over: Partial<PickContext> = {}): PickContext {
  return { now: 0, srcAddr: undefined, hashKey: undefined, avoid: undefined, ...over };
}
