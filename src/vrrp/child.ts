/**
 * Entry point of the VRRP process forked by `hapair -k`: its own event loop,
 * so proxy load can never delay an advert (ARCHITECTURE.md). It learns the
 * proxy's health from its parent over IPC; losing the parent (proxy crashed
 * or killed) counts as an unhealthy proxy at once, and the process then stops
 * as keepalived does on shutdown (priority 0, VIPs removed), so a box whose
 * proxy is gone never keeps the VIP.
 */
import { getPriority, setPriority } from 'node:os';
import { loadKeepalivedConfig } from '../config/keepalived/index.js';
import type { KeepalivedConfig } from '../config/keepalived/model.js';
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

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as VrrpChildArgs;
  const log = createLogger({ pretty: args.pretty, level: args.level as 'info' });
  let config = loadKeepalivedConfig(args.files);
  applyNice(config, log);
  const daemon = await VrrpDaemon.start({ config, log, vipMode: args.vipMode });
  daemon.onTransition((instance, t) =>
    send({ type: 'transition', instance, from: t.from, to: t.to, reason: t.reason }),
  );
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
  const reload = async () => {
    let next: typeof config;
    try {
      next = loadKeepalivedConfig(args.files);
    } catch (err) {
      const message = (err as Error).message;
      log.error({ err: message }, 'keepalived.conf reload refused: the running instances keep going');
      send({ type: 'reloaded', ok: false, message, kept: [], restarted: [] });
      return;
    }
    for (const w of next.warnings) log.warn(w);
    const r = await daemon.reload(next);
    config = next;
    applyNice(config, log);
    log.info(r, 'keepalived.conf reloaded');
    send({ type: 'reloaded', ok: true, message: '', kept: r.kept, restarted: r.started });
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
  send({ type: 'ready', instances: config.instances.map((i) => i.name) });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: (err as Error).message });
  process.stderr.write(`hapair vrrp: ${(err as Error).message}\n`);
  process.exit(1);
});
