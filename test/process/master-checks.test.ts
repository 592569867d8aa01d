/**
 * Health checks in master-worker mode: the checks run once, in the master,
 * while the traffic runs in the workers. Passive health (`observe`) needs
 * the workers' live outcomes in the master, and an agent's `maxconn:N` needs
 * the master's verdict in every worker (issue #6).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'hapair-mwc-'));
const servers: net.Server[] = [];
const masters: ChildProcess[] = [];
const logs = new Map<ChildProcess, string>();

after(async () => {
  for (const m of masters) {
    if (m.exitCode !== null || m.signalCode !== null) continue;
    const gone = new Promise((r) => m.once('exit', r));
    m.kill('SIGTERM');
    await gone;
  }
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function listen(server: net.Server): Promise<number> {
  servers.push(server);
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)),
  );
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  const p = await new Promise<number>((r) =>
    s.listen(0, '127.0.0.1', () => r((s.address() as net.AddressInfo).port)),
  );
  await new Promise((r) => s.close(r));
  return p;
}

function cli(sock: string, command: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(sock);
    let data = '';
    s.setTimeout(2000, () => s.destroy());
    s.on('connect', () => s.write(`${command}\n`));
    s.on('data', (d) => {
      data += d.toString();
    });
    s.on('error', () => resolve(''));
    s.on('close', () => resolve(data));
  });
}

/** One HTTP/1.0 request; the status code, or 0 when the connection failed. */
function status(port: number): Promise<number> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    s.setTimeout(2000, () => s.destroy());
    s.on('connect', () => s.write('GET / HTTP/1.0\r\n\r\n'));
    s.on('data', (d) => {
      data += d.toString('latin1');
    });
    s.on('error', () => resolve(0));
    s.on('close', () => resolve(Number(data.slice(9, 12)) || 0));
  });
}

/** A field of one server's `show stat` row (by HAProxy's column name). */
async function statField(sock: string, backend: string, server: string, field: string): Promise<string> {
  const out = await cli(sock, 'show stat');
  const lines = out.split('\n');
  const cols = (lines[0] ?? '').replace(/^# /, '').split(',');
  const row = lines.find((l) => l.startsWith(`${backend},${server},`));
  return row?.split(',')[cols.indexOf(field)] ?? '';
}

function start(cfg: string): ChildProcess {
  const m = spawn(join(process.cwd(), 'bin/hapair'), ['-W', '-f', cfg], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  masters.push(m);
  logs.set(m, '');
  m.stderr!.on('data', (d) => logs.set(m, logs.get(m) + d.toString()));
  return m;
}

async function until(what: string, ok: () => Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

it('-W, nbthread 2: observe layer7 marks the server DOWN after error-limit 5xx answered by any worker', async () => {
  // A backend answering every request 500; the active check (TCP connect) keeps passing.
  const bport = await listen(
    net.createServer((c) => {
      c.once('data', () =>
        c.end('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'),
      );
      c.on('error', () => undefined);
    }),
  );
  const port = await freePort();
  const sock = join(dir, 'obs.sock');
  const cfg = join(dir, 'obs.cfg');
  writeFileSync(
    cfg,
    `global
    nbthread 2
    stats socket ${sock} level admin
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
listen px
    bind 127.0.0.1:${port}
    server s 127.0.0.1:${bport} check inter 60s observe layer7 error-limit 6 on-error mark-down
`,
  );
  const m = start(cfg);
  await until('the proxy answering', async () => (await status(port)) === 500);
  // The first active check runs at start and, passing, clears the error
  // count (HAProxy's rule too): let it finish, then six errors in a row.
  await sleep(300);
  const seen = [];
  for (let i = 0; i < 6; i++) seen.push(await status(port));
  // The sixth may already meet the verdict, if the start-up request counted.
  assert.deepEqual(seen.slice(0, 5), [500, 500, 500, 500, 500]);
  await until(
    'the server DOWN in show stat',
    async () => (await statField(sock, 'px', 's', 'status')) === 'DOWN',
  );
  // The master logs HAProxy's line once, whichever worker saw the errors.
  const downs = () => (logs.get(m) ?? '').match(/Server px\/s is DOWN, reason: Health analyze/g) ?? [];
  await until("the master's DOWN line", async () => downs().length > 0);
  await sleep(200);
  assert.equal(downs().length, 1, logs.get(m));
  // Every worker heard the verdict: no request reaches the server any more.
  const after = await Promise.all(Array.from({ length: 6 }, () => status(port)));
  assert.deepEqual(after, [503, 503, 503, 503, 503, 503]);
});

it('-W, nbthread 2: observe counts only consecutive errors; successes from any worker reset it', async () => {
  let n = 0;
  // 500 on every other request: never error-limit 3 in a row.
  const bport = await listen(
    net.createServer((c) => {
      c.once('data', () => {
        const code = n++ % 2 === 0 ? '500 Internal Server Error' : '200 OK';
        c.end(`HTTP/1.1 ${code}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      });
      c.on('error', () => undefined);
    }),
  );
  const port = await freePort();
  const sock = join(dir, 'alt.sock');
  const cfg = join(dir, 'alt.cfg');
  writeFileSync(
    cfg,
    `global
    nbthread 2
    stats socket ${sock} level admin
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
listen px
    bind 127.0.0.1:${port}
    server s 127.0.0.1:${bport} check inter 60s observe layer7 error-limit 3 on-error mark-down
`,
  );
  start(cfg);
  await until('the proxy answering', async () => (await status(port)) > 0);
  for (let i = 0; i < 20; i++) await status(port);
  await sleep(200);
  assert.equal(await statField(sock, 'px', 's', 'status'), 'UP');
});

it("-W: an agent's maxconn:N reaches the workers", async () => {
  const web = await listen(
    net.createServer((c) => {
      c.on('error', () => undefined);
      c.end('HTTP/1.0 200 OK\r\n\r\nok');
    }),
  );
  const agentPort = await listen(
    net.createServer((c) => {
      c.on('error', () => undefined);
      c.end('up maxconn:7\n');
    }),
  );
  const port = await freePort();
  const sock = join(dir, 'agent.sock');
  const cfg = join(dir, 'agent.cfg');
  writeFileSync(
    cfg,
    `global
    stats socket ${sock} level admin
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
listen px
    bind 127.0.0.1:${port}
    server s 127.0.0.1:${web} maxconn 100 agent-check agent-port ${agentPort} agent-inter 200
`,
  );
  start(cfg);
  await until('the proxy answering', async () => (await status(port)) === 200);
  await until('slim 7 in show stat', async () => (await statField(sock, 'px', 's', 'slim')) === '7');
});
