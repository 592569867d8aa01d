/**
 * A running hapair slice for the ops tests: a haproxy.cfg written to a temp
 * directory and loaded by the real loader, loopback web servers, the proxy
 * engine, the health-check runner, the engine adapter and the runtime API on
 * the config's `stats socket` lines. Plus a raw stats-socket client that sends
 * bytes and reads until the server closes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHealthChecks } from '../../src/checks/wire.js';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import type { HaproxyConfig } from '../../src/config/haproxy/model.js';
import { silentLogger } from '../../src/core/logger.js';
import { engineControl } from '../../src/ops/engine-control.js';
import { collectInfo } from '../../src/ops/info.js';
import { type RuntimeApi, startRuntimeApi } from '../../src/ops/runtime-api.js';
import type { ProxyControl, VrrpController, VrrpStatusSource } from '../../src/ops/types.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';
import { refusedPort, startServer, type TestServer } from '../proxy/helpers.js';

export interface Stack {
  readonly dir: string;
  readonly cfg: HaproxyConfig;
  readonly engine: ProxyEngine;
  readonly control: ProxyControl;
  readonly api: RuntimeApi;
  readonly webs: readonly TestServer[];
  /** Port of the first listener of a frontend. */
  port(frontend: string): number;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Number of loopback servers answering their name (`web1`…), ports passed to the config. */
  readonly webs?: number;
  readonly checks?: boolean;
  readonly vrrpStatus?: VrrpStatusSource;
  readonly vrrpControl?: VrrpController;
}

/** Servers that answer `webN\n` and close. */
async function startWebs(n: number): Promise<TestServer[]> {
  const out: TestServer[] = [];
  for (let i = 1; i <= n; i++) out.push(await startServer((s) => s.end(`web${i}\n`)));
  return out;
}

/** What a test config is written from: the temp dir, the web servers' ports, free ports to bind. */
export interface ConfigEnv {
  readonly dir: string;
  readonly ports: readonly number[];
  readonly free: readonly number[];
}

export async function startStack(text: (env: ConfigEnv) => string, opts: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'hapair-ops-'));
  const webs = await startWebs(opts.webs ?? 3);
  const free = [await refusedPort(), await refusedPort(), await refusedPort()];
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, text({ dir, ports: webs.map((w) => w.port), free }));
  let cfg: HaproxyConfig;
  let engine: ProxyEngine;
  try {
    cfg = loadHaproxyConfig([file]);
    // The HTTP data path is not part of the engine these tests run: proxies in
    // mode http (the stats page's own) are left to the tests that serve them.
    const tcpOnly = { ...cfg, proxies: cfg.proxies.filter((p) => p.mode === 'tcp') };
    engine = await startProxyEngine(tcpOnly, { log: silentLogger });
  } catch (err) {
    for (const w of webs) await w.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const checks = opts.checks ? startHealthChecks(engine.cfg, engine, silentLogger) : undefined;
  const control = engineControl(engine, checks ? { checks } : {});
  const startedAt = Date.now();
  const api = await startRuntimeApi({
    sockets: cfg.global.statsSockets,
    control,
    log: silentLogger,
    info: () =>
      collectInfo({
        product: 'hapair',
        version: '0.1.0',
        startedAt,
        now: Date.now(),
        pid: process.pid,
        nbthread: 1,
        process: control.process(),
      }),
    ...(opts.vrrpStatus ? { vrrpStatus: opts.vrrpStatus } : {}),
    ...(opts.vrrpControl ? { vrrpControl: opts.vrrpControl } : {}),
  });
  return {
    dir,
    cfg,
    engine,
    control,
    api,
    webs,
    port: (fe) => (engine.frontend(fe)!.listeners[0]!.server.address() as net.AddressInfo).port,
    async close() {
      await api.close();
      await checks?.stop();
      await engine.stop({ grace: 0 });
      for (const w of webs) await w.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A unix path, `host:port` or `[v6]:port`. */
function connectTo(target: string): net.Socket {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(target);
  return m && !target.startsWith('/')
    ? net.connect({ host: m[1]!, port: Number(m[2]), allowHalfOpen: true })
    : net.connect({ path: target, allowHalfOpen: true });
}

/** Sends `bytes` (then half-closes unless `keepOpen`), returns everything read until the server closes. */
export function talk(
  target: string,
  bytes: string,
  opts: { keepOpen?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connectTo(target);
    let out = '';
    sock.setEncoding('utf8');
    sock.setTimeout(opts.timeoutMs ?? 5000, () =>
      sock.destroy(new Error(`no close from ${target}; got ${JSON.stringify(out)}`)),
    );
    sock.on('data', (d: string) => {
      out += d;
    });
    sock.on('error', reject);
    // The server closing its side ends the exchange, even while ours stays open.
    sock.on('end', () => sock.end());
    sock.on('close', () => resolve(out));
    sock.write(bytes);
    if (!opts.keepOpen) sock.end();
  });
}

/** One command on its own connection, the way `echo CMD | socat stdio UNIX:sock` sends it. */
export const ask = (target: string, cmd: string) => talk(target, `${cmd}\n`);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms until true or `ms` elapsed. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(10);
  }
  return cond();
}

/** The config the runtime API tests share: three sockets at each level, a TCP frontend and backend. */
export function baseConfig(env: ConfigEnv, more: { global?: string; tail?: string } = {}): string {
  const [p1, p2, p3] = env.ports;
  const [feport, cliport] = env.free;
  return `global
    stats socket ${env.dir}/admin.sock mode 600 level admin
    stats socket ${env.dir}/oper.sock mode 600 level operator
    stats socket ${env.dir}/user.sock mode 660 level user
    stats socket ipv4@127.0.0.1:${cliport} level admin
    maxconn 1000
${more.global ?? ''}
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend fe
    bind 127.0.0.1:${feport}
    default_backend be

backend be
    balance roundrobin
    server s1 127.0.0.1:${p1}
    server s2 127.0.0.1:${p2}
    server s3 127.0.0.1:${p3} weight 5 disabled
${more.tail ?? ''}`;
}
