/**
 * `add server`, `del server`, `set server … addr … port` and `health
 * stopping` against a real `hapair -f` process (single-process mode, where
 * run.ts starts the health checks): the checks of a server added at run
 * time start with `enable health`, traffic follows every change, and no
 * malformed command takes the process down.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exchange, namedServer, refusedPort, type TestServer } from '../proxy/helpers.js';
import { ask, waitFor } from './harness.js';

const HAPAIR = fileURLToPath(new URL('../../../bin/hapair', import.meta.url));

describe('dynamic servers in a hapair process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hapair-dyn-'));
  const sock = join(dir, 'admin.sock');
  const webs: TestServer[] = [];
  let proc: ChildProcess;
  let fe = 0;
  let stderr = '';
  const cmd = (c: string) => ask(sock, c);
  /** Names answering `n` connections through the frontend, in order. */
  const names = async (n: number) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await exchange(fe)).data.trim() || '(none)');
    return out;
  };
  const status = async (sv: string) => {
    const lines = (await cmd('show stat')).split('\n');
    const head = lines[0]!.slice(2).split(',');
    return lines.find((l) => l.startsWith(`be,${sv},`))?.split(',')[head.indexOf('status')];
  };

  before(async () => {
    for (const n of ['web1', 'web2', 'web3']) webs.push(await namedServer(n));
    fe = await refusedPort();
    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(
      cfg,
      `global
    stats socket ${sock} level admin
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:${fe}
    default_backend be
backend be
    balance roundrobin
    server s1 127.0.0.1:${webs[0]!.port}
`,
    );
    proc = spawn(HAPAIR, ['-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const up = await waitFor(
      async () => (await cmd('show info').catch(() => '')).startsWith('Name: hapair'),
      8000,
    );
    assert.ok(up, `hapair did not start: ${stderr}`);
  });

  after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await gone;
    }
    for (const w of webs) await w.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a checked server, serves it once ready, and its check runs once enabled', async () => {
    const dead = await refusedPort();
    assert.equal(
      await cmd(`add server be/s2 127.0.0.1:${dead} check inter 100ms fall 1 rise 1`),
      'New server registered.\n\n',
    );
    assert.equal(await cmd('set server be/s2 state ready'), '\n');
    assert.equal(await status('s2'), 'no check');
    assert.equal(await cmd('enable health be/s2'), '\n');
    assert.ok(await waitFor(async () => (await status('s2')) === 'DOWN'), 'the check did not run');
    assert.equal(
      await cmd(`set server be/s2 addr 127.0.0.1 port ${webs[1]!.port}`),
      `no need to change the addr, port changed from '${dead}' to '${webs[1]!.port}' by 'stats socket command'\n\n`,
    );
    assert.ok(await waitFor(async () => (await status('s2')) === 'UP'), 'the check did not follow the port');
    assert.deepEqual((await names(4)).sort(), ['web1', 'web1', 'web2', 'web2']);
  });

  it('keeps a NOLB server out of load balancing until health up', async () => {
    assert.equal(await cmd('set server be/s1 health stopping'), '\n');
    assert.equal(await status('s1'), 'NOLB');
    assert.deepEqual(await names(3), ['web2', 'web2', 'web2']);
    assert.equal(await cmd('set server be/s1 health up'), '\n');
  });

  it('survives malformed and refused commands', async () => {
    for (const c of [
      'add server',
      'add server /',
      'add server be/',
      'add server be/x',
      'add server be/x nowhere:80',
      'add server be/x 127.0.0.1:1 weight',
      'add server be/x 127.0.0.1:1 source',
      'add server be/x 127.0.0.1:1 observe layer7 check',
      'add server be/x 127.0.0.1:1 ssl',
      'add server be/x unix@',
      'del server',
      'del server be/#99',
      'del server #99/x',
      'set server be/s1 addr 127.0.0.1 port',
      'set server be/s1 addr 127.0.0.1 port +1',
    ]) {
      const answer = await cmd(c);
      assert.ok(answer.length > 0 && !answer.startsWith('Internal error'), `${c}: ${JSON.stringify(answer)}`);
    }
    assert.equal(proc.exitCode, null, stderr);
    assert.match(await cmd('show info'), /^Name: hapair/);
  });

  it('deletes the added server: traffic and reports forget it', async () => {
    assert.equal(await cmd('set server be/s2 state maint'), '\n');
    assert.equal(await cmd('del server be/s2'), 'Server deleted.\n');
    assert.equal(await status('s2'), undefined);
    assert.doesNotMatch(await cmd('show servers state be'), / s2 /);
    assert.deepEqual(await names(3), ['web1', 'web1', 'web1']);
    assert.equal(await cmd(`add server be/s2 127.0.0.1:${webs[2]!.port}`), 'New server registered.\n\n');
    assert.equal(await cmd('set server be/s2 state ready'), '\n');
    assert.deepEqual((await names(4)).sort(), ['web1', 'web1', 'web3', 'web3']);
  });
});
