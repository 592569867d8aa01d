import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VrrpInstance } from '../../src/config/keepalived/model.js';
import { resolveSettings } from '../../src/vrrp/instance-config.js';
import { AdvertWire, VRRP_GROUP4, VRRP_GROUP6 } from '../../src/vrrp/instance-wire.js';
import { type DecodeContext, decode } from '../../src/vrrp/packet.js';
import type { AdvertPayload } from '../../src/vrrp/types.js';
import { instanceConfig, vip } from './fake-lan.js';

const SRC = '198.18.0.11';
const PEERS = ['198.18.0.12', '198.18.0.13'];

function wire(over: Partial<VrrpInstance>, src = SRC): AdvertWire {
  const cfg = instanceConfig(over);
  return new AdvertWire(cfg, resolveSettings(cfg), src, undefined);
}

/** The bytes a transport puts on the wire for `dst`. */
function bytesFor(p: AdvertPayload, dst: string): Buffer {
  return typeof p === 'function' ? p(dst) : p;
}

/** What a receiver at `dst` checks the advert against (packet.ts decode). */
function ctxAt(cfg: Partial<VrrpInstance>, src: string, dst: string): DecodeContext {
  const c = instanceConfig(cfg);
  return {
    version: c.version,
    family: c.family,
    vrid: c.vrid,
    addresses: c.virtualAddresses.map((v) => v.address),
    advertIntMs: c.advertInt,
    src,
    dst,
    ttl: 255,
    checkTtl: false,
  };
}

describe('AdvertWire: bytes per destination', () => {
  test('VRRPv3 over IPv4 to two unicast peers: one checksum per peer, each valid only at its peer', () => {
    const over = { version: 3, unicastPeers: PEERS } as const;
    const p = wire(over).encode(150);
    const [b12, b13] = PEERS.map((dst) => bytesFor(p, dst)) as [Buffer, Buffer];
    assert.notDeepEqual(b12, b13);
    assert.deepEqual(b12.subarray(0, 6), b13.subarray(0, 6), 'only the checksum differs');
    assert.deepEqual(b12.subarray(8), b13.subarray(8));
    for (const [dst, bytes] of [
      ['198.18.0.12', b12],
      ['198.18.0.13', b13],
    ] as const) {
      const r = decode(bytes, ctxAt(over, SRC, dst));
      assert.ok(r.ok, `${dst}: ${JSON.stringify(r)}`);
      assert.equal(r.advert.priority, 150);
    }
    const wrong = decode(b12, ctxAt(over, SRC, '198.18.0.13'));
    assert.equal(wrong.ok ? 'ok' : wrong.reason, 'checksum');
  });

  test('VRRPv3 over IPv6 to two unicast peers: the pseudo-header covers the destination too', () => {
    const over = {
      version: 3,
      family: 6,
      virtualAddresses: [vip('fd00:198:18::100', 6)],
      unicastPeers: ['fe80::12', '[fe80::13]:11200'],
    } as const;
    const src = 'fe80::11%eth0';
    const p = wire(over, src).encode(100);
    // The transports pass the address without port or brackets (udp.ts parseUdpPeer).
    const [a, b] = ['fe80::12', 'fe80::13'].map((dst) => bytesFor(p, dst)) as [Buffer, Buffer];
    assert.notEqual(a.readUInt16BE(6), b.readUInt16BE(6));
    assert.ok(decode(a, ctxAt(over, 'fe80::11', 'fe80::12')).ok);
    assert.ok(decode(b, ctxAt(over, 'fe80::11', 'fe80::13')).ok);
  });

  test('VRRPv2 to unicast peers and VRRPv3 to the group: one buffer for every destination', () => {
    const cases: Array<[Partial<VrrpInstance>, string, string]> = [
      [{ version: 2, unicastPeers: PEERS }, SRC, VRRP_GROUP4],
      [{ version: 3 }, SRC, VRRP_GROUP4],
      [{ version: 3, family: 6, virtualAddresses: [vip('fd00:198:18::100', 6)] }, 'fe80::11', VRRP_GROUP6],
    ];
    for (const [over, src, group] of cases) {
      const p = wire(over, src).encode(120);
      assert.ok(Buffer.isBuffer(p), JSON.stringify(over));
      assert.deepEqual(bytesFor(p, PEERS[0] as string), bytesFor(p, PEERS[1] as string));
      // A v2 receiver ignores the destination; a group member sees the group.
      const dst = over.unicastPeers ? (PEERS[1] as string) : group;
      const r = decode(p, ctxAt(over, src, dst));
      assert.ok(r.ok, `${JSON.stringify(over)}: ${JSON.stringify(r)}`);
    }
  });
});
