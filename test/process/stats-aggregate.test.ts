/**
 * Master-worker counters for the whole process: `hapair -W` with nbthread 2
 * reports, on the stats socket (worker 0), on the stats page and on the
 * Prometheus exporter (whichever worker accepts the scrape), the traffic of
 * both workers summed, as HAProxy reports its threads' shared counters. Each
 * worker serves part of the traffic (seen from the `x-pid` header each worker
 * stamps, and from worker 0's own `show sess`), so one worker's counters can
 * never add up to what was sent. The stats page and the exporter gather the
 * other workers' figures when asked, so they are exact right after traffic.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { STAT_FIELDS, type StatField } from '../../src/proxy/stat-fields.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'hapair-sa-'));
const sock = join(dir, 'admin.sock');
/** HTTP requests, TCP connections, and bytes each TCP client sends. */
const K = 200;
const KT = 60;
const TCP_BYTES = 1000;
/** HTTP requests whose bytes the test counts on the wire (frontend fb). */
const KB = 40;
let httpPort = 0;
let bytesPort = 0;
let tcpPort = 0;
let statsPort = 0;
let master: ChildProcess | undefined;
let stderr = '';
let webServer: http.Server | undefined;
let tcpServer: net.Server | undefined;
const tcpHeld = new Set<net.Socket>();

function freePort(): Promise<number> {
  const s = net.createServer();
  return new Promise((r) =>
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => r(port));
    }),
  );
}

function listen(server: net.Server): Promise<number> {
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)),
  );
}

/** One command on the stats socket, read until it closes. */
function cli(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(sock);
    let data = '';
    s.setTimeout(3000, () => s.destroy(new Error(`timeout on '${command}'`)));
    s.on('connect', () => s.write(`${command}\n`));
    s.on('data', (d) => {
      data += d.toString();
    });
    s.on('error', reject);
    s.on('close', () => resolve(data));
  });
}

/** A GET on a fresh connection: status, body and the `x-pid` header. */
function get(port: number, path: string): Promise<{ status: number; body: string; pid: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, pid: String(res.headers['x-pid'] ?? '') }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`timeout on ${path}`)));
    req.on('error', reject);
  });
}

/** One request on a fresh connection, read until the proxy closes: the bytes each way and the `x-pid`. */
function countedGet(port: number, path: string): Promise<{ sent: number; received: number; pid: string }> {
  return new Promise((resolve, reject) => {
    const req = `GET ${path} HTTP/1.1\r\nHost: counted\r\nConnection: close\r\n\r\n`;
    const chunks: Buffer[] = [];
    const c = net.connect(port, '127.0.0.1', () => c.write(req));
    c.setTimeout(3000, () => c.destroy(new Error(`timeout on ${path}`)));
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('error', reject);
    c.on('end', () => {
      c.end();
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({
        sent: req.length,
        received: Buffer.concat(chunks).length,
        pid: /^x-pid: (\d+)\r$/im.exec(text)?.[1] ?? '',
      });
    });
  });
}

/** `pxname/svname` → field → cell, from CSV with HAProxy's `# ` header. */
function parseCsv(text: string): Map<string, Map<StatField, string>> {
  const out = new Map<string, Map<StatField, string>>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(',');
    out.set(`${cells[0]}/${cells[1]}`, new Map(STAT_FIELDS.map((f, i) => [f, cells[i] ?? ''])));
  }
  return out;
}

const cell = (csv: Map<string, Map<StatField, string>>, obj: string, f: StatField) =>
  Number(csv.get(obj)?.get(f));

/** Polls `read` until `done` holds or 5 s pass; returns the last value read either way. */
async function settle<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const end = Date.now() + 5000;
  let v = await read();
  while (!done(v) && Date.now() < end) {
    await sleep(100);
    v = await read();
  }
  return v;
}

function workers(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(master!.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Opens `n` TCP connections through the proxy and waits until the server holds them all. */
async function openTcp(n: number): Promise<net.Socket[]> {
  const clients = Array.from({ length: n }, () => net.connect(tcpPort, '127.0.0.1'));
  for (const c of clients) c.on('error', () => undefined);
  for (let i = 0; i < 200 && tcpHeld.size < n; i++) await sleep(20);
  assert.equal(tcpHeld.size, n, 'the TCP server holds every connection');
  return clients;
}

before(async () => {
  webServer = http.createServer((_req, res) => res.end('ok\n'));
  const webPort = await listen(webServer);
  // Holds each connection, swallows what it gets, and closes after the client.
  tcpServer = net.createServer((c) => {
    tcpHeld.add(c);
    c.on('error', () => undefined);
    c.resume();
    c.on('end', () => c.end());
    c.on('close', () => tcpHeld.delete(c));
  });
  const backendTcp = await listen(tcpServer);
  [httpPort, tcpPort, statsPort, bytesPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  writeFileSync(
    join(dir, 'h.cfg'),
    `global
    nbthread 2
    stats socket ${sock} level admin
defaults
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend fh
    mode http
    bind 127.0.0.1:${httpPort}
    http-response set-header x-pid %pid
    default_backend bh
backend bh
    mode http
    server h1 127.0.0.1:${webPort}
frontend fb
    mode http
    bind 127.0.0.1:${bytesPort}
    http-response set-header x-pid %pid
    default_backend bb
backend bb
    mode http
    server b1 127.0.0.1:${webPort}
frontend ft
    mode tcp
    bind 127.0.0.1:${tcpPort}
    default_backend bt
backend bt
    mode tcp
    server t1 127.0.0.1:${backendTcp}
listen st
    mode http
    bind 127.0.0.1:${statsPort}
    stats enable
    stats uri /stats
    stats admin if LOCALHOST
    http-request use-service prometheus-exporter if { path /metrics }
`,
  );
  master = spawn(join(process.cwd(), 'bin/hapair'), ['-W', '-f', join(dir, 'h.cfg')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  master.stderr!.on('data', (d) => {
    stderr += d.toString();
  });
  for (let i = 0; i < 300 && (stderr.match(/worker ready/g) ?? []).length < 2; i++) await sleep(50);
  await sleep(200);
});

after(async () => {
  if (master && master.exitCode === null) {
    const exited = new Promise((r) => master!.once('exit', r));
    master.kill('SIGTERM');
    await exited;
  }
  for (const c of tcpHeld) c.destroy();
  webServer?.close();
  tcpServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('HTTP requests on fresh connections are served by both workers', async () => {
  const perPid = new Map<string, number>();
  for (let i = 0; i < K; i += 10) {
    const batch = await Promise.all(Array.from({ length: 10 }, () => get(httpPort, '/')));
    for (const r of batch) {
      assert.equal(r.status, 200);
      perPid.set(r.pid, (perPid.get(r.pid) ?? 0) + 1);
    }
  }
  assert.deepEqual([...perPid.keys()].map(Number).sort(), workers().sort(), 'both workers answered');
  for (const n of perPid.values()) assert.ok(n > 0 && n < K);
});

it('show stat sums the workers: sessions of frontend, backend and server equal the requests sent', async () => {
  const csv = await settle(
    async () => parseCsv(await cli('show stat')),
    (c) => cell(c, 'bh/h1', 'stot') === K && cell(c, 'fh/FRONTEND', 'hrsp_2xx') === K,
  );
  assert.equal(cell(csv, 'fh/FRONTEND', 'stot'), K);
  assert.equal(cell(csv, 'fh/FRONTEND', 'conn_tot'), K);
  assert.equal(cell(csv, 'fh/FRONTEND', 'req_tot'), K);
  assert.equal(cell(csv, 'fh/FRONTEND', 'hrsp_2xx'), K);
  assert.equal(cell(csv, 'bh/BACKEND', 'stot'), K);
  assert.equal(cell(csv, 'bh/h1', 'stot'), K);
  assert.equal(cell(csv, 'bh/h1', 'status'), Number.NaN, 'status stays a word');
  assert.equal(csv.get('bh/h1')?.get('status'), 'no check');
});

it('current sessions and show servers conn sum the workers; show sess lists worker 0 alone', async () => {
  const clients = await openTcp(KT);
  try {
    const csv = parseCsv(await cli('show stat'));
    assert.equal(cell(csv, 'ft/FRONTEND', 'scur'), KT);
    assert.equal(cell(csv, 'bt/BACKEND', 'scur'), KT);
    assert.equal(cell(csv, 'bt/t1', 'scur'), KT);
    const own = (await cli('show sess')).split('\n').filter((l) => l.includes(' fe=ft ')).length;
    assert.ok(own > 0 && own < KT, `worker 0 holds ${own} of the ${KT} connections`);
    const conn = (await cli('show servers conn bt')).split('\n').find((l) => l.startsWith('bt/t1 '));
    assert.equal(conn?.split(' ')[6], String(KT), `used_cur in ${conn}`);
  } finally {
    const closed = clients.map((c) => new Promise((r) => c.once('close', r)));
    for (const c of clients) c.end(Buffer.alloc(TCP_BYTES, 'x'));
    await Promise.all(closed);
  }
});

it('bytes in sum the workers for frontend, backend and server', async () => {
  const total = KT * TCP_BYTES;
  const csv = await settle(
    async () => parseCsv(await cli('show stat')),
    (c) => cell(c, 'bt/t1', 'bin') === total && cell(c, 'ft/FRONTEND', 'scur') === 0,
  );
  assert.equal(cell(csv, 'ft/FRONTEND', 'bin'), total);
  assert.equal(cell(csv, 'bt/BACKEND', 'bin'), total);
  assert.equal(cell(csv, 'bt/t1', 'bin'), total);
  assert.equal(cell(csv, 'ft/FRONTEND', 'stot'), KT);
  assert.equal(cell(csv, 'ft/FRONTEND', 'scur'), 0);
});

it('show info counts every worker and keeps Nbthread and Process_num as HAProxy does', async () => {
  const info = new Map(
    (await cli('show info'))
      .split('\n')
      .filter((l) => l.includes(': '))
      .map((l) => l.split(': ') as [string, string]),
  );
  assert.ok(Number(info.get('CumConns')) >= K + KT, `CumConns ${info.get('CumConns')}`);
  assert.ok(Number(info.get('CumReq')) >= K, `CumReq ${info.get('CumReq')}`);
  assert.equal(info.get('Nbthread'), '2');
  assert.equal(info.get('Process_num'), '1');
  assert.equal(info.get('Nbproc'), '1');
});

it('the stats page (;csv) reports the same totals, whichever worker serves it', async () => {
  const total = KT * TCP_BYTES;
  const csv = await settle(
    async () => parseCsv((await get(statsPort, '/stats;csv')).body),
    (c) => cell(c, 'bh/h1', 'stot') === K && cell(c, 'bt/t1', 'bin') === total,
  );
  assert.equal(cell(csv, 'fh/FRONTEND', 'stot'), K);
  assert.equal(cell(csv, 'bh/BACKEND', 'stot'), K);
  assert.equal(cell(csv, 'bh/h1', 'stot'), K);
  assert.equal(cell(csv, 'ft/FRONTEND', 'bin'), total);
  assert.equal(cell(csv, 'bt/t1', 'bin'), total);
  const html = (await get(statsPort, '/stats')).body;
  assert.match(html, /nbthread = 2/);
});

it('the Prometheus exporter reports the same totals', async () => {
  const total = KT * TCP_BYTES;
  const sample = (text: string, name: string) =>
    Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
  const text = await settle(
    async () => (await get(statsPort, '/metrics')).body,
    (t) =>
      sample(t, 'haproxy_server_sessions_total{proxy="bh",server="h1"}') === K &&
      sample(t, 'haproxy_server_bytes_in_total{proxy="bt",server="t1"}') === total,
  );
  assert.equal(sample(text, 'haproxy_frontend_sessions_total{proxy="fh"}'), K);
  assert.equal(sample(text, 'haproxy_backend_sessions_total{proxy="bh"}'), K);
  assert.equal(sample(text, 'haproxy_server_sessions_total{proxy="bh",server="h1"}'), K);
  assert.equal(sample(text, 'haproxy_frontend_bytes_in_total{proxy="ft"}'), total);
  assert.equal(sample(text, 'haproxy_server_bytes_in_total{proxy="bt",server="t1"}'), total);
  assert.ok(sample(text, 'haproxy_process_connections_total') >= K + KT);
  assert.equal(sample(text, 'haproxy_process_nbthread'), 2);
});

it('right after traffic, with no wait, the stats page has the exact whole-process totals, bytes included', async () => {
  let sent = 0;
  let received = 0;
  const pids = new Set<string>();
  for (let i = 0; i < KB; i += 10) {
    for (const r of await Promise.all(Array.from({ length: 10 }, () => countedGet(bytesPort, '/b')))) {
      sent += r.sent;
      received += r.received;
      pids.add(r.pid);
    }
  }
  assert.deepEqual([...pids].map(Number).sort(), workers().sort(), 'both workers served part of it');
  const page = parseCsv((await get(statsPort, '/stats;csv')).body);
  const socket = parseCsv(await cli('show stat'));
  for (const [where, csv] of [
    ['stats page', page],
    ['show stat', socket],
  ] as const) {
    assert.equal(cell(csv, 'fb/FRONTEND', 'req_tot'), KB, `${where} req_tot`);
    assert.equal(cell(csv, 'fb/FRONTEND', 'hrsp_2xx'), KB, `${where} hrsp_2xx`);
    assert.equal(cell(csv, 'bb/b1', 'stot'), KB, `${where} server stot`);
    for (const obj of ['fb/FRONTEND', 'bb/BACKEND', 'bb/b1']) {
      assert.equal(cell(csv, obj, 'bin'), sent, `${where} ${obj} bin`);
      assert.equal(cell(csv, obj, 'bout'), received, `${where} ${obj} bout`);
    }
  }
  const metrics = (await get(statsPort, '/metrics')).body;
  assert.match(metrics, new RegExp(`^haproxy_frontend_bytes_out_total\\{proxy="fb"\\} ${received}$`, 'm'));
  assert.match(
    metrics,
    new RegExp(`^haproxy_server_bytes_in_total\\{proxy="bb",server="b1"\\} ${sent}$`, 'm'),
  );
});

it("the stats page's admin form changes the server in every worker", async () => {
  const posted = await new Promise<number>((resolve, reject) => {
    const body = 'b=bh&s=h1&action=maint';
    const req = http.request(
      {
        host: '127.0.0.1',
        port: statsPort,
        path: '/stats',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(posted, 303);
  await sleep(200);
  const statuses = new Set<number>();
  for (let i = 0; i < 20; i++) statuses.add((await get(httpPort, '/')).status);
  assert.deepEqual([...statuses], [503], 'no worker sends traffic to the server in maintenance');
});
