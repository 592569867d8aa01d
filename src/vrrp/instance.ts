/**
 * VrrpInstanceRunner: one running vrrp_instance. It owns the protocol
 * timers, feeds received adverts and tracker changes to the pure state
 * machine (fsm.ts) and executes the actions it returns: adverts through the
 * transport, VIPs through the VIP driver, notifications through a callback.
 * Trackers reach the priority through priority.ts only.
 *
 * Events are queued: an action that causes another event (a notify callback
 * changing a tracker, say) runs after the current step, never inside it.
 */
import type { TrackFile, VrrpInstance, VrrpScript } from '../config/keepalived/model.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import {
  type FsmAction,
  type FsmContext,
  type FsmEvent,
  type PreemptPhase,
  step,
  type VrrpState,
} from './fsm.js';
import { type RunSettings, resolveSettings, type TrackerKey, type TrackerSpec } from './instance-config.js';
import {
  DropLog,
  dropErrors,
  type InstanceNotifier,
  newCounters,
  type TransitionInfo,
  type VrrpInstanceStatus,
} from './instance-status.js';
import { InstanceTimers, isTimerAction } from './instance-timers.js';
import { AdvertWire } from './instance-wire.js';
import { canonicalAddress } from './ip-bytes.js';
import { effectivePriority } from './priority.js';
import { masterDownInterval, PRIO_STOP } from './timers.js';
import type { ReceivedAdvert, VipDriver, VrrpTransport } from './types.js';

export type { TrackerKey } from './instance-config.js';
export type { InstanceNotifier, TransitionInfo, VrrpInstanceStatus } from './instance-status.js';
export { VRRP_GROUP4, VRRP_GROUP6 } from './instance-wire.js';

/** How long a stopping master keeps its VIPs after hearing the new master: its GARP's way to the clients. */
const HANDOVER_GARP_MS = 150;

export interface VrrpInstanceOptions {
  readonly config: VrrpInstance;
  readonly transport: VrrpTransport;
  readonly vip: VipDriver;
  readonly clock: Clock;
  readonly log: Logger;
  /** Called on entering MASTER, BACKUP, FAULT and STOP (notify scripts, FIFO, SMTP). */
  readonly notifier?: InstanceNotifier;
  /** vrrp_script blocks: weights of track_script entries that give none. */
  readonly scripts?: readonly VrrpScript[];
  /** track_file blocks: weights and initial values of track_file entries. */
  readonly trackFiles?: readonly TrackFile[];
  /** global_defs vrrp_mcast_group4 / vrrp_mcast_group6. */
  readonly mcastGroup?: string;
}

/** What a vrrp_sync_group offers its members (sync-group.ts). */
export interface SyncCoordinator {
  canGoMaster(member: VrrpInstanceRunner): boolean;
  holdsFault(member: VrrpInstanceRunner): boolean;
  memberChanged(member: VrrpInstanceRunner, from: VrrpState, to: VrrpState): void;
}

export class VrrpInstanceRunner {
  readonly name: string;
  private readonly cfg: VrrpInstance;
  private readonly settings: RunSettings;
  private readonly transport: VrrpTransport;
  private readonly vip: VipDriver;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly notifier: InstanceNotifier | undefined;
  private readonly trackers = new Map<TrackerKey, TrackerSpec>();
  private readonly wire: AdvertWire;
  private readonly counters = newCounters();
  private readonly drops: DropLog;
  private readonly listeners: Array<(t: TransitionInfo) => void> = [];

  private current: VrrpState = 'INIT';
  private priority: number;
  private faulted = false;
  private reasons: readonly string[] = [];
  private masterAdverInt: number;
  private preempt: PreemptPhase = 'idle';
  private wantMaster = false;
  private master: { address: string; priority: number } | undefined;
  private lastTransition: TransitionInfo | undefined;
  private readonly timers: InstanceTimers;
  private readonly queue: FsmEvent[] = [];
  private running = false;
  private vipChain: Promise<void> = Promise.resolve();
  /** Graceful handover in progress (see handOver()). */
  private handingOver = false;
  private handoverHeard: (() => void) | undefined;
  private sync: SyncCoordinator | undefined;

  /** Throws ConfigError for settings hapair cannot run (see instance-config.ts). */
  constructor(opts: VrrpInstanceOptions) {
    this.cfg = opts.config;
    this.name = opts.config.name;
    this.settings = resolveSettings(opts.config, { scripts: opts.scripts, trackFiles: opts.trackFiles });
    this.transport = opts.transport;
    this.vip = opts.vip;
    this.clock = opts.clock;
    this.log = opts.log;
    this.notifier = opts.notifier;
    this.drops = new DropLog(this.log, this.name);
    this.timers = new InstanceTimers(this.clock, (ev) => this.dispatch(ev));
    for (const t of this.settings.trackers) this.trackers.set(t.key, t);
    for (const w of this.settings.warnings) this.log.warn(`(${this.name}) ${w}`);
    this.wire = new AdvertWire(this.cfg, this.settings, this.transport.localAddress, opts.mcastGroup);
    this.priority = this.cfg.priority;
    this.masterAdverInt = this.cfg.advertInt;
  }

  get state(): VrrpState {
    return this.current;
  }
  /** keepalived's wantstate == MASTER (sync groups read it). */
  get wantsMaster(): boolean {
    return this.wantMaster;
  }
  /** In FAULT because of this instance's own trackers (not because its sync group is). */
  get ownFault(): boolean {
    return this.faulted;
  }
  /** The tracker keys this instance listens to, for wiring the monitors. */
  trackerKeys(): TrackerKey[] {
    return [...this.trackers.keys()];
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onTransition(cb: (t: TransitionInfo) => void): () => void {
    this.listeners.push(cb);
    return () => {
      const i = this.listeners.indexOf(cb);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Called by a vrrp_sync_group before start(). */
  joinSyncGroup(coord: SyncCoordinator): void {
    this.sync = coord;
  }

  /** The group moving this member (sync-group.ts). */
  syncEvent(type: 'sync_master' | 'sync_backup' | 'sync_fault'): void {
    this.dispatch({ type });
  }

  /** Starts listening and runs the startup transition (RFC 5798 §6.4.1). Throws when already started. */
  start(): void {
    if (this.current !== 'INIT' || this.started)
      throw new Error(`vrrp_instance ${this.name} already started`);
    this.started = true;
    this.transport.onAdvert((adv) => this.receive(adv));
    this.startWhenScriptsReported();
  }

  private started = false;

  /**
   * keepalived's num_script_init: an instance tracking a `vrrp_script` that
   * has not reported yet (and has no `init_fail`) stays in INIT — no advert,
   * no notify — until every tracked script has a first result.
   */
  private startWhenScriptsReported(): void {
    if (this.current !== 'INIT' || !this.started) return;
    for (const t of this.trackers.values()) if (t.kind === 'script' && t.value === undefined) return;
    this.recompute();
    this.dispatch({ type: 'startup' });
  }

  /**
   * Shutdown (RFC 5798 §6.4.3): a MASTER sends priority 0 and removes its
   * VIPs. Resolves when the VIP driver is done. The transport stays open:
   * its owner closes it.
   */
  async stop(): Promise<void> {
    if (this.current === 'MASTER') await this.handOver();
    this.dispatch({ type: 'shutdown' });
    await this.vipChain;
  }

  /**
   * hapair's graceful handover, before the RFC's shutdown. RFC 5798 §6.4.3
   * sends priority 0 and drops the VIPs at once; the backup then waits
   * Skew_Time, adds the VIPs and sends GARP, and every packet a client sends
   * to the old MAC in between is lost (measured in the lab: a ~300 ms outage
   * per stop, as blackholed SYNs wait for their retransmission). So a stopping
   * master announces priority 0 once, then sends nothing more, but keeps its VIPs and keeps serving until it hears the new master, plus
   * HANDOVER_GARP_MS for that master's GARP to reach clients; bounded by
   * Master_Down_Interval when no peer answers.
   */
  private handOver(): Promise<void> {
    this.handingOver = true;
    this.send(PRIO_STOP);
    const bound = masterDownInterval(this.cfg.version, 1, this.masterAdverInt) + HANDOVER_GARP_MS;
    return new Promise((resolve) => {
      const done = () => {
        this.handoverHeard = undefined;
        timer.cancel();
        resolve();
      };
      const timer = this.clock.setTimeout(done, bound);
      this.handoverHeard = () => {
        this.handoverHeard = undefined;
        timer.cancel();
        this.clock.setTimeout(done, HANDOVER_GARP_MS);
      };
    });
  }

  /**
   * A tracked object changed: `script:NAME`/`proxy` true = OK,
   * `interface:NAME` true = up, `file:NAME` the number read. Throws
   * RangeError for a key this instance does not track or a wrong value type.
   */
  setTrackerState(key: TrackerKey, value: boolean | number): void {
    const t = this.trackers.get(key);
    if (t === undefined) throw new RangeError(`vrrp_instance ${this.name} does not track ${key}`);
    if ((t.kind === 'file') !== (typeof value === 'number')) {
      throw new RangeError(
        `vrrp_instance ${this.name}: ${key} takes a ${t.kind === 'file' ? 'number' : 'boolean'}`,
      );
    }
    this.trackers.set(key, { ...t, value });
    if (this.current !== 'INIT') this.recompute();
    else this.startWhenScriptsReported();
  }

  status(): VrrpInstanceStatus {
    const c = this.counters;
    return {
      name: this.name,
      state: this.current,
      vrid: this.cfg.vrid,
      version: this.cfg.version,
      family: this.cfg.family,
      interface: this.cfg.interface,
      localAddress: this.transport.localAddress,
      basePriority: this.cfg.priority,
      effectivePriority: this.priority,
      fault: this.faulted,
      reasons: this.reasons,
      wantMaster: this.wantMaster,
      preempt: this.preempt,
      advertIntMs: this.cfg.advertInt,
      masterAdverIntMs: this.masterAdverInt,
      master: this.master ? { ...this.master } : undefined,
      lastTransition: this.lastTransition,
      trackers: [...this.trackers.values()].map((t) => ({ key: t.key, value: t.value })),
      counters: { ...c, drops: { ...c.drops }, dropErrors: dropErrors(c) },
    };
  }

  /** Trackers → priority and fault (priority.ts), then the FSM events for what changed. */
  /** `set vrrp priority` (runtime API): replaces the configured priority until the next reload. */
  private operatorPriority: number | undefined;
  /** `set vrrp state fault` (runtime API): maintenance, held until `set vrrp state backup`. */
  private operatorFault = false;

  /** Runtime API maintenance: a new base priority (1-254), recomputed with the trackers at once. */
  setOperatorPriority(priority: number): void {
    this.operatorPriority = priority;
    this.log.info({ priority }, `(${this.name}) priority set to ${priority} by the runtime API`);
    if (this.current !== 'INIT') this.recompute();
  }

  /** Runtime API maintenance: `fault` forces FAULT (a master hands over), `backup` lifts it. */
  setOperatorFault(fault: boolean): void {
    this.operatorFault = fault;
    this.log.info(`(${this.name}) ${fault ? 'forced to FAULT' : 'released from FAULT'} by the runtime API`);
    if (this.current !== 'INIT') this.recompute();
  }

  private recompute(): void {
    const e = effectivePriority(this.operatorPriority ?? this.cfg.priority, [...this.trackers.values()]);
    const reasons = this.operatorFault ? [...e.reasons, 'set vrrp state fault (runtime API)'] : e.reasons;
    const fault = e.fault || this.operatorFault;
    this.reasons = reasons;
    const from = this.priority;
    if (e.priority !== from) {
      this.priority = e.priority;
      this.log.info(
        { from, to: e.priority, reasons: e.reasons },
        `(${this.name}) Changing effective priority from ${from} to ${e.priority}`,
      );
      // Before any fault change: a step out of FAULT must not be shifted again.
      this.dispatch({ type: 'priority_changed', from, to: e.priority });
    }
    if (fault !== this.faulted) {
      this.faulted = fault;
      if (fault) this.dispatch({ type: 'fault', reason: reasons.join('; ') });
      else this.dispatch({ type: 'fault_cleared' });
    }
  }

  private receive(adv: ReceivedAdvert): void {
    // keepalived (vrrp_dispatcher_read) ignores adverts in FAULT and before startup.
    if (this.current !== 'BACKUP' && this.current !== 'MASTER') return;
    const r = this.wire.decode(adv);
    if (!r.ok) {
      this.counters.drops[r.reason]++;
      this.drops.note(this.clock.now(), r.reason, r.detail, adv.src);
      return;
    }
    this.counters.advertsReceived++;
    if (r.advert.priority === PRIO_STOP) this.counters.prio0Received++;
    else this.handoverHeard?.();
    const srcAddr = canonicalAddress(adv.src);
    this.dispatch({
      type: 'advert_received',
      priority: r.advert.priority,
      srcAddr,
      maxAdvertInt: r.advert.advertIntMs,
    });
  }

  private context(): FsmContext {
    return {
      version: this.cfg.version,
      priority: this.priority,
      basePriority: this.cfg.priority,
      initialState: this.cfg.initialState,
      advertInt: this.cfg.advertInt,
      masterAdverInt: this.masterAdverInt,
      localAddress: this.wire.localAddress,
      nopreempt: this.settings.nopreempt,
      preemptDelay: this.settings.preemptDelay,
      preempt: this.preempt,
      fault: this.faulted,
      syncMasterAllowed: this.sync ? this.sync.canGoMaster(this) : true,
      syncHoldsFault: this.sync ? this.sync.holdsFault(this) : false,
      garpOnLowerPrio: this.cfg.garpLowerPrioRepeat > 0,
    };
  }

  private dispatch(ev: FsmEvent): void {
    this.queue.push(ev);
    if (this.running) return;
    this.running = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) this.apply(next);
    } finally {
      this.running = false;
    }
  }

  private apply(ev: FsmEvent): void {
    const from = this.current;
    const r = step(from, ev, this.context());
    const reason = r.next === from ? r.reason : this.describe(ev, r.reason);
    this.current = r.next;
    if (r.next !== from) this.record(from, r.next, reason);
    for (const a of r.actions) this.perform(a, reason);
    if (r.next === from) return;
    for (const cb of [...this.listeners]) cb(this.lastTransition!);
    this.sync?.memberChanged(this, from, r.next);
  }

  /** The transition reason with what only the runner knows: elapsed time, last master. */
  private describe(ev: FsmEvent, reason: string): string {
    if (ev.type !== 'master_down_timer') return reason;
    const secs = (this.timers.sinceDownReset() / 1000).toFixed(2);
    const last = this.master
      ? `last master ${this.master.address} prio ${this.master.priority}`
      : 'no master heard';
    return `${reason} after ${secs} s, ${last}`;
  }

  private record(from: VrrpState, to: VrrpState, reason: string): void {
    this.lastTransition = { from, to, reason, at: this.clock.wallNow() };
    this.counters.transitions++;
    if (to === 'MASTER') this.counters.becameMaster++;
    this.log.info({ from, to, reason, priority: this.priority }, `${this.name}: ${from} → ${to}: ${reason}`);
  }

  private perform(a: FsmAction, reason: string): void {
    if (isTimerAction(a)) {
      this.timers.perform(a, this.cfg.advertInt);
      return;
    }
    switch (a.type) {
      case 'send_advert':
        // While handing over we stay silent after our one priority 0 advert: a
        // repeated one would restart the backup's Skew_Time (RFC 5798 §6.4.2).
        if (!this.handingOver) this.send(this.priority);
        break;
      case 'send_advert_prio0':
        this.send(PRIO_STOP);
        break;
      case 'add_vips':
        this.chainVips('add', () => this.vip.add(this.settings.allVips, this.cfg.interface));
        break;
      case 'remove_vips':
        this.chainVips('remove', () => this.vip.remove(this.settings.allVips, this.cfg.interface));
        break;
      case 'garp':
        this.chainVips('announce', async () => this.vip.announce(this.settings.allVips, this.cfg.interface));
        break;
      case 'notify':
        this.notify(a.state, reason);
        break;
      case 'set_master_adver_int':
        this.setMasterAdverInt(a.ms);
        break;
      case 'set_master':
        this.master = { address: a.address, priority: a.priority };
        break;
      case 'set_preempt':
        this.setPreempt(a.phase, a.ms);
        break;
      case 'set_want_master':
        this.wantMaster = a.value;
        break;
    }
  }

  private setMasterAdverInt(ms: number): void {
    if (ms !== this.masterAdverInt) {
      this.log.debug(
        { from: this.masterAdverInt, to: ms },
        `(${this.name}) master advert interval now ${ms} ms`,
      );
    }
    this.masterAdverInt = ms;
  }

  private setPreempt(phase: PreemptPhase, ms: number | undefined): void {
    this.preempt = phase;
    if (phase !== 'running') {
      this.timers.cancelPreempt();
      return;
    }
    this.log.info(`(${this.name}) start preempt delay (${(ms ?? 0) / 1000} s)`);
    this.timers.startPreempt(ms ?? 0);
  }

  /** RFC 5798 §6.4.3 "send an ADVERTISEMENT", with our priority or 0. */
  private send(priority: number): void {
    this.transport.send(this.wire.encode(priority));
    this.counters.advertsSent++;
    if (priority === PRIO_STOP) this.counters.prio0Sent++;
  }

  /** VIP changes run one after another, so a remove never overtakes the add before it. */
  private chainVips(what: string, op: () => Promise<void>): void {
    this.vipChain = this.vipChain.then(op).catch((err: unknown) => {
      this.log.error({ err }, `(${this.name}) VIP ${what} failed`);
    });
  }

  private notify(state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP', reason: string): void {
    if (!this.notifier) return;
    try {
      this.notifier(state, reason, this.priority);
    } catch (err) {
      this.log.error({ err, state }, `(${this.name}) notifier failed`);
    }
  }
}
