/**
 * The root command: run the proxy of the haproxy.cfg files and, with -k, the
 * VRRP instances of the keepalived.conf files in a process of their own.
 * Signals follow HAProxy: SIGTERM/SIGINT hard stop, SIGUSR1 soft stop (finish
 * sessions, honouring `grace`), SIGTTOU pause listeners, SIGTTIN resume them.
 */
import { type ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HealthCheckRunner } from '../checks/runner.js';
import { startHealthChecks } from '../checks/wire.js';
import { loadHaproxyConfig } from '../config/haproxy/index.js';
import type { HaproxyConfig } from '../config/haproxy/model.js';
import { loadKeepalivedConfig } from '../config/keepalived/index.js';
import type { KeepalivedConfig } from '../config/keepalived/model.js';
import { ConfigErrors } from '../core/errors.js';
import type { FromVrrp, ToVrrp, VrrpChildArgs } from '../core/ipc.js';
import { createLogger, type Logger } from '../core/logger.js';
import type { RuntimeApi } from '../ops/runtime-api.js';
import { loadServerStateFiles, type StateFileReport } from '../ops/server-state-file.js';
import { proxyLogSenders, trafficLogSink } from '../ops/syslog.js';
import { applyCpuMap } from '../process/cpu-map.js';
import { Master } from '../process/master.js';
import { checkProcessSettings, dropPrivileges } from '../process/privileges.js';
import { type ProxyEngine, startProxyEngine } from '../proxy/engine.js';
import { ProxyHealthReporter } from '../proxy/health-report.js';
import { configErrorLines } from './check.js';
import { startRuntime, vrrpStatusSource } from './runtime.js';
import { removePidfile, writePidfile } from './signals.js';
import { StatsPages, statsAdminProblems } from './stats-page.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface RunOptions {
  readonly file?: string[];
  readonly keepalived?: string[];
  readonly check?: boolean;
  readonly debug?: boolean;
  /** true with -D, false with -db, undefined otherwise. */
  readonly daemon?: boolean;
  readonly masterWorker?: boolean;
  readonly systemd?: boolean;
  readonly pidfile?: string;
  readonly sf?: string[];
  readonly st?: string[];
  readonly quiet?: boolean;
  readonly localPeer?: string;
  /** hapair: VIPs are only logged, never configured (unprivileged demo). */
  readonly vip?: boolean;
}

function loadAll(opts: RunOptions): { ha?: HaproxyConfig; ka?: KeepalivedConfig } | undefined {
  try {
    const ha = opts.file && opts.file.length > 0 ? loadHaproxyConfig(opts.file) : undefined;
    const ka =
      opts.keepalived && opts.keepalived.length > 0 ? loadKeepalivedConfig(opts.keepalived) : undefined;
    return { ...(ha ? { ha } : {}), ...(ka ? { ka } : {}) };
  } catch (err) {
    for (const l of configErrorLines(err)) process.stderr.write(`${l}\n`);
    return undefined;
  }
}

/** -D: start a detached copy in the foreground mode and return at once, like haproxy's daemon mode. */
function daemonize(): void {
  const args = process.argv.slice(2).filter((a) => a !== '-D' && a !== '--daemon');
  const childProc = spawn(process.execPath, [process.argv[1]!, ...args, '--no-daemon'], {
    detached: true,
    stdio: 'ignore',
  });
  childProc.unref();
}

function startVrrpProcess(opts: RunOptions, log: Logger): Promise<ChildProcess> {
  const args: VrrpChildArgs = {
    files: opts.keepalived ?? [],
    vipMode: opts.vip === false ? 'log' : 'ip',
    pretty: Boolean(opts.debug),
    level: opts.quiet ? 'warn' : 'info',
  };
  const childProc = fork(join(here, '../vrrp/child.js'), [JSON.stringify(args)], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    childProc.once('message', (m: FromVrrp) => {
      if (m.type === 'ready') {
        log.info({ pid: childProc.pid, instances: m.instances }, 'VRRP process ready');
        resolve(childProc);
      } else if (m.type === 'failed') reject(new Error(`VRRP process failed: ${m.message}`));
    });
    childProc.once('exit', (code) => reject(new Error(`VRRP process exited with code ${code}`)));
  });
}

/**
 * Starting beside a running instance (-sf/-st): when a port is still held,
 * the old processes are asked to release theirs (SIGTTOU) and the bind is
 * retried, as HAProxy's main() does; if it still fails they get SIGTTIN and
 * keep serving.
 */
async function takeOverPorts<T>(opts: RunOptions, log: Logger, start: () => Promise<T>): Promise<T> {
  const old = [...(opts.sf ?? []), ...(opts.st ?? [])];
  try {
    return await start();
  } catch (err) {
    if (old.length === 0 || !/EADDRINUSE|errno -98/.test((err as Error).message)) throw err;
  }
  signalOld(old, 'SIGTTOU', log);
  for (let attempt = 1; ; attempt++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      return await start();
    } catch (err) {
      if (attempt < 20 && /EADDRINUSE|errno -98/.test((err as Error).message)) continue;
      signalOld(old, 'SIGTTIN', log);
      throw err;
    }
  }
}

function signalOld(pids: readonly string[] | undefined, signal: NodeJS.Signals, log: Logger): void {
  for (const p of pids ?? []) {
    const pid = Number(p);
    try {
      process.kill(pid, signal);
      log.info({ pid, signal }, 'signalled the previous process');
    } catch (err) {
      log.warn({ pid, err: (err as Error).message }, 'could not signal the previous process');
    }
  }
}

export async function runMain(opts: RunOptions): Promise<void> {
  const cfgs = loadAll(opts);
  if (!cfgs) {
    process.exitCode = 1;
    return;
  }
  if (!cfgs.ha && !cfgs.ka) {
    process.stderr.write(
      'hapair: no configuration file given: use -f haproxy.cfg and/or -k keepalived.conf\n',
    );
    process.exitCode = 1;
    return;
  }
  try {
    if (cfgs.ha) checkProcessSettings(cfgs.ha);
  } catch (err) {
    for (const l of configErrorLines(err)) process.stderr.write(`${l}\n`);
    process.exitCode = 1;
    return;
  }
  const wantDaemon =
    opts.daemon === true || (opts.daemon === undefined && !opts.debug && cfgs.ha?.global.daemon);
  if (wantDaemon) return daemonize();

  const log = createLogger({ pretty: Boolean(opts.debug), level: opts.quiet ? 'warn' : 'info' });
  for (const w of [...(cfgs.ha?.warnings ?? []), ...(cfgs.ka?.warnings ?? [])]) log.warn(w);
  const pidfile = opts.pidfile ?? cfgs.ha?.global.pidfile;
  if (cfgs.ha && (opts.masterWorker || opts.systemd || cfgs.ha.global.masterWorker)) {
    return runMasterWorker(opts, cfgs.ha, cfgs.ka, log, pidfile);
  }

  let engine: ProxyEngine | undefined;
  let checks: HealthCheckRunner | undefined;
  let vrrp: ChildProcess | undefined;
  let runtime: RuntimeApi | undefined;
  const stats = new StatsPages(log);
  const stopAll = async (soft: boolean) => {
    stats.stop();
    await runtime?.close();
    if (vrrp?.connected) {
      const exited = new Promise((r) => vrrp!.once('exit', r));
      vrrp.send({ type: 'stop' } satisfies ToVrrp);
      await exited;
    }
    await checks?.stop();
    const grace = soft ? Math.max(...(cfgs.ha?.proxies.map((p) => p.grace) ?? [0]), 0) : 0;
    await engine?.stop(soft ? { grace: grace || 30_000 } : {});
    removePidfile(pidfile);
  };

  try {
    if (cfgs.ha) {
      const senders = proxyLogSenders(cfgs.ha.proxies);
      const adminProblems = statsAdminProblems(cfgs.ha.proxies);
      if (adminProblems.length > 0) throw new ConfigErrors(adminProblems);
      const ha = cfgs.ha;
      let saved: StateFileReport | undefined;
      engine = await takeOverPorts(opts, log, () =>
        startProxyEngine(ha, {
          log,
          statsHandler: stats.handler,
          logSink: trafficLogSink(senders, log),
          beforeServing: (e) => {
            saved = loadServerStateFiles(ha, e, log);
          },
        }),
      );
      checks = startHealthChecks(cfgs.ha, engine, log, (l) =>
        senders.get(l.backend)?.send(l.message, l.level),
      );
      // Servers saved stopped start down; their checks must agree, or `rise` never brings them back.
      for (const name of saved?.stopped ?? []) {
        const [be, srv] = name.split('/') as [string, string];
        checks.force(be, srv, 'health', 'down');
      }
      runtime = await startRuntime(cfgs.ha, engine, checks, () => vrrp, log);
      stats.attach(
        engine,
        checks,
        vrrpStatusSource(() => vrrp),
      );
    }
    if (cfgs.ka && cfgs.ka.instances.length > 0) {
      vrrp = await startVrrpProcess(opts, log);
      const watched = [...new Set(cfgs.ka.instances.flatMap((i) => i.trackProxy?.backends ?? []))];
      if (engine) {
        const v = vrrp;
        const reporter = new ProxyHealthReporter(engine, watched, (h) => {
          if (v.connected) v.send({ type: 'proxy-health', ok: h.ok, reason: h.reason } satisfies ToVrrp);
        });
        reporter.update();
      }
      vrrp.on('exit', (code, signal) => {
        log.error({ code, signal }, 'VRRP process exited');
      });
    }
  } catch (err) {
    for (const l of configErrorLines(err)) log.error(l);
    await stopAll(false);
    process.exitCode = 1;
    return;
  }

  writePidfile(pidfile);
  if (cfgs.ha) {
    applyCpuMap(cfgs.ha.global.cpuMap, 1, process.pid, log);
    dropPrivileges(cfgs.ha, log);
  }
  signalOld(opts.sf, 'SIGUSR1', log);
  signalOld(opts.st, 'SIGTERM', log);
  installSignals(engine, log, stopAll);
  // keepalived's habit: SIGHUP re-reads keepalived.conf (unchanged instances keep their state).
  // Without -W the proxy part is replaced the HAProxy way, by a new process with -sf.
  process.on('SIGHUP', () => {
    if (!vrrp?.connected) {
      log.warn('SIGHUP: nothing to reload without -W (start a new hapair with -sf to replace the proxy)');
      return;
    }
    log.info({ signal: 'SIGHUP' }, 'reloading keepalived.conf');
    vrrp.send({ type: 'reload' } satisfies ToVrrp);
  });
}

async function runMasterWorker(
  opts: RunOptions,
  ha: HaproxyConfig,
  ka: KeepalivedConfig | undefined,
  log: Logger,
  pidfile: string | undefined,
): Promise<void> {
  const master = new Master(ha, {
    files: opts.file ?? [],
    ka,
    kaFiles: opts.keepalived ?? [],
    pretty: Boolean(opts.debug),
    level: opts.quiet ? 'warn' : 'info',
    log,
    startVrrp: () => startVrrpProcess(opts, log),
  });
  try {
    await master.start();
  } catch (err) {
    log.error({ err: (err as Error).message }, 'master-worker start failed');
    await master.stop(0);
    process.exitCode = 1;
    return;
  }
  writePidfile(pidfile);
  signalOld(opts.sf, 'SIGUSR1', log);
  signalOld(opts.st, 'SIGTERM', log);
  if (opts.systemd) notifySystemd(log);
  let stopping = false;
  const stop = (grace: number, sig: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal: sig }, grace > 0 ? 'soft stop: workers finish their sessions' : 'stopping');
    master.stop(grace).then(
      () => {
        removePidfile(pidfile);
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  const grace = Math.max(0, ...ha.proxies.map((p) => p.grace)) || 30_000;
  process.on('SIGTERM', () => stop(0, 'SIGTERM'));
  process.on('SIGINT', () => stop(0, 'SIGINT'));
  process.on('SIGUSR1', () => stop(grace, 'SIGUSR1'));
  const reload = (sig: string) => {
    log.info({ signal: sig }, 'reloading the configuration');
    void master.reload();
  };
  process.on('SIGUSR2', () => reload('SIGUSR2'));
  process.on('SIGHUP', () => reload('SIGHUP'));
  process.on('SIGTTOU', () => master.pause());
  process.on('SIGTTIN', () => master.resume());
}

/**
 * systemd Type=notify: Node has no AF_UNIX datagram socket, so READY=1 goes
 * through systemd's own `systemd-notify` (the unit needs NotifyAccess=all).
 */
function notifySystemd(log: Logger): void {
  if (!process.env.NOTIFY_SOCKET) {
    log.warn('--systemd given but NOTIFY_SOCKET is not set: not started by systemd with Type=notify');
    return;
  }
  execFile('systemd-notify', ['--ready', `--pid=${process.pid}`], (err) => {
    if (err) log.error({ err: err.message }, 'systemd-notify failed: install systemd or drop --systemd');
  });
}

function installSignals(
  engine: ProxyEngine | undefined,
  log: Logger,
  stopAll: (soft: boolean) => Promise<void>,
): void {
  // A configuration with no listener (backends and checks only) must keep
  // running too: only a signal ends the program.
  setInterval(() => undefined, 1 << 30);
  let stopping = false;
  const stop = (soft: boolean, sig: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal: sig }, soft ? 'soft stop: finishing sessions' : 'stopping');
    stopAll(soft).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop(false, 'SIGTERM'));
  process.on('SIGINT', () => stop(false, 'SIGINT'));
  process.on('SIGUSR1', () => stop(true, 'SIGUSR1'));
  // The legacy reload (ARCHITECTURE's seeds: TTOU, start the new process, USR1 or TTIN):
  // TTOU frees the ports for the new process, TTIN binds them again.
  process.on('SIGTTOU', () => {
    log.info('SIGTTOU: releasing the listening ports (sessions go on)');
    void engine?.releaseListeners();
  });
  process.on('SIGTTIN', () => {
    log.info('SIGTTIN: listening again');
    engine?.rebindListeners().catch((err: unknown) => {
      log.error({ err: (err as Error).message }, 'SIGTTIN: cannot listen again');
    });
  });
}
