import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VrrpInstance } from '../../src/config/keepalived/model.js';
import { ManualClock } from '../../src/core/clock.js';
import type { NotifyTarget } from '../../src/vrrp/fsm.js';
import { VrrpSyncGroupRunner } from '../../src/vrrp/sync-group.js';
import { captureLog, FakeLan, vip } from './fake-lan.js';
import { assertTime, type Box, box, flush, lastEntry, script } from './instance-harness.js';

const MDI_100 = 3609.375;
const MDI_150 = 3414.062;
const SKEW_100 = 609.375;
const loc = { file: 'keepalived.conf', line: 1 };

interface Side {
  readonly vi1: Box;
  readonly vi2: Box;
  readonly group: VrrpSyncGroupRunner;
  readonly groupNotes: NotifyTarget[];
}

/** One box: VI_1 (VRID 51) and VI_2 (VRID 52) in sync group VG_1. */
function side(
  lan: FakeLan,
  clock: ManualClock,
  address: string,
  priority: number,
  vi1: Partial<VrrpInstance> = {},
): Side {
  const a = box(lan, clock, address, { priority, ...vi1 }, [script('chk', 0)]);
  const b = box(lan, clock, address, {
    name: 'VI_2',
    vrid: 52,
    priority,
    virtualAddresses: [vip('198.18.0.200')],
  });
  const groupNotes: NotifyTarget[] = [];
  const group = new VrrpSyncGroupRunner({
    config: { name: 'VG_1', loc, members: ['VI_1', 'VI_2'], notify: { timeout: 5000 } },
    members: [a.runner, b.runner],
    log: captureLog().log,
    notifier: (state) => groupNotes.push(state),
  });
  return { vi1: a, vi2: b, group, groupNotes };
}

function start(...sides: Side[]): void {
  for (const s of sides) {
    s.vi1.runner.start();
    s.vi2.runner.start();
  }
}

const states = (s: Side): string[] => [s.vi1.runner.state, s.vi2.runner.state];

describe('vrrp_sync_group', () => {
  test('one member in FAULT takes the whole group to FAULT; the peer group takes over together', async () => {
    const clock = new ManualClock();
    const lan = new FakeLan(clock);
    const one = side(lan, clock, '198.18.0.11', 150, {
      trackScripts: [{ name: 'chk', reverse: false, loc }],
    });
    const two = side(lan, clock, '198.18.0.12', 100);
    one.vi1.runner.setTrackerState('script:chk', true);
    start(one, two);
    clock.advance(5000);
    assert.deepEqual(states(one), ['MASTER', 'MASTER']);
    assert.deepEqual(states(two), ['BACKUP', 'BACKUP']);

    one.vi1.runner.setTrackerState('script:chk', false);
    assert.deepEqual(states(one), ['FAULT', 'FAULT']);
    assert.equal(one.group.state, 'FAULT');
    assert.equal(one.vi2.runner.ownFault, false);
    assert.equal(
      lan.sentBy('198.18.0.11').filter((s) => s.payload[2] === 0).length,
      2,
      'both send priority 0',
    );
    await flush();
    assert.deepEqual([...one.vi1.vip.held, ...one.vi2.vip.held], []);
    clock.advance(1000);
    assert.deepEqual(states(two), ['MASTER', 'MASTER']);
    assertTime(lastEntry(two.vi1, 'MASTER'), 5000 + SKEW_100);
    assertTime(lastEntry(two.vi2, 'MASTER'), 5000 + SKEW_100);
    assert.deepEqual(two.groupNotes, ['MASTER']);

    one.vi1.runner.setTrackerState('script:chk', true);
    assert.deepEqual(states(one), ['BACKUP', 'BACKUP']);
    clock.advance(10_000);
    assert.deepEqual(states(one), ['MASTER', 'MASTER']);
    assertTime(lastEntry(one.vi1, 'MASTER'), 6000 + MDI_150);
    assert.deepEqual(states(two), ['BACKUP', 'BACKUP']);
    assert.deepEqual(one.groupNotes, ['MASTER', 'FAULT', 'BACKUP', 'MASTER']);
  });

  test('a member whose peer died waits until every member wants MASTER, then all move', () => {
    const clock = new ManualClock();
    const lan = new FakeLan(clock);
    const one = side(lan, clock, '198.18.0.11', 150);
    const two = side(lan, clock, '198.18.0.12', 100);
    start(one, two);
    clock.advance(10_000);
    one.vi1.transport.muted = true;
    clock.advance(10_000);
    assert.deepEqual(states(two), ['BACKUP', 'BACKUP'], 'VI_2 still hears its master');
    assert.equal(two.vi1.runner.wantsMaster, true);
    assert.equal(two.vi2.runner.wantsMaster, false);

    one.vi2.transport.muted = true;
    const last = lan.sentBy('198.18.0.11').at(-1)!.at;
    clock.advance(10_000);
    assert.deepEqual(states(two), ['MASTER', 'MASTER']);
    assertTime(lastEntry(two.vi2, 'MASTER'), last + MDI_100);
    assertTime(lastEntry(two.vi1, 'MASTER'), last + MDI_100);
    assert.match(two.vi1.runner.status().lastTransition!.reason, /sync group went MASTER/);
  });

  test('a MASTER member hearing a better master takes the group to BACKUP', async () => {
    const clock = new ManualClock();
    const lan = new FakeLan(clock);
    const one = side(lan, clock, '198.18.0.11', 150);
    const two = side(lan, clock, '198.18.0.12', 100);
    two.vi1.runner.start();
    two.vi2.runner.start();
    clock.advance(5000);
    assert.deepEqual(states(two), ['MASTER', 'MASTER']);
    start(one);
    clock.advance(10_000);
    assert.deepEqual(states(one), ['MASTER', 'MASTER']);
    assert.deepEqual(states(two), ['BACKUP', 'BACKUP']);
    assert.equal(two.group.state, 'BACKUP');
    await flush();
    assert.deepEqual([...two.vi1.vip.held, ...two.vi2.vip.held], []);
    assert.deepEqual([...one.vi1.vip.held, ...one.vi2.vip.held].sort(), ['198.18.0.100', '198.18.0.200']);
  });

  test('a member starting while the group is in FAULT starts in FAULT', () => {
    const clock = new ManualClock();
    const lan = new FakeLan(clock);
    const one = side(lan, clock, '198.18.0.11', 150, {
      trackScripts: [{ name: 'chk', reverse: false, loc }],
    });
    one.vi1.runner.start();
    assert.equal(one.vi1.runner.state, 'INIT', 'script has no result yet');
    one.vi1.runner.setTrackerState('script:chk', false);
    assert.equal(one.vi1.runner.state, 'FAULT');
    one.vi2.runner.start();
    assert.equal(one.vi2.runner.state, 'FAULT');
    one.vi1.runner.setTrackerState('script:chk', true);
    assert.deepEqual(states(one), ['BACKUP', 'BACKUP']);
  });

  test('a group naming an instance that does not run is refused', () => {
    const clock = new ManualClock();
    const lan = new FakeLan(clock);
    const a = box(lan, clock, '198.18.0.11', {});
    assert.throws(
      () =>
        new VrrpSyncGroupRunner({
          config: { name: 'VG_1', loc, members: ['VI_1', 'VI_9'], notify: { timeout: 5000 } },
          members: [a.runner],
          log: captureLog().log,
        }),
      /no running instance VI_9/,
    );
  });
});
