import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressBytes, canonicalAddress, compareAddresses } from '../../src/vrrp/ip-bytes.js';
import {
  type DecodeContext,
  DROP_REASONS,
  type DropReason,
  decode,
  type EncodeInput,
  encode,
  peekVrid,
  vrrpChecksum,
} from '../../src/vrrp/packet.js';

const SRC = '198.18.0.11';
const GROUP = '224.0.0.18';
const VIP = '198.18.0.100';

const v2In: EncodeInput = {
  version: 2,
  family: 4,
  vrid: 51,
  priority: 150,
  addresses: [VIP],
  advertIntMs: 1000,
  src: SRC,
  dst: GROUP,
};
const v3In: EncodeInput = { ...v2In, version: 3 };

const v2Ctx: DecodeContext = {
  version: 2,
  family: 4,
  vrid: 51,
  addresses: [VIP],
  advertIntMs: 1000,
  src: SRC,
  dst: GROUP,
  ttl: 255,
  checkTtl: true,
};
const v3Ctx: DecodeContext = { ...v2Ctx, version: 3 };

/** RFC 1071 one's complement sum written out independently of the codec. */
function onesComplementSum(...bufs: Buffer[]): number {
  const all = Buffer.concat(bufs);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += (all[i]! << 8) | (all[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function dropOf(payload: Buffer, ctx: DecodeContext): DropReason | 'ok' {
  const r = decode(payload, ctx);
  return r.ok ? 'ok' : r.reason;
}

/** Rewrites the checksum after a crafted change, so only the intended field is wrong. */
function fixSum(p: Buffer, ctx: DecodeContext): Buffer {
  const pseudo = ctx.version === 3 ? { family: ctx.family, src: ctx.src, dst: ctx.dst } : undefined;
  p.writeUInt16BE(vrrpChecksum(p, pseudo), 6);
  return p;
}

describe('VRRP packet: keepalived-identical bytes', () => {
  test('VRRPv2 advert for VRID 51 prio 150 VIP 198.18.0.100', () => {
    const p = encode(v2In);
    // ver 2|type 1, VRID 0x33, prio 0x96, 1 address, auth 0, adver int 1 s,
    // checksum, 198.18.0.100, 8 zero bytes of authentication data.
    // Checksum by hand (RFC 3768 §5.3.8, VRRP packet only, 16-bit words):
    //   0x2133 + 0x9601 = 0xb734; + 0x0001 = 0xb735; + 0xc612 = 0x17d47 → fold 0x7d48;
    //   + 0x0064 = 0x7dac; one's complement = 0x8253.
    assert.equal(p.toString('hex'), '2133960100018253c61200640000000000000000');
    assert.equal(p.readUInt16BE(6), 0x8253);
    assert.equal(onesComplementSum(p), 0xffff);
  });

  test('VRRPv3 advert for the same router, checksum over the IPv4 pseudo-header', () => {
    const p = encode(v3In);
    // ver 3|type 1, VRID, prio, 1 address, rsvd 0 + 100 cs, checksum, 198.18.0.100.
    // Pseudo-header (RFC 5798 §5.2.8, RFC 9568): c612 000b | e000 0012 | 0070 | 000c
    //   sum 0xc612+0x000b+0xe000+0x0012+0x0070+0x000c = 0x1a6ab
    // VRRP: 0x3133+0x9601+0x0064+0xc612+0x0064 = 0x18e0e
    // total 0x334b9 → 0x34b9 + 3 = 0x34bc; one's complement = 0xcb43.
    assert.equal(p.toString('hex'), '313396010064cb43c6120064');
    const pseudo = Buffer.from('c612000be00000120070000c', 'hex');
    assert.equal(onesComplementSum(pseudo, p), 0xffff);
  });

  test('VRRPv3 over IPv6: 16-byte addresses, IPv6 pseudo-header (zone ignored)', () => {
    const p = encode({
      ...v3In,
      family: 6,
      addresses: ['fd00:198:18::100'],
      src: 'fe80::11%eth0',
      dst: 'ff02::12',
    });
    assert.equal(p.length, 8 + 16);
    assert.equal(p.subarray(8).toString('hex'), 'fd000198001800000000000000000100');
    const len = Buffer.alloc(8);
    len.writeUInt32BE(p.length, 0);
    len[7] = 112;
    const pseudo = Buffer.concat([addressBytes('fe80::11', 6), addressBytes('ff02::12', 6), len]);
    assert.equal(onesComplementSum(pseudo, p), 0xffff);
  });

  test('v2 simple password: keepalived keeps 8 bytes, NUL-padded', () => {
    const p = encode({ ...v2In, authPass: 'secret' });
    assert.equal(p[4], 1);
    assert.equal(p.subarray(12).toString('hex'), Buffer.from('secret\0\0').toString('hex'));
    const long = encode({ ...v2In, authPass: 'longpassword' });
    assert.equal(long.subarray(12).toString(), 'longpass');
  });

  test('v3 interval in centiseconds, 12 bits', () => {
    assert.equal(encode({ ...v3In, advertIntMs: 250 }).readUInt16BE(4), 25);
    assert.equal(encode({ ...v3In, advertIntMs: 40950 }).readUInt16BE(4), 0x0fff);
    assert.throws(() => encode({ ...v3In, advertIntMs: 41000 }), RangeError);
    assert.throws(() => encode({ ...v2In, advertIntMs: 1500 }), RangeError);
    assert.throws(() => encode({ ...v2In, family: 6, addresses: ['fd00::1'] }), RangeError);
  });
});

describe('VRRP packet: round trips', () => {
  test('v2 and v3, several addresses, any order accepted', () => {
    const addrs = ['198.18.0.100', '198.18.0.101', '198.18.1.7'];
    for (const [input, ctx] of [
      [v2In, v2Ctx],
      [v3In, v3Ctx],
    ] as const) {
      const p = encode({ ...input, addresses: addrs, priority: 0 });
      const r = decode(p, { ...ctx, addresses: [...addrs].reverse() });
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.advert.priority, 0);
      assert.deepEqual(r.advert.addresses, addrs);
      assert.equal(r.advert.vrid, 51);
      assert.equal(r.advert.advertIntMs, 1000);
    }
  });

  test('v3 IPv6 round trip and v3 interval decoding', () => {
    const input: EncodeInput = {
      ...v3In,
      family: 6,
      addresses: ['fe80::100', 'fd00:198:18::100'],
      src: 'fe80::11',
      dst: 'ff02::12',
      advertIntMs: 350,
    };
    const ctx: DecodeContext = {
      ...v3Ctx,
      family: 6,
      addresses: input.addresses,
      src: 'fe80::11',
      dst: 'ff02::12',
    };
    const r = decode(encode(input), ctx);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.advert.addresses, ['fe80::100', 'fd00:198:18::100']);
    assert.equal(r.advert.advertIntMs, 350);
  });

  test('v3 reserved bits are ignored on receipt (RFC 5798 §5.2.7)', () => {
    const p = encode(v3In);
    p[4] = (p[4] ?? 0) | 0xf0;
    const r = decode(fixSum(p, v3Ctx), v3Ctx);
    assert.ok(r.ok);
    assert.equal(r.advert.advertIntMs, 1000);
  });

  test('peekVrid reads the VRID without validation', () => {
    assert.equal(peekVrid(encode(v2In)), 51);
    assert.equal(peekVrid(Buffer.from([0x21])), undefined);
  });
});

describe('VRRP packet: every drop reason', () => {
  const cases: Array<[DropReason, () => [Buffer, DecodeContext]]> = [
    ['ttl', () => [encode(v2In), { ...v2Ctx, ttl: 254 }]],
    ['version', () => [encode(v3In), v2Ctx]],
    ['type', () => [fixSum(Object.assign(encode(v2In), { 0: 0x22 }), v2Ctx), v2Ctx]],
    ['vrid', () => [encode({ ...v2In, vrid: 52 }), v2Ctx]],
    ['checksum', () => [Object.assign(encode(v2In), { 2: 151 }), v2Ctx]],
    ['truncated', () => [encode(v2In).subarray(0, 12), v2Ctx]],
    ['oversized', () => [Buffer.concat([encode(v2In), Buffer.alloc(4)]), v2Ctx]],
    ['addr_count', () => [encode({ ...v2In, addresses: [VIP, '198.18.0.101'] }), v2Ctx]],
    ['addr_list', () => [encode({ ...v2In, addresses: ['198.18.0.101'] }), v2Ctx]],
    ['auth_type', () => [encode({ ...v2In, authPass: 'secret' }), v2Ctx]],
    ['auth_pass', () => [encode({ ...v2In, authPass: 'wrong' }), { ...v2Ctx, authPass: 'secret' }]],
    ['advert_int', () => [encode({ ...v2In, advertIntMs: 2000 }), v2Ctx]],
    ['family', () => [encode(v3In), { ...v3Ctx, family: 6 }]],
  ];

  test('the table covers every reason', () => {
    assert.deepEqual(cases.map(([r]) => r).sort(), [...DROP_REASONS].sort());
  });

  for (const [reason, make] of cases) {
    test(reason, () => {
      const [p, ctx] = make();
      const r = decode(p, ctx);
      assert.equal(r.ok, false);
      assert.equal(r.ok ? 'ok' : r.reason, reason);
      assert.ok(!r.ok && r.detail.length > 0);
    });
  }

  test('header shorter than 8 bytes is truncated', () => {
    assert.equal(dropOf(Buffer.from('2133', 'hex'), v2Ctx), 'truncated');
  });

  test('v2 auth type outside 0/1/2 is an auth_type drop; a matching password passes', () => {
    const bad = encode(v2In);
    bad[4] = 7;
    assert.equal(dropOf(fixSum(bad, v2Ctx), v2Ctx), 'auth_type');
    assert.equal(dropOf(encode({ ...v2In, authPass: 'secret' }), { ...v2Ctx, authPass: 'secret' }), 'ok');
  });

  test('v3 checksum covers the destination: a wrong pseudo-header dst fails', () => {
    const p = encode({ ...v3In, dst: '198.18.0.12' });
    assert.equal(dropOf(p, { ...v3Ctx, dst: '198.18.0.12' }), 'ok');
    assert.equal(dropOf(p, v3Ctx), 'checksum');
  });

  test('TTL not checked for unicast (keepalived) or when the transport cannot see it', () => {
    assert.equal(dropOf(encode(v2In), { ...v2Ctx, ttl: 64, checkTtl: false }), 'ok');
    assert.equal(dropOf(encode(v2In), { ...v2Ctx, ttl: undefined }), 'ok');
  });

  test('v3 does not compare advert intervals (the backup adopts the master one)', () => {
    assert.equal(dropOf(encode({ ...v3In, advertIntMs: 300 }), v3Ctx), 'ok');
  });
});

describe('IP address helpers', () => {
  test('canonical IPv6 text (RFC 5952) and bytes', () => {
    assert.equal(canonicalAddress('FD00:0198:0018:0:0:0:0:0100'), 'fd00:198:18::100');
    assert.equal(canonicalAddress('1:0:0:2:0:0:0:3'), '1:0:0:2::3');
    assert.equal(canonicalAddress('fe80::1%eth0'), 'fe80::1');
    assert.equal(addressBytes('::ffff:1.2.3.4', 6).toString('hex'), '00000000000000000000ffff01020304');
    assert.throws(() => addressBytes('198.18.0.300', 4), RangeError);
  });

  test('addresses compare as unsigned numbers', () => {
    assert.ok(compareAddresses('198.18.0.12', '198.18.0.11') > 0);
    assert.ok(compareAddresses('198.18.0.9', '198.18.0.11') < 0);
    assert.ok(compareAddresses('10.0.0.200', '9.255.255.255') > 0);
    assert.ok(compareAddresses('fe80::a', 'fe80::9') > 0);
    assert.ok(compareAddresses('fe80::1:0', 'fe80::ffff') > 0);
    assert.equal(compareAddresses('fe80::1', 'fe80:0::1%eth1'), 0);
  });
});
