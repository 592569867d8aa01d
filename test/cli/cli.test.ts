/**
 * The command line as an operator uses it: the real bin/hapair, real files,
 * exit codes and stderr as HAProxy's habits expect.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const BIN = join(process.cwd(), 'bin/hapair');
const run = (...args: string[]) => spawnSync(BIN, args, { encoding: 'utf8', timeout: 30_000 });
const dir = mkdtempSync(join(tmpdir(), 'hapair-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('hapair -c', () => {
  it('prints file:line: keyword: reason and exits 1 on a bad config', () => {
    const f = join(dir, 'bad.cfg');
    writeFileSync(
      f,
      'defaults\n    mode http\n\nbackend be\n    balance roundrobin\n    server s1 127.0.0.1:80 weight 300\n',
    );
    const r = run('-c', '-f', f);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`^${f.replace(/[/.]/g, '\\$&')}:6: weight: .*\\[CFG_RANGE\\]$`, 'm'));
  });

  it('exits 0 and says so on a valid config, silent with -q', () => {
    const f = join(dir, 'good.cfg');
    writeFileSync(
      f,
      'frontend fe\n    bind 127.0.0.1:18999\n    default_backend be\nbackend be\n    server s1 127.0.0.1:80\n',
    );
    const r = run('-c', '-f', f);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Configuration file is valid/);
    const q = run('-c', '-q', '-f', f);
    assert.equal(q.status, 0);
    assert.equal(q.stdout, '');
  });

  it('reads a directory of *.cfg files in lexical order', () => {
    const d = mkdtempSync(join(dir, 'conf.d-'));
    writeFileSync(join(d, '10-fe.cfg'), 'frontend fe\n    bind 127.0.0.1:18999\n    default_backend be\n');
    writeFileSync(join(d, '20-be.cfg'), 'backend be\n    server s1 127.0.0.1:80\n');
    writeFileSync(join(d, 'ignored.txt'), 'this is not a config\n');
    assert.equal(run('-c', '-f', d).status, 0);
  });

  it('checks keepalived.conf files given with -k', () => {
    const k = join(dir, 'bad.conf');
    writeFileSync(k, 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 300\n}\n');
    const r = run('-c', '-k', k);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.conf:3: virtual_router_id: .*\[CFG_RANGE\]/);
  });

  it('hapair vrrp -t tests a keepalived.conf like keepalived -t', () => {
    const k = join(dir, 'ok.conf');
    writeFileSync(
      k,
      'vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  virtual_ipaddress {\n    198.18.0.100\n  }\n}\n',
    );
    assert.equal(spawnSync(BIN, ['vrrp', '-t', '-f', k], { encoding: 'utf8' }).status, 0);
  });
});

describe('hapair -cc / -v / --help', () => {
  it('-cc evaluates .if expressions: 0 true, 1 false', () => {
    assert.equal(run('-cc', 'version_atleast(2.6)').status, 0);
    assert.equal(run('-cc', 'version_before(2.0)').status, 1);
    assert.equal(run('-cc', 'streq(a,a) && !defined(HAPAIR_SURELY_UNSET_VAR)').status, 0);
  });

  it('-v prints one version line, -vv more', () => {
    assert.match(run('-v').stdout, /^hapair version \d+\.\d+\.\d+/);
    assert.ok(run('-vv').stdout.split('\n').length > 3);
  });

  it('--help lists every HAProxy flag and subcommand', () => {
    const h = run('--help').stdout;
    for (const flag of [
      '-f,',
      '-k,',
      '-c,',
      '-d,',
      '-D,',
      '-W,',
      '-p,',
      '--sf',
      '--st',
      '-q,',
      '-L,',
      '-v,',
      '--cc',
    ]) {
      assert.ok(h.includes(flag), `help lacks ${flag}`);
    }
    for (const cmd of ['check', 'vrrp', 'ctl', 'lab']) assert.match(h, new RegExp(`^\\s+${cmd}\\b`, 'm'));
  });
});

describe('bin/hapair is the program itself', () => {
  it('the pid the caller holds is the node process (exec, no wrapper)', async () => {
    const pidfile = join(dir, 'h.pid');
    const f = join(dir, 'run.cfg');
    const port = await freePort();
    writeFileSync(
      f,
      `frontend fe\n    bind 127.0.0.1:${port}\n    default_backend be\nbackend be\n    server s1 127.0.0.1:9\n`,
    );
    const p = spawn(BIN, ['-db', '-f', f, '-p', pidfile], { stdio: 'ignore' });
    try {
      let written = '';
      for (let i = 0; i < 100 && written === ''; i++) {
        await new Promise((r) => setTimeout(r, 50));
        try {
          written = readFileSync(pidfile, 'utf8').trim();
        } catch {
          // not written yet
        }
      }
      assert.equal(Number(written), p.pid);
      const comm = readFileSync(`/proc/${p.pid}/comm`, 'utf8').trim();
      assert.equal(comm, 'node');
    } finally {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
  });
});
