import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { encode } from '../../src/vrrp/packet.js';
import { FakeLan, vip } from './fake-lan.js';
import { assertTime, box, flush, lastEntry, messages } from './instance-harness.js';

// keepalived timers for advert_int 1 s (timers.ts): Master_Down_Interval
// is 3 s + Skew_Time, Skew_Time (256 − prio)/256 s in integer µs.
const MDI_100 = 3609.375;
const MDI_150 = 3414.062;
const SKEW_100 = 609.375;

function setup() {
  const clock = new ManualClock();
  return { clock, lan: new FakeLan(clock) };
}

describe('VrrpInstanceRunner: election and failover', () => {
  test('two instances elect the higher priority', async () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 150 });
    const b = box(lan, clock, '198.18.0.12', { priority: 100 });
    a.runner.start();
    b.runner.start();
    clock.advance(20_000);
    assert.equal(a.runner.state, 'MASTER');
    assert.equal(b.runner.state, 'BACKUP');
    assertTime(lastEntry(a, 'MASTER'), MDI_150);
    await flush();
    assert.deepEqual([...a.vip.held], ['198.18.0.100']);
    assert.deepEqual([...b.vip.held], []);
    assert.deepEqual(
      a.vip.calls.map((c) => c.op),
      ['add', 'announce'],
    );
    const st = b.runner.status();
    assert.deepEqual(st.master, { address: '198.18.0.11', priority: 150 });
    assert.ok(st.counters.advertsReceived >= 16);
    assert.equal(st.counters.dropErrors, 0);
    assert.deepEqual(
      b.notes.map((n) => n.state),
      ['BACKUP'],
    );
  });

  test('master killed: the backup takes over exactly Master_Down_Interval after the last advert', async () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 150 });
    const b = box(lan, clock, '198.18.0.12', { priority: 100 });
    a.runner.start();
    b.runner.start();
    clock.advance(10_000);
    a.transport.muted = true;
    const last = lan.sentBy('198.18.0.11').at(-1)!.at;
    assertTime(last, MDI_150 + 6000);
    clock.advance(10_000);
    assert.equal(b.runner.state, 'MASTER');
    assertTime(lastEntry(b, 'MASTER'), last + MDI_100);
    assert.ok(
      messages(b).includes(
        'VI_1: BACKUP → MASTER: master down timer expired after 3.61 s, last master 198.18.0.11 prio 150',
      ),
      messages(b).join('\n'),
    );
    await flush();
    assert.deepEqual([...b.vip.held], ['198.18.0.100']);
    assertTime(lan.sentBy('198.18.0.12')[0]!.at, last + MDI_100);
  });

  test('SIGTERM path: priority 0, the backup takes over after Skew_Time, VIPs dropped only after it is heard', async () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 150 });
    const b = box(lan, clock, '198.18.0.12', { priority: 100 });
    a.runner.start();
    b.runner.start();
    clock.advance(10_000);
    await flush();
    const stopping = a.runner.stop();
    const bye = lan.sentBy('198.18.0.11').at(-1)!;
    assert.equal(bye.payload[2], 0);
    assertTime(bye.at, 10_000);
    // Graceful handover: the stopping master still holds (and serves) its VIPs …
    assert.notDeepEqual([...a.vip.held], []);
    clock.advance(SKEW_100 + 1);
    assert.equal(b.runner.state, 'MASTER');
    assertTime(lastEntry(b, 'MASTER'), 10_000 + SKEW_100);
    await flush();
    assert.notDeepEqual([...a.vip.held], [], 'VIPs kept until the new master had time to GARP');
    // … and drops them 150 ms after hearing the new master.
    clock.advance(150);
    await stopping;
    assert.equal(a.runner.state, 'STOP');
    assert.deepEqual([...a.vip.held], []);
    assert.equal(a.notes.at(-1)?.state, 'STOP');
    // One priority 0 advert, silence while handing over, and the RFC's final priority 0 at shutdown.
    assert.deepEqual(
      lan.sentBy('198.18.0.11', 10_000).map((p) => p.payload[2]),
      [0, 0],
    );
    assert.ok(a.runner.status().counters.prio0Sent >= 1);
    const end = clock.now();
    clock.advance(5000);
    assert.equal(b.runner.state, 'MASTER');
    assert.equal(lan.sentBy('198.18.0.11', end + 0.001).length, 0);
    const bStop = b.runner.stop();
    clock.advance(10_000);
    await bStop;
    clock.advance(0);
    assert.equal(clock.pending(), 0, 'no timer survives stop()');
  });

  test('a stopping master with no peer drops its VIPs after Master_Down_Interval at the latest', async () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 150 });
    a.runner.start();
    clock.advance(10_000);
    assert.equal(a.runner.state, 'MASTER');
    const stopping = a.runner.stop();
    clock.advance(3 * 1000 + 1000 + 150);
    await stopping;
    assert.equal(a.runner.state, 'STOP');
    assert.deepEqual([...a.vip.held], []);
  });

  test('preemption: a higher priority instance joining later takes over after its Master_Down_Interval', async () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 150 });
    const b = box(lan, clock, '198.18.0.12', { priority: 100 });
    b.runner.start();
    clock.advance(5000);
    assert.equal(b.runner.state, 'MASTER');
    a.runner.start();
    clock.advance(10_000);
    assert.equal(a.runner.state, 'MASTER');
    assert.equal(b.runner.state, 'BACKUP');
    assertTime(lastEntry(a, 'MASTER'), 5000 + MDI_150);
    assertTime(lastEntry(b, 'BACKUP'), 5000 + MDI_150);
    assert.match(
      b.runner.status().lastTransition!.reason,
      /higher priority advert from 198\.18\.0\.11 prio 150 \(ours 100\)/,
    );
    await flush();
    assert.deepEqual([...b.vip.held], []);
    assert.deepEqual([...a.vip.held], ['198.18.0.100']);
  });

  test('nopreempt: the higher priority instance stays BACKUP', () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 150, nopreempt: true });
    const b = box(lan, clock, '198.18.0.12', { priority: 100 });
    b.runner.start();
    clock.advance(5000);
    a.runner.start();
    clock.advance(30_000);
    assert.equal(a.runner.state, 'BACKUP');
    assert.equal(b.runner.state, 'MASTER');
    assert.deepEqual(a.runner.status().master, { address: '198.18.0.12', priority: 100 });
  });

  test('preempt_delay: lower priority adverts are accepted until the delay ends', () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 150, preemptDelay: 4500 });
    const b = box(lan, clock, '198.18.0.12', { priority: 100 });
    b.runner.start();
    clock.advance(5000);
    a.runner.start();
    // B advertises at MDI_100 + k s. A hears 5609.375 first: the delay runs
    // until 10109.375; 9609.375 is the last advert it accepts.
    clock.advance(MDI_150 + 1);
    assert.equal(a.runner.state, 'BACKUP', 'without the delay A would be MASTER now');
    assert.equal(a.runner.status().preempt, 'running');
    clock.advance(15_000);
    assert.equal(a.runner.state, 'MASTER');
    assertTime(lastEntry(a, 'MASTER'), 9609.375 + MDI_150);
    assert.equal(b.runner.state, 'BACKUP');
    assert.equal(a.runner.status().preempt, 'idle');
  });

  test('equal priority: the higher primary address wins', async () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 100 });
    const b = box(lan, clock, '198.18.0.12', { priority: 100 });
    a.runner.start();
    b.runner.start();
    clock.advance(10_000);
    assert.equal(a.runner.state, 'BACKUP');
    assert.equal(b.runner.state, 'MASTER');
    assert.deepEqual(
      a.transitions.map((t) => `${t.from}>${t.to}`),
      ['INIT>BACKUP', 'BACKUP>MASTER', 'MASTER>BACKUP'],
    );
    assert.match(a.transitions[2]!.reason, /equal priority 100 advert from higher address 198\.18\.0\.12/);
    await flush();
    assert.deepEqual([...a.vip.held], []);
    assert.deepEqual([...b.vip.held], ['198.18.0.100']);
  });

  test('v3: the backup adopts the master advert interval (RFC 5798 §6.4.2)', () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 150, version: 3, advertInt: 500 });
    const b = box(lan, clock, '198.18.0.12', { priority: 100, version: 3, advertInt: 1000 });
    a.runner.start();
    b.runner.start();
    clock.advance(5000);
    assert.equal(a.runner.state, 'MASTER');
    assertTime(lastEntry(a, 'MASTER'), 1707.031);
    assert.equal(b.runner.status().masterAdverIntMs, 500);
    a.transport.muted = true;
    const last = lan.sentBy('198.18.0.11').at(-1)!.at;
    clock.advance(5000);
    assert.equal(b.runner.state, 'MASTER');
    // 3 × 500 ms + (256 − 100) × 50 cs × 625 / 16 µs = 1500 + 304.687 ms.
    assertTime(lastEntry(b, 'MASTER'), last + 1804.687);
    const mine = lan.sentBy('198.18.0.12')[0]!.payload;
    assert.equal(mine[0], 0x31);
    assert.equal(mine.readUInt16BE(4), 100, 'the new master advertises its own 100 cs');
    assert.equal(b.runner.status().masterAdverIntMs, 1000);
  });

  test('state MASTER below 255: MASTER after one advert interval + minimal skew when alone', () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 150, initialState: 'MASTER' });
    a.runner.start();
    clock.advance(2000);
    assertTime(lastEntry(a, 'MASTER'), 1003.906);
  });

  test('state MASTER below 255 stays BACKUP under a higher priority master', () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 150, initialState: 'MASTER' });
    const b = box(lan, clock, '198.18.0.12', { priority: 200 });
    b.runner.start();
    clock.advance(5000);
    a.runner.start();
    clock.advance(10_000);
    assert.equal(a.runner.state, 'BACKUP');
    assert.equal(b.runner.state, 'MASTER');
  });

  test('the address owner (255, state MASTER) advertises at once', () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 255, initialState: 'MASTER' });
    a.runner.start();
    assert.equal(a.runner.state, 'MASTER');
    assert.equal(lan.sentBy('198.18.0.11')[0]?.payload[2], 255);
    assertTime(lan.sentBy('198.18.0.11')[0]!.at, 0);
  });

  test('a master hearing a lower priority advert answers at once and re-arms its timer', () => {
    const { clock, lan } = setup();
    const a = box(lan, clock, '198.18.0.11', { priority: 150 });
    a.runner.start();
    clock.advance(5000);
    const lower = encode({
      version: 2,
      family: 4,
      vrid: 51,
      priority: 50,
      addresses: ['198.18.0.100'],
      advertIntMs: 1000,
      src: '198.18.0.13',
      dst: '224.0.0.18',
    });
    lan.inject('198.18.0.13', lower);
    clock.advance(1500);
    const sent = lan.sentBy('198.18.0.11', 4999);
    assert.deepEqual(
      sent.map((s) => Math.round(s.at * 1000) / 1000),
      [5000, 6000],
    );
    assert.equal(a.runner.state, 'MASTER');
    assert.deepEqual(a.runner.status().master, { address: '198.18.0.11', priority: 150 });
  });
  test('IPv6 (v3): equal priority, the higher link-local address wins; zones are ignored', async () => {
    const clock = new ManualClock();
    const lan = new FakeLan(clock, 'ff02::12');
    const v6 = { version: 3 as const, family: 6 as const, virtualAddresses: [vip('fd00:198:18::100', 6)] };
    const a = box(lan, clock, 'fe80::11%eth0', v6);
    const b = box(lan, clock, 'fe80::12%eth0', v6);
    a.runner.start();
    b.runner.start();
    clock.advance(10_000);
    assert.equal(a.runner.state, 'BACKUP');
    assert.equal(b.runner.state, 'MASTER');
    assert.deepEqual(a.runner.status().master, { address: 'fe80::12', priority: 100 });
    assert.equal(a.runner.status().counters.dropErrors, 0);
    await flush();
    assert.deepEqual([...b.vip.held], ['fd00:198:18::100']);
  });

  test('v3 unicast through a transport that sees neither TTL nor destination (UDP)', () => {
    const clock = new ManualClock();
    const lan = new FakeLan(clock, '');
    const a = box(lan, clock, '198.18.0.11', {
      version: 3,
      priority: 150,
      unicastPeers: ['198.18.0.12:11200'],
    });
    const b = box(lan, clock, '198.18.0.12', { version: 3, unicastPeers: ['198.18.0.11'] });
    a.runner.start();
    b.runner.start();
    clock.advance(10_000);
    assert.equal(a.runner.state, 'MASTER');
    assert.equal(b.runner.state, 'BACKUP');
    assert.equal(b.runner.status().counters.dropErrors, 0);
    assert.ok(b.runner.status().counters.advertsReceived > 5);
  });

  test('v3 unicast to two peers: each backup verifies the checksum over its own address', () => {
    const clock = new ManualClock();
    const lan = new FakeLan(clock);
    const peersOf = (self: string) => ['198.18.0.11', '198.18.0.12', '198.18.0.13'].filter((p) => p !== self);
    const mk = (address: string, priority: number) =>
      box(lan, clock, address, { version: 3, priority, unicastPeers: peersOf(address) });
    const a = mk('198.18.0.11', 150);
    const b = mk('198.18.0.12', 100);
    const c = mk('198.18.0.13', 90);
    for (const x of [a, b, c]) x.runner.start();
    clock.advance(10_000);
    assert.deepEqual(
      [a, b, c].map((x) => x.runner.state),
      ['MASTER', 'BACKUP', 'BACKUP'],
    );
    for (const x of [b, c]) {
      const counters = x.runner.status().counters;
      assert.equal(counters.drops.checksum, 0, x.transport.localAddress);
      assert.ok(counters.advertsReceived > 5);
    }
  });

  test('a transport address of the wrong family is refused', () => {
    const clock = new ManualClock();
    const lan = new FakeLan(clock);
    assert.throws(() => box(lan, clock, 'fe80::11', {}), /source address fe80::11 is not IPv4/);
  });
});
