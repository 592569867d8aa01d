/**
 * The clients operators use against the stats socket: `socat stdio
 * UNIX:sock` (and TCP), and hapair's own `hapair ctl SOCKET CMD`, as real
 * child processes. Spawned asynchronously: the runtime API answering them
 * lives in this test's event loop.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { baseConfig, type Stack, startStack } from './harness.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const haveSocat = spawnSync('socat', ['-V'], { encoding: 'utf8' }).status === 0;
if (!haveSocat) console.warn('SKIPPING socat tests: socat not found (apt-get install socat)');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: readonly string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), 15_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(input ?? '');
  });
}

describe('stats socket clients', () => {
  let st: Stack;
  let sock: string;
  before(async () => {
    st = await startStack((e) => baseConfig(e));
    sock = `${st.dir}/admin.sock`;
  });
  after(() => st.close());

  it('answers `echo "show info" | socat stdio UNIX:sock`', { skip: !haveSocat }, async () => {
    const r = await run('socat', ['stdio', `UNIX-CONNECT:${sock}`], 'show info\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Name: hapair\nVersion: /);
    assert.ok(r.stdout.endsWith('\n\n'));
  });

  it('answers socat in interactive mode with the prompt', { skip: !haveSocat }, async () => {
    const r = await run('socat', ['stdio', `UNIX-CONNECT:${sock}`], 'prompt\nget weight be/s1\nquit\n');
    assert.equal(r.stdout, '\n> 1 (initial 1)\n\n> ');
  });

  it('answers socat over the ipv4@ socket', { skip: !haveSocat }, async () => {
    const [host, port] = st.api.addresses.find((a) => a.startsWith('127.0.0.1:'))!.split(':');
    const r = await run('socat', ['stdio', `TCP:${host}:${port}`], 'show backend\n');
    assert.equal(r.stdout, '# name\nbe\n\n');
  });

  it("hapair ctl SOCKET 'show info' prints the answer and exits 0", async () => {
    const r = await run(process.execPath, [MAIN, 'ctl', sock, 'show info']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Name: hapair\n/m);
    assert.match(r.stdout, new RegExp(`^Pid: ${process.pid}$`, 'm'));
  });

  it('hapair ctl changes state like any client', async () => {
    const r = await run(process.execPath, [MAIN, 'ctl', sock, 'set', 'server', 'be/s2', 'state', 'drain']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(st.control.servers('be')[1]!.admin, 'drain');
    await run(process.execPath, [MAIN, 'ctl', sock, 'set server be/s2 state ready']);
    assert.equal(st.control.servers('be')[1]!.admin, 'ready');
  });

  it('hapair ctl reads commands from a pipe, one connection each', async () => {
    const r = await run(process.execPath, [MAIN, 'ctl', sock], 'show cli level\nget weight be/s3\n');
    assert.equal(r.stdout, 'admin\n\n5 (initial 5)\n\n');
  });
});
