/**
 * A `bind` port range under master-worker mode: the master binds one socket
 * per port and every worker serves all of them (issue #9: port ranges used
 * to be refused with -W).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'hapair-range-'));
let master: ChildProcess | undefined;
let backend: net.Server | undefined;

after(async () => {
  if (master && master.exitCode === null) {
    const gone = new Promise((r) => master!.once('exit', r));
    master.kill('SIGTERM');
    await gone;
  }
  backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

function ask(port: number): Promise<string> {
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

/** Two consecutive free ports (retried a few times). */
async function twoPorts(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const a = net.createServer();
    const p = await new Promise<number>((r) =>
      a.listen(0, '127.0.0.1', () => r((a.address() as net.AddressInfo).port)),
    );
    const b = net.createServer();
    const ok = await new Promise<boolean>((r) => {
      b.once('error', () => r(false));
      b.listen(p + 1, '127.0.0.1', () => r(true));
    });
    await new Promise((r) => a.close(r));
    if (ok) await new Promise((r) => b.close(r));
    if (ok) return p;
  }
  throw new Error('no two consecutive free ports');
}

it('-W with bind 127.0.0.1:P-P+1 serves both ports from every worker', async () => {
  backend = net.createServer((c) => c.end('ok\n'));
  const bport = await new Promise<number>((r) =>
    backend!.listen(0, '127.0.0.1', () => r((backend!.address() as net.AddressInfo).port)),
  );
  const p = await twoPorts();
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
    bind 127.0.0.1:${p}-${p + 1}
    server s 127.0.0.1:${bport}
`,
  );
  master = spawn(join(process.cwd(), 'bin/hapair'), ['-q', '-W', '-f', cfg], { stdio: 'ignore' });
  let served = false;
  for (let i = 0; i < 100 && !served; i++) {
    served = (await ask(p)) === 'ok' && (await ask(p + 1)) === 'ok';
    if (!served) await sleep(100);
  }
  assert.ok(served, 'both ports of the range answer');
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => ask(p + (i % 2))));
  assert.deepEqual(new Set(answers), new Set(['ok']));
});
