/**
 * keepalived `vrrp_script` probes (keepalived.conf(5)): run `script` through
 * `sh -c` every `interval`; exit 0 is success, any other exit, a signal or a
 * run past `timeout` is failure (the CommandRunner kills the whole process
 * group at the timeout). `rise`/`fall` consecutive results change the state,
 * `init_fail` starts failed, `user`/`group` run the script under those ids.
 * Log lines use keepalived's wording ("VRRP_Script(x) succeeded", "… timed_out",
 * "Script `x` now returning N").
 */
import type { VrrpScript } from '../config/keepalived/model.js';
import type { Clock } from '../core/clock.js';
import { realClock } from '../core/clock.js';
import { type CommandRunner, realRunner } from '../core/command.js';
import { ConfigCode, ConfigError, RuntimeCode, RuntimeError } from '../core/errors.js';
import { child, type Logger, silentLogger } from '../core/logger.js';
import { PollingProbe, type ProbeResult } from './probe.js';
import type { ProbeListener } from './types.js';

export interface ScriptIds {
  readonly uid?: number;
  readonly gid?: number;
}

async function lookup(
  runner: CommandRunner,
  file: string,
  args: readonly string[],
): Promise<string | undefined> {
  const r = await runner.run(file, args, { timeoutMs: 5000 });
  if (r.error?.code === 'ENOENT') {
    throw new RuntimeError(RuntimeCode.MissingTool, `cannot resolve script user: '${file}' not found`);
  }
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** Resolves `user NAME [GROUP]` with `id -u`, `id -g` and `getent group`; unknown names are config errors. */
export async function resolveScriptIds(
  s: VrrpScript,
  runner: CommandRunner = realRunner,
): Promise<ScriptIds> {
  if (s.user === undefined) return {};
  const uid = await lookup(runner, 'id', ['-u', '--', s.user]);
  if (uid === undefined || !/^\d+$/.test(uid)) {
    throw new ConfigError(
      ConfigCode.UnknownRef,
      s.loc,
      'user',
      `vrrp_script ${s.name}: unknown user '${s.user}'`,
    );
  }
  let gid: string | undefined;
  if (s.group !== undefined) {
    const line = await lookup(runner, 'getent', ['group', s.group]);
    gid = line?.split(':')[2];
    if (gid === undefined || !/^\d+$/.test(gid)) {
      throw new ConfigError(
        ConfigCode.UnknownRef,
        s.loc,
        'user',
        `vrrp_script ${s.name}: unknown group '${s.group}'`,
      );
    }
  } else gid = await lookup(runner, 'id', ['-g', '--', s.user]);
  return { uid: Number(uid), ...(gid !== undefined ? { gid: Number(gid) } : {}) };
}

export interface ScriptProbeOptions {
  readonly script: VrrpScript;
  readonly onEvent: ProbeListener;
  /** From resolveScriptIds(); required when the script names a user. */
  readonly ids?: ScriptIds;
  readonly runner?: CommandRunner;
  readonly clock?: Clock;
  readonly log?: Logger;
}

export class ScriptProbe extends PollingProbe {
  private readonly runner: CommandRunner;
  private readonly script: VrrpScript;
  private readonly ids: ScriptIds;
  private lastStatus: number | undefined;

  constructor(o: ScriptProbeOptions) {
    const log = child(o.log ?? silentLogger, `vrrp_script/${o.script.name}`);
    super(o.script.name, {
      interval: o.script.interval,
      rise: o.script.rise,
      fall: o.script.fall,
      initFail: o.script.initFail,
      clock: o.clock ?? realClock,
      log,
      onEvent: o.onEvent,
    });
    if (o.script.user !== undefined && o.ids?.uid === undefined) {
      throw new ConfigError(
        ConfigCode.UnknownRef,
        o.script.loc,
        'user',
        `vrrp_script ${o.script.name}: user '${o.script.user}' was not resolved`,
      );
    }
    this.runner = o.runner ?? realRunner;
    this.script = o.script;
    this.ids = o.ids ?? {};
  }

  protected async probe(): Promise<ProbeResult> {
    const r = await this.runner.run('/bin/sh', ['-c', this.script.script], {
      timeoutMs: this.script.timeout,
      ...this.ids,
    });
    if (r.timedOut) return { ok: false, reason: 'timed_out' };
    if (r.error) return { ok: false, reason: `cannot run: ${r.error.message}` };
    if (r.code === null) return { ok: false, reason: `due to signal ${r.signal ?? 'unknown'}` };
    if (r.code !== this.lastStatus) this.opts.log.info(`Script \`${this.name}\` now returning ${r.code}`);
    this.lastStatus = r.code;
    return r.code === 0 ? { ok: true } : { ok: false, reason: `exited with status ${r.code}` };
  }

  protected override describe(ok: boolean, r: ProbeResult): string {
    if (ok) return `VRRP_Script(${this.name}) succeeded`;
    if (r.reason === 'timed_out') return `VRRP_Script(${this.name}) timed_out`;
    return `VRRP_Script(${this.name}) failed${r.reason ? ` (${r.reason})` : ''}`;
  }
}
