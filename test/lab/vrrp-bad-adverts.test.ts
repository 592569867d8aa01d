/**
 * Bad adverts injected from a third namespace (root): a raw-socket injector
 * (fixtures/inject-main.ts) sends a hapair VRRPv2 pair (PASS authentication,
 * two VIPs) packets each wrong in one way. Each must be dropped, counted under
 * its own reason in `show vrrp`, logged once per reason (per minute), and must
 * never change a state. The packets for the backup carry priority 0, so one
 * accepted would hand it the mastership after Skew_Time; the one for the
 * master carries a higher priority, so one accepted would make it step down.
 * The same packets made valid do exactly that at the end, proving the threat.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLab, type Lab } from '../../src/lab/netns.js';
import { type AdvertSpec, Injector, ipv4Datagram, vrrpPacket } from './inject.js';
import { isRoot, skipUnlessRoot } from './root.js';
import { HapairNode, holders, keepalivedConf, sleep, VIP, type VrrpShow, waitUntil } from './vrrp-lab.js';

let lab: Lab | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hapair-bad-'));
const nodes: HapairNode[] = [];
let injector: Injector | undefined;

before(async () => {
  if (isRoot()) lab = await createLab(3);
});
after(async () => {
  injector?.close();
  for (const n of nodes) await n.kill('SIGKILL', true);
  await lab?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const VIP2 = '198.18.0.101';
const PASS = 's3cret';
const REPEAT = 3;

interface Case {
  readonly name: string;
  readonly reason: string;
  /** Which router it is sent to. */
  readonly to: 'a' | 'b';
  readonly ttl?: number;
  /** Changes to the valid advert. */
  readonly spec: Partial<AdvertSpec>;
}

const CASES: readonly Case[] = [
  { name: 'IP TTL 64', reason: 'ttl', to: 'b', ttl: 64, spec: {} },
  { name: 'bad checksum', reason: 'checksum', to: 'b', spec: { checksumXor: 0x1234 } },
  // Sized as its version says (no authentication data), so only the version is wrong.
  { name: 'version 1', reason: 'version', to: 'b', spec: { layout: 3, version: 1, interval: 100 } },
  { name: 'VRRPv3 advert to a v2 instance', reason: 'version', to: 'b', spec: { layout: 3, interval: 100 } },
  { name: 'unknown VRID 52', reason: 'vrid', to: 'b', spec: { vrid: 52 } },
  { name: 'one VIP instead of two', reason: 'addr_count', to: 'b', spec: { addresses: [VIP] } },
  { name: 'wrong VIP list', reason: 'addr_list', to: 'b', spec: { addresses: [VIP, '198.18.0.102'] } },
  { name: 'wrong PASS password', reason: 'auth_pass', to: 'b', spec: { authPass: 'wrong' } },
  { name: 'no authentication', reason: 'auth_type', to: 'b', spec: { authType: 0, authPass: undefined } },
  { name: 'truncated to 6 bytes', reason: 'truncated', to: 'b', spec: { truncateTo: 6 } },
  {
    name: 'two VIPs announced, one carried',
    reason: 'truncated',
    to: 'b',
    spec: { count: 2, addresses: [VIP] },
  },
  { name: 'oversized by 4 bytes', reason: 'oversized', to: 'b', spec: { trailer: Buffer.alloc(4) } },
  { name: 'type 2', reason: 'type', to: 'b', spec: { type: 2 } },
  { name: 'advert_int 2 s (ours 1 s)', reason: 'advert_int', to: 'b', spec: { interval: 2 } },
  {
    name: 'higher priority 254 with a bad checksum, to the master',
    reason: 'checksum',
    to: 'a',
    spec: { priority: 254, checksumXor: 0x00ff },
  },
];

function zeroDrops(v: VrrpShow): Record<string, number> {
  return Object.fromEntries(Object.keys(v.drops).map((k) => [k, 0]));
}

describe('bad VRRP adverts from a third namespace', { concurrency: false, timeout: 60_000 }, () => {
  it('each is dropped, counted under its reason, logged once per reason, and changes no state', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const [na, nb, nc] = lab.nodes as [(typeof lab.nodes)[0], (typeof lab.nodes)[0], (typeof lab.nodes)[0]];
    const spec = { version: 2, advertInt: 1, authPass: PASS, vips: [`${VIP}/24`, `${VIP2}/24`] } as const;
    const a = new HapairNode('a', na, dir, keepalivedConf({ ...spec, priority: 250, state: 'MASTER' }));
    const b = new HapairNode('b', nb, dir, keepalivedConf({ ...spec, priority: 240 }));
    nodes.push(a, b);
    a.start();
    await a.waitState('MASTER', 5000);
    b.start();
    await b.waitState('BACKUP', 5000);
    await waitUntil(
      'b to hear a',
      async () => (await b.tryShow())?.master === `${na.ipv4} (priority 250)`,
      5000,
    );
    injector = await Injector.start(lab, nc.ns);

    const base = { a: await a.show(), b: await b.show() };
    const want = { a: zeroDrops(base.a), b: zeroDrops(base.b) };
    assert.deepEqual(base.a.drops, want.a, 'no drop before the injection');
    assert.deepEqual(base.b.drops, want.b, 'no drop before the injection');
    const marks = { a: a.transitions().length, b: b.transitions().length };
    const router = { a, b };

    for (const c of CASES) {
      const dst = c.to === 'a' ? na.ipv4 : nb.ipv4;
      const valid: AdvertSpec = {
        layout: 2,
        vrid: 51,
        priority: 0,
        addresses: [VIP, VIP2],
        interval: 1,
        authType: 1,
        authPass: PASS,
        src: nc.ipv4,
        dst,
      };
      const pkt = vrrpPacket({ ...valid, ...c.spec });
      for (let i = 0; i < REPEAT; i++)
        await injector.send(dst, ipv4Datagram(nc.ipv4, dst, c.ttl ?? 255, pkt));
      want[c.to][c.reason] = (want[c.to][c.reason] ?? 0) + REPEAT;
      const target = router[c.to];
      let seen: VrrpShow | undefined;
      await waitUntil(
        `${c.name}: ${c.to} to count ${REPEAT} more ${c.reason} drops`,
        async () => {
          seen = await target.show();
          return (seen.drops[c.reason] ?? 0) >= want[c.to][c.reason]!;
        },
        3000,
        () => seen?.text ?? '',
      );
      assert.deepEqual((await a.show()).drops, want.a, `${c.name}: the master's drop counters`);
      assert.deepEqual((await b.show()).drops, want.b, `${c.name}: the backup's drop counters`);
    }

    // Longer than Skew_Time (62 ms for b) and than one advert interval: an accepted priority 0 would show.
    await sleep(1500);
    assert.deepEqual(a.transitions().slice(marks.a), [], a.story());
    assert.deepEqual(b.transitions().slice(marks.b), [], b.story());
    assert.equal(a.state, 'MASTER');
    assert.equal(b.state, 'BACKUP');
    assert.deepEqual(
      await holders(
        lab,
        [
          { name: 'a', ns: na.ns },
          { name: 'b', ns: nb.ns },
        ],
        VIP,
      ),
      ['a'],
    );
    const endB = await b.show();
    assert.equal(endB.master, `${na.ipv4} (priority 250)`, 'b still follows a, not the injector');
    assert.equal(endB.prio0Received, 0, 'no injected priority 0 was accepted');

    // Logged once per reason: REPEAT (or 2 × REPEAT) drops, one warning each. Another
    // VRID is normal traffic on a shared link and is logged at debug level only.
    const warned = (n: HapairNode, reason: string) =>
      n.records.filter(
        (r) =>
          r.level === 40 && r.reason === reason && r.msg.startsWith(`VI_1: dropped advert from ${nc.ipv4}: `),
      ).length;
    for (const reason of new Set(CASES.filter((c) => c.to === 'b').map((c) => c.reason))) {
      assert.equal(warned(b, reason), reason === 'vrid' ? 0 : 1, `b's ${reason} warnings`);
    }
    assert.equal(warned(a, 'checksum'), 1, "a's checksum warning");
    const total = (n: HapairNode) => n.records.filter((r) => /dropped advert/.test(r.msg)).length;
    assert.equal(total(a), 1);
    assert.equal(total(b), new Set(CASES.filter((c) => c.to === 'b').map((c) => c.reason)).size - 1);

    // The threat was real: the same adverts made valid do change the states.
    const good = (dst: string, priority: number) =>
      ipv4Datagram(
        nc.ipv4,
        dst,
        255,
        vrrpPacket({
          layout: 2,
          vrid: 51,
          priority,
          addresses: [VIP, VIP2],
          interval: 1,
          authType: 1,
          authPass: PASS,
          src: nc.ipv4,
          dst,
        }),
      );
    // A's own advert (every second) may restart b's timer before Skew_Time ends: retry a few times.
    for (let i = 0; i < 5 && b.state === 'BACKUP'; i++) {
      await injector.send(nb.ipv4, good(nb.ipv4, 0));
      await sleep(300);
    }
    assert.ok(
      b.transitions().some((x) => x.from === 'BACKUP' && x.to === 'MASTER'),
      `a valid priority 0 makes b MASTER\n${b.story()}`,
    );
    await a.waitState('MASTER', 5000, [b]);
    await b.waitState('BACKUP', 5000, [a]);
    await injector.send(na.ipv4, good(na.ipv4, 254));
    await a.waitState('BACKUP', 3000, [b]);
    assert.match(a.transitions().at(-1)!.reason, /higher priority advert from 198\.18\.0\.3 prio 254/);
  });
});
