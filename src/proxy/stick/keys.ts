/**
 * Stick-table keys (configuration.txt 11.1 "type"): how a sample becomes the
 * key of a table of each type, as HAProxy's sample casts and smp_to_stkey()
 * make it, how the runtime API's `key <k>` is read (stick_table.c
 * table_process_entry_per_key) and how `show table` prints a key.
 */
import type { StickTableConfig } from '../../config/haproxy/model.js';
import { formatIPv4, formatIPv6, mappedV4, parseIPv4, parseIPv6, parseIp } from '../acl/ip.js';
import type { SampleType, SampleValue } from '../acl/types.js';
import type { StickKey } from './types.js';

export type TableType = StickTableConfig['type'];

/** What keys of a table look like: its type and, for string/binary, the length kept. */
export interface KeyShape {
  readonly type: TableType;
  readonly len: number;
}

/** inet_ntop() text: RFC 5952, with the IPv4 tail glibc prints for mapped and compatible addresses. */
export function formatInet6(words: Uint32Array): string {
  return formatIPv6(words, true);
}

/** The 4 IPv4 words of an IPv6 address mapping `v4` (RFC 4291 2.5.5.2). */
function mapV4(v4: number): Uint32Array {
  return Uint32Array.of(0, 0, 0xffff, v4);
}

function ipKey(v: SampleValue, v6: boolean): StickKey | undefined {
  if (typeof v === 'number' || typeof v === 'boolean') {
    const n = Number(v) >>> 0;
    return v6 ? formatInet6(mapV4(n)) : formatIPv4(n);
  }
  if (typeof v !== 'string') return undefined;
  const a = parseIp(v);
  if (!a) return undefined;
  if (!a.v6) return v6 ? formatInet6(mapV4(a.words[0]!)) : formatIPv4(a.words[0]!);
  if (v6) return formatInet6(a.words);
  const m = mappedV4(a.words);
  return m === undefined ? undefined : formatIPv4(m);
}

/** c_str2int(): an optional sign and the leading digits; no digit at all reads as 0. */
function leadingInt(s: string): number | undefined {
  if (s.length === 0) return undefined;
  const m = /^[+-]?\d+/.exec(s);
  return m ? Number(m[0]) : 0;
}

function integerKey(v: SampleValue, type: SampleType | undefined): StickKey | undefined {
  if (typeof v === 'number') return v >>> 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string') return undefined;
  if (type === 'ip') {
    // c_ip2int(): only an IPv4 address has an integer form.
    const a = parseIp(v);
    const v4 = a && (a.v6 ? mappedV4(a.words) : a.words[0]);
    return v4 === undefined ? undefined : v4 >>> 0;
  }
  const n = leadingInt(v);
  return n === undefined ? undefined : n >>> 0;
}

function bytesOf(v: SampleValue): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  if (typeof v === 'boolean') return Uint8Array.of(v ? 1 : 0);
  // c_int2bin(): the 64-bit integer in network byte order.
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(Math.trunc(v)));
  return b;
}

/**
 * The key `v` makes in a table shaped `shape` (smp_to_stkey), or undefined
 * when the sample has no form of the table's type. `type` is the fetch's
 * declared type, which tells an address from a string.
 */
export function sampleKey(shape: KeyShape, v: SampleValue, type?: SampleType): StickKey | undefined {
  switch (shape.type) {
    case 'ip':
    case 'ipv6':
      return ipKey(v, shape.type === 'ipv6');
    case 'integer':
      return integerKey(v, type);
    case 'string': {
      const s =
        v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : String(typeof v === 'boolean' ? +v : v);
      return s.length > shape.len ? s.slice(0, shape.len) : s;
    }
    case 'binary': {
      const padded = Buffer.alloc(shape.len);
      padded.set(bytesOf(v).subarray(0, shape.len));
      return padded.toString('hex');
    }
  }
}

/** `key <k>` of `show table` / `clear table`: the key, or HAProxy's answer when it cannot be read. */
export function cliKey(
  shape: KeyShape,
  text: string,
  action: 'show' | 'clear',
): StickKey | { error: string } {
  switch (shape.type) {
    case 'ip': {
      // HAProxy reads the text with inetaddr_host() and looks up whatever comes out.
      const v4 = parseIPv4(text);
      return v4 === undefined ? '' : formatIPv4(v4);
    }
    case 'ipv6': {
      const w = parseIPv6(text);
      return w ? formatInet6(w) : { error: 'Invalid key\n' };
    }
    case 'integer': {
      if (!/^\s*\+?\d/.test(text)) return { error: 'Invalid key\n' };
      const n = Number(/\d+/.exec(text)![0]);
      return n > 0xffffffff ? { error: 'Invalid key\n' } : n;
    }
    case 'string':
      return text.length > shape.len ? text.slice(0, shape.len) : text;
    case 'binary': {
      const what = action === 'show' ? 'Showing keys from' : 'Removing keys from';
      return { error: `${what} tables of type other than ip, ipv6, string and integer is not supported\n` };
    }
  }
}

/** dump_text(): printable ASCII as is, `\`, space, `=` and controls escaped. */
function dumpText(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c === 0) break;
    if (c > 0x20 && c < 0x7f && ch !== '\\' && ch !== '=') out += ch;
    else if (ch === ' ' || ch === '=' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (c === 0x1b) out += '\\e';
    else out += `\\x${(c & 0xff).toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The `key=` text of a `show table` line (table_dump_entry_to_buffer). */
export function formatKey(shape: KeyShape, key: StickKey): string {
  if (shape.type === 'string') return dumpText(String(key));
  if (shape.type === 'binary') return String(key).toUpperCase();
  return String(key);
}

/** Ordering of `show table`: HAProxy walks its key tree, i.e. the keys' bytes in order. */
export function compareKeys(shape: KeyShape, a: StickKey, b: StickKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (shape.type === 'ip') return (parseIPv4(String(a)) ?? 0) - (parseIPv4(String(b)) ?? 0);
  if (shape.type === 'ipv6') {
    const wa = parseIPv6(String(a))!;
    const wb = parseIPv6(String(b))!;
    for (let i = 0; i < 4; i++) if (wa[i] !== wb[i]) return wa[i]! - wb[i]!;
    return 0;
  }
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** stktable_compatible_sample(): a sample type the table's key type can be cast from (binary only makes strings and binary keys). */
export function compatibleSample(table: TableType, sample: SampleType): boolean {
  return sample !== 'bin' || table === 'string' || table === 'binary';
}
