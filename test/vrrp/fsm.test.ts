import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type FsmAction, type FsmContext, type FsmEvent, step, type VrrpState } from '../../src/vrrp/fsm.js';
import { masterDownInterval, minimalSkew, skewTime } from '../../src/vrrp/timers.js';

const ctx: FsmContext = {
  version: 2,
  priority: 100,
  basePriority: 100,
  initialState: 'BACKUP',
  advertInt: 1000,
  masterAdverInt: 1000,
  localAddress: '198.18.0.11',
  nopreempt: false,
  preemptDelay: 0,
  preempt: 'idle',
  fault: false,
  syncMasterAllowed: true,
  syncHoldsFault: false,
  garpOnLowerPrio: false,
};

const advert = (priority: number, srcAddr = '198.18.0.12', maxAdvertInt = 1000): FsmEvent => ({
  type: 'advert_received',
  priority,
  srcAddr,
  maxAdvertInt,
});

function types(actions: readonly FsmAction[]): string[] {
  return actions.map((a) => a.type);
}

function find<T extends FsmAction['type']>(
  actions: readonly FsmAction[],
  type: T,
): Extract<FsmAction, { type: T }> {
  const a = actions.find((x) => x.type === type);
  assert.ok(a, `no ${type} in ${types(actions).join(',')}`);
  return a as Extract<FsmAction, { type: T }>;
}

function run(state: VrrpState, ev: FsmEvent, over: Partial<FsmContext> = {}) {
  return step(state, ev, { ...ctx, ...over });
}

describe('VRRP timers (RFC 3768 §6.1, RFC 5798 §6.1, keepalived integer microseconds)', () => {
  test('v2: skew (256 − prio)/256 s, whatever the advert interval', () => {
    assert.equal(skewTime(2, 100, 1000), 609.375);
    assert.equal(skewTime(2, 100, 3000), 609.375);
    assert.equal(masterDownInterval(2, 100, 1000), 3609.375);
    assert.equal(masterDownInterval(2, 150, 1000), 3414.062); // 414062.5 µs truncated, as keepalived
    assert.equal(minimalSkew(2, 1000), 3.906);
  });

  test('v3: skew scales with Master_Adver_Interval in centiseconds', () => {
    assert.equal(skewTime(3, 100, 1000), 609.375);
    assert.equal(skewTime(3, 100, 500), 304.687);
    assert.equal(masterDownInterval(3, 100, 500), 1804.687);
    assert.equal(minimalSkew(3, 1000), 3.906);
  });
});

describe('FSM: INIT', () => {
  test('startup as BACKUP arms Master_Down_Interval and notifies BACKUP', () => {
    const r = run('INIT', { type: 'startup' });
    assert.equal(r.next, 'BACKUP');
    assert.equal(find(r.actions, 'reset_master_down_timer').ms, 3609.375);
    assert.equal(find(r.actions, 'notify').state, 'BACKUP');
    assert.equal(find(r.actions, 'set_want_master').value, false);
  });

  test('priority 255 with state MASTER goes MASTER at once (RFC 5798 §6.4.1)', () => {
    const r = run('INIT', { type: 'startup' }, { priority: 255, basePriority: 255, initialState: 'MASTER' });
    assert.equal(r.next, 'MASTER');
    assert.deepEqual(types(r.actions).slice(4, 8), ['send_advert', 'add_vips', 'garp', 'start_advert_timer']);
    assert.equal(find(r.actions, 'notify').state, 'MASTER');
  });

  test('state MASTER below 255: BACKUP for one advert interval + minimal skew (keepalived vrrp_init_state)', () => {
    const r = run('INIT', { type: 'startup' }, { priority: 150, initialState: 'MASTER' });
    assert.equal(r.next, 'BACKUP');
    assert.equal(find(r.actions, 'reset_master_down_timer').ms, 1003.906);
    assert.equal(find(r.actions, 'set_want_master').value, true);
  });

  test('startup while trackers or the sync group say FAULT', () => {
    assert.equal(run('INIT', { type: 'startup' }, { fault: true }).next, 'FAULT');
    const r = run('INIT', { type: 'startup' }, { syncHoldsFault: true });
    assert.equal(r.next, 'FAULT');
    assert.equal(find(r.actions, 'notify').state, 'FAULT');
    assert.ok(!types(r.actions).includes('send_advert_prio0'));
  });

  test('other events wait for startup; shutdown stops', () => {
    assert.equal(run('INIT', advert(200)).next, 'INIT');
    assert.equal(run('INIT', { type: 'shutdown' }).next, 'STOP');
  });
});

describe('FSM: BACKUP', () => {
  test('master down timer → MASTER: advertise before VIPs and GARP', () => {
    const r = run('BACKUP', { type: 'master_down_timer' });
    assert.equal(r.next, 'MASTER');
    const t = types(r.actions);
    assert.ok(t.indexOf('send_advert') < t.indexOf('add_vips'));
    assert.ok(t.indexOf('add_vips') < t.indexOf('garp'));
    assert.ok(t.includes('start_advert_timer'));
    assert.deepEqual(find(r.actions, 'set_master'), {
      type: 'set_master',
      address: '198.18.0.11',
      priority: 100,
    });
  });

  test('higher or equal priority advert resets the master down timer', () => {
    for (const prio of [100, 200]) {
      const r = run('BACKUP', advert(prio));
      assert.equal(r.next, 'BACKUP');
      assert.equal(find(r.actions, 'reset_master_down_timer').ms, 3609.375);
      assert.equal(find(r.actions, 'set_master').priority, prio);
    }
  });

  test('priority 0 advert: master down timer = Skew_Time (RFC 5798 §6.4.2)', () => {
    const r = run('BACKUP', advert(0));
    assert.deepEqual(r.actions, [{ type: 'reset_master_down_timer', ms: 609.375 }]);
  });

  test('lower priority advert is discarded when preempting: the timer keeps running', () => {
    const r = run('BACKUP', advert(50));
    assert.equal(r.next, 'BACKUP');
    assert.ok(!types(r.actions).includes('reset_master_down_timer'));
  });

  test('nopreempt accepts a lower priority master', () => {
    const r = run('BACKUP', advert(50), { nopreempt: true });
    assert.equal(find(r.actions, 'reset_master_down_timer').ms, 3609.375);
  });

  test('preempt_delay: accept and start the delay, then discard once it expired', () => {
    const first = run('BACKUP', advert(50), { preemptDelay: 5000 });
    assert.equal(find(first.actions, 'reset_master_down_timer').ms, 3609.375);
    assert.deepEqual(find(first.actions, 'set_preempt'), { type: 'set_preempt', phase: 'running', ms: 5000 });
    const during = run('BACKUP', advert(50), { preemptDelay: 5000, preempt: 'running' });
    assert.ok(types(during.actions).includes('reset_master_down_timer'));
    assert.ok(!types(during.actions).includes('set_preempt'));
    const expired = run(
      'BACKUP',
      { type: 'preempt_delay_expired' },
      { preemptDelay: 5000, preempt: 'running' },
    );
    assert.deepEqual(expired.actions, [{ type: 'set_preempt', phase: 'expired' }]);
    const after = run('BACKUP', advert(50), { preemptDelay: 5000, preempt: 'expired' });
    assert.ok(!types(after.actions).includes('reset_master_down_timer'));
  });

  test('preempt_delay: a higher priority master cancels a running delay', () => {
    const r = run('BACKUP', advert(150), { preemptDelay: 5000, preempt: 'running' });
    assert.deepEqual(find(r.actions, 'set_preempt'), { type: 'set_preempt', phase: 'idle' });
  });

  test('v3: adopts the master advert interval (RFC 5798 §6.4.2)', () => {
    const r = run('BACKUP', advert(150, '198.18.0.12', 500), { version: 3 });
    assert.deepEqual(find(r.actions, 'set_master_adver_int'), { type: 'set_master_adver_int', ms: 500 });
    assert.equal(find(r.actions, 'reset_master_down_timer').ms, 1804.687);
  });

  test('v2 keeps its own interval', () => {
    const r = run('BACKUP', advert(150, '198.18.0.12', 2000));
    assert.ok(!types(r.actions).includes('set_master_adver_int'));
  });

  test('priority change shifts the running master down timer by the skew difference', () => {
    const r = run('BACKUP', { type: 'priority_changed', from: 100, to: 40 }, { priority: 40 });
    assert.deepEqual(r.actions, [{ type: 'shift_master_down_timer', ms: 3843.75 - 3609.375 }]);
  });

  test('fault → FAULT without priority 0 (a backup holds no VIPs)', () => {
    const r = run('BACKUP', { type: 'fault', reason: 'script chk failing' });
    assert.equal(r.next, 'FAULT');
    assert.equal(r.reason, 'script chk failing');
    assert.ok(!types(r.actions).includes('send_advert_prio0'));
    assert.ok(types(r.actions).includes('cancel_timers'));
  });

  test('sync group holds a master down timeout back until every member wants MASTER', () => {
    const r = run('BACKUP', { type: 'master_down_timer' }, { syncMasterAllowed: false });
    assert.equal(r.next, 'BACKUP');
    assert.deepEqual(r.actions, [
      { type: 'set_want_master', value: true },
      { type: 'reset_master_down_timer', ms: 3609.375 },
    ]);
    assert.equal(run('BACKUP', { type: 'sync_master' }).next, 'MASTER');
    assert.equal(run('BACKUP', { type: 'sync_fault' }).next, 'FAULT');
  });

  test('shutdown stops without priority 0', () => {
    const r = run('BACKUP', { type: 'shutdown' });
    assert.equal(r.next, 'STOP');
    assert.ok(!types(r.actions).includes('send_advert_prio0'));
    assert.equal(find(r.actions, 'notify').state, 'STOP');
  });
});

describe('FSM: MASTER', () => {
  test('advert timer: send and re-arm', () => {
    const r = run('MASTER', { type: 'advert_timer' });
    assert.deepEqual(types(r.actions), ['send_advert', 'start_advert_timer']);
  });

  test('higher priority advert → BACKUP, VIPs removed', () => {
    const r = run('MASTER', advert(150));
    assert.equal(r.next, 'BACKUP');
    assert.ok(types(r.actions).includes('remove_vips'));
    // hapair: one priority 0 advert when stepping down, so a healed split brain's winner re-GARPs.
    assert.ok(types(r.actions).indexOf('send_advert_prio0') < types(r.actions).indexOf('remove_vips'));
    assert.equal(find(r.actions, 'reset_master_down_timer').ms, 3609.375);
    assert.match(r.reason, /higher priority advert from 198\.18\.0\.12 prio 150/);
  });

  test('equal priority: the higher primary address wins (IPv4 and IPv6, numeric)', () => {
    assert.equal(run('MASTER', advert(100, '198.18.0.12')).next, 'BACKUP');
    assert.equal(run('MASTER', advert(100, '198.18.0.9')).next, 'MASTER');
    const v6 = { localAddress: 'fe80::9' };
    assert.equal(run('MASTER', advert(100, 'fe80::10'), v6).next, 'BACKUP');
    assert.equal(run('MASTER', advert(100, 'fe80::8'), v6).next, 'MASTER');
  });

  test('lower priority advert: stay MASTER and advertise at once (keepalived)', () => {
    const r = run('MASTER', advert(50));
    assert.equal(r.next, 'MASTER');
    assert.deepEqual(types(r.actions), ['send_advert', 'start_advert_timer']);
    const garp = run('MASTER', advert(50), { garpOnLowerPrio: true });
    assert.ok(types(garp.actions).includes('garp'));
  });

  test('priority 0 advert: advertise at once (RFC 5798 §6.4.3)', () => {
    const r = run('MASTER', advert(0, '198.18.0.250'));
    assert.equal(r.next, 'MASTER');
    assert.deepEqual(types(r.actions), ['send_advert', 'start_advert_timer']);
  });

  test('v3: a better master gives its interval to the new backup', () => {
    const r = run('MASTER', advert(200, '198.18.0.12', 300), { version: 3 });
    assert.equal(find(r.actions, 'set_master_adver_int').ms, 300);
  });

  test('shutdown: priority 0 first, then VIPs removed (RFC 5798 §6.4.3)', () => {
    const r = run('MASTER', { type: 'shutdown' });
    assert.equal(r.next, 'STOP');
    const t = types(r.actions);
    assert.ok(t.indexOf('send_advert_prio0') < t.indexOf('remove_vips'));
  });

  test('fault: priority 0 advert and VIPs removed (keepalived vrrp_state_leave_master)', () => {
    const r = run('MASTER', { type: 'fault', reason: 'interface eth0 down' });
    assert.equal(r.next, 'FAULT');
    const t = types(r.actions);
    assert.ok(t.indexOf('send_advert_prio0') < t.indexOf('remove_vips'));
    assert.equal(find(r.actions, 'notify').state, 'FAULT');
  });

  test('sync group BACKUP: leave without priority 0', () => {
    const r = run('MASTER', { type: 'sync_backup' });
    assert.equal(r.next, 'BACKUP');
    assert.ok(types(r.actions).includes('remove_vips'));
    assert.ok(!types(r.actions).includes('send_advert_prio0'));
  });

  test('priority changes wait for the next advert', () => {
    assert.deepEqual(run('MASTER', { type: 'priority_changed', from: 100, to: 90 }).actions, []);
  });
});

describe('FSM: FAULT and STOP', () => {
  test('fault cleared → BACKUP with the configured interval', () => {
    const r = run('FAULT', { type: 'fault_cleared' }, { masterAdverInt: 500, version: 3 });
    assert.equal(r.next, 'BACKUP');
    assert.equal(find(r.actions, 'set_master_adver_int').ms, 1000);
    assert.equal(find(r.actions, 'reset_master_down_timer').ms, 3609.375);
  });

  test('the address owner with state MASTER returns to MASTER directly (keepalived try_up_instance)', () => {
    const r = run(
      'FAULT',
      { type: 'fault_cleared' },
      { priority: 255, basePriority: 255, initialState: 'MASTER' },
    );
    assert.equal(r.next, 'MASTER');
  });

  test('stays in FAULT while another sync member is faulty or its own trackers still fail', () => {
    assert.equal(run('FAULT', { type: 'fault_cleared' }, { syncHoldsFault: true }).next, 'FAULT');
    assert.equal(run('FAULT', { type: 'sync_backup' }, { fault: true }).next, 'FAULT');
    assert.equal(run('FAULT', { type: 'sync_backup' }).next, 'BACKUP');
  });

  test('adverts and timers are ignored in FAULT', () => {
    assert.deepEqual(run('FAULT', advert(200)), { next: 'FAULT', actions: [], reason: '' });
    assert.equal(run('FAULT', { type: 'master_down_timer' }).next, 'FAULT');
  });

  test('STOP is terminal', () => {
    for (const ev of [{ type: 'startup' }, advert(1), { type: 'fault_cleared' }] as FsmEvent[]) {
      assert.deepEqual(run('STOP', ev), { next: 'STOP', actions: [], reason: '' });
    }
  });
});
