/**
 * Master-worker mode as an operator drives it: `hapair -W`, nbthread workers
 * on the master's sockets, a killed worker replaced, SIGUSR2 reloads (an
 * invalid config refused while the old one serves), SIGTERM stops everything.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'hapair-mw-'));
const backends: net.Server[] = [];
let port = 0;
let master: ChildProcess | undefined;
let stderr = '';

function listen(server: net.Server): Promise<number> {
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)),
  );
}

function ask(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    s.setTimeout(2000, () => s.destroy(new Error('timeout')));
    s.on('data', (d) => {
      data += d.toString();
    });
    s.on('error', reject);
    s.on('close', () => resolve(data.trim()));
  });
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

const cfg = (weight: number) => `global
    nbthread 2
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
${backends.map((b, i) => `    server s${i + 1} 127.0.0.1:${(b.address() as net.AddressInfo).port} weight ${weight}`).join('\n')}
`;

before(async () => {
  for (const name of ['s1', 's2']) {
    const b = net.createServer((c) => c.end(`${name}\n`));
    await listen(b);
    backends.push(b);
  }
  const probe = net.createServer();
  port = await listen(probe);
  await new Promise((r) => probe.close(r));
  writeFileSync(join(dir, 'h.cfg'), cfg(1));
  master = spawn(
    join(process.cwd(), 'bin/hapair'),
    ['-W', '-f', join(dir, 'h.cfg'), '-p', join(dir, 'm.pid')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  master.stderr!.on('data', (d) => {
    stderr += d.toString();
  });
  // Both workers ready (a loaded machine may take seconds to start them).
  for (let i = 0; i < 300 && (stderr.match(/worker ready/g) ?? []).length < 2; i++) await sleep(50);
  await sleep(300);
});

after(async () => {
  if (master && master.exitCode === null) {
    const exited = new Promise((r) => master!.once('exit', r));
    master.kill('SIGTERM');
    await exited;
  }
  for (const b of backends) b.close();
  rmSync(dir, { recursive: true, force: true });
});

it('serves through nbthread workers on the master-owned socket; the pidfile holds the master', async () => {
  assert.equal(workers().length, 2);
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) seen.add(await ask());
  assert.deepEqual([...seen].sort(), ['s1', 's2']);
  assert.equal(Number(readFileSync(join(dir, 'm.pid'), 'utf8')), master!.pid);
});

it('a worker killed with SIGKILL is replaced within 1 s and service continues', async () => {
  const [victim] = workers();
  process.kill(victim!, 'SIGKILL');
  const t0 = performance.now();
  let now = workers();
  while ((now.length < 2 || now.includes(victim!)) && performance.now() - t0 < 1000) {
    await sleep(20);
    now = workers();
  }
  assert.equal(now.length, 2);
  assert.ok(!now.includes(victim!));
  assert.match(await ask(), /^s[12]$/);
  assert.match(stderr, /worker died; restarting it/);
});

it('SIGUSR2 with an invalid config keeps the running workers and logs file:line', async () => {
  const before = workers().sort();
  writeFileSync(join(dir, 'h.cfg'), `${cfg(1)}    bogus_keyword\n`);
  master!.kill('SIGUSR2');
  await sleep(700);
  assert.deepEqual(workers().sort(), before);
  assert.match(stderr, /h\.cfg:\d+: bogus_keyword: .*reload refused/);
  assert.match(await ask(), /^s[12]$/);
});

it('SIGUSR2 with a valid config starts new workers; the old ones drain and exit', async () => {
  const before = workers();
  writeFileSync(join(dir, 'h.cfg'), cfg(3));
  master!.kill('SIGUSR2');
  const t0 = performance.now();
  let now = workers();
  while (now.some((p) => before.includes(p)) && performance.now() - t0 < 5000) {
    await sleep(50);
    now = workers();
  }
  assert.equal(now.length, 2);
  assert.ok(now.every((p) => !before.includes(p)));
  assert.match(await ask(), /^s[12]$/);
});

it('SIGTERM stops the master and every worker, and removes the pidfile', async () => {
  const ws = workers();
  const exited = new Promise((r) => master!.once('exit', r));
  master!.kill('SIGTERM');
  await exited;
  await sleep(200);
  for (const w of ws) assert.throws(() => process.kill(w, 0));
  assert.throws(() => readFileSync(join(dir, 'm.pid')));
});
