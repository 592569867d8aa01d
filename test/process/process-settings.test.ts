/**
 * Global settings acting on the process: refused when hapair cannot honour
 * them (chroot, a ulimit-n above the real limit), cpu-map
 * resolution, and user/group dropping privileges in a real run (root only).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cpusFor } from '../../src/process/cpu-map.js';

const BIN = join(process.cwd(), 'bin/hapair');
const dir = mkdtempSync(join(tmpdir(), 'hapair-ps-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const cfg = (global: string) =>
  `global\n${global}\ndefaults\n    mode tcp\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\nbackend be\n    server s1 127.0.0.1:9\n`;

describe('process settings', () => {
  for (const [kw, line, re] of [
    ['chroot', '    chroot /var/empty', /chroot: a Node\.js process cannot chroot/],
    ['ulimit-n', '    ulimit-n 999999999', /ulimit-n: the open-files limit is \d+ < 999999999/],
  ] as const) {
    it(`${kw} that cannot be honoured refuses to start, naming the keyword`, () => {
      const f = join(dir, `${kw}.cfg`);
      writeFileSync(f, cfg(line));
      const r = spawnSync(BIN, ['-db', '-f', f], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 1);
      assert.match(r.stderr, re);
    });
  }

  it('cpu-map resolves HAProxy forms to a worker CPU list', () => {
    const map = [
      { worker: '1', cpus: '0' },
      { worker: '1/2', cpus: '1' },
      { worker: 'auto:1/3-4', cpus: '2-3' },
    ];
    assert.equal(cpusFor(map, 1), '0');
    assert.equal(cpusFor(map, 2), '1');
    assert.equal(cpusFor(map, 3), '2');
    assert.equal(cpusFor(map, 4), '3');
    assert.equal(cpusFor(map, 5), undefined);
  });

  it('user/group: the running process drops to nobody after binding (root only)', async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('SKIPPED: dropping privileges needs root');
      return;
    }
    const f = join(dir, 'user.cfg');
    writeFileSync(f, cfg('    user nobody\n    group nogroup'));
    const p = spawn(BIN, ['-db', '-f', f], { stdio: 'ignore' });
    try {
      let uid = '';
      for (let i = 0; i < 60 && uid !== '65534'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        uid = m?.[1] ?? '';
      }
      assert.equal(uid, '65534');
    } finally {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
  });
});
