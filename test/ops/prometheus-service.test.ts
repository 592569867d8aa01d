/**
 * `http-request use-service prometheus-exporter` through the real HTTP data
 * path: the scrape answered by the exporter (HAProxy's Content-Type, the
 * frontend/backend/server/process families and hapair's VRRP series), never
 * forwarded, counted as intercepted; promex's query filters; the whole body
 * accepted by `promtool check metrics` (skipped, with a message, when promtool
 * is absent); unknown services refused at the rule's line; and a real hapair
 * process serving /metrics as `hapair run` wires it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors.js';
import { refusedPort } from '../proxy/helpers.js';
import { sleep, waitFor } from './harness.js';
import { type HttpStack, httpRequest, startHttpStack } from './http-stack.js';
import { electedPair, viewOf } from './vrrp-pair.js';

const havePromtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!havePromtool) {
  console.warn('SKIPPING promtool check: promtool not found (apt-get install prometheus provides it)');
}

function promtool(text: string): string {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim() : `exit ${r.status}: ${r.stdout}${r.stderr}`;
}

const CONFIG = (env: { ports: readonly number[]; free: readonly number[] }) => `
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend fe
    bind 127.0.0.1:${env.free[0]}
    http-request use-service prometheus-exporter if { path /metrics }
    default_backend be

backend be
    server s1 127.0.0.1:${env.ports[0]} check inter 200ms
    server s2 127.0.0.1:${env.ports[1]} disabled
`;

const lines = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

describe('use-service prometheus-exporter', () => {
  let st: HttpStack;
  const pair = electedPair();
  const scrape = (path = '/metrics', method = 'GET') => httpRequest(st.port('fe'), path, { method });
  before(async () => {
    st = await startHttpStack(CONFIG, { vrrp: () => [viewOf(pair.a)] });
    // The VRRP view reaches the handler on its first refresh.
    assert.ok(await waitFor(async () => /hapair_vrrp_state/.test((await scrape()).body)));
  });
  after(() => st.close());

  it('answers /metrics with the exposition, HAProxy headers and never a server', async () => {
    const r = await scrape();
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(r.body, /^# HELP haproxy_process_uptime_seconds /m);
    assert.equal(lines(r.body, 'haproxy_frontend_http_requests_total{proxy="fe"}').length, 1);
    assert.equal(lines(r.body, 'haproxy_server_sessions_total{proxy="be",server=').length, 2);
    assert.deepEqual(lines(r.body, 'haproxy_server_status{proxy="be",server="s2",state="MAINT"}'), [
      'haproxy_server_status{proxy="be",server="s2",state="MAINT"} 1',
    ]);
    assert.deepEqual(lines(r.body, 'hapair_vrrp_state{instance="VI_1",state="MASTER"}'), [
      'hapair_vrrp_state{instance="VI_1",state="MASTER"} 1',
    ]);
    assert.equal(st.webs[0]!.requests.length + st.webs[1]!.requests.length, 0);
    const other = await httpRequest(st.port('fe'), '/index.html');
    assert.equal(other.body, 'web1');
    assert.equal(st.webs[0]!.requests.length, 1);
  });

  it('counts the scrape as a request intercepted by the frontend', async () => {
    const row = () => st.engine.stats().find((x) => x.pxname === 'fe' && x.svname === 'FRONTEND')!;
    const before = Number(row().intercepted);
    await scrape();
    assert.equal(Number(row().intercepted), before + 1);
  });

  it('passes promtool check metrics', { skip: havePromtool ? false : 'promtool not installed' }, async () => {
    assert.equal(promtool((await scrape()).body), '');
  });

  it("filters by promex's scope, metrics and no-maint parameters", async () => {
    const servers = await scrape('/metrics?scope=server');
    assert.ok(servers.body.length > 0);
    assert.deepEqual(
      servers.body
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('haproxy_server_')),
      [],
    );
    const two = (await scrape('/metrics?scope=frontend&scope=vrrp')).body;
    assert.match(two, /^haproxy_frontend_/m);
    assert.match(two, /^hapair_vrrp_/m);
    assert.doesNotMatch(two, /^haproxy_(backend|server|process)_/m);
    assert.equal((await scrape('/metrics?scope=*&scope=')).body, '');
    assert.match((await scrape('/metrics?scope=&scope=global')).body, /^haproxy_process_nbthread 1$/m);
    const only = (await scrape('/metrics?metrics=haproxy_server_status,haproxy_backend_status')).body;
    assert.deepEqual([...new Set(lines(only, '# TYPE').map((l) => l.split(' ')[2]))].sort(), [
      'haproxy_backend_status',
      'haproxy_server_status',
    ]);
    const without = (await scrape('/metrics?metrics=-haproxy_server_check_status')).body;
    assert.equal(lines(without, 'haproxy_server_check_status').length, 0);
    assert.ok(lines(without, 'haproxy_server_status').length > 0);
    const noMaint = (await scrape('/metrics?no-maint')).body;
    assert.equal(lines(noMaint, 'haproxy_server_weight{proxy="be",server="s2"}').length, 0);
    assert.equal(lines(noMaint, 'haproxy_server_weight{proxy="be",server="s1"}').length, 1);
  });

  it('answers 400 to a malformed query, as promex', async () => {
    for (const q of ['scope=bogus', 'scope', 'metrics', 'scope=a=b', 'scope=%zz']) {
      assert.equal((await scrape(`/metrics?${q}`)).status, 400, q);
    }
  });

  it('keeps the connection for the next request, and reads a body before answering', async () => {
    const sock = net.connect(st.port('fe'), '127.0.0.1');
    let got = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      got += d;
    });
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.write('GET /metrics?scope=global HTTP/1.1\r\nhost: x\r\n\r\n');
    assert.ok(await waitFor(() => got.includes('haproxy_process_start_time_seconds')));
    // A chunked body in two writes: answered once it is complete, then the connection closes.
    sock.write('POST /metrics?scope=global HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n4\r\n');
    await sleep(50);
    assert.equal(got.split('HTTP/1.1 200 OK').length, 2, 'answered before the body was read');
    sock.write('ping\r\n0\r\n\r\n');
    await closed;
    assert.equal(got.split('HTTP/1.1 200 OK').length, 3);
  });

  it('answers HEAD with the headers only', async () => {
    const r = await scrape('/metrics', 'HEAD');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4');
    assert.equal(r.body, '');
  });
});

describe('use-service configuration', () => {
  const start = (service: string) =>
    startHttpStack(
      (env) =>
        `defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n` +
        `frontend fe\n    bind 127.0.0.1:${env.free[0]}\n` +
        `    http-request use-service ${service} if { path /metrics }\n`,
      { webs: 0 },
    );

  it('refuses an unknown service at the rule line', async () => {
    await assert.rejects(start('prometheus'), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(
        e.message,
        /haproxy\.cfg:8: http-request: 'use-service' unknown service name 'prometheus'/,
      );
      return true;
    });
  });

  it('refuses Lua services as unsupported', async () => {
    await assert.rejects(start('lua.hello'), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.code, 'CFG_UNSUPPORTED');
      return true;
    });
  });

  it('refuses a missing service name when loading', async () => {
    await assert.rejects(
      startHttpStack(
        (env) =>
          `frontend fe\n    mode http\n    bind 127.0.0.1:${env.free[0]}\n    http-request use-service\n`,
        { webs: 0 },
      ),
      /use-service.*expects 1 argument/,
    );
  });
});

describe('hapair run serving /metrics', () => {
  it('answers the scrape from a real process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hapair-metrics-'));
    const port = await refusedPort();
    const cfg = join(dir, 'h.cfg');
    writeFileSync(
      cfg,
      `defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n` +
        `frontend stats\n    bind 127.0.0.1:${port}\n` +
        `    http-request use-service prometheus-exporter if { path /metrics }\n` +
        `    default_backend web\n` +
        `backend web\n    server web1 127.0.0.1:9\n`,
    );
    const p = spawn(join(process.cwd(), 'bin/hapair'), ['-db', '-f', cfg], { stdio: 'ignore' });
    try {
      let r = await httpRequest(port, '/metrics').catch(() => undefined);
      for (let i = 0; i < 100 && !r; i++) {
        await new Promise((res) => setTimeout(res, 50));
        r = await httpRequest(port, '/metrics').catch(() => undefined);
      }
      assert.ok(r, 'hapair did not answer');
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4');
      assert.match(r.body, /^haproxy_server_status\{proxy="web",server="web1",state="UP"\} 1$/m);
      assert.match(r.body, /^haproxy_process_start_time_seconds \d+$/m);
      if (havePromtool) assert.equal(promtool(r.body), '');
    } finally {
      const exited = new Promise((res) => p.once('exit', res));
      p.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
