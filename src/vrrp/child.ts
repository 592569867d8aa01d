/**
 * Entry point of the VRRP process forked by `hapair -k`: its own event loop,
 * so proxy load can never delay an advert (ARCHITECTURE.md). It learns the
 * proxy's health from its parent over IPC; losing the parent (proxy crashed
 * or killed) counts as an unhealthy proxy at once, and the process then stops
 * as keepalived does on shutdown (priority 0, VIPs removed), so a box whose
 * proxy is gone never keeps the VIP.
 */
import { readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { loadKeepalivedConfig } from '../config/keepalived/index.js';
import type { GlobalDefs, KeepalivedConfig, VrrpRealtime } from '../config/keepalived/model.js';
import { type CommandResult, type CommandRunner, realRunner } from '../core/command.js';
import type { FromVrrp, ToVrrp, VrrpChildArgs } from '../core/ipc.js';
import type { Logger } from '../core/logger.js';
import { createLogger } from '../core/logger.js';
import { VrrpDaemon } from './daemon.js';

function send(msg: FromVrrp): void {
  if (process.connected) process.send?.(msg);
}

/**
 * hapair's default nice value for the VRRP process: adverts must keep their
 * interval while the proxy saturates the machine (bench/RESULTS.md,
 * "Isolation"). keepalived leaves its VRRP process at 0 unless
 * `vrrp_priority` says otherwise; hapair shares the box with a busy proxy.
 */
const DEFAULT_NICE = -10;

/** `vrrp_priority`, or the default when allowed; a refused explicit value is logged. */
function applyNice(config: KeepalivedConfig, log: Logger): void {
  const wanted = config.globalDefs.vrrpPriority;
  const nice = wanted ?? DEFAULT_NICE;
  if (getPriority() === nice) return;
  try {
    setPriority(nice);
    log.info({ nice }, 'VRRP process priority set');
  } catch (err) {
    // Without CAP_SYS_NICE only lowering the priority is allowed: the default quietly stays.
    if (wanted !== undefined)
      log.error({ nice, err: (err as Error).message }, 'vrrp_priority: cannot set the VRRP process priority');
  }
}

const UTIL_TIMEOUT_MS = 5000;

/**
 * `vrrp_rt_priority`, `vrrp_rlimit_rttime` and `vrrp_cpu_affinity`
 * (keepalived.conf(5) "Global definitions"). Node.js has no binding for
 * setrlimit(RLIMIT_RTTIME), sched_setscheduler or sched_setaffinity, so
 * util-linux's prlimit, chrt and taskset apply them to this process, on every
 * thread (`-a`): V8's and libuv's threads serve the event loop that sends the
 * adverts. A failure is logged naming the keyword and the process goes on, as
 * keepalived's does (lib/process.c). A reload applies what changed; a removed
 * keyword brings back normal scheduling or the CPUs of the start.
 */
class ProcessPlacement {
  private realtime: VrrpRealtime | undefined;
  private cpus: readonly number[] | undefined;
  private readonly startCpus: string | undefined;
  private warnsOnRttime = false;

  constructor(
    private readonly log: Logger,
    private readonly runner: CommandRunner = realRunner,
  ) {
    this.startCpus = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  }

  async apply(g: GlobalDefs): Promise<void> {
    const rt = g.vrrpRealtime;
    if (rt?.priority !== this.realtime?.priority || rt?.rlimitRttime !== this.realtime?.rlimitRttime)
      await this.applyRealtime(rt);
    if ((g.vrrpCpuAffinity ?? []).join(',') !== (this.cpus ?? []).join(','))
      await this.applyCpus(g.vrrpCpuAffinity);
  }

  /** Normal scheduling until the next apply(). */
  async leaveRealtime(): Promise<void> {
    if (this.realtime !== undefined) await this.applyRealtime(undefined);
  }

  private async applyRealtime(rt: VrrpRealtime | undefined): Promise<void> {
    const pid = String(process.pid);
    if (rt === undefined) {
      // The RLIMIT_RTTIME left in place binds real-time tasks only.
      const normal = ['chrt', '-a', '-o', '-p', '0', pid];
      if (await this.util('vrrp_rt_priority', 'cannot restore normal scheduling', normal))
        this.realtime = undefined;
      return;
    }
    this.warnOnRttime();
    // keepalived: the soft limit is half the value, so SIGXCPU warns before the kernel kills at the hard one.
    const limit = ['prlimit', '--pid', pid, `--rttime=${Math.floor(rt.rlimitRttime / 2)}:${rt.rlimitRttime}`];
    // Without the limit first, a busy loop at real-time priority would own a CPU.
    const limited = await this.util(
      'vrrp_rlimit_rttime',
      'no RLIMIT_RTTIME, so no real-time scheduling',
      limit,
    );
    if (!limited) return;
    // -R (SCHED_RESET_ON_FORK, as keepalived): the scripts this process starts are normally scheduled.
    const rr = ['chrt', '-a', '-R', '-r', '-p', String(rt.priority), pid];
    if (!(await this.util('vrrp_rt_priority', 'cannot set real-time scheduling', rr))) return;
    this.realtime = rt;
    this.log.info(
      { priority: rt.priority, rlimitRttime: rt.rlimitRttime },
      'VRRP process real-time scheduling set',
    );
  }

  private async applyCpus(cpus: readonly number[] | undefined): Promise<void> {
    const list = cpus?.join(',') ?? this.startCpus;
    if (list === undefined) return;
    const affinity = ['taskset', '-a', '-c', '-p', list, String(process.pid)];
    if (!(await this.util('vrrp_cpu_affinity', 'cannot set the CPU affinity', affinity))) return;
    this.cpus = cpus;
    this.log.info({ cpus: list }, 'VRRP process CPU affinity set');
  }

  /** keepalived lib/signals.c log_sigxcpu: SIGXCPU would otherwise kill Node.js at the soft limit. */
  private warnOnRttime(): void {
    if (this.warnsOnRttime) return;
    this.warnsOnRttime = true;
    process.on('SIGXCPU', () =>
      this.log.warn('VRRP process has used too much CPU time, vrrp_rlimit_rttime may need to be increased'),
    );
  }

  /** Runs one util-linux command; false, with an error naming `keyword`, when it failed. */
  private async util(keyword: string, what: string, cmd: readonly string[]): Promise<boolean> {
    const [file = '', ...args] = cmd;
    const r = await this.runner.run(file, args, { timeoutMs: UTIL_TIMEOUT_MS });
    if (r.code === 0) return true;
    this.log.error({ cmd: cmd.join(' '), err: failure(file, r) }, `${keyword}: ${what}`);
    return false;
  }
}

function failure(file: string, r: CommandResult): string {
  if (r.error?.code === 'ENOENT') return `${file} not found (install util-linux)`;
  if (r.error) return r.error.message;
  if (r.timedOut) return `${file} did not finish within ${UTIL_TIMEOUT_MS} ms`;
  return r.stderr.trim() || `${file} exited with ${r.code ?? r.signal}`;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as VrrpChildArgs;
  const log = createLogger({ pretty: args.pretty, level: args.level as 'info' });
  let config = loadKeepalivedConfig(args.files);
  applyNice(config, log);
  const daemon = await VrrpDaemon.start({ config, log, vipMode: args.vipMode });
  daemon.onTransition((instance, t) =>
    send({ type: 'transition', instance, from: t.from, to: t.to, reason: t.reason }),
  );
  const placement = new ProcessPlacement(log);
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`VRRP process stopping: ${why}`);
    await daemon.stop();
    send({ type: 'stopped' });
    process.exit(0);
  };
  /** An invalid new file is logged and changes nothing (keepalived does the same on SIGHUP). */
  const reloadConfig = async (): Promise<FromVrrp> => {
    let next: typeof config;
    try {
      next = loadKeepalivedConfig(args.files);
    } catch (err) {
      const message = (err as Error).message;
      log.error({ err: message }, 'keepalived.conf reload refused: the running instances keep going');
      return { type: 'reloaded', ok: false, message, kept: [], restarted: [] };
    }
    for (const w of next.warnings) log.warn(w);
    const r = await daemon.reload(next);
    config = next;
    applyNice(config, log);
    log.info(r, 'keepalived.conf reloaded');
    return { type: 'reloaded', ok: true, message: '', kept: r.kept, restarted: r.started };
  };
  /**
   * Parsing and restarting instances run normally scheduled, for the same
   * reason as the start; the answer waits until the scheduling keywords are applied.
   */
  const reload = async () => {
    await placement.leaveRealtime();
    let answer: FromVrrp;
    try {
      answer = await reloadConfig();
    } finally {
      await placement.apply(config.globalDefs);
    }
    send(answer);
  };
  process.on('message', (m: ToVrrp) => {
    if (m.type === 'proxy-health') daemon.setProxyHealth(m.ok, m.reason);
    else if (m.type === 'status-request') {
      const vips = new Map(
        config.instances.map((i) => [
          i.name,
          i.virtualAddresses.map((v) => `${v.address}/${v.prefix} dev ${v.dev ?? i.interface}`),
        ]),
      );
      const instances = daemon.status().map((st) => ({ ...st, vips: vips.get(st.name) ?? [] }));
      send({ type: 'status', id: m.id, instances });
    } else if (m.type === 'control') {
      const r = daemon.control(m.cmd);
      send({ type: 'control-result', id: m.id, ok: r.ok, reason: r.reason });
    } else if (m.type === 'reload') void reload();
    else if (m.type === 'stop') void stop('asked by the parent');
  });
  process.on('disconnect', () => {
    daemon.setProxyHealth(false, 'proxy process gone');
    void stop('parent process gone');
  });
  // The parent handles the operator's signals and tells us; a signal sent to
  // the whole process group must not stop us before the parent decides.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // After the start, whose burst of work at real-time priority could exceed RLIMIT_RTTIME.
  await placement.apply(config.globalDefs);
  send({ type: 'ready', instances: config.instances.map((i) => i.name) });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: (err as Error).message });
  process.stderr.write(`hapair vrrp: ${(err as Error).message}\n`);
  process.exit(1);
});
