/**
 * `hapair vrrp -f keepalived.conf`: keepalived's VRRP job alone. `-t` tests the
 * configuration like `keepalived -t` (exit 0 valid, 1 invalid).
 */
import { loadKeepalivedConfig } from '../config/keepalived/index.js';
import { createLogger } from '../core/logger.js';
import { VrrpDaemon } from '../vrrp/daemon.js';
import { configErrorLines, runCheck } from './check.js';
import { onStopSignals, removePidfile, writePidfile } from './signals.js';

export interface VrrpCliOptions {
  readonly useFile?: string[];
  readonly configTest?: boolean;
  readonly debug?: boolean;
  readonly pidfile?: string;
}

export async function runVrrp(opts: VrrpCliOptions): Promise<void> {
  const files = opts.useFile ?? ['/etc/keepalived/keepalived.conf'];
  if (opts.configTest) {
    process.exitCode = runCheck([], files, true);
    return;
  }
  let config: ReturnType<typeof loadKeepalivedConfig>;
  try {
    config = loadKeepalivedConfig(files);
  } catch (err) {
    for (const l of configErrorLines(err)) process.stderr.write(`${l}\n`);
    process.exitCode = 1;
    return;
  }
  const log = createLogger({ pretty: Boolean(opts.debug) });
  for (const w of config.warnings) log.warn(w);
  const daemon = await VrrpDaemon.start({ config, log, vipMode: 'ip' });
  writePidfile(opts.pidfile);
  log.info({ instances: config.instances.map((i) => i.name) }, 'VRRP started');
  onStopSignals(async () => {
    await daemon.stop();
    removePidfile(opts.pidfile);
    log.info('VRRP stopped');
  });
}
