/**
 * An in-process hapair serving HTTP the way `hapair run` wires it: the
 * haproxy.cfg text loaded by the real loader, the proxy engine given the
 * StatsPages handler of src/cli/stats-page.ts (stats pages and `use-service`
 * applets), the health-check runner attached to it, and a VRRP status source
 * (real VRRP runners on the fake LAN in these tests). Loopback HTTP backends
 * answer their name. Plus a small HTTP client that opens one connection per
 * request.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHealthChecks } from '../../src/checks/wire.js';
import { StatsPages } from '../../src/cli/stats-page.js';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import type { HaproxyConfig } from '../../src/config/haproxy/model.js';
import { silentLogger } from '../../src/core/logger.js';
import type { VrrpView } from '../../src/ops/types.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';
import { type HttpBackend, httpBackend } from '../http/servers.js';
import { refusedPort } from '../proxy/helpers.js';

export interface HttpStackEnv {
  readonly dir: string;
  /** Ports of the loopback HTTP backends (`web1`, `web2` … answer their name). */
  readonly ports: readonly number[];
  /** Ports free a moment ago, to bind. */
  readonly free: readonly number[];
}

export interface HttpStack {
  readonly dir: string;
  readonly cfg: HaproxyConfig;
  readonly engine: ProxyEngine;
  readonly webs: readonly HttpBackend[];
  /** Port of the first listener of a frontend. */
  port(frontend: string): number;
  close(): Promise<void>;
}

export async function startHttpStack(
  text: (env: HttpStackEnv) => string,
  opts: { webs?: number; vrrp?: () => readonly VrrpView[] } = {},
): Promise<HttpStack> {
  const dir = mkdtempSync(join(tmpdir(), 'hapair-http-ops-'));
  const webs: HttpBackend[] = [];
  for (let i = 1; i <= (opts.webs ?? 2); i++) webs.push(await httpBackend(`web${i}`));
  const free = [await refusedPort(), await refusedPort()];
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, text({ dir, ports: webs.map((w) => w.port), free }));
  const pages = new StatsPages(silentLogger);
  let engine: ProxyEngine;
  let cfg: HaproxyConfig;
  try {
    cfg = loadHaproxyConfig([file]);
    engine = await startProxyEngine(cfg, { log: silentLogger, statsHandler: pages.handler });
  } catch (err) {
    for (const w of webs) await w.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const checks = startHealthChecks(cfg, engine, silentLogger);
  const vrrp = opts.vrrp ?? (() => []);
  pages.attach(engine, checks, async () => vrrp());
  return {
    dir,
    cfg,
    engine,
    webs,
    port: (fe) => (engine.frontend(fe)!.listeners[0]!.server.address() as net.AddressInfo).port,
    async close() {
      pages.stop();
      await checks.stop();
      await engine.stop({ grace: 0 });
      for (const w of webs) await w.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One request on its own connection. */
export function httpRequest(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error(`no answer for ${path}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
