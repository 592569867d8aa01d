/**
 * A real proxy engine plus the health-check runner wired to it, from
 * configuration text, for the passive-health and on-marked-* tests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HealthCheckRunner } from '../../src/checks/runner.js';
import type { HealthLogLine } from '../../src/checks/types.js';
import { startHealthChecks } from '../../src/checks/wire.js';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import type { HaproxyConfig } from '../../src/config/haproxy/model.js';
import { silentLogger } from '../../src/core/logger.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';
import type { Server } from '../../src/proxy/server.js';

/** Loads haproxy.cfg text through the real loader (parse, validate, check plans). */
export function loadText(text: string): HaproxyConfig {
  const dir = mkdtempSync(path.join(tmpdir(), 'hapair-passive-'));
  try {
    const file = path.join(dir, 'haproxy.cfg');
    writeFileSync(file, text);
    return loadHaproxyConfig([file], { env: {} });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Stack {
  readonly engine: ProxyEngine;
  readonly runner: HealthCheckRunner;
  readonly lines: HealthLogLine[];
  /** Port of the first listener of the frontend `fe`. */
  readonly port: number;
  server(backend: string, name: string): Server;
  stop(): Promise<void>;
}

/** Starts the engine and the checks; `bind FE` in `text` becomes a free loopback port. */
export async function startStack(text: string): Promise<Stack> {
  const cfg = loadText(text.replace('bind FE', `bind 127.0.0.1:${await freePort()}`));
  const engine = await startProxyEngine(cfg, { log: silentLogger });
  const lines: HealthLogLine[] = [];
  const runner = startHealthChecks(cfg, engine, silentLogger, (l) => lines.push(l));
  const port = (engine.frontend('fe')!.listeners[0]!.server.address() as net.AddressInfo).port;
  return {
    engine,
    runner,
    lines,
    port,
    server: (b, n) => engine.backend(b)!.servers.find((s) => s.name === n)!,
    stop: async () => {
      await runner.stop();
      await engine.stop({ grace: 0 });
    },
  };
}

/** An HTTP server answering `GET /s/<code>` with that status and its own name as body. */
export async function statusServer(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const srv = http.createServer((req, res) => {
    const m = /^\/s\/(\d{3})$/.exec(req.url ?? '');
    res.writeHead(m ? Number(m[1]) : 200, { 'content-type': 'text/plain', connection: 'close' });
    res.end(name);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/** One GET through the proxy on a fresh connection: the status and body, or status 0 on a socket error. */
export function get(port: number, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: url, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/** A client connection through the proxy that stays open; `closed` resolves when the proxy ends it. */
export async function hold(
  port: number,
): Promise<{ sock: net.Socket; data: () => string; closed: Promise<void> }> {
  const sock = net.connect({ port, host: '127.0.0.1' });
  let data = '';
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    data += d;
  });
  sock.on('error', () => {});
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });
  return { sock, data: () => data, closed };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms until true or `ms` elapsed; returns the last value. */
export async function waitFor(cond: () => boolean, ms = 3000): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (cond()) return true;
    await sleep(10);
  }
  return cond();
}
