/**
 * A -W reload under keep-alive traffic: the draining old worker answers each
 * connection's next request with `Connection: close` (and then closes it), so
 * clients move to the new workers without a failed request; an idle
 * connection is not closed under the client's feet (issue #9's zero-error
 * reload, where haproxy 2.6 closes idle keep-alive connections).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'hapair-rka-'));
let master: ChildProcess | undefined;
let backend: net.Server | undefined;
let log = '';

after(async () => {
  if (master && master.exitCode === null && master.signalCode === null) {
    const gone = new Promise((r) => master!.once('exit', r));
    master.kill('SIGTERM');
    await gone;
  }
  backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Reads one HTTP/1.1 response (Content-Length framed) from `sock`. */
function response(sock: net.Socket): Promise<{ head: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    let data = '';
    const onData = (d: Buffer) => {
      data += d.toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/content-length: *(\d+)/i.exec(data.slice(0, end))?.[1] ?? 0);
      if (data.length < end + 4 + len) return;
      sock.off('data', onData);
      sock.off('error', reject);
      const head = data.slice(0, end);
      // Give a closing proxy a moment to send its FIN.
      setTimeout(() => resolve({ head, closed: sock.readableEnded || sock.destroyed }), 100);
    };
    sock.on('data', onData);
    sock.once('error', reject);
  });
}

it('-W reload: a keep-alive client gets Connection: close on its next request and reconnects, nothing fails', async () => {
  backend = net.createServer((c) => {
    c.on('error', () => undefined);
    c.on('data', () => c.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
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
  const write = (w: number) =>
    writeFileSync(
      cfg,
      `defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 5s
    timeout http-keep-alive 30s
listen px
    bind 127.0.0.1:${port}
    server s 127.0.0.1:${bport} weight ${w}
`,
    );
  write(10);
  master = spawn(join(process.cwd(), 'bin/hapair'), ['-W', '-f', cfg], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  master.stderr!.on('data', (d) => {
    log += d.toString();
  });
  for (let i = 0; i < 100 && !/worker ready/.test(log); i++) await sleep(50);

  const busy = net.connect(port, '127.0.0.1');
  const idle = net.connect(port, '127.0.0.1');
  await Promise.all([busy, idle].map((s) => new Promise((r) => s.once('connect', r))));
  for (const s of [busy, idle]) s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const before = await Promise.all([response(busy), response(idle)]);
  for (const r of before) {
    assert.match(r.head, /^HTTP\/1\.1 200/);
    assert.doesNotMatch(r.head, /connection: close/i);
  }

  write(20);
  master.kill('SIGUSR2');
  for (let i = 0; i < 100 && !/reloaded: new workers serving/.test(log); i++) await sleep(50);
  assert.match(log, /reloaded: new workers serving/);
  await sleep(300);

  // The idle connection was left open by the draining worker.
  assert.equal(
    idle.destroyed || idle.readableEnded,
    false,
    'an idle keep-alive connection is not closed at reload',
  );
  // The next request on each connection is answered, with Connection: close, then the connection ends.
  for (const s of [busy, idle]) s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const after = await Promise.all([response(busy), response(idle)]);
  for (const r of after) {
    assert.match(r.head, /^HTTP\/1\.1 200/);
    assert.match(r.head, /connection: close/i);
    assert.equal(r.closed, true);
  }
  // A new connection reaches the new workers.
  const fresh = net.connect(port, '127.0.0.1');
  fresh.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const r = await response(fresh);
  assert.match(r.head, /^HTTP\/1\.1 200/);
  assert.doesNotMatch(r.head, /connection: close/i);
  fresh.destroy();
});
