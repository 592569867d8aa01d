/**
 * haproxy.cfg `log` targets: the datagram formats, level filtering, and a real
 * hapair process sending its server state changes to a UDP syslog receiver.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LogTarget } from '../../src/config/haproxy/model.js';
import { formatSyslog } from '../../src/ops/syslog.js';

const target = (format: LogTarget['format'], len = 1024): LogTarget => ({
  target: '127.0.0.1:514',
  facility: 'local2',
  format,
  len,
  loc: { file: 'x.cfg', line: 1 },
});

describe('syslog formats', () => {
  const now = new Date(2026, 10, 4, 9, 5, 7);
  it('rfc3164: <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG with PRI = facility*8 + severity', () => {
    assert.equal(
      formatSyslog(target('rfc3164'), 'info', 'hello', now, 'hapair', 42),
      '<150>Nov  4 09:05:07 hapair[42]: hello',
    );
  });
  it('short, raw, and len truncation', () => {
    assert.equal(formatSyslog(target('short'), 'notice', 'm', now, 't', 1), '<149>m');
    assert.equal(formatSyslog(target('raw'), 'alert', 'm', now, 't', 1), 'm');
    assert.equal(formatSyslog(target('raw', 5), 'info', 'abcdefgh', now, 't', 1), 'abcde');
  });
  it('rfc5424 has version 1 and an ISO timestamp', () => {
    assert.match(
      formatSyslog(target('rfc5424'), 'err', 'x', now, 'hapair', 7),
      /^<147>1 \d{4}-\d\d-\d\dT.* hapair 7 - - x$/,
    );
  });
});

it('a running hapair sends its health-check state changes to the global UDP syslog target', async () => {
  const rx = createSocket('udp4');
  const got: string[] = [];
  rx.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  const port = rx.address().port;
  const dir = mkdtempSync(join(tmpdir(), 'hapair-syslog-'));
  const cfg = join(dir, 'h.cfg');
  // 127.0.0.1:9 (discard) refuses on loopback: the first check marks the server DOWN.
  writeFileSync(
    cfg,
    `global\n    log 127.0.0.1:${port} local0 notice\ndefaults\n    mode tcp\n    log global\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\n` +
      'backend be\n    server s1 127.0.0.1:9 check inter 100\n',
  );
  const p = spawn(join(process.cwd(), 'bin/hapair'), ['-db', '-f', cfg], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 60 && !got.some((l) => l.includes('is DOWN')); i++)
      await new Promise((r) => setTimeout(r, 50));
    const down = got.find((l) => l.includes('Server be/s1 is DOWN'));
    assert.ok(down, `no DOWN line in ${JSON.stringify(got)}`);
    assert.match(
      down,
      /^<1\d\d>\w{3} [ \d]\d \d\d:\d\d:\d\d hapair\[\d+\]: Server be\/s1 is DOWN, reason: Layer4/,
    );
  } finally {
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
    rx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
