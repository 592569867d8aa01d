/**
 * keepalived notify hooks (keepalived.conf(5), vrrp_instance / vrrp_sync_group
 * "notify scripts"): on a transition to MASTER, BACKUP or FAULT, or on stop,
 * the matching notify_master / notify_backup / notify_fault / notify_stop
 * script runs, then the generic `notify` script with four more arguments after
 * its configured ones: "INSTANCE"|"GROUP", the name, the target state and the
 * priority.
 *
 * Script strings may carry arguments ("/path/fault.sh VG_1"), so each runs as
 * `/bin/sh -c STRING`; the generic script gets its four arguments as the
 * shell's positional parameters, never spliced into the command text, so a
 * name cannot inject shell syntax. Scripts run in their own process group and,
 * with a timeout (hapair_notify_timeout; 0 = none), the whole group is killed
 * when it expires (CommandRunner). Callers must not
 * await the result on the advert path: it resolves when every script is done.
 */
import type { NotifyHooks } from '../config/keepalived/model.js';
import type { CommandResult, CommandRunner } from '../core/command.js';
import type { Logger } from '../core/logger.js';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';
export type NotifyKind = 'INSTANCE' | 'GROUP';

const SHELL = '/bin/sh';

function specificScript(hooks: NotifyHooks, state: NotifyState): string | undefined {
  switch (state) {
    case 'MASTER':
      return hooks.master;
    case 'BACKUP':
      return hooks.backup;
    case 'FAULT':
      return hooks.fault;
    case 'STOP':
      return hooks.stop;
  }
}

function report(log: Logger, script: string, state: NotifyState, r: CommandResult): void {
  const ctx = { script, state, ms: Math.round(r.durationMs) };
  if (r.timedOut) log.warn(ctx, 'notify script killed at its timeout');
  else if (r.error) log.error({ ...ctx, err: r.error }, 'notify script could not start');
  else if (r.code !== 0)
    log.warn({ ...ctx, code: r.code, signal: r.signal, stderr: r.stderr.trim() }, 'notify script failed');
  else log.debug(ctx, 'notify script done');
}

/**
 * Starts the scripts for one transition of `name` to `state`, specific script
 * first, and resolves once all have exited or been killed. Never rejects.
 */
export function runNotify(
  hooks: NotifyHooks,
  name: string,
  state: NotifyState,
  priority: number,
  runner: CommandRunner,
  log: Logger,
  kind: NotifyKind = 'INSTANCE',
): Promise<void> {
  // timeout 0 = no limit, as keepalived, which never times notify scripts out.
  const opts = hooks.timeout > 0 ? { timeoutMs: hooks.timeout } : {};
  const runs: Promise<void>[] = [];
  const specific = specificScript(hooks, state);
  if (specific !== undefined) {
    runs.push(runner.run(SHELL, ['-c', specific], opts).then((r) => report(log, specific, state, r)));
  }
  const any = hooks.any;
  if (any !== undefined) {
    const args = ['-c', `${any} "$@"`, 'notify', kind, name, state, String(priority)];
    runs.push(runner.run(SHELL, args, opts).then((r) => report(log, any, state, r)));
  }
  return Promise.all(runs).then(() => undefined);
}
