/**
 * The VRRP process's engine room: one runner per vrrp_instance, its transport,
 * its VIP driver, the probes it tracks (vrrp_script, track_interface,
 * track_file, and the co-located proxy), sync groups and notify hooks. Used by
 * `hapair vrrp` and by the VRRP child of `hapair -k`.
 */

import { InterfaceProbe } from '../checks/interface-probe.js';
import { resolveScriptIds, ScriptProbe } from '../checks/script-probe.js';
import type { Probe } from '../checks/types.js';
import type { KeepalivedConfig, VrrpInstance } from '../config/keepalived/model.js';
import { type Clock, realClock } from '../core/clock.js';
import { type CommandRunner, realRunner } from '../core/command.js';
import { child, type Logger } from '../core/logger.js';
import type { VrrpCommand } from '../ops/types.js';
import { type TransitionInfo, VrrpInstanceRunner, type VrrpInstanceStatus } from './instance.js';
import { type NotifyState, runNotify } from './notify.js';
import { VrrpSyncGroupRunner } from './sync-group.js';
import { TrackFileWatcher } from './track-file.js';
import { createTransport } from './transport/index.js';
import type { VipDriver, VrrpTransport } from './types.js';
import { checkTools, IpVipDriver, LoggingVipDriver } from './vip.js';

export interface VrrpDaemonOptions {
  readonly config: KeepalivedConfig;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly runner?: CommandRunner;
  /** 'ip' drives real addresses; 'log' only logs them (unprivileged demo, tests). */
  readonly vipMode: 'ip' | 'log';
  /** How often interfaces are polled (ms). */
  readonly interfacePollMs?: number;
}

export type TransitionListener = (instance: string, t: TransitionInfo) => void;

interface Member {
  readonly runner: VrrpInstanceRunner;
  readonly transport: VrrpTransport;
  readonly vip: VipDriver;
  /** The configuration it was built from (see signature()). */
  readonly signature: string;
}

/** JSON without source locations: moving a block in the file is not a change. */
function stable(v: unknown): string {
  return JSON.stringify(v, (k, x) => (k === 'loc' ? undefined : x));
}

/**
 * Everything an instance's behaviour depends on: its own block, the scripts
 * and track files it references, its sync group and the multicast groups.
 * A reload keeps a running instance (state, VIPs, timers) when this is equal.
 */
function signature(cfg: KeepalivedConfig, inst: VrrpInstance): string {
  const scripts = new Set(inst.trackScripts.map((t) => t.name));
  const files = new Set(inst.trackFiles.map((t) => t.name));
  return stable({
    inst,
    scripts: cfg.scripts.filter((s) => scripts.has(s.name)),
    files: cfg.trackFiles.filter((f) => files.has(f.name)),
    group: cfg.syncGroups.find((g) => g.members.includes(inst.name)),
    mcast: [cfg.globalDefs.vrrpMcastGroup4, cfg.globalDefs.vrrpMcastGroup6],
  });
}

export class VrrpDaemon {
  private members: Member[] = [];
  private probes: Probe[] = [];
  private files: TrackFileWatcher[] = [];
  private readonly listeners: TransitionListener[] = [];
  private proxyOk: boolean | undefined;

  private constructor(
    private readonly opts: VrrpDaemonOptions,
    private readonly clock: Clock,
    private readonly runner: CommandRunner,
  ) {
    this.config = opts.config;
  }

  static async start(opts: VrrpDaemonOptions): Promise<VrrpDaemon> {
    const d = new VrrpDaemon(opts, opts.clock ?? realClock, opts.runner ?? realRunner);
    try {
      await d.init();
    } catch (err) {
      await d.stop();
      throw err;
    }
    return d;
  }

  private config: KeepalivedConfig;

  private async init(): Promise<void> {
    const config = this.config;
    if (this.opts.vipMode === 'ip' && config.instances.length > 0) await checkTools(this.runner);
    for (const inst of config.instances) this.members.push(await this.createMember(inst));
    this.joinSyncGroups(config, this.members);
    for (const m of this.members) m.runner.start();
    await this.startTrackers();
  }

  /** Sync groups whose members are all in `fresh` (kept instances keep their group). */
  private joinSyncGroups(config: KeepalivedConfig, fresh: readonly Member[]): void {
    const log = this.opts.log;
    for (const g of config.syncGroups) {
      if (!g.members.every((n) => fresh.some((m) => m.runner.name === n))) continue;
      const members = g.members.map((n) => this.members.find((m) => m.runner.name === n)!.runner);
      new VrrpSyncGroupRunner({
        config: g,
        members,
        log: child(log, `vrrp_sync_group/${g.name}`),
        notifier: (state, _reason) =>
          void runNotify(g.notify, g.name, state as NotifyState, 0, this.runner, log, 'GROUP'),
      });
    }
  }

  /**
   * A new keepalived.conf (SIGUSR2/SIGHUP of the master): instances whose
   * configuration is unchanged keep running untouched — state, VIPs, timers
   * (keepalived restarts them all, which is what makes its reloads flap);
   * removed or changed ones stop as on shutdown (a master sends priority 0),
   * new or changed ones start. The trackers are rebuilt and feed every
   * instance again. Returns the names of the instances restarted.
   */
  async reload(next: KeepalivedConfig): Promise<{ kept: string[]; stopped: string[]; started: string[] }> {
    const keep: Member[] = [];
    const drop: Member[] = [];
    for (const m of this.members) {
      const inst = next.instances.find((i) => i.name === m.runner.name);
      if (inst && signature(next, inst) === m.signature) keep.push(m);
      else drop.push(m);
    }
    await this.stopTrackers();
    await Promise.all(drop.map((m) => this.stopMember(m)));
    this.config = next;
    const fresh: Member[] = [];
    for (const inst of next.instances) {
      if (keep.some((m) => m.runner.name === inst.name)) continue;
      fresh.push(await this.createMember(inst));
    }
    this.members = next.instances.map(
      (i) => keep.find((m) => m.runner.name === i.name) ?? fresh.find((m) => m.runner.name === i.name)!,
    );
    this.joinSyncGroups(next, fresh);
    for (const m of fresh) m.runner.start();
    await this.startTrackers();
    return {
      kept: keep.map((m) => m.runner.name),
      stopped: drop.map((m) => m.runner.name),
      started: fresh.map((m) => m.runner.name),
    };
  }

  private async stopMember(m: Member): Promise<void> {
    await m.runner.stop().catch(() => undefined);
    if (m.vip instanceof IpVipDriver) m.vip.close();
    await m.transport.close();
  }

  private async stopTrackers(): Promise<void> {
    for (const f of this.files) f.stop();
    await Promise.all(this.probes.map((p) => p.stop()));
    this.files = [];
    this.probes = [];
  }

  private async createMember(inst: VrrpInstance): Promise<Member> {
    const { log } = this.opts;
    const config = this.config;
    const ilog = child(log, `vrrp_instance/${inst.name}`);
    const transport = await createTransport(inst, {
      log: ilog,
      mcastGroup4: config.globalDefs.vrrpMcastGroup4,
      mcastGroup6: config.globalDefs.vrrpMcastGroup6,
    });
    const vip: VipDriver =
      this.opts.vipMode === 'ip'
        ? new IpVipDriver({
            runner: this.runner,
            clock: this.clock,
            log: ilog,
            garp: {
              delayMs: inst.garpMasterDelay,
              repeat: inst.garpMasterRepeat,
              refreshMs: inst.garpMasterRefresh,
            },
          })
        : new LoggingVipDriver(ilog);
    const runner = new VrrpInstanceRunner({
      config: inst,
      transport,
      vip,
      clock: this.clock,
      log: ilog,
      scripts: config.scripts,
      trackFiles: config.trackFiles,
      mcastGroup: inst.family === 6 ? config.globalDefs.vrrpMcastGroup6 : config.globalDefs.vrrpMcastGroup4,
      notifier: (state, _reason, priority) =>
        void runNotify(inst.notify, inst.name, state, priority, this.runner, ilog),
    });
    runner.onTransition((t) => {
      for (const l of this.listeners) l(inst.name, t);
    });
    return { runner, transport, vip, signature: signature(config, inst) };
  }

  /** Starts one probe per tracked object and feeds every instance tracking it. */
  private async startTrackers(): Promise<void> {
    const { log } = this.opts;
    const config = this.config;
    const keys = new Set(this.members.flatMap((m) => m.runner.trackerKeys()));
    const feed = (key: string, value: boolean | number) => {
      for (const m of this.members) {
        if (m.runner.trackerKeys().includes(key as never)) m.runner.setTrackerState(key as never, value);
      }
    };
    for (const key of keys) {
      const [kind, name] = splitKey(key);
      if (kind === 'script') {
        const script = config.scripts.find((s) => s.name === name)!;
        const ids = await resolveScriptIds(script, this.runner);
        this.probes.push(
          new ScriptProbe({
            script,
            ids,
            runner: this.runner,
            clock: this.clock,
            log,
            onEvent: (e) => feed(key, e.ok),
          }),
        );
      } else if (kind === 'interface') {
        this.probes.push(
          new InterfaceProbe({
            name,
            ifname: name,
            interval: this.opts.interfacePollMs ?? 100,
            clock: this.clock,
            log,
            onEvent: (e) => feed(key, e.ok),
          }),
        );
      } else if (kind === 'file') {
        const tf = config.trackFiles.find((f) => f.name === name)!;
        const w = new TrackFileWatcher(tf, (v) => feed(key, v), this.clock, log);
        this.files.push(w);
        await w.start();
      }
    }
    for (const p of this.probes) p.start();
    if (this.proxyOk !== undefined) this.setProxyHealth(this.proxyOk, 'initial');
  }

  /** The built-in tracker of the co-located proxy engine (hapair_track_proxy). */
  setProxyHealth(ok: boolean, reason: string): void {
    const changed = this.proxyOk !== ok;
    this.proxyOk = ok;
    for (const m of this.members) {
      if (!m.runner.trackerKeys().includes('proxy')) continue;
      if (changed)
        this.opts.log.info({ ok, reason }, `proxy tracker: ${ok ? 'healthy' : 'unhealthy'} (${reason})`);
      m.runner.setTrackerState('proxy', ok);
    }
  }

  /** The runtime API's `set vrrp priority|state` on one instance. */
  control(cmd: VrrpCommand): { ok: boolean; reason: string } {
    const m = this.members.find((x) => x.runner.name === cmd.instance);
    if (!m) return { ok: false, reason: 'No such VRRP instance.' };
    if (cmd.type === 'set-priority') m.runner.setOperatorPriority(cmd.priority);
    else m.runner.setOperatorFault(cmd.state === 'fault');
    return { ok: true, reason: '' };
  }

  onTransition(cb: TransitionListener): void {
    this.listeners.push(cb);
  }

  status(): VrrpInstanceStatus[] {
    return this.members.map((m) => m.runner.status());
  }

  /** keepalived's stop: masters send priority 0 and drop their VIPs, then everything closes. */
  async stop(): Promise<void> {
    await this.stopTrackers();
    await Promise.all(this.members.map((m) => this.stopMember(m)));
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf(':');
  return i < 0 ? [key, ''] : [key.slice(0, i), key.slice(i + 1)];
}
