/**
 * A connection that reaches a -W master's socket while its workers start
 * waits in the kernel's backlog and is served once a worker listens; before
 * the fix, Node in the worker accepted it into a net.Server 'connection'
 * event nobody listened to: the client hung, and the worker never drained.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'hapair-mws-'));
let master: ChildProcess | undefined;
let backend: net.Server | undefined;

after(async () => {
  if (master && master.exitCode === null && master.signalCode === null) {
    const gone = new Promise((r) => master!.once('exit', r));
    master.kill('SIGKILL');
    await gone;
  }
  backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  readonly connected: boolean;
  readonly answer: string;
  readonly ms: number;
}

/** One request: whether the kernel took the connection, what came back, how long it took. */
function ask(port: number): Promise<Outcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    let connected = false;
    s.on('connect', () => {
      connected = true;
    });
    s.setTimeout(5000, () => s.destroy());
    s.on('data', (d) => {
      data += d.toString();
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve({ connected, answer: data.trim(), ms: performance.now() - t0 }));
  });
}

it('-W, nbthread 2: connections made during start-up are served, and SIGTERM ends every process', async () => {
  backend = net.createServer((c) => {
    c.on('error', () => undefined);
    c.end('ok\n');
  });
  const bport = await new Promise<number>((r) =>
    backend!.listen(0, '127.0.0.1', () => r((backend!.address() as net.AddressInfo).port)),
  );
  const probe = net.createServer();
  const port = await new Promise<number>((r) =>
    probe.listen(0, '127.0.0.1', () => r((probe.address() as net.AddressInfo).port)),
  );
  await new Promise((r) => probe.close(r));
  const cfg = join(dir, 'h.cfg');
  writeFileSync(
    cfg,
    `global
    nbthread 2
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
listen px
    bind 127.0.0.1:${port}
    server s 127.0.0.1:${bport}
`,
  );
  master = spawn(join(process.cwd(), 'bin/hapair'), ['-q', '-W', '-f', cfg], { stdio: 'ignore' });
  // A new connection every 10 ms from before the port is bound until well after the workers serve.
  const pending: Promise<Outcome>[] = [];
  for (let i = 0; i < 150; i++) {
    pending.push(ask(port));
    await sleep(10);
  }
  const results = await Promise.all(pending);
  const taken = results.filter((r) => r.connected);
  assert.ok(taken.length > 50, 'the port was bound early in the run');
  // Refused before the master bound the port is fine; taken and never served is the bug.
  const lost = taken.filter((r) => r.answer !== 'ok');
  assert.deepEqual(lost, [], 'every connection the kernel took is served');
  // Those that waited in the backlog while the workers started were served, not left hanging.
  for (const r of results.filter((x) => x.answer === 'ok')) assert.ok(r.ms < 3000, `answered in ${r.ms} ms`);
  const m = master;
  const t0 = performance.now();
  const exited = new Promise((r) => m.once('exit', r));
  m.kill('SIGTERM');
  await exited;
  assert.ok(performance.now() - t0 < 3000, 'the master and its workers stop at once: nothing left to drain');
});
