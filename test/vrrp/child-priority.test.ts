/**
 * The VRRP process's scheduling: `vrrp_priority` (keepalived's nice value for
 * its VRRP child; hapair defaults to -10 when it may raise its priority, so a
 * saturated proxy on the same box delays adverts less, bench/RESULTS.md,
 * "Isolation"), `vrrp_rt_priority` with `vrrp_rlimit_rttime` (SCHED_RR and
 * RLIMIT_RTTIME) and `vrrp_cpu_affinity`. The real child process, its
 * threads' policy, limits and CPUs read from /proc.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../../src/vrrp/child.js', import.meta.url));
const ROOT = process.getuid?.() === 0;
const NEEDS_ROOT = ROOT ? false : 'SKIPPED: real-time scheduling and switching users need root';
const SCHED_OTHER = 0;
const SCHED_RR = 2;
const dir = mkdtempSync(join(tmpdir(), 'hapair-vrrp-sched-'));
// Readable by the unprivileged user of the "without privilege" test.
chmodSync(dir, 0o755);
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** One UDP instance on loopback with no peer answering: it becomes MASTER after about 0.4 s. */
async function writeConf(file: string, globalDefs: string, instanceExtra = ''): Promise<void> {
  const port = await freeUdpPort();
  writeFileSync(
    file,
    `global_defs {
${globalDefs}}
vrrp_instance VI_1 {
    state BACKUP
    interface lo
    virtual_router_id 61
    priority 100
    version 3
    advert_int 0.1
    unicast_src_ip 127.0.0.1
    unicast_peer {
        127.0.0.1:${port + 1}
    }
    hapair_transport udp port ${port} bind 127.0.0.1
    virtual_ipaddress {
        198.18.9.61/32 dev lo
    }
${instanceExtra}}
`,
  );
  chmodSync(file, 0o644);
}

interface Started {
  readonly child: ChildProcess;
  readonly file: string;
  /** What the child logged so far (pretty lines, info and above). */
  log(): string;
}

let count = 0;

/** Starts the VRRP process and resolves once it is ready (its scheduling keywords applied). */
async function start(
  globalDefs: string,
  opts: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; instanceExtra?: string } = {},
): Promise<Started> {
  const file = join(dir, `k${++count}.conf`);
  await writeConf(file, globalDefs, opts.instanceExtra);
  const child = fork(
    CHILD,
    [JSON.stringify({ files: [file], vipMode: 'log', pretty: true, level: 'info' })],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
    },
  );
  children.push(child);
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString('utf8');
  });
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type: string; message?: string }) => {
      if (m.type === 'ready') resolve();
      else if (m.type === 'failed') reject(new Error(m.message));
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`VRRP process exited (${code ?? signal}): ${log}`)),
    );
  });
  return { child, file, log: () => log };
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces); field N is at N - 3. */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

interface ThreadSched {
  readonly policy: number;
  readonly rtPriority: number;
  readonly cpus: string;
}

/** proc(5): field 40 rt_priority, 41 policy; Cpus_allowed_list of each thread's status. */
function threadsOf(pid: number): ThreadSched[] {
  const out: ThreadSched[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const f = statFields(`/proc/${pid}/task/${tid}/stat`);
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    const cpuList = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] ?? '';
    out.push({ policy: Number(f[38]), rtPriority: Number(f[37]), cpus: cpuList });
  }
  return out;
}

/** "Max realtime timeout" of /proc/PID/limits as [soft, hard]. */
function rttimeOf(pid: number): [string, string] {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max realtime timeout'));
  const [soft = '', hard = ''] = (line ?? '').slice('Max realtime timeout'.length).trim().split(/\s+/);
  return [soft, hard];
}

function niceOf(pid: number): number {
  return Number(statFields(`/proc/${pid}/stat`)[16]);
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Rewrites the child's file and waits for its answer to a reload. */
async function reload(s: Started, globalDefs: string): Promise<void> {
  await writeConf(s.file, globalDefs);
  const done = new Promise<void>((resolve, reject) => {
    const onMessage = (m: { type: string; ok?: boolean; message?: string }) => {
      if (m.type !== 'reloaded') return;
      s.child.off('message', onMessage);
      if (m.ok) resolve();
      else reject(new Error(m.message));
    };
    s.child.on('message', onMessage);
  });
  s.child.send({ type: 'reload' });
  await done;
}

describe('vrrp_priority', () => {
  it('sets the VRRP process nice value', async () => {
    // Lowering the priority needs no privilege.
    const s = await start('    vrrp_priority 7\n');
    assert.equal(niceOf(s.child.pid!), 7);
    s.child.kill('SIGKILL');
  });

  it('by default the VRRP process runs at nice -10 when it may (root), else unchanged', async (t) => {
    if (!ROOT) t.diagnostic('not root: the default cannot raise the priority; expecting the parent value');
    const s = await start('');
    assert.equal(niceOf(s.child.pid!), ROOT ? -10 : getPriority());
    s.child.kill('SIGKILL');
  });
});

describe('vrrp_rt_priority, vrrp_rlimit_rttime, vrrp_cpu_affinity', () => {
  it('without them every thread stays normally scheduled, on the CPUs it started with', async () => {
    const s = await start('');
    const mine = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    const threads = threadsOf(s.child.pid!);
    assert.ok(threads.length > 1, 'a Node.js process has several threads');
    for (const th of threads) assert.deepEqual(th, { policy: SCHED_OTHER, rtPriority: 0, cpus: mine });
    assert.deepEqual(rttimeOf(s.child.pid!), rttimeOf(process.pid));
    s.child.kill('SIGKILL');
  });

  it('puts every thread at SCHED_RR with RLIMIT_RTTIME set as keepalived does (soft: half)', {
    skip: NEEDS_ROOT,
  }, async () => {
    const s = await start('    vrrp_rt_priority 10\n    vrrp_rlimit_rttime 50000\n');
    const threads = threadsOf(s.child.pid!);
    assert.ok(threads.length > 1);
    for (const th of threads) assert.deepEqual([th.policy, th.rtPriority], [SCHED_RR, 10]);
    assert.deepEqual(rttimeOf(s.child.pid!), ['25000', '50000']);
    assert.match(s.log(), /real-time scheduling set priority=10 rlimitRttime=50000/);
    s.child.kill('SIGKILL');
  });

  it("uses keepalived's 10000 µs when vrrp_rlimit_rttime is not given", { skip: NEEDS_ROOT }, async () => {
    const s = await start('    vrrp_rt_priority 1\n');
    assert.deepEqual(rttimeOf(s.child.pid!), ['5000', '10000']);
    assert.ok(threadsOf(s.child.pid!).every((th) => th.policy === SCHED_RR && th.rtPriority === 1));
    s.child.kill('SIGKILL');
  });

  // A process may narrow its own affinity without privilege.
  it('binds every thread to the CPUs of vrrp_cpu_affinity', async () => {
    const last = cpus().length - 1;
    const s = await start(`    vrrp_cpu_affinity ${last}\n`);
    for (const th of threadsOf(s.child.pid!)) assert.equal(th.cpus, String(last));
    assert.equal(threadsOf(s.child.pid!)[0]?.policy, SCHED_OTHER);
    s.child.kill('SIGKILL');
  });

  it('starts its notify scripts normally scheduled (SCHED_RESET_ON_FORK, as keepalived)', {
    skip: NEEDS_ROOT,
  }, async () => {
    const out = join(dir, 'notify-sched.txt');
    const script = join(dir, 'notify-sched.sh');
    // Fields 41 (policy) and 40 (rt_priority) of the script's own process.
    writeFileSync(script, `#!/bin/sh\nsed 's/.*) //' /proc/$$/stat | cut -d' ' -f38,39 > ${out}\n`, {
      mode: 0o755,
    });
    const s = await start('    vrrp_rt_priority 10\n', { instanceExtra: `    notify_master ${script}\n` });
    assert.equal(threadsOf(s.child.pid!)[0]?.policy, SCHED_RR);
    await until(() => existsSync(out) && readFileSync(out, 'utf8').includes('\n'), 5000, 'notify_master');
    assert.equal(readFileSync(out, 'utf8').trim(), `0 ${SCHED_OTHER}`);
    s.child.kill('SIGKILL');
  });

  it('logs SIGXCPU (the RLIMIT_RTTIME soft limit) and keeps running', { skip: NEEDS_ROOT }, async () => {
    const s = await start('    vrrp_rt_priority 10\n');
    process.kill(s.child.pid!, 'SIGXCPU');
    await until(() => /vrrp_rlimit_rttime may need to be increased/.test(s.log()), 3000, 'the warning');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(s.child.exitCode, null);
    assert.equal(s.child.signalCode, null);
    s.child.kill('SIGKILL');
  });

  it('applies what a reload changed, and a removed keyword restores the start', {
    skip: NEEDS_ROOT,
  }, async () => {
    const last = cpus().length - 1;
    // Raising the hard RLIMIT_RTTIME would need CAP_SYS_RESOURCE: the reload lowers it.
    const s = await start('    vrrp_rt_priority 10\n    vrrp_rlimit_rttime 40000\n');
    const startCpus = threadsOf(process.pid)[0]?.cpus;
    await reload(s, `    vrrp_rt_priority 20\n    vrrp_rlimit_rttime 30000\n    vrrp_cpu_affinity ${last}\n`);
    for (const th of threadsOf(s.child.pid!))
      assert.deepEqual(th, { policy: SCHED_RR, rtPriority: 20, cpus: String(last) });
    assert.deepEqual(rttimeOf(s.child.pid!), ['15000', '30000']);
    await reload(s, '');
    for (const th of threadsOf(s.child.pid!))
      assert.deepEqual(th, { policy: SCHED_OTHER, rtPriority: 0, cpus: startCpus });
    assert.doesNotMatch(s.log(), /ERROR/);
    s.child.kill('SIGKILL');
  });

  it('a missing util-linux command is an error naming the keyword; the process goes on', async () => {
    const last = cpus().length - 1;
    const s = await start(`    vrrp_rt_priority 10\n    vrrp_cpu_affinity ${last}\n`, {
      env: { ...process.env, PATH: join(dir, 'no-such-dir') },
    });
    const log = s.log();
    assert.match(
      log,
      /ERROR.*vrrp_rlimit_rttime: no RLIMIT_RTTIME, so no real-time scheduling.*prlimit not found/,
    );
    assert.match(log, /ERROR.*vrrp_cpu_affinity: cannot set the CPU affinity.*taskset not found/);
    // RLIMIT_RTTIME comes first: without it, chrt is not even tried.
    assert.doesNotMatch(log, /chrt/);
    assert.ok(threadsOf(s.child.pid!).every((th) => th.policy === SCHED_OTHER));
    assert.equal(s.child.exitCode, null);
    s.child.kill('SIGKILL');
  });

  it('without the privilege the error names the keyword and the reason; the process goes on', {
    skip: NEEDS_ROOT,
  }, async () => {
    // nobody: RLIMIT_RTPRIO 0, so sched_setscheduler(SCHED_RR) is refused.
    const s = await start('    vrrp_rt_priority 10\n', { uid: 65534, gid: 65534 });
    await until(() => /vrrp_rt_priority/.test(s.log()), 3000, 'the error');
    assert.match(
      s.log(),
      /ERROR.*vrrp_rt_priority: cannot set real-time scheduling.*Operation not permitted/,
    );
    assert.ok(threadsOf(s.child.pid!).every((th) => th.policy === SCHED_OTHER));
    assert.equal(s.child.exitCode, null);
    s.child.kill('SIGKILL');
  });
});
