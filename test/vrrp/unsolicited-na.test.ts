import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildUnsolicitedNa } from '../../src/vrrp/unsolicited-na.js';

const MAC = Buffer.from([0x02, 0x00, 0x5e, 0x00, 0x01, 0x33]);

describe('unsolicited Neighbour Advertisement (RFC 4861 section 4.4)', () => {
  test('type 136, Override set, target, target link-layer address option', () => {
    const na = buildUnsolicitedNa('fd00:198:18::100', MAC, false);
    assert.equal(
      na.toString('hex'),
      '88000000' + // type 136, code 0, checksum left to the kernel
        '20000000' + // R=0 S=0 O=1
        'fd000198001800000000000000000100' + // target
        '0201' + // option 2 (target link-layer address), length 1 (8 bytes)
        '02005e000133',
    );
  });

  test('Router flag when the interface forwards', () => {
    assert.equal(buildUnsolicitedNa('fd00::1', MAC, true)[4], 0xa0);
  });

  test('refuses a malformed MAC or address', () => {
    assert.throws(() => buildUnsolicitedNa('fd00::1', Buffer.alloc(5), false), RangeError);
    assert.throws(() => buildUnsolicitedNa('198.18.0.1', MAC, false), RangeError);
  });
});
