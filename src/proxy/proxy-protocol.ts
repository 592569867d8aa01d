/**
 * The PROXY protocol, versions 1 (text) and 2 (binary), per HAProxy's
 * doc/proxy-protocol.txt. parseProxyHeader() is strict: anything that does not
 * match the specification exactly is an error and the connection must be
 * closed (section 2.1). It is called on the bytes received so far and says
 * whether more are needed, so a header split across reads is handled by the
 * caller accumulating input. The encoders build the header sent to servers
 * with `send-proxy` / `send-proxy-v2`.
 */
import { formatIPv4, formatIPv6, mappedV4, parseIPv4, parseIPv6 } from './acl/ip.js';
import type { ConnInfo } from './acl/types.js';

/** Section 2.1: the longest valid v1 line, CRLF included. */
export const V1_MAX_LENGTH = 107;
/** HAProxy reads the header into one buffer (tune.bufsize); a longer v2 header can never complete. */
export const V2_MAX_LENGTH = 16384;
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const PP2_TYPE_CRC32C = 0x03;

export interface ProxyTlv {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface ProxyHeader {
  readonly version: 1 | 2;
  /** 'local' (v2 LOCAL, v1 UNKNOWN, unspecified family): keep the real connection addresses. */
  readonly command: 'proxy' | 'local';
  /** Addresses announced by the sender, when command is 'proxy'. */
  readonly conn: ConnInfo | undefined;
  readonly tlvs: readonly ProxyTlv[];
}

export type ProxyParse =
  | { readonly kind: 'need-more' }
  | { readonly kind: 'done'; readonly header: ProxyHeader; readonly length: number }
  | { readonly kind: 'error'; readonly reason: string };

const NEED_MORE: ProxyParse = { kind: 'need-more' };

function error(reason: string): ProxyParse {
  return { kind: 'error', reason };
}

export function parseProxyHeader(buf: Uint8Array): ProxyParse {
  const sigLen = Math.min(buf.length, V2_SIGNATURE.length);
  if (sigLen > 0 && Buffer.compare(buf.subarray(0, sigLen), V2_SIGNATURE.subarray(0, sigLen)) === 0) {
    return buf.length < V2_SIGNATURE.length ? NEED_MORE : parseV2(buf);
  }
  const preLen = Math.min(buf.length, V1_PREFIX.length);
  if (Buffer.compare(buf.subarray(0, preLen), V1_PREFIX.subarray(0, preLen)) !== 0) {
    return error('Received something which does not look like a PROXY protocol header');
  }
  return parseV1(buf);
}

function parsePort(s: string): number | undefined {
  if (!/^(0|[1-9]\d{0,4})$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

function parseV1(buf: Uint8Array): ProxyParse {
  const limit = Math.min(buf.length, V1_MAX_LENGTH);
  let eol = -1;
  for (let i = 0; i < limit; i++) {
    const c = buf[i];
    if (c === 0x0d) {
      if (i + 1 >= buf.length) return NEED_MORE;
      if (buf[i + 1] !== 0x0a || i + 1 >= V1_MAX_LENGTH) return error('PROXY v1 line not terminated by CRLF');
      eol = i;
      break;
    }
    if (c === 0x0a) return error('PROXY v1 line terminated by a bare LF');
  }
  if (eol < 0) return buf.length >= V1_MAX_LENGTH ? error('PROXY v1 line too long') : NEED_MORE;
  const line = Buffer.from(buf.buffer, buf.byteOffset, eol).toString('latin1');
  const length = eol + 2;
  const f = line.split(' ');
  if (f[1] === 'UNKNOWN') {
    return { kind: 'done', header: { version: 1, command: 'local', conn: undefined, tlvs: [] }, length };
  }
  if (f.length !== 6 || (f[1] !== 'TCP4' && f[1] !== 'TCP6')) return error('malformed PROXY v1 line');
  const v4 = f[1] === 'TCP4';
  const valid = v4
    ? parseIPv4(f[2]!) !== undefined && parseIPv4(f[3]!) !== undefined
    : !f[2]!.includes('.') && parseIPv6(f[2]!) !== undefined && parseIPv6(f[3]!) !== undefined;
  const srcPort = parsePort(f[4]!);
  const dstPort = parsePort(f[5]!);
  if (!valid || srcPort === undefined || dstPort === undefined) return error('malformed PROXY v1 line');
  const family = v4 ? 'ipv4' : 'ipv6';
  const text = (a: string) => (v4 ? a : formatIPv6(parseIPv6(a)!));
  const conn: ConnInfo = { family, srcAddr: text(f[2]!), dstAddr: text(f[3]!), srcPort, dstPort };
  return { kind: 'done', header: { version: 1, command: 'proxy', conn, tlvs: [] }, length };
}

function parseV2(buf: Uint8Array): ProxyParse {
  if (buf.length < 16) return NEED_MORE;
  const verCmd = buf[12]!;
  const fam = buf[13]!;
  const len = (buf[14]! << 8) | buf[15]!;
  if (verCmd >> 4 !== 2) return error('unsupported PROXY protocol version');
  const cmd = verCmd & 0x0f;
  if (cmd > 1) return error('unsupported PROXY v2 command');
  if (fam >> 4 > 3 || (fam & 0x0f) > 2) return error('unsupported PROXY v2 address family or protocol');
  if (16 + len > V2_MAX_LENGTH) return error('PROXY v2 header too long');
  if (buf.length < 16 + len) return NEED_MORE;
  const body = Buffer.from(buf.buffer, buf.byteOffset + 16, len);
  const addrLen = [0, 12, 36, 216][fam >> 4]!;
  if (len < addrLen) return error('PROXY v2 address block truncated');
  const tlvs = parseTlvs(body.subarray(addrLen));
  if (!tlvs) return error('malformed PROXY v2 TLV');
  const crc = tlvs.find((t) => t.type === PP2_TYPE_CRC32C);
  if (crc && !checkCrc(buf.subarray(0, 16 + len), crc)) return error('PROXY v2 CRC32C mismatch');
  const local = cmd === 0 || fam >> 4 === 0 || (fam & 0x0f) === 0;
  const conn = local ? undefined : decodeAddresses(fam >> 4, body);
  const header: ProxyHeader = { version: 2, command: conn ? 'proxy' : 'local', conn, tlvs };
  return { kind: 'done', header, length: 16 + len };
}

function parseTlvs(b: Buffer): ProxyTlv[] | undefined {
  const out: ProxyTlv[] = [];
  for (let at = 0; at < b.length; ) {
    if (at + 3 > b.length) return undefined;
    const l = (b[at + 1]! << 8) | b[at + 2]!;
    if (at + 3 + l > b.length) return undefined;
    out.push({ type: b[at]!, value: b.subarray(at + 3, at + 3 + l) });
    at += 3 + l;
  }
  return out;
}

function decodeAddresses(family: number, b: Buffer): ConnInfo | undefined {
  if (family === 1) {
    return {
      family: 'ipv4',
      srcAddr: formatIPv4(b.readUInt32BE(0)),
      dstAddr: formatIPv4(b.readUInt32BE(4)),
      srcPort: b.readUInt16BE(8),
      dstPort: b.readUInt16BE(10),
    };
  }
  if (family === 2) {
    const words = (o: number) =>
      Uint32Array.of(b.readUInt32BE(o), b.readUInt32BE(o + 4), b.readUInt32BE(o + 8), b.readUInt32BE(o + 12));
    return {
      family: 'ipv6',
      srcAddr: formatIPv6(words(0)),
      dstAddr: formatIPv6(words(16)),
      srcPort: b.readUInt16BE(32),
      dstPort: b.readUInt16BE(34),
    };
  }
  // AF_UNIX: the paths are not network addresses; keep the real endpoints.
  return undefined;
}

/** CRC32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit: headers are small. */
export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    crc ^= data[i]!;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (crc & 1 ? 0x82f63b78 : 0);
  }
  return ~crc >>> 0;
}

/** Section 2.2.3: the CRC covers the whole header with the CRC field's value zeroed. */
function checkCrc(header: Uint8Array, tlv: ProxyTlv): boolean {
  if (tlv.value.length !== 4) return false;
  const at = tlv.value.byteOffset - header.byteOffset;
  const expected = Buffer.from(tlv.value).readUInt32BE(0);
  const copy = Buffer.from(header);
  copy.fill(0, at, at + 4);
  return crc32c(copy) === expected;
}

/** IPv4 text for a v4 or IPv4-mapped v6 address, else undefined. */
function asV4(addr: string): string | undefined {
  if (parseIPv4(addr) !== undefined) return addr;
  const v6 = parseIPv6(addr);
  const v4 = v6 ? mappedV4(v6) : undefined;
  return v4 === undefined ? undefined : formatIPv4(v4);
}

/** Both endpoints as IPv4, or both as IPv6 (v4 addresses in their mapped form), or undefined for unix. */
function endpoints(c: ConnInfo): { v4: boolean; src: string; dst: string } | undefined {
  if (c.family === 'unix') return undefined;
  const s4 = asV4(c.srcAddr);
  const d4 = asV4(c.dstAddr);
  if (s4 !== undefined && d4 !== undefined) return { v4: true, src: s4, dst: d4 };
  const v6 = (a: string, a4: string | undefined) => (a4 !== undefined ? `::ffff:${a4}` : a);
  return {
    v4: false,
    src: formatIPv6(parseIPv6(v6(c.srcAddr, s4))!),
    dst: formatIPv6(parseIPv6(v6(c.dstAddr, d4))!),
  };
}

/** `send-proxy`: the v1 line for a client connection. */
export function encodeProxyV1(c: ConnInfo): Buffer {
  const e = endpoints(c);
  if (!e) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  return Buffer.from(
    `PROXY ${e.v4 ? 'TCP4' : 'TCP6'} ${e.src} ${e.dst} ${c.srcPort} ${c.dstPort}\r\n`,
    'latin1',
  );
}

/** `send-proxy-v2`: the binary header (PROXY command, TCP over IPv4/IPv6; LOCAL for unix clients). */
export function encodeProxyV2(c: ConnInfo): Buffer {
  const e = endpoints(c);
  const addrLen = e ? (e.v4 ? 12 : 36) : 0;
  const out = Buffer.alloc(16 + addrLen);
  V2_SIGNATURE.copy(out, 0);
  out[12] = e ? 0x21 : 0x20;
  out[13] = e ? (e.v4 ? 0x11 : 0x21) : 0x00;
  out.writeUInt16BE(addrLen, 14);
  if (!e) return out;
  if (e.v4) {
    out.writeUInt32BE(parseIPv4(e.src)!, 16);
    out.writeUInt32BE(parseIPv4(e.dst)!, 20);
    out.writeUInt16BE(c.srcPort, 24);
    out.writeUInt16BE(c.dstPort, 26);
    return out;
  }
  const put = (words: Uint32Array, at: number) => {
    for (let i = 0; i < 4; i++) out.writeUInt32BE(words[i]!, at + 4 * i);
  };
  put(parseIPv6(e.src)!, 16);
  put(parseIPv6(e.dst)!, 32);
  out.writeUInt16BE(c.srcPort, 48);
  out.writeUInt16BE(c.dstPort, 50);
  return out;
}
