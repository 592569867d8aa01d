import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VrrpInstance } from '../../src/config/keepalived/model.js';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigCode, ConfigError } from '../../src/core/errors.js';
import { VrrpInstanceRunner } from '../../src/vrrp/instance.js';
import { peerHost } from '../../src/vrrp/instance-config.js';
import { encode } from '../../src/vrrp/packet.js';
import { captureLog, FakeLan, instanceConfig, RecordingVip, vip } from './fake-lan.js';
import { assertTime, box, flush, lastEntry, messages, script } from './instance-harness.js';

const MDI_100 = 3609.375;
const MDI_150 = 3414.062;
const SKEW_100 = 609.375;
const loc = { file: 'keepalived.conf', line: 1 };

function setup() {
  const clock = new ManualClock();
  return { clock, lan: new FakeLan(clock) };
}

describe('VrrpInstanceRunner: trackers', () => {
  test('a weight −60 script failing on the master moves mastership to the backup', () => {
    const { clock, lan } = setup();
    const a = box(
      lan,
      clock,
      '198.18.0.11',
      { priority: 150, trackScripts: [{ name: 'chk', reverse: false, loc }] },
      [script('chk', -60)],
    );
    const b = box(lan, clock, '198.18.0.12', { priority: 100 });
    a.runner.setTrackerState('script:chk', true);
    a.runner.start();
    b.runner.start();
    clock.advance(5000);
    assert.equal(a.runner.state, 'MASTER');
    a.runner.setTrackerState('script:chk', false);
    assert.equal(a.runner.status().effectivePriority, 90);
    assert.deepEqual(a.runner.status().reasons, ['script chk failing: -60']);
    assert.ok(messages(a).includes('(VI_1) Changing effective priority from 150 to 90'));
    clock.advance(10_000);
    assert.equal(b.runner.state, 'MASTER');
    assert.equal(a.runner.state, 'BACKUP');
    // B stops accepting A's adverts once they carry 90: the last one it
    // accepted was sent at 4414.062.
    assertTime(lastEntry(b, 'MASTER'), MDI_150 + 1000 + MDI_100);
    const fromA = lan.sentBy('198.18.0.11', 5000).filter((s) => s.at < lastEntry(b, 'MASTER'));
    assert.ok(fromA.length >= 3);
    assert.ok(fromA.every((s) => s.payload[2] === 90));
  });

  test('a weight 0 script failing: FAULT with a priority 0 advert, backup takes over after Skew_Time', async () => {
    const { clock, lan } = setup();
    const a = box(
      lan,
      clock,
      '198.18.0.11',
      { priority: 150, trackScripts: [{ name: 'chk', reverse: false, loc }] },
      [script('chk', 0)],
    );
    const b = box(lan, clock, '198.18.0.12', { priority: 100 });
    a.runner.setTrackerState('script:chk', true);
    a.runner.start();
    b.runner.start();
    clock.advance(5000);
    a.runner.setTrackerState('script:chk', false);
    assert.equal(a.runner.state, 'FAULT');
    const bye = lan.sentBy('198.18.0.11').at(-1)!;
    assert.equal(bye.payload[2], 0);
    assertTime(bye.at, 5000);
    await flush();
    assert.deepEqual([...a.vip.held], []);
    clock.advance(1000);
    assertTime(lastEntry(b, 'MASTER'), 5000 + SKEW_100);
    assert.match(a.runner.status().lastTransition!.reason, /script chk failing/);
    assert.equal(lan.sentBy('198.18.0.11', 5000.001).length, 0, 'silent in FAULT');

    a.runner.setTrackerState('script:chk', true);
    assert.equal(a.runner.state, 'BACKUP');
    clock.advance(10_000);
    assert.equal(a.runner.state, 'MASTER', 'preempts again once healthy');
    assertTime(lastEntry(a, 'MASTER'), 6000 + MDI_150);
    assert.deepEqual(
      a.notes.map((n) => n.state),
      ['BACKUP', 'MASTER', 'FAULT', 'BACKUP', 'MASTER'],
    );
  });

  test('the primary interface is tracked: down means FAULT unless dont_track_primary', () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', {});
    assert.deepEqual(a.runner.trackerKeys(), ['interface:eth0']);
    a.runner.start();
    a.runner.setTrackerState('interface:eth0', false);
    assert.equal(a.runner.state, 'FAULT');
    assert.deepEqual(a.runner.status().reasons, ['interface eth0 down']);
    const b = box(lan, clock, '198.18.0.12', { dontTrackPrimary: true });
    assert.deepEqual(b.runner.trackerKeys(), []);
  });

  test('a script without a result yet keeps the instance in INIT, silent, until its first result (keepalived num_script_init)', () => {
    for (const first of [true, false]) {
      const { clock, lan } = setup();
      const a = box(lan, clock, '198.18.0.11', { trackScripts: [{ name: 'chk', reverse: false, loc }] }, [
        script('chk', 0),
      ]);
      a.runner.start();
      clock.advance(5000);
      assert.equal(a.runner.state, 'INIT');
      assert.equal(a.runner.status().counters.advertsSent, 0);
      a.runner.setTrackerState('script:chk', first);
      assert.equal(a.runner.state, first ? 'BACKUP' : 'FAULT');
    }
  });

  test('track_file and init_fail: weights and initial values come from their definitions', () => {
    const clock = new ManualClock();
    const lan = new FakeLan(clock);
    const r = new VrrpInstanceRunner({
      config: instanceConfig({
        trackFiles: [{ name: 'prio_file', reverse: false, loc }],
        trackScripts: [{ name: 'chk', reverse: false, loc }],
      }),
      transport: lan.attach('198.18.0.11'),
      vip: new RecordingVip(clock),
      clock,
      log: captureLog().log,
      scripts: [{ ...script('chk', -30), initFail: true }],
      trackFiles: [
        { name: 'prio_file', path: '/run/prio', weight: 5, initFile: { value: 2, overwrite: false }, loc },
      ],
    });
    r.start();
    assert.equal(r.status().effectivePriority, 100 + 10 - 30);
    r.setTrackerState('file:prio_file', -1);
    r.setTrackerState('script:chk', true);
    assert.equal(r.status().effectivePriority, 95);
    assert.deepEqual(r.trackerKeys(), ['interface:eth0', 'script:chk', 'file:prio_file']);
  });

  test('setTrackerState refuses unknown keys and wrong value types', () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', {});
    assert.throws(() => a.runner.setTrackerState('script:nope', true), RangeError);
    assert.throws(() => a.runner.setTrackerState('interface:eth0', 3), RangeError);
  });
});

describe('VrrpInstanceRunner: received adverts', () => {
  test('drops are counted per reason and logged at most once a minute per reason', () => {
    const { clock, lan } = setup();
    const b = box(lan, clock, '198.18.0.12', { priority: 100 });
    b.runner.start();
    const good = {
      version: 2 as const,
      family: 4 as const,
      vrid: 51,
      priority: 200,
      addresses: ['198.18.0.100'],
      advertIntMs: 1000,
      src: '198.18.0.13',
      dst: '224.0.0.18',
    };
    const corrupt = encode(good);
    corrupt[2] = 201;
    for (let i = 0; i < 150; i++) {
      lan.inject('198.18.0.13', corrupt);
      lan.inject('198.18.0.13', encode({ ...good, vrid: 52 }));
      clock.advance(1000);
    }
    const st = b.runner.status();
    assert.equal(st.counters.drops.checksum, 150);
    assert.equal(st.counters.drops.vrid, 150);
    assert.equal(st.counters.dropErrors, 150, 'another VRID is not an error');
    assert.equal(st.counters.advertsReceived, 0);
    assert.equal(b.runner.state, 'MASTER', 'bad adverts do not hold a backup down');
    const warns = b.records.filter((r) => r.reason === 'checksum');
    assert.equal(warns.length, 3);
    assert.ok(warns.every((r) => r.level === 40));
    assert.deepEqual(
      warns.map((r) => r.suppressed),
      [0, 59, 59],
    );
    assert.ok(b.records.filter((r) => r.reason === 'vrid').every((r) => r.level === 20));
  });

  test('TTL below 255 is dropped on multicast', () => {
    const { clock, lan } = setup();
    const b = box(lan, clock, '198.18.0.12', { priority: 100 });
    b.runner.start();
    const adv = encode({
      version: 2,
      family: 4,
      vrid: 51,
      priority: 200,
      addresses: ['198.18.0.100'],
      advertIntMs: 1000,
      src: '198.18.0.13',
      dst: '224.0.0.18',
    });
    lan.inject('198.18.0.13', adv, { ttl: 64 });
    clock.advance(1);
    assert.equal(b.runner.status().counters.drops.ttl, 1);
  });

  test('v2 simple password: matching peers elect; a wrong password is dropped (both become MASTER)', () => {
    const { clock, lan } = setup();
    const auth = { type: 'PASS' as const, pass: 'secret' };
    const a = box(lan, clock, '198.18.0.11', { priority: 150, auth });
    const b = box(lan, clock, '198.18.0.12', { priority: 100, auth });
    const c = box(lan, clock, '198.18.0.13', {
      priority: 50,
      auth: { type: 'PASS', pass: 'other' },
      vrid: 51,
    });
    a.runner.start();
    b.runner.start();
    c.runner.start();
    clock.advance(10_000);
    assert.equal(a.runner.state, 'MASTER');
    assert.equal(b.runner.state, 'BACKUP');
    assert.equal(c.runner.state, 'MASTER');
    assert.ok(b.runner.status().counters.drops.auth_pass > 0);
    const sent = lan.sentBy('198.18.0.11')[0]!.payload;
    assert.equal(sent[4], 1);
    assert.equal(sent.subarray(12).toString(), 'secret\0\0');
  });

  test('adverts are ignored in FAULT (keepalived)', () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 150 });
    const b = box(lan, clock, '198.18.0.12', { priority: 100 });
    a.runner.start();
    b.runner.start();
    b.runner.setTrackerState('interface:eth0', false);
    clock.advance(5000);
    assert.equal(b.runner.status().counters.advertsReceived, 0);
    assert.equal(b.runner.state, 'FAULT');
  });
});

describe('VrrpInstanceRunner: configuration', () => {
  const make = (over: Partial<VrrpInstance>) => {
    const clock = new ManualClock();
    const lan = new FakeLan(clock);
    return new VrrpInstanceRunner({
      config: instanceConfig(over),
      transport: lan.attach(over.family === 6 ? 'fe80::11' : '198.18.0.11', over.family ?? 4),
      vip: new RecordingVip(clock),
      clock,
      log: captureLog().log,
    });
  };

  test('refuses what cannot run, with config error codes', () => {
    const cases: Array<[Partial<VrrpInstance>, string]> = [
      [{ family: 6, virtualAddresses: [vip('fd00::1', 6)] }, ConfigCode.Conflict],
      [{ auth: { type: 'AH', pass: 'x' } }, ConfigCode.Unsupported],
      [{ virtualAddresses: [vip('fd00::1', 6)] }, ConfigCode.Conflict],
      [{ trackScripts: [{ name: 'missing', reverse: false, loc }] }, ConfigCode.UnknownRef],
    ];
    for (const [over, code] of cases) {
      assert.throws(
        () => make(over),
        (e: unknown) => e instanceof ConfigError && e.code === code,
        JSON.stringify(over),
      );
    }
  });

  test('VRRPv3 over IPv4 with several unicast peers runs (a checksum per peer, as keepalived)', () => {
    const r = make({ version: 3, unicastPeers: ['198.18.0.12', '198.18.0.13'] });
    assert.equal(r.status().version, 3);
  });

  test("keepalived's adjustments: nopreempt and preempt_delay cleared with state MASTER, v3 drops auth", () => {
    const clock = new ManualClock();
    const lan = new FakeLan(clock);
    const { log, records } = captureLog();
    const r = new VrrpInstanceRunner({
      config: instanceConfig({
        initialState: 'MASTER',
        nopreempt: true,
        preemptDelay: 3000,
        version: 3,
        auth: { type: 'PASS', pass: 'x' },
      }),
      transport: lan.attach('198.18.0.11'),
      vip: new RecordingVip(clock),
      clock,
      log,
    });
    r.start();
    clock.advance(1100);
    assert.equal(r.state, 'MASTER');
    assert.equal(lan.sentBy('198.18.0.11')[0]!.payload.length, 12, 'no authentication data in v3');
    assert.deepEqual(
      records.filter((x) => x.level === 40).map((x) => x.msg),
      [
        '(VI_1) nopreempt will not work with initial state MASTER - clearing',
        '(VI_1) preempt delay will not work with initial state MASTER - clearing',
        '(VI_1) VRRP version 3 does not support authentication - ignoring',
      ],
    );
  });

  test('unicast_peer entries may carry a UDP port; the advert uses the address only', () => {
    assert.equal(peerHost('198.18.0.12:11200'), '198.18.0.12');
    assert.equal(peerHost('[fd00:198:18::12]:11200'), 'fd00:198:18::12');
    assert.equal(peerHost('fd00:198:18::12'), 'fd00:198:18::12');
    assert.equal(peerHost('198.18.0.12'), '198.18.0.12');
  });

  test('stop() before start() sends nothing', async () => {
    const clock = new ManualClock();
    const lan = new FakeLan(clock);
    const r = new VrrpInstanceRunner({
      config: instanceConfig(),
      transport: lan.attach('198.18.0.11'),
      vip: new RecordingVip(clock),
      clock,
      log: captureLog().log,
    });
    await r.stop();
    assert.equal(r.state, 'STOP');
    assert.equal(lan.sniffed.length, 0);
    assert.throws(() => r.start());
  });
});
