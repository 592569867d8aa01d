/**
 * Runtime server state survives a master-worker reload: `set server … state
 * maint` and `set server … weight` sent to the stats socket are still in
 * force after `kill -USR2`, without any server-state file (the master hands
 * the old worker's `show servers state` to the new workers), and reach
 * every worker at once (worker 0 hands them to the others through the master).
 * Stick tables survive too: the workers share one table (replicated through
 * the master) and the new workers start from a copy of it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'hapair-rs-'));
const sock = join(dir, 'admin.sock');
const backends: net.Server[] = [];
let port = 0;
let tracked = 0;
let master: ChildProcess | undefined;
let stderr = '';

function listen(server: net.Server): Promise<number> {
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)),
  );
}

/** Sends one command on the stats socket and reads until it closes. */
function cli(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(sock);
    let data = '';
    s.setTimeout(2000, () => s.destroy(new Error(`timeout on '${command}'`)));
    s.on('connect', () => s.write(`${command}\n`));
    s.on('data', (d) => {
      data += d.toString();
    });
    s.on('error', reject);
    s.on('close', () => resolve(data));
  });
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

/** srv_name → [srv_op_state, srv_admin_state, srv_uweight] from `show servers state <backend>`. */
async function states(backend = 'be'): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const line of (await cli(`show servers state ${backend}`)).split('\n')) {
    const f = line.split(' ');
    if (f.length > 8 && f[1] === backend) out[f[3]!] = [f[5]!, f[6]!, f[7]!];
  }
  return out;
}

async function traffic(n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const who = await ask();
    seen[who] = (seen[who] ?? 0) + 1;
  }
  return seen;
}

/** The pid of the latest `worker ready` for worker `index`, from the master's log. */
function workerPid(index: number): number {
  const ready = stderr
    .split('\n')
    .filter((l) => l.includes('worker ready'))
    .map((l) => JSON.parse(l) as { worker: number; workerPid: number })
    .filter((l) => l.worker === index);
  return ready.at(-1)?.workerPid ?? 0;
}

before(async () => {
  for (const name of ['s1', 's2', 's3']) {
    // Health checks close their connections with a reset.
    const b = net.createServer((c) => c.on('error', () => undefined).end(`${name}\n`));
    await listen(b);
    backends.push(b);
  }
  const probe = net.createServer();
  port = await listen(probe);
  await new Promise((r) => probe.close(r));
  const probe2 = net.createServer();
  tracked = await listen(probe2);
  await new Promise((r) => probe2.close(r));
  const gone = net.createServer();
  const closed = await listen(gone);
  await new Promise((r) => gone.close(r));
  writeFileSync(
    join(dir, 'h.cfg'),
    `global
    nbthread 2
    stats socket ${sock} level admin
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
frontend ft
    bind 127.0.0.1:${tracked}
    stick-table type ip size 100 expire 10m store conn_cnt
    tcp-request connection track-sc0 src
    default_backend be
backend be
    balance roundrobin
${backends.map((b, i) => `    server s${i + 1} 127.0.0.1:${(b.address() as net.AddressInfo).port} weight 10`).join('\n')}
backend be2
    server live 127.0.0.1:${(backends[0]!.address() as net.AddressInfo).port} check inter 4s fall 1 rise 1
    server dead 127.0.0.1:${closed} check inter 4s fall 1 rise 1
`,
  );
  master = spawn(join(process.cwd(), 'bin/hapair'), ['-W', '-f', join(dir, 'h.cfg')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  master.stderr!.on('data', (d) => {
    stderr += d.toString();
  });
  for (let i = 0; i < 100 && !/worker ready/.test(stderr); i++) await sleep(50);
  await sleep(200);
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

it('state-changing commands on the stats socket reach every worker at once, not only worker 0', async () => {
  assert.equal((await cli('set server be/s3 state maint')).trim(), '');
  await sleep(100);
  // 60 new connections, which the kernel spreads over both workers.
  const off = await traffic(60);
  assert.equal(off.s3, undefined, JSON.stringify(off));
  assert.equal((await cli('disable server be/s2')).trim(), '');
  await sleep(100);
  assert.deepEqual(await traffic(20), { s1: 20 });
  assert.equal((await cli('enable server be/s2')).trim(), '');
  assert.equal((await cli('set server be/s3 state ready')).trim(), '');
  await sleep(100);
  const on = await traffic(60);
  assert.ok((on.s2 ?? 0) > 0 && (on.s3 ?? 0) > 0, JSON.stringify(on));
});

it('maintenance and weight set on the stats socket survive SIGUSR2', async () => {
  assert.equal((await cli('set server be/s1 state maint')).trim(), '');
  assert.equal((await cli('set server be/s2 weight 50')).trim(), '');
  const set = await states();
  assert.deepEqual(set.s1, ['0', '1', '10']);
  assert.deepEqual(set.s2, ['2', '0', '50']);

  const old = workers();
  assert.equal(old.length, 2);
  master!.kill('SIGUSR2');
  let now = workers();
  for (let i = 0; i < 100 && (now.length !== 2 || now.some((p) => old.includes(p))); i++) {
    await sleep(50);
    now = workers();
  }
  assert.ok(!now.some((p) => old.includes(p)), 'the old workers are gone');
  assert.match(stderr, /reload: handing the running server state over/);
  assert.match(stderr, /server state restored/);

  const after = await states();
  assert.deepEqual(after.s1, ['0', '1', '10']);
  assert.deepEqual(after.s2, ['2', '0', '50']);
  assert.deepEqual(after.s3, ['2', '0', '10']);

  // Both new workers got worker 0's state (before, only worker 0 had seen the commands):
  // s1 stays out; s2 (weight 50) takes about five times what s3 (weight 10) takes.
  const seen = await traffic(60);
  assert.equal(seen.s1, undefined);
  assert.ok((seen.s2 ?? 0) >= 44 && (seen.s3 ?? 0) >= 6, JSON.stringify(seen));
});

it("a crashed worker's replacement starts from worker 0's runtime state", async () => {
  const pid = workerPid(1);
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 40 && workerPid(1) === pid; i++) await sleep(50);
  assert.notEqual(workerPid(1), pid);
  await sleep(100);
  const seen = await traffic(60);
  assert.equal(seen.s1, undefined, JSON.stringify(seen));
  assert.equal((stderr.match(/server state restored/g) ?? []).length, 3);
});

it('a server its checks found down stays down across a reload until its checks pass', async () => {
  for (let i = 0; i < 100 && (await states('be2')).dead?.[0] !== '0'; i++) await sleep(50);
  assert.equal((await states('be2')).dead?.[0], '0');
  const old = workers();
  master!.kill('SIGUSR2');
  let now = workers();
  for (let i = 0; i < 100 && (now.length !== 2 || now.some((p) => old.includes(p))); i++) {
    await sleep(50);
    now = workers();
  }
  // The new check runner's first check of `dead` is 2 s away (inter 4s, spread over two servers).
  const st = await states('be2');
  assert.equal(st.dead?.[0], '0');
  assert.equal(st.live?.[0], '2');
  assert.match(stderr, /"servers":\["be2\/dead"\].*servers stay down until their checks pass/);
});

/** conn_cnt of 127.0.0.1 in frontend ft's table, as worker 0 sees it. */
async function trackedCount(): Promise<number> {
  const out = await cli('show table ft');
  const m = /key=127\.0\.0\.1 .*conn_cnt=(\d+)/.exec(out);
  assert.ok(m, out);
  return Number(m[1]);
}

it('stick-table contents survive SIGUSR2: the new workers start from the shared table', async () => {
  // 40 new connections, which the kernel spreads over both workers; the shared table counts them all.
  for (let i = 0; i < 40; i++) {
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(tracked, '127.0.0.1');
      s.setTimeout(2000, () => s.destroy(new Error('timeout')));
      s.on('data', () => undefined);
      s.on('error', reject);
      s.on('close', () => resolve());
    });
  }
  await sleep(100);
  assert.equal(await trackedCount(), 40);

  const old = workers();
  master!.kill('SIGUSR2');
  let now = workers();
  for (let i = 0; i < 100 && (now.length !== 2 || now.some((p) => old.includes(p))); i++) {
    await sleep(50);
    now = workers();
  }
  assert.ok(!now.some((p) => old.includes(p)), 'the old workers are gone');
  assert.match(stderr, /stick tables restored from the previous workers/);
  // Worker 0 of the new generation holds the whole count.
  assert.equal(await trackedCount(), 40);
});
