/**
 * VRRP advertisement codec, byte-compatible with keepalived 2.2.7
 * (keepalived/vrrp/vrrp.c: vrrp_build_vrrp_v2/_v3 for sending,
 * vrrp_check_packet for receiving).
 *
 * VRRPv2, RFC 3768 §5.1 (IPv4 only):
 *   ver|type  VRID  priority  count | auth type  adver int (s)  checksum |
 *   count × IPv4 address | 8 bytes authentication data
 * VRRPv3, RFC 5798 §5.1/§5.2 (IPv4 and IPv6):
 *   ver|type  VRID  priority  count | rsvd(4) max adver int (12, cs)  checksum |
 *   count × IPv4 or IPv6 address
 *
 * The payload is the VRRP packet alone, without the IP header: the transport
 * owns that header and hands us the source, destination and TTL it carried.
 */
import { addressBytes, familyOf, formatAddress } from './ip-bytes.js';

/** IANA protocol number of VRRP (RFC 3768 §5.2.4, RFC 5798 §5.1.1.4). */
export const VRRP_PROTOCOL = 112;
/** Adverts are sent with, and accepted only with, TTL / hop limit 255 (RFC 3768 §5.2.3, RFC 5798 §5.1.1.3). */
export const VRRP_TTL = 255;
/** The only packet type, ADVERTISEMENT (RFC 3768 §5.3.2, RFC 5798 §5.2.2). */
export const VRRP_TYPE_ADVERT = 1;
/** Fixed part of both versions: 8 bytes up to and including the checksum. */
export const VRRP_HEADER_LEN = 8;
/** VRRPv2 always carries 8 bytes of authentication data after the addresses (RFC 3768 §5.3.10). */
export const VRRP_AUTH_LEN = 8;
/** RFC 3768 §5.3.6: 0 = no authentication, 1 = simple text password (kept by keepalived as "PASS"). */
export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
/** keepalived also knows 2 (IPsec AH, from RFC 2338); it is a valid type to receive, never to accept here. */
const AUTH_AH = 2;
/** RFC 5798 §5.2.7: Max Adver Int is 12 bits of centiseconds. */
const V3_INTERVAL_MASK = 0x0fff;

export type DropReason =
  | 'ttl'
  | 'version'
  | 'type'
  | 'vrid'
  | 'checksum'
  | 'truncated'
  | 'oversized'
  | 'addr_count'
  | 'addr_list'
  | 'auth_type'
  | 'auth_pass'
  | 'advert_int'
  | 'family';

export const DROP_REASONS: readonly DropReason[] = [
  'ttl',
  'version',
  'type',
  'vrid',
  'checksum',
  'truncated',
  'oversized',
  'addr_count',
  'addr_list',
  'auth_type',
  'auth_pass',
  'advert_int',
  'family',
];

/** A decoded, validated advertisement. */
export interface Advert {
  readonly version: 2 | 3;
  readonly vrid: number;
  readonly priority: number;
  /** Addresses as carried, in canonical text form, in packet order. */
  readonly addresses: readonly string[];
  /** v2: Adver Int × 1000; v3: Max Adver Int × 10. */
  readonly advertIntMs: number;
  /** v2 auth type (0 or 1 once accepted); 0 for v3, which has no authentication (RFC 5798 §9). */
  readonly authType: number;
  readonly checksum: number;
}

export interface EncodeInput {
  readonly version: 2 | 3;
  readonly family: 4 | 6;
  readonly vrid: number;
  readonly priority: number;
  readonly addresses: readonly string[];
  /** v2: whole seconds 1–255; v3: 10 ms steps, 10 ms–40.95 s. */
  readonly advertIntMs: number;
  /** v2 only: simple text password (auth type 1); keepalived keeps its first 8 bytes, NUL-padded. */
  readonly authPass?: string;
  /** IP source and destination, for the v3 pseudo-header (RFC 5798 §5.2.8). */
  readonly src: string;
  readonly dst: string;
}

export interface DecodeContext {
  /** What the receiving instance is configured for. */
  readonly version: 2 | 3;
  readonly family: 4 | 6;
  readonly vrid: number;
  /** The instance's own advertised addresses: an advert must carry exactly these (any order). */
  readonly addresses: readonly string[];
  /** Expected v2 password; undefined = auth type 0 expected. */
  readonly authPass?: string;
  /** Configured advert interval: a v2 advert must carry the same (RFC 3768 §7.1). */
  readonly advertIntMs: number;
  /** IP source and destination the packet came with (v3 pseudo-header). */
  readonly src: string;
  readonly dst: string;
  /** Received TTL / hop limit, undefined when the transport cannot see it. */
  readonly ttl: number | undefined;
  /** keepalived skips the TTL test for unicast peers (vrrp_check_packet). */
  readonly checkTtl: boolean;
}

export type DecodeResult =
  | { readonly ok: true; readonly advert: Advert }
  | { readonly ok: false; readonly reason: DropReason; readonly detail: string };

/** The VRID of a packet without validating anything else, or undefined when too short. */
export function peekVrid(payload: Buffer): number | undefined {
  return payload.length >= 2 ? payload[1] : undefined;
}

/** One's complement sum of 16-bit big-endian words (RFC 1071), unfolded. */
function wordSum(buf: Buffer, acc: number): number {
  let sum = acc;
  const even = buf.length & ~1;
  for (let i = 0; i < even; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length & 1) sum += (buf[buf.length - 1] ?? 0) << 8;
  return sum;
}

function pseudoHeader(family: 4 | 6, src: string, dst: string, length: number): Buffer {
  if (family === 4) {
    // RFC 5798 §5.2.8 / RFC 9568 §5.2.8: the IPv4 pseudo-header of RFC 768.
    const ph = Buffer.alloc(12);
    addressBytes(src, 4).copy(ph, 0);
    addressBytes(dst, 4).copy(ph, 4);
    ph[9] = VRRP_PROTOCOL;
    ph.writeUInt16BE(length, 10);
    return ph;
  }
  // RFC 8200 §8.1: source, destination, 32-bit upper-layer length, 3 zero bytes, next header.
  const ph = Buffer.alloc(40);
  addressBytes(src, 6).copy(ph, 0);
  addressBytes(dst, 6).copy(ph, 16);
  ph.writeUInt32BE(length, 32);
  ph[39] = VRRP_PROTOCOL;
  return ph;
}

/**
 * The checksum a VRRP packet must carry, computed with its checksum field
 * taken as zero. v2 covers the VRRP packet only (RFC 3768 §5.3.8); v3 also
 * covers the pseudo-header (RFC 5798 §5.2.8, clarified for IPv4 by RFC 9568).
 * Exported for code that crafts packets (tests re-checksum a modified field).
 */
export function vrrpChecksum(packet: Buffer, pseudo?: { family: 4 | 6; src: string; dst: string }): number {
  let sum = pseudo ? wordSum(pseudoHeader(pseudo.family, pseudo.src, pseudo.dst, packet.length), 0) : 0;
  sum = wordSum(packet, sum) - (packet.length >= VRRP_HEADER_LEN ? packet.readUInt16BE(6) : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** keepalived's auth_data: the password's first 8 bytes, NUL-padded (vrrp_parser.c vrrp_auth_pass_handler). */
export function authBytes(pass: string): Buffer {
  const out = Buffer.alloc(VRRP_AUTH_LEN);
  Buffer.from(pass, 'utf8').copy(out, 0, 0, VRRP_AUTH_LEN);
  return out;
}

function intervalField(version: 2 | 3, ms: number): number {
  if (version === 2) {
    // RFC 3768 §5.3.7: Advertisement Interval in whole seconds, 8 bits.
    const s = ms / 1000;
    if (!Number.isInteger(s) || s < 1 || s > 255) throw new RangeError(`VRRPv2 advert interval ${ms} ms`);
    return s;
  }
  // RFC 5798 §5.2.7: centiseconds, 12 bits; keepalived truncates to whole centiseconds.
  const cs = Math.floor(ms / 10);
  if (cs < 1 || cs > V3_INTERVAL_MASK) throw new RangeError(`VRRPv3 advert interval ${ms} ms`);
  return cs;
}

/**
 * Builds one advertisement. Throws RangeError for values a validated
 * configuration cannot hold (v2 over IPv6, an interval out of range, more
 * than 255 addresses, a password with v3).
 */
export function encode(input: EncodeInput): Buffer {
  const { version, family, addresses } = input;
  if (version === 2 && family === 6) throw new RangeError('VRRPv2 is IPv4 only (RFC 3768)');
  if (version === 3 && input.authPass !== undefined) throw new RangeError('VRRPv3 has no authentication');
  if (addresses.length > 255) throw new RangeError(`${addresses.length} addresses in one advert`);
  const alen = family === 4 ? 4 : 16;
  const auth = version === 2 ? VRRP_AUTH_LEN : 0;
  const pkt = Buffer.alloc(VRRP_HEADER_LEN + addresses.length * alen + auth);
  pkt[0] = (version << 4) | VRRP_TYPE_ADVERT;
  pkt[1] = input.vrid;
  pkt[2] = input.priority;
  pkt[3] = addresses.length;
  if (version === 2) {
    pkt[4] = input.authPass === undefined ? AUTH_NONE : AUTH_PASS;
    pkt[5] = intervalField(2, input.advertIntMs);
  } else {
    pkt.writeUInt16BE(intervalField(3, input.advertIntMs), 4);
  }
  for (const [i, a] of addresses.entries()) addressBytes(a, family).copy(pkt, VRRP_HEADER_LEN + i * alen);
  if (input.authPass !== undefined) authBytes(input.authPass).copy(pkt, pkt.length - VRRP_AUTH_LEN);
  const pseudo = version === 3 ? { family, src: input.src, dst: input.dst } : undefined;
  pkt.writeUInt16BE(vrrpChecksum(pkt, pseudo), 6);
  return pkt;
}

type Drop = Extract<DecodeResult, { ok: false }>;
const drop = (reason: DropReason, detail: string): Drop => ({ ok: false, reason, detail });

/** Length, TTL and version: what keepalived checks first (vrrp_check_packet). */
function checkFraming(p: Buffer, ctx: DecodeContext): Drop | undefined {
  const version = (p[0] ?? 0) >> 4;
  const count = p[3] ?? 0;
  // keepalived sizes the packet by the version it claims (expected_vrrp_pkt_len).
  const expected =
    VRRP_HEADER_LEN +
    count * (ctx.family === 4 ? 4 : 16) +
    (ctx.family === 4 && version === 2 ? VRRP_AUTH_LEN : 0);
  if (p.length < expected) return drop('truncated', `${p.length} bytes, ${count} addresses need ${expected}`);
  if (p.length > expected) return drop('oversized', `${p.length} bytes, ${count} addresses need ${expected}`);
  // RFC 3768 §7.1, RFC 5798 §7.1: MUST verify TTL/hop limit 255.
  if (ctx.checkTtl && ctx.ttl !== undefined && ctx.ttl !== VRRP_TTL) {
    return drop('ttl', `TTL ${ctx.ttl}, expected ${VRRP_TTL}`);
  }
  if (version !== ctx.version) return drop('version', `version ${version}, expected ${ctx.version}`);
  return undefined;
}

/** RFC 3768 §7.1: authentication, then the advert interval must match ours (v2 only). */
function checkV2Fields(p: Buffer, ctx: DecodeContext): Drop | undefined {
  const authType = p[4] ?? 0;
  if (authType !== AUTH_NONE && authType !== AUTH_PASS && authType !== AUTH_AH) {
    return drop('auth_type', `invalid auth type ${authType}`);
  }
  const want = ctx.authPass === undefined ? AUTH_NONE : AUTH_PASS;
  if (authType !== want) return drop('auth_type', `auth type ${authType}, expected ${want}`);
  if (ctx.authPass !== undefined && !p.subarray(p.length - VRRP_AUTH_LEN).equals(authBytes(ctx.authPass))) {
    return drop('auth_pass', 'wrong password');
  }
  const secs = p[5] ?? 0;
  if (secs * 1000 !== ctx.advertIntMs) {
    return drop('advert_int', `advert interval ${secs} s, ours ${ctx.advertIntMs / 1000} s`);
  }
  return undefined;
}

function readAddresses(p: Buffer, family: 4 | 6): string[] {
  const alen = family === 4 ? 4 : 16;
  const out: string[] = [];
  for (let i = 0; i < (p[3] ?? 0); i++) {
    const at = VRRP_HEADER_LEN + i * alen;
    out.push(formatAddress(p.subarray(at, at + alen)));
  }
  return out;
}

/**
 * Validates one received packet for one instance, in keepalived's order
 * (vrrp_scheduler.c vrrp_dispatcher_read, then vrrp.c vrrp_check_packet):
 * VRID, length, TTL, version, v2 auth and interval, type, address count,
 * checksum, address list. keepalived logs and drops on an address count or
 * list mismatch in both versions (RFC 3768 §7.1 and RFC 5798 §7.1 make the
 * list check a MAY); so do we.
 */
export function decode(payload: Buffer, ctx: DecodeContext): DecodeResult {
  if (payload.length < VRRP_HEADER_LEN) return drop('truncated', `${payload.length} bytes`);
  const srcFamily = familyOf(ctx.src);
  if (srcFamily !== ctx.family) return drop('family', `source ${ctx.src} is not IPv${ctx.family}`);
  const vrid = payload[1] ?? 0;
  if (vrid !== ctx.vrid) return drop('vrid', `VRID ${vrid}, ours ${ctx.vrid}`);
  const framing = checkFraming(payload, ctx);
  if (framing) return framing;
  if (ctx.version === 2) {
    const v2 = checkV2Fields(payload, ctx);
    if (v2) return v2;
  }
  const type = (payload[0] ?? 0) & 0x0f;
  if (type !== VRRP_TYPE_ADVERT) return drop('type', `type ${type}, expected ${VRRP_TYPE_ADVERT}`);
  const count = payload[3] ?? 0;
  if (count !== ctx.addresses.length) {
    return drop('addr_count', `${count} addresses, expected ${ctx.addresses.length}`);
  }
  const pseudo = ctx.version === 3 ? { family: ctx.family, src: ctx.src, dst: ctx.dst } : undefined;
  const sum = vrrpChecksum(payload, pseudo);
  const carried = payload.readUInt16BE(6);
  if (sum !== carried) {
    return drop('checksum', `checksum 0x${hex4(carried)}, computed 0x${hex4(sum)}`);
  }
  const addresses = readAddresses(payload, ctx.family);
  const missing = ctx.addresses.find((a) => !addresses.includes(formatAddress(addressBytes(a, ctx.family))));
  if (missing !== undefined) return drop('addr_list', `${missing} not in advert [${addresses.join(', ')}]`);
  const advertIntMs =
    ctx.version === 2 ? (payload[5] ?? 0) * 1000 : (payload.readUInt16BE(4) & V3_INTERVAL_MASK) * 10;
  return {
    ok: true,
    advert: {
      version: ctx.version,
      vrid,
      priority: payload[2] ?? 0,
      addresses,
      advertIntMs,
      authType: ctx.version === 2 ? (payload[4] ?? 0) : AUTH_NONE,
      checksum: carried,
    },
  };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
