/**
 * IP address text ↔ network-order bytes, for the VRRP codec (addresses in
 * adverts, the RFC 5798 §5.2.8 pseudo-header) and for the tie-break on equal
 * priority, which compares primary addresses as unsigned numbers (RFC 5798
 * §6.4.3; keepalived vrrp.c vrrp_saddr_cmp()).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Drops an IPv6 zone (`fe80::1%eth0`): it never goes on the wire. */
function stripZone(text: string): string {
  const pct = text.indexOf('%');
  return pct < 0 ? text : text.slice(0, pct);
}

/** The family of an address text, or undefined when it is not an IP address. */
export function familyOf(text: string): 4 | 6 | undefined {
  const t = stripZone(text);
  if (isIPv4(t)) return 4;
  if (isIPv6(t)) return 6;
  return undefined;
}

function writeIpv4(out: Buffer, offset: number, text: string): void {
  const parts = text.split('.');
  for (let i = 0; i < 4; i++) out[offset + i] = Number(parts[i]);
}

/** Expands `a::b` and an embedded dotted quad (`::ffff:1.2.3.4`) into eight 16-bit groups. */
function ipv6Groups(text: string): number[] {
  let t = text;
  const lastColon = t.lastIndexOf(':');
  if (t.includes('.', lastColon)) {
    const quad = Buffer.alloc(4);
    writeIpv4(quad, 0, t.slice(lastColon + 1));
    t = `${t.slice(0, lastColon + 1)}${quad.readUInt16BE(0).toString(16)}:${quad.readUInt16BE(2).toString(16)}`;
  }
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const dbl = t.indexOf('::');
  if (dbl < 0) return parse(t);
  const head = parse(t.slice(0, dbl));
  const back = parse(t.slice(dbl + 2));
  return [...head, ...new Array<number>(8 - head.length - back.length).fill(0), ...back];
}

/**
 * Network-order bytes of an address (4 or 16). Throws RangeError for text
 * that is not an address of `family`: callers pass validated config values.
 */
export function addressBytes(text: string, family: 4 | 6): Buffer {
  const t = stripZone(text);
  if (family === 4) {
    if (!isIPv4(t)) throw new RangeError(`not an IPv4 address: '${text}'`);
    const out = Buffer.alloc(4);
    writeIpv4(out, 0, t);
    return out;
  }
  if (!isIPv6(t)) throw new RangeError(`not an IPv6 address: '${text}'`);
  const out = Buffer.alloc(16);
  for (const [i, g] of ipv6Groups(t).entries()) out.writeUInt16BE(g, i * 2);
  return out;
}

/** Text of 4 or 16 network-order bytes; IPv6 in RFC 5952 form (longest zero run as `::`). */
export function formatAddress(bytes: Buffer): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}

/** Canonical text of an address (lower case, compressed, no zone). */
export function canonicalAddress(text: string): string {
  const family = familyOf(text);
  if (family === undefined) throw new RangeError(`not an IP address: '${text}'`);
  return formatAddress(addressBytes(text, family));
}

/**
 * Compares two addresses of one family as unsigned numbers: negative when
 * `a` < `b`, 0 when equal, positive when `a` > `b`.
 */
export function compareAddresses(a: string, b: string): number {
  const fa = familyOf(a);
  const fb = familyOf(b);
  if (fa === undefined || fa !== fb) throw new RangeError(`cannot compare '${a}' with '${b}'`);
  return Buffer.compare(addressBytes(a, fa), addressBytes(b, fa));
}
