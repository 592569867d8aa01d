/**
 * Sample type casts, HAProxy's `sample_casts` table (src/sample.c): which
 * type a value may be turned into when a converter or a match method expects
 * another one, and how. Values stay plain JS values: booleans, numbers,
 * strings (addresses are their text form) and byte arrays.
 */
import { formatIPv4, parseIPv4, parseIPv6 } from '../acl/ip.js';
import type { SampleType, SampleValue } from '../acl/types.js';

/** Rows: from, columns: to. Binary and addresses do not become numbers; booleans do not become addresses. */
const CASTABLE: Record<SampleType, ReadonlySet<SampleType>> = {
  bool: new Set(['bool', 'int', 'str', 'bin']),
  int: new Set(['bool', 'int', 'ip', 'str', 'bin']),
  ip: new Set(['ip', 'str', 'bin']),
  str: new Set(['bool', 'int', 'ip', 'str', 'bin']),
  bin: new Set(['str', 'bin']),
};

export function canCast(from: SampleType, to: SampleType): boolean {
  return CASTABLE[from].has(to);
}

/** The type a value carries by itself; strings count as 'str' (an address is known only statically). */
export function typeOfValue(v: SampleValue): SampleType {
  if (typeof v === 'string') return 'str';
  if (typeof v === 'number') return 'int';
  if (typeof v === 'boolean') return 'bool';
  return 'bin';
}

/**
 * HAProxy's read_int64(): optional sign, then digits up to the first other
 * character; "12abc" is 12, "abc" is 0. Used by str→int casts, `hdr_val`,
 * `cook_val`.
 */
export function leadingInt(s: string): number {
  let i = 0;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    i = 1;
  }
  let n = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  return neg ? -n : n;
}

/** Latin1 text of bytes, cut at the first NUL as c_bin2str() does. */
export function binToString(b: Uint8Array): string {
  const nul = b.indexOf(0);
  const end = nul < 0 ? b.byteLength : nul;
  return Buffer.from(b.buffer, b.byteOffset, end).toString('latin1');
}

function int64Bytes(n: number): Uint8Array {
  const out = Buffer.alloc(8);
  out.writeBigInt64BE(BigInt(Math.trunc(n)));
  return out;
}

function ipBytes(text: string): Uint8Array | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v4);
    return b;
  }
  const v6 = parseIPv6(text);
  if (!v6) return undefined;
  const b = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) b.writeUInt32BE(v6[i]!, 4 * i);
  return b;
}

function toStr(v: SampleValue, from: SampleType): string {
  if (from === 'bin' && v instanceof Uint8Array) return binToString(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return String(Math.trunc(v));
  return typeof v === 'string' ? v : binToString(v);
}

/**
 * Converts `v` (of static type `from`) to `to`; undefined when the value
 * does not fit (a string that is no address, an empty string to int).
 */
export function castValue(v: SampleValue, from: SampleType, to: SampleType): SampleValue | undefined {
  if (from === to) return v;
  switch (to) {
    case 'str':
      return toStr(v, from);
    case 'int':
      if (typeof v === 'number') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      return typeof v === 'string' && v.length > 0 ? leadingInt(v) : undefined;
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number') return v !== 0;
      return typeof v === 'string' && v.length > 0 ? leadingInt(v) !== 0 : undefined;
    case 'ip':
      if (typeof v === 'number') return formatIPv4(v >>> 0);
      if (typeof v !== 'string') return undefined;
      return parseIPv4(v) !== undefined || parseIPv6(v) !== undefined ? v : undefined;
    case 'bin':
      if (v instanceof Uint8Array) return v;
      if (typeof v === 'number') return int64Bytes(v);
      if (typeof v === 'boolean') return int64Bytes(v ? 1 : 0);
      return from === 'ip' ? ipBytes(v) : Buffer.from(v, 'latin1');
  }
}
