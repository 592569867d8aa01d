/**
 * Helpers for the stick-table tests: haproxy.cfg text loaded by the real
 * loader from a temp file, engines started from it on free loopback ports,
 * and client connections held open or run to the end from a chosen
 * 127.0.0.x source address.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import type { HaproxyConfig } from '../../src/config/haproxy/model.js';
import type { Clock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';
import { refusedPort } from './helpers.js';

const DEFAULTS = `defaults
  mode tcp
  timeout connect 1s
  timeout client 5s
  timeout server 5s
`;

/** Loads `text` (a `defaults` section is put first unless `bare`) as haproxy.cfg; the file is `stick.cfg`. */
export function loadText(text: string, bare = false): HaproxyConfig {
  const dir = mkdtempSync(join(tmpdir(), 'hapair-stick-'));
  try {
    const file = join(dir, 'stick.cfg');
    writeFileSync(file, bare ? text : DEFAULTS + text);
    return loadHaproxyConfig([file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Line of `needle` in the text loadText would write (1-based), for file:line assertions. */
export function lineOf(text: string, needle: string, bare = false): number {
  const full = bare ? text : DEFAULTS + text;
  return full.slice(0, full.indexOf(needle)).split('\n').length;
}

/** Free ports to bind proxies on. */
export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await refusedPort());
  return out;
}

export async function startText(text: string, clock?: Clock): Promise<ProxyEngine> {
  return startProxyEngine(loadText(text), { log: silentLogger, ...(clock ? { clock } : {}) });
}

/** Connects from `from`, collects what arrives until the proxy closes; '' for a refused or reset connection. */
export function fetchFrom(port: number, from = '127.0.0.1', send = ''): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    const c = net.connect({ port, host: '127.0.0.1', localAddress: from });
    c.on('data', (d) => {
      data += d;
    });
    c.on('error', () => {});
    c.on('close', () => resolve(data));
    if (send) c.write(send);
  });
}

/** A connection held open until `close()`; `ready` resolves once connected. */
export interface HeldConn {
  readonly sock: net.Socket;
  readonly ready: Promise<void>;
  /** Resolves when the socket is closed (by either side). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export function hold(port: number, from = '127.0.0.1'): HeldConn {
  const sock = net.connect({ port, host: '127.0.0.1', localAddress: from });
  sock.on('error', () => {});
  const ready = new Promise<void>((r) => sock.once('connect', () => r()));
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  return {
    sock,
    ready,
    closed,
    close: () => {
      sock.destroy();
      return closed;
    },
  };
}
