/**
 * The VRRP state machine as a pure function (house rule 4):
 * `step(state, event, ctx) → { next, actions, reason }`. It reads nothing but
 * its arguments and performs nothing; the instance runner executes the
 * actions in order (src/vrrp/instance.ts).
 *
 * Semantics: RFC 3768 §6.4 / RFC 5798 §6.4, with keepalived 2.2.7's
 * choices where it differs or adds (keepalived/vrrp/vrrp.c
 * vrrp_state_backup, vrrp_state_master_rx, vrrp_state_leave_master,
 * vrrp_state_leave_fault; vrrp_scheduler.c vrrp_init_state,
 * try_up_instance; vrrp_track.c down_instance; vrrp_sync.c).
 */
import { compareAddresses } from './ip-bytes.js';
import { masterDownInterval, minimalSkew, PRIO_OWNER, PRIO_STOP, skewTime } from './timers.js';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';
/** States a notify hook hears about (keepalived.conf(5), notify_master/_backup/_fault/_stop). */
export type NotifyTarget = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';
export type PreemptPhase = 'idle' | 'running' | 'expired';

export type FsmEvent =
  | { readonly type: 'startup' }
  /** A validated advert; `maxAdvertInt` in ms. */
  | {
      readonly type: 'advert_received';
      readonly priority: number;
      readonly srcAddr: string;
      readonly maxAdvertInt: number;
    }
  | { readonly type: 'master_down_timer' }
  | { readonly type: 'advert_timer' }
  | { readonly type: 'shutdown' }
  | { readonly type: 'fault'; readonly reason: string }
  | { readonly type: 'fault_cleared' }
  | { readonly type: 'priority_changed'; readonly from: number; readonly to: number }
  | { readonly type: 'preempt_delay_expired' }
  /** vrrp_sync_group: another member moved the group (keepalived vrrp_sync.c). */
  | { readonly type: 'sync_master' }
  | { readonly type: 'sync_backup' }
  | { readonly type: 'sync_fault' };

export type FsmAction =
  | { readonly type: 'reset_master_down_timer'; readonly ms: number }
  /** Moves the running master down deadline by `ms` (may be negative): keepalived vrrp_set_effective_priority. */
  | { readonly type: 'shift_master_down_timer'; readonly ms: number }
  /** (Re)arms the advert timer for one configured advert interval. */
  | { readonly type: 'start_advert_timer' }
  /** Cancels the master down and advert timers. */
  | { readonly type: 'cancel_timers' }
  | { readonly type: 'send_advert' }
  | { readonly type: 'send_advert_prio0' }
  | { readonly type: 'add_vips' }
  | { readonly type: 'remove_vips' }
  | { readonly type: 'garp' }
  | { readonly type: 'notify'; readonly state: NotifyTarget }
  | { readonly type: 'set_master_adver_int'; readonly ms: number }
  /** Who is master now, as far as we know. */
  | { readonly type: 'set_master'; readonly address: string; readonly priority: number }
  /** preempt_delay bookkeeping; `ms` is set when the phase becomes 'running'. */
  | { readonly type: 'set_preempt'; readonly phase: PreemptPhase; readonly ms?: number }
  /** keepalived's wantstate == MASTER, read by a sync group before it lets a member take over. */
  | { readonly type: 'set_want_master'; readonly value: boolean };

/** Everything the table may read besides the state, as a snapshot. */
export interface FsmContext {
  readonly version: 2 | 3;
  /** Effective priority (trackers applied). */
  readonly priority: number;
  /** Configured priority: 255 = address owner. */
  readonly basePriority: number;
  readonly initialState: 'MASTER' | 'BACKUP';
  /** Configured advert interval, ms. */
  readonly advertInt: number;
  /** Master_Adver_Interval in use, ms (v3 learns it from the master). */
  readonly masterAdverInt: number;
  /** Our primary address, for the equal-priority tie-break. */
  readonly localAddress: string;
  readonly nopreempt: boolean;
  /** ms; 0 = none. */
  readonly preemptDelay: number;
  readonly preempt: PreemptPhase;
  /** Trackers hold this instance in FAULT. */
  readonly fault: boolean;
  /** The sync group lets this member become MASTER now (always true without a group). */
  readonly syncMasterAllowed: boolean;
  /** Another member of the sync group is in FAULT by its own trackers. */
  readonly syncHoldsFault: boolean;
  /** garp_lower_prio_repeat > 0: re-announce the VIPs when a lower priority master shows up. */
  readonly garpOnLowerPrio: boolean;
}

export interface FsmResult {
  readonly next: VrrpState;
  readonly actions: readonly FsmAction[];
  /** Why, in words, for the transition log; '' when nothing happened. */
  readonly reason: string;
}

const stay = (state: VrrpState, actions: readonly FsmAction[] = [], reason = ''): FsmResult => ({
  next: state,
  actions,
  reason,
});

const mdi = (ctx: FsmContext, masterAdverInt = ctx.masterAdverInt): number =>
  masterDownInterval(ctx.version, ctx.priority, masterAdverInt);

const isOwner = (ctx: FsmContext): boolean => ctx.basePriority === PRIO_OWNER;

/** RFC 5798 §6.4.1/§6.4.2 "transition to Master": advertise first, so the old master lets go before our GARPs. */
function becomeMaster(ctx: FsmContext, reason: string): FsmResult {
  return {
    next: 'MASTER',
    actions: [
      { type: 'cancel_timers' },
      { type: 'set_preempt', phase: 'idle' },
      { type: 'set_want_master', value: true },
      { type: 'set_master_adver_int', ms: ctx.advertInt },
      { type: 'send_advert' },
      { type: 'add_vips' },
      { type: 'garp' },
      { type: 'start_advert_timer' },
      { type: 'set_master', address: ctx.localAddress, priority: ctx.priority },
      { type: 'notify', state: 'MASTER' },
    ],
    reason,
  };
}

/** keepalived vrrp_state_leave_fault / try_up_instance: back to BACKUP with the configured interval. */
function leaveFaultToBackup(ctx: FsmContext, reason: string): FsmResult {
  return {
    next: 'BACKUP',
    actions: [
      { type: 'set_master_adver_int', ms: ctx.advertInt },
      { type: 'reset_master_down_timer', ms: mdi(ctx, ctx.advertInt) },
      { type: 'notify', state: 'BACKUP' },
    ],
    reason,
  };
}

function enterFault(from: VrrpState, reason: string): FsmResult {
  // keepalived vrrp_state_leave_master with wantstate FAULT: a priority 0
  // advert so the backup takes over after Skew_Time, then the VIPs go.
  const leaving: FsmAction[] =
    from === 'MASTER' ? [{ type: 'send_advert_prio0' }, { type: 'remove_vips' }] : [];
  return {
    next: 'FAULT',
    actions: [
      { type: 'cancel_timers' },
      { type: 'set_preempt', phase: 'idle' },
      { type: 'set_want_master', value: false },
      ...leaving,
      { type: 'notify', state: 'FAULT' },
    ],
    reason,
  };
}

/** RFC 5798 §6.4.1; keepalived vrrp_init_state. */
function onInit(ev: FsmEvent, ctx: FsmContext): FsmResult {
  if (ev.type === 'shutdown') return { next: 'STOP', actions: [], reason: 'shutdown before startup' };
  if (ev.type !== 'startup') return stay('INIT');
  if (ctx.fault || ctx.syncHoldsFault) {
    return enterFault(
      'INIT',
      ctx.fault ? 'tracked object in fault at startup' : 'sync group in fault at startup',
    );
  }
  const wantMaster = ctx.initialState === 'MASTER';
  if (wantMaster && isOwner(ctx) && ctx.syncMasterAllowed) {
    return becomeMaster(ctx, 'address owner (priority 255) at startup');
  }
  // `state MASTER` below 255: keepalived starts as BACKUP and allows one
  // advert interval (plus the minimal skew) for a master to show up.
  const wait = wantMaster ? ctx.advertInt + minimalSkew(ctx.version, ctx.advertInt) : mdi(ctx, ctx.advertInt);
  return {
    next: 'BACKUP',
    actions: [
      { type: 'set_want_master', value: wantMaster },
      { type: 'set_master_adver_int', ms: ctx.advertInt },
      { type: 'reset_master_down_timer', ms: wait },
      { type: 'notify', state: 'BACKUP' },
    ],
    reason: wantMaster ? 'startup (state MASTER: waiting one advert interval)' : 'startup',
  };
}

/** RFC 5798 §6.4.2 "If an ADVERTISEMENT is received"; keepalived vrrp_state_backup. */
function backupAdvert(ev: Extract<FsmEvent, { type: 'advert_received' }>, ctx: FsmContext): FsmResult {
  if (ev.priority === PRIO_STOP) {
    return stay('BACKUP', [
      { type: 'reset_master_down_timer', ms: skewTime(ctx.version, ctx.priority, ctx.masterAdverInt) },
    ]);
  }
  const lower = ev.priority < ctx.priority;
  const delaying = ctx.preemptDelay > 0 && ctx.preempt !== 'expired';
  if (lower && !ctx.nopreempt && !delaying) {
    // Preempt: discard, so the master down timer runs out and we take over.
    return stay('BACKUP', [{ type: 'set_master', address: ev.srcAddr, priority: ev.priority }]);
  }
  const adverInt = ctx.version === 3 ? ev.maxAdvertInt : ctx.masterAdverInt;
  const actions: FsmAction[] = [];
  if (adverInt !== ctx.masterAdverInt) actions.push({ type: 'set_master_adver_int', ms: adverInt });
  actions.push(
    { type: 'reset_master_down_timer', ms: mdi(ctx, adverInt) },
    { type: 'set_master', address: ev.srcAddr, priority: ev.priority },
    { type: 'set_want_master', value: false },
  );
  if (ctx.preemptDelay > 0 && !lower && ctx.preempt !== 'idle') {
    actions.push({ type: 'set_preempt', phase: 'idle' });
  } else if (ctx.preemptDelay > 0 && lower && ctx.preempt === 'idle') {
    actions.push({ type: 'set_preempt', phase: 'running', ms: ctx.preemptDelay });
  }
  return stay('BACKUP', actions);
}

function onBackup(ev: FsmEvent, ctx: FsmContext): FsmResult {
  switch (ev.type) {
    case 'advert_received':
      return backupAdvert(ev, ctx);
    case 'master_down_timer':
      if (!ctx.syncMasterAllowed) {
        // keepalived vrrp_sync_can_goto_master: wait for the other members.
        return stay('BACKUP', [
          { type: 'set_want_master', value: true },
          { type: 'reset_master_down_timer', ms: mdi(ctx) },
        ]);
      }
      return becomeMaster(ctx, 'master down timer expired');
    case 'sync_master':
      return becomeMaster(ctx, 'sync group went MASTER');
    case 'priority_changed': {
      const shift = mdi(ctx) - masterDownInterval(ctx.version, ev.from, ctx.masterAdverInt);
      return stay('BACKUP', shift === 0 ? [] : [{ type: 'shift_master_down_timer', ms: shift }]);
    }
    case 'preempt_delay_expired':
      return ctx.preempt === 'running'
        ? stay('BACKUP', [{ type: 'set_preempt', phase: 'expired' }])
        : stay('BACKUP');
    case 'fault':
      return enterFault('BACKUP', ev.reason);
    case 'sync_fault':
      return enterFault('BACKUP', 'sync group went FAULT');
    case 'shutdown':
      return {
        next: 'STOP',
        actions: [
          { type: 'cancel_timers' },
          { type: 'set_preempt', phase: 'idle' },
          { type: 'notify', state: 'STOP' },
        ],
        reason: 'shutdown',
      };
    default:
      return stay('BACKUP');
  }
}

/** RFC 5798 §6.4.3 "If an ADVERTISEMENT is received"; keepalived vrrp_state_master_rx. */
function masterAdvert(ev: Extract<FsmEvent, { type: 'advert_received' }>, ctx: FsmContext): FsmResult {
  if (ev.priority === PRIO_STOP) {
    // Another router resigned mastership; it may have held the VIPs (a healed
    // split brain, see the step-down below), so re-announce them as for a
    // lower-priority master.
    const actions: FsmAction[] = [{ type: 'send_advert' }, { type: 'start_advert_timer' }];
    if (ctx.garpOnLowerPrio) actions.push({ type: 'garp' });
    return stay('MASTER', actions);
  }
  const cmp = compareAddresses(ev.srcAddr, ctx.localAddress);
  const higher = ev.priority > ctx.priority || (ev.priority === ctx.priority && cmp > 0);
  if (higher) {
    const adverInt = ctx.version === 3 ? ev.maxAdvertInt : ctx.masterAdverInt;
    const why =
      ev.priority > ctx.priority
        ? `higher priority advert from ${ev.srcAddr} prio ${ev.priority} (ours ${ctx.priority})`
        : `equal priority ${ev.priority} advert from higher address ${ev.srcAddr}`;
    return {
      next: 'BACKUP',
      actions: [
        { type: 'cancel_timers' },
        { type: 'set_want_master', value: false },
        { type: 'set_master_adver_int', ms: adverInt },
        { type: 'reset_master_down_timer', ms: mdi(ctx, adverInt) },
        { type: 'set_master', address: ev.srcAddr, priority: ev.priority },
        // hapair, beyond RFC 5798 §6.4.3 and keepalived: a master stepping down
        // says so with one priority 0 advert. After a split brain heals, the
        // winner may never hear the loser otherwise (the loser goes silent as
        // soon as it hears the winner), and clients that followed the loser's
        // GARP would keep its MAC for the ARP timeout (~30 s); the winner answers
        // priority 0 with an advert and a GARP. Measured in test/lab/pair.test.ts.
        { type: 'send_advert_prio0' },
        { type: 'remove_vips' },
        { type: 'notify', state: 'BACKUP' },
      ],
      reason: why,
    };
  }
  // Same priority from our own address: keepalived warns and keeps going.
  if (ev.priority === ctx.priority && cmp === 0) return stay('MASTER');
  // keepalived: a lower priority master means a partition healed; advertise
  // at once to force the election ("forcing new election") instead of
  // RFC 5798's silent discard.
  const actions: FsmAction[] = [{ type: 'send_advert' }, { type: 'start_advert_timer' }];
  if (ctx.garpOnLowerPrio) actions.push({ type: 'garp' });
  return stay('MASTER', actions);
}

function onMaster(ev: FsmEvent, ctx: FsmContext): FsmResult {
  switch (ev.type) {
    case 'advert_timer':
      return stay('MASTER', [{ type: 'send_advert' }, { type: 'start_advert_timer' }]);
    case 'advert_received':
      return masterAdvert(ev, ctx);
    case 'fault':
      return enterFault('MASTER', ev.reason);
    case 'sync_fault':
      return enterFault('MASTER', 'sync group went FAULT');
    case 'sync_backup':
      // keepalived vrrp_sync_backup → vrrp_state_leave_master(advF false): no priority 0.
      return {
        next: 'BACKUP',
        actions: [
          { type: 'cancel_timers' },
          { type: 'set_want_master', value: false },
          { type: 'reset_master_down_timer', ms: mdi(ctx) },
          { type: 'remove_vips' },
          { type: 'notify', state: 'BACKUP' },
        ],
        reason: 'sync group went BACKUP',
      };
    case 'shutdown':
      // RFC 5798 §6.4.3 "If a Shutdown event is received": priority 0 first.
      return {
        next: 'STOP',
        actions: [
          { type: 'cancel_timers' },
          { type: 'send_advert_prio0' },
          { type: 'remove_vips' },
          { type: 'notify', state: 'STOP' },
        ],
        reason: 'shutdown',
      };
    default:
      return stay('MASTER');
  }
}

function onFault(ev: FsmEvent, ctx: FsmContext): FsmResult {
  switch (ev.type) {
    case 'fault_cleared':
    case 'sync_backup': {
      if (ctx.fault) return stay('FAULT');
      if (ev.type === 'fault_cleared' && ctx.syncHoldsFault) return stay('FAULT');
      if (ev.type === 'sync_backup') return leaveFaultToBackup(ctx, 'sync group went BACKUP');
      // keepalived try_up_instance: the owner goes straight back to MASTER.
      const why = 'tracked objects recovered';
      if (ctx.initialState === 'MASTER' && isOwner(ctx) && ctx.syncMasterAllowed)
        return becomeMaster(ctx, why);
      return leaveFaultToBackup(ctx, why);
    }
    case 'shutdown':
      return { next: 'STOP', actions: [{ type: 'notify', state: 'STOP' }], reason: 'shutdown' };
    default:
      return stay('FAULT');
  }
}

const TABLE: Readonly<Record<VrrpState, (ev: FsmEvent, ctx: FsmContext) => FsmResult>> = {
  INIT: onInit,
  BACKUP: onBackup,
  MASTER: onMaster,
  FAULT: onFault,
  STOP: () => stay('STOP'),
};

/** One transition. Pure: same arguments, same result. */
export function step(state: VrrpState, event: FsmEvent, ctx: FsmContext): FsmResult {
  return TABLE[state](event, ctx);
}
