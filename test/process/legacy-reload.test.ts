/**
 * The seeds' legacy hot reload, driven as the script in the architecture seed
 * does it, and its modern form `-sf`: SIGTTOU frees the old process's ports
 * (its sessions go on), the new process binds them, then SIGUSR1 lets the old
 * one finish; a new process that fails to start is followed by SIGTTIN and the
 * old one serves again. Real processes (bin/hapair, no -W) on loopback.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'hapair-legacy-'));
const procs: ChildProcess[] = [];
const backends: net.Server[] = [];
const ports: Record<string, number> = {};
let port = 0;

function listen(server: net.Server): Promise<number> {
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)),
  );
}

/** One connection: the backend's name, or '' when refused/closed without data. */
function ask(): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    s.setTimeout(2000, () => s.destroy());
    s.on('data', (d) => {
      data += d.toString();
    });
    s.on('error', () => resolve(''));
    s.on('close', () => resolve(data.trim()));
  });
}

async function until(cond: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(50);
  }
  return false;
}

function config(name: string, backend: string): string {
  const file = join(dir, `${name}.cfg`);
  writeFileSync(
    file,
    `defaults
    mode tcp
    timeout connect 1s
    timeout client 10s
    timeout server 10s
listen px
    bind 127.0.0.1:${port}
    server s 127.0.0.1:${ports[backend]}
`,
  );
  return file;
}

function run(args: string[]): ChildProcess {
  const p = spawn(join(process.cwd(), 'bin/hapair'), ['-q', ...args], { stdio: 'ignore' });
  procs.push(p);
  return p;
}

const exited = (p: ChildProcess) =>
  p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((r) => p.once('exit', () => r()));

before(async () => {
  for (const name of ['old', 'new']) {
    // Each backend answers its name and keeps the connection open for a while (a long session).
    const b = net.createServer((c) => {
      c.write(`${name}\n`);
      setTimeout(() => c.end(), 600);
    });
    ports[name] = await listen(b);
    backends.push(b);
  }
  const probe = net.createServer();
  port = await listen(probe);
  await new Promise((r) => probe.close(r));
});

after(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const b of backends) b.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('legacy reload (SIGTTOU / SIGTTIN / SIGUSR1)', () => {
  it('TTOU frees the port, the new process takes it, USR1 lets the old one finish its sessions', async () => {
    const old = run(['-f', config('old', 'old')]);
    assert.ok(await until(async () => (await ask()) === 'old'), 'the old process serves');
    // A session in progress on the old process when the reload starts.
    const live = ask();
    await sleep(100);
    old.kill('SIGTTOU');
    assert.ok(await until(async () => (await ask()) === ''), 'the port is free');
    const fresh = run(['-f', config('new', 'new')]);
    assert.ok(await until(async () => (await ask()) === 'new'), 'the new process serves');
    old.kill('SIGUSR1');
    assert.equal(await live, 'old', 'the session on the old process was not cut');
    await exited(old);
    assert.equal(await ask(), 'new');
    fresh.kill('SIGTERM');
    await exited(fresh);
  });

  it('a new process that fails to start: TTIN and the old one listens again', async () => {
    const old = run(['-f', config('old', 'old')]);
    assert.ok(await until(async () => (await ask()) === 'old'));
    old.kill('SIGTTOU');
    assert.ok(await until(async () => (await ask()) === ''));
    const bad = join(dir, 'bad.cfg');
    writeFileSync(bad, 'listen px\n    bind 127.0.0.1:1 nosuchparam\n');
    const failed = run(['-f', bad]);
    await exited(failed);
    assert.notEqual(failed.exitCode, 0);
    old.kill('SIGTTIN');
    assert.ok(await until(async () => (await ask()) === 'old'), 'the old process serves again');
    old.kill('SIGTERM');
    await exited(old);
  });
});

describe('-sf', () => {
  it('a new process started with -sf OLDPID takes the port over and the old one stops', async () => {
    const old = run(['-f', config('old', 'old')]);
    assert.ok(await until(async () => (await ask()) === 'old'));
    const fresh = run(['-f', config('new', 'new'), '-sf', String(old.pid)]);
    assert.ok(await until(async () => (await ask()) === 'new'), 'the new process serves');
    await exited(old);
    fresh.kill('SIGTERM');
    await exited(fresh);
  });
});
