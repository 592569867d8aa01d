/**
 * IP address parsing and CIDR matching for ACLs (`src`, `dst`, `-f` network
 * files) and for `balance source`. Addresses are kept as 32-bit words so a
 * network test is a few masked compares. Parsing is strict: a value that is
 * not a valid address is reported, never guessed.
 */

/** A parsed address: 1 word for IPv4, 4 words (network order) for IPv6. */
export interface IpAddr {
  readonly v6: boolean;
  readonly words: Uint32Array;
}

/** Dotted quad, four decimal numbers 0..255. */
export function parseIPv4(s: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      // Leading zeroes are refused, as inet_pton() does: "010" is not 8 nor 10.
      if (digits > 0 && part === 0) return undefined;
      part = part * 10 + (c - 48);
      digits++;
      if (part > 255 || digits > 3) return undefined;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return (value * 256 + part) >>> 0;
}

/** Largest value of the last part of a numbers-and-dots address with 1 to 4 parts (inet_aton(3)). */
const ATON_LAST_MAX = [0, 0xffffffff, 0xffffff, 0xffff, 0xff];

/**
 * The numbers-and-dots forms glibc's gethostbyname() accepts without a DNS
 * query: digits and dots only, 1 to 4 parts, each decimal or octal (leading
 * 0), the last one filling the remaining bytes ("127.1" = 127.0.0.1,
 * "10.1.2" = 10.1.0.2). HAProxy's str2net() falls back to gethostbyname()
 * when inet_pton() refuses a pattern, unless `-n` is set, which is why
 * configuration.txt 7.1.6 lists "127.1/8" as a valid pattern.
 */
export function parseIPv4Abbrev(s: string): number | undefined {
  if (!/^[0-9][0-9.]*$/.test(s) || s.endsWith('.')) return undefined;
  const parts = s.split('.');
  if (parts.length > 4) return undefined;
  let value = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '' || (p.length > 1 && p.startsWith('0') && /[89]/.test(p))) return undefined;
    const n = p.length > 1 && p.startsWith('0') ? Number.parseInt(p, 8) : Number(p);
    const last = i === parts.length - 1;
    if (n > (last ? ATON_LAST_MAX[parts.length]! : 0xff)) return undefined;
    value = last ? value * 2 ** (8 * (4 - i)) + n : value * 256 + n;
  }
  return value >>> 0;
}

function parseHexGroup(g: string): number | undefined {
  if (g.length === 0 || g.length > 4 || !/^[0-9a-fA-F]+$/.test(g)) return undefined;
  return Number.parseInt(g, 16);
}

/** Pushes 16-bit groups of one side of `::` into `out`; false on a bad group. */
function pushGroups(side: string, out: number[], allowV4Tail: boolean): boolean {
  if (side === '') return true;
  const parts = side.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (allowV4Tail && i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIPv4(p);
      if (v4 === undefined) return false;
      out.push(v4 >>> 16, v4 & 0xffff);
      continue;
    }
    const g = parseHexGroup(p);
    if (g === undefined) return false;
    out.push(g);
  }
  return true;
}

/** RFC 4291 section 2.2 text forms, including `::` and a trailing dotted quad. */
export function parseIPv6(s: string): Uint32Array | undefined {
  const text = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  const zone = text.indexOf('%');
  const addr = zone >= 0 ? text.slice(0, zone) : text;
  const dbl = addr.indexOf('::');
  const head: number[] = [];
  const tail: number[] = [];
  if (dbl >= 0) {
    if (addr.indexOf('::', dbl + 1) >= 0) return undefined;
    if (!pushGroups(addr.slice(0, dbl), head, false)) return undefined;
    if (!pushGroups(addr.slice(dbl + 2), tail, true)) return undefined;
    if (head.length + tail.length > 7) return undefined;
  } else if (!pushGroups(addr, head, true) || head.length !== 8) {
    return undefined;
  }
  const groups = head.concat(new Array<number>(8 - head.length - tail.length).fill(0), tail);
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) words[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
  return words;
}

export function parseIp(s: string): IpAddr | undefined {
  const v4 = parseIPv4(s);
  if (v4 !== undefined) return { v6: false, words: Uint32Array.of(v4) };
  const v6 = parseIPv6(s);
  return v6 ? { v6: true, words: v6 } : undefined;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), if it is one. */
export function mappedV4(words: Uint32Array): number | undefined {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff ? words[3] : undefined;
}

/**
 * The IPv4 address an IPv6 sample stands for when it is compared with IPv4
 * patterns (configuration.txt 7.1.6; pattern.c pat_match_ip()): IPv4-mapped
 * `::ffff:V4`, IPv4-compatible `::V4` (any address in ::/96, so `::1` is
 * 0.0.0.1) and 6to4 `2002:V4::/16`. Other addresses have none.
 */
export function embeddedV4(words: Uint32Array): number | undefined {
  if (words[0] === 0 && words[1] === 0 && (words[2] === 0 || words[2] === 0xffff)) return words[3];
  if (words[0]! >>> 16 === 0x2002) return ((words[0]! << 16) | (words[1]! >>> 16)) >>> 0;
  return undefined;
}

/** One network: address words and mask words of the same length. */
interface Network {
  readonly v6: boolean;
  readonly addr: Uint32Array;
  readonly mask: Uint32Array;
}

function maskWords(bits: number, count: number): Uint32Array {
  const m = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const b = Math.max(0, Math.min(32, bits - 32 * i));
    m[i] = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
  }
  return m;
}

/** The host part of a network pattern; `noDns` keeps IPv4 to inet_pton()'s dotted quad. */
function parseHost(host: string, noDns: boolean): IpAddr | undefined {
  const ip = parseIp(host);
  if (ip || noDns) return ip;
  const v4 = parseIPv4Abbrev(host);
  return v4 === undefined ? undefined : { v6: false, words: Uint32Array.of(v4) };
}

/**
 * Parses `addr`, `addr/len` or `addr/dotted-mask` (HAProxy accepts both forms
 * for IPv4, configuration.txt 7.1.6 "Matching IPv4 and IPv6 addresses").
 * Without `noDns` (the ACL flag `-n`), an IPv4 host may also be written in
 * the abbreviated numbers-and-dots form (see parseIPv4Abbrev()); host names
 * are refused either way, since hapair resolves nothing at start-up.
 * Returns a reason string on error.
 */
export function parseNetwork(text: string, noDns = false): Network | string {
  const slash = text.lastIndexOf('/');
  const host = slash >= 0 ? text.slice(0, slash) : text;
  const len = slash >= 0 ? text.slice(slash + 1) : undefined;
  const ip = parseHost(host, noDns);
  if (!ip) {
    const name = !noDns && /^[A-Za-z0-9_.-]*[A-Za-z_-][A-Za-z0-9_.-]*$/.test(host);
    return name
      ? `'${text}' is not an IPv4 or IPv6 address or network (host names are not resolved)`
      : `'${text}' is not an IPv4 or IPv6 address or network`;
  }
  const max = ip.v6 ? 128 : 32;
  let mask: Uint32Array;
  if (len === undefined) {
    mask = maskWords(max, ip.words.length);
  } else if (/^\d+$/.test(len) && Number(len) <= max) {
    mask = maskWords(Number(len), ip.words.length);
  } else if (!ip.v6 && parseIPv4(len) !== undefined) {
    mask = Uint32Array.of(parseIPv4(len)!);
  } else {
    return `'${text}' has an invalid prefix length or mask`;
  }
  const addr = ip.words.map((w, i) => (w & mask[i]!) >>> 0);
  return { v6: ip.v6, addr, mask };
}

function inNetwork(net: Network, words: Uint32Array): boolean {
  for (let i = 0; i < net.addr.length; i++) {
    if ((words[i]! & net.mask[i]!) >>> 0 !== net.addr[i]) return false;
  }
  return true;
}

/**
 * A set of networks. An IPv4 sample also matches IPv6 patterns through its
 * IPv4-mapped form, and an IPv6 sample that embeds an IPv4 address (see
 * embeddedV4()) matches IPv4 patterns, as HAProxy's pat_match_ip() does.
 */
export class IpSet {
  private readonly nets: Network[] = [];

  add(net: Network): void {
    this.nets.push(net);
  }

  get size(): number {
    return this.nets.length;
  }

  has(ip: IpAddr): boolean {
    const v4 = ip.v6 ? embeddedV4(ip.words) : ip.words[0];
    let asV6: Uint32Array | undefined;
    for (const net of this.nets) {
      if (!net.v6) {
        if (v4 !== undefined && (v4 & net.mask[0]!) >>> 0 === net.addr[0]) return true;
      } else if (ip.v6) {
        if (inNetwork(net, ip.words)) return true;
      } else {
        asV6 ??= Uint32Array.of(0, 0, 0xffff, ip.words[0]!);
        if (inNetwork(net, asV6)) return true;
      }
    }
    return false;
  }
}

/** IPv4 text from a 32-bit value. */
export function formatIPv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/**
 * RFC 5952 text form: lower-case hex, longest run of two or more zero groups
 * as `::`. With `ipv4Tail`, mapped and compatible addresses end in dotted
 * IPv4 as glibc's inet_ntop() prints them (`::ffff:1.2.3.4`).
 */
export function formatIPv6(words: Uint32Array, ipv4Tail = false): string {
  const g: number[] = [];
  for (const w of words) g.push(w >>> 16, w & 0xffff);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (ipv4Tail && bestAt === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
    return `::${bestLen === 5 ? 'ffff:' : ''}${formatIPv4(words[3]!)}`;
  }
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}
