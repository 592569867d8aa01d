/**
 * PROXY protocol parser and encoders (doc/proxy-protocol.txt): valid v1 and v2
 * headers, every rejection rule the specification states, headers arriving in
 * pieces, and round trips of what `send-proxy` / `send-proxy-v2` emit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnInfo } from '../../src/proxy/acl/types.js';
import {
  crc32c,
  encodeProxyV1,
  encodeProxyV2,
  type ProxyParse,
  parseProxyHeader,
} from '../../src/proxy/proxy-protocol.js';

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

function done(r: ProxyParse) {
  assert.equal(r.kind, 'done', r.kind === 'error' ? r.reason : r.kind);
  return r.kind === 'done' ? r : assert.fail();
}

function v2(verCmd: number, fam: number, body: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([SIG, Buffer.from([verCmd, fam]), len, body]);
}

function ipv4Block(): Buffer {
  const b = Buffer.alloc(12);
  b.set([192, 0, 2, 1], 0);
  b.set([198, 51, 100, 7], 4);
  b.writeUInt16BE(51000, 8);
  b.writeUInt16BE(443, 10);
  return b;
}

describe('PROXY v1', () => {
  it('parses TCP4 and reports the header length', () => {
    const line = 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n';
    const r = done(parseProxyHeader(Buffer.from(`${line}GET / HTTP/1.0\r\n`)));
    assert.equal(r.length, line.length);
    assert.deepEqual(r.header.conn, {
      family: 'ipv4',
      srcAddr: '192.168.0.1',
      dstAddr: '192.168.0.11',
      srcPort: 56324,
      dstPort: 443,
    });
  });

  it('parses TCP6 and normalises the addresses', () => {
    const r = done(parseProxyHeader(Buffer.from('PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::1 1 65535\r\n')));
    assert.equal(r.header.conn?.srcAddr, '2001:db8::1');
    assert.equal(r.header.conn?.dstAddr, '::1');
  });

  it('accepts UNKNOWN (short and long forms) as keep-the-real-addresses', () => {
    assert.equal(done(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).header.command, 'local');
    const long = `PROXY UNKNOWN ${'f'.repeat(39)} ${'f'.repeat(39)} 65535 65535\r\n`;
    assert.equal(long.length, 107);
    assert.equal(done(parseProxyHeader(Buffer.from(long))).length, 107);
  });

  it('asks for more bytes until the CRLF arrives, byte by byte', () => {
    const line = Buffer.from('PROXY TCP4 10.0.0.1 10.0.0.2 1000 80\r\n');
    for (let i = 1; i < line.length; i++)
      assert.equal(parseProxyHeader(line.subarray(0, i)).kind, 'need-more', `at ${i}`);
    assert.equal(parseProxyHeader(line).kind, 'done');
  });

  const bad: [string, string][] = [
    ['no CRLF within 107 bytes', `PROXY UNKNOWN ${'x'.repeat(100)}`],
    ['bare LF', 'PROXY TCP4 1.1.1.1 2.2.2.2 1 2\n'],
    ['CR not followed by LF', 'PROXY TCP4 1.1.1.1 2.2.2.2 1 2\rX'],
    ['leading zero in an address', 'PROXY TCP4 01.1.1.1 2.2.2.2 1 2\r\n'],
    ['leading zero in a port', 'PROXY TCP4 1.1.1.1 2.2.2.2 01 2\r\n'],
    ['port out of range', 'PROXY TCP4 1.1.1.1 2.2.2.2 65536 2\r\n'],
    ['IPv6 address with TCP4', 'PROXY TCP4 ::1 ::1 1 2\r\n'],
    ['IPv4 address with TCP6', 'PROXY TCP6 1.1.1.1 2.2.2.2 1 2\r\n'],
    ['unknown protocol', 'PROXY UDP4 1.1.1.1 2.2.2.2 1 2\r\n'],
    ['two spaces', 'PROXY TCP4  1.1.1.1 2.2.2.2 1 2\r\n'],
    ['missing field', 'PROXY TCP4 1.1.1.1 2.2.2.2 1\r\n'],
    ['not a PROXY line', 'GET / HTTP/1.1\r\n'],
    ['lower case', 'proxy TCP4 1.1.1.1 2.2.2.2 1 2\r\n'],
  ];
  for (const [what, text] of bad) {
    it(`rejects: ${what}`, () => assert.equal(parseProxyHeader(Buffer.from(text)).kind, 'error'));
  }

  it('rejects a 108-byte line even when a CRLF follows', () => {
    const line = `PROXY UNKNOWN ${'f'.repeat(40)} ${'f'.repeat(39)} 65535 65535\r\n`;
    assert.equal(line.length, 108);
    assert.equal(parseProxyHeader(Buffer.from(line)).kind, 'error');
  });
});

describe('PROXY v2', () => {
  it('parses TCP over IPv4 with the data that follows', () => {
    const hdr = v2(0x21, 0x11, ipv4Block());
    const r = done(parseProxyHeader(Buffer.concat([hdr, Buffer.from('payload')])));
    assert.equal(r.length, 28);
    assert.deepEqual(r.header.conn, {
      family: 'ipv4',
      srcAddr: '192.0.2.1',
      dstAddr: '198.51.100.7',
      srcPort: 51000,
      dstPort: 443,
    });
  });

  it('parses TCP over IPv6', () => {
    const b = Buffer.alloc(36);
    b[15] = 1; // ::1
    b.set([0x20, 0x01, 0x0d, 0xb8], 16); // 2001:db8::
    b.writeUInt16BE(1234, 32);
    b.writeUInt16BE(80, 34);
    const r = done(parseProxyHeader(v2(0x21, 0x21, b)));
    assert.equal(r.header.conn?.srcAddr, '::1');
    assert.equal(r.header.conn?.dstAddr, '2001:db8::');
  });

  it('LOCAL and UNSPEC keep the real addresses but skip the announced length', () => {
    const local = done(parseProxyHeader(v2(0x20, 0x11, ipv4Block())));
    assert.equal(local.header.command, 'local');
    assert.equal(local.length, 28);
    assert.equal(done(parseProxyHeader(v2(0x21, 0x00, Buffer.alloc(0)))).header.command, 'local');
  });

  it('waits for the signature, the fixed part and the announced length in any split', () => {
    const hdr = v2(0x21, 0x11, ipv4Block());
    for (let i = 1; i < hdr.length; i++)
      assert.equal(parseProxyHeader(hdr.subarray(0, i)).kind, 'need-more', `at ${i}`);
  });

  it('returns TLVs and checks a CRC32C TLV', () => {
    const tlv = (type: number, value: Buffer) => {
      const h = Buffer.from([type, 0, 0]);
      h.writeUInt16BE(value.length, 1);
      return Buffer.concat([h, value]);
    };
    const body = Buffer.concat([
      ipv4Block(),
      tlv(0x02, Buffer.from('example.com')),
      tlv(0x03, Buffer.alloc(4)),
    ]);
    const hdr = v2(0x21, 0x11, body);
    hdr.writeUInt32BE(crc32c(hdr), hdr.length - 4);
    const r = done(parseProxyHeader(hdr));
    assert.equal(Buffer.from(r.header.tlvs[0]!.value).toString(), 'example.com');
    hdr[hdr.length - 1]! ^= 1;
    assert.equal(parseProxyHeader(hdr).kind, 'error');
  });

  const bad: [string, Buffer][] = [
    ['version 1 in the binary header', v2(0x11, 0x11, ipv4Block())],
    ['unknown command', v2(0x22, 0x11, ipv4Block())],
    ['unknown family', v2(0x21, 0x41, ipv4Block())],
    ['unknown transport', v2(0x21, 0x13, ipv4Block())],
    ['address block shorter than the family needs', v2(0x21, 0x21, ipv4Block())],
    ['truncated TLV', v2(0x21, 0x11, Buffer.concat([ipv4Block(), Buffer.from([0x01, 0x00, 0x09, 0x41])]))],
    ['signature mismatch', Buffer.concat([SIG.subarray(0, 11), Buffer.from([0x0b, 0x21, 0x11, 0, 0])])],
  ];
  for (const [what, buf] of bad) {
    it(`rejects: ${what}`, () => assert.equal(parseProxyHeader(buf).kind, 'error'));
  }

  it('rejects a header longer than one buffer', () => {
    const head = Buffer.concat([SIG, Buffer.from([0x21, 0x11, 0xff, 0xff])]);
    assert.equal(parseProxyHeader(head).kind, 'error');
  });
});

describe('encoders', () => {
  const v4: ConnInfo = {
    family: 'ipv4',
    srcAddr: '10.1.2.3',
    srcPort: 4000,
    dstAddr: '10.9.8.7',
    dstPort: 80,
  };
  const v6: ConnInfo = { family: 'ipv6', srcAddr: '2001:db8::5', srcPort: 1, dstAddr: '::1', dstPort: 443 };
  const mapped: ConnInfo = {
    family: 'ipv6',
    srcAddr: '::ffff:127.0.0.1',
    srcPort: 5,
    dstAddr: '::ffff:127.0.0.2',
    dstPort: 6,
  };
  const unix: ConnInfo = { family: 'unix', srcAddr: '', srcPort: 0, dstAddr: '', dstPort: 0 };

  it('v1 lines', () => {
    assert.equal(encodeProxyV1(v4).toString(), 'PROXY TCP4 10.1.2.3 10.9.8.7 4000 80\r\n');
    assert.equal(encodeProxyV1(v6).toString(), 'PROXY TCP6 2001:db8::5 ::1 1 443\r\n');
    assert.equal(encodeProxyV1(mapped).toString(), 'PROXY TCP4 127.0.0.1 127.0.0.2 5 6\r\n');
    assert.equal(encodeProxyV1(unix).toString(), 'PROXY UNKNOWN\r\n');
  });

  it('v2 headers parse back to the same addresses', () => {
    for (const c of [v4, v6]) assert.deepEqual(done(parseProxyHeader(encodeProxyV2(c))).header.conn, c);
    assert.equal(done(parseProxyHeader(encodeProxyV2(mapped))).header.conn?.srcAddr, '127.0.0.1');
    const local = done(parseProxyHeader(encodeProxyV2(unix)));
    assert.equal(local.header.command, 'local');
    assert.equal(local.length, 16);
  });
});
