/**
 * Global settings that act on the process itself: `user`/`group`/`uid`/`gid`
 * (dropped once every socket is bound and the VRRP process, which needs root
 * for raw sockets and `ip`, has started), `ulimit-n` (checked: Node cannot
 * raise a limit, so a lower one is an error naming the fix) and `chroot`
 * (not doable for a Node.js process that loads modules lazily: refused).
 */
import { readFileSync } from 'node:fs';
import type { HaproxyConfig } from '../config/haproxy/model.js';
import { ConfigCode, ConfigError, ConfigErrors } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

const GLOBAL_LOC = (cfg: HaproxyConfig) => ({ file: cfg.files[0] ?? 'haproxy.cfg', line: 0 });

function openFilesSoftLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft);
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}

/** Refuses, before anything starts, the global settings hapair cannot honour. */
export function checkProcessSettings(cfg: HaproxyConfig): void {
  const g = cfg.global;
  const errors: ConfigError[] = [];
  if (g.chroot !== undefined) {
    errors.push(
      new ConfigError(
        ConfigCode.Unsupported,
        GLOBAL_LOC(cfg),
        'chroot',
        'a Node.js process cannot chroot after start; use systemd RootDirectory= or a container',
      ),
    );
  }
  if (g.ulimitN !== undefined && openFilesSoftLimit() < g.ulimitN) {
    errors.push(
      new ConfigError(
        ConfigCode.Range,
        GLOBAL_LOC(cfg),
        'ulimit-n',
        `the open-files limit is ${openFilesSoftLimit()} < ${g.ulimitN}; raise it before starting (ulimit -n, or LimitNOFILE= in the unit)`,
      ),
    );
  }
  if (errors.length > 0) throw new ConfigErrors(errors);
}

/** Drops to `group`/`gid` then `user`/`uid` (names resolved by Node); call after binding. */
export function dropPrivileges(cfg: HaproxyConfig, log: Logger): void {
  const g = cfg.global;
  const group = g.gid ?? g.group;
  const user = g.uid ?? g.user;
  if (group === undefined && user === undefined) return;
  if (process.getuid?.() !== 0) {
    log.warn('user/group in global: not root, nothing to drop');
    return;
  }
  if (group !== undefined) process.setgid!(group);
  if (user !== undefined) {
    process.setgroups?.([group ?? process.getgid!()]);
    process.setuid!(user);
  }
  log.info({ uid: process.getuid?.(), gid: process.getgid?.() }, 'privileges dropped');
}
