/**
 * HAProxy's hash functions (src/hash.c, include/haproxy/intops.h), reimplemented
 * so that `hash-type … <function> [avalanche]` maps a key to the same server as
 * HAProxy for the same server list (configuration.txt, "hash-type"). All
 * arithmetic is unsigned 32-bit: `>>> 0` and Math.imul keep it there.
 */
import type { HashFunction } from '../../config/haproxy/model.js';

/** sdbm: hash = c + (hash << 6) + (hash << 16) - hash, per byte. */
export function hashSdbm(key: Uint8Array, start = 0, end = key.length): number {
  let h = 0;
  for (let i = start; i < end; i++) {
    h = (key[i]! + (h << 6) + (h << 16) - h) >>> 0;
  }
  return h;
}

/** djb2: hash = hash * 33 + c, starting at 5381. */
export function hashDjb2(key: Uint8Array, start = 0, end = key.length): number {
  let h = 5381;
  for (let i = start; i < end; i++) {
    h = (Math.imul(h, 33) + key[i]!) >>> 0;
  }
  return h;
}

/** wt6: HAProxy's own rotating hash (two 32-bit states with data-driven rotations). */
export function hashWt6(key: Uint8Array, start = 0, end = key.length): number {
  let h0 = 0xa53c965a;
  let h1 = 0x5ca6953a;
  let step0 = 6;
  let step1 = 18;
  for (let i = start; i < end; i++) {
    const c = key[i]!;
    h0 = ~(h0 ^ c) >>> 0;
    h1 = ~(h1 + c) >>> 0;
    const t = ((h1 << step0) | (h1 >>> (32 - step0))) >>> 0;
    h1 = ((h0 << step1) | (h0 >>> (32 - step1))) >>> 0;
    h0 = t;
    const m = ((h0 >>> 16) ^ h1) & 0xffff;
    step0 = m & 0x1f;
    step1 = m >>> 11;
  }
  return (h0 ^ h1) >>> 0;
}

/** Bit-wise CRC32 (polynomial 0xEDB88320), as used by Ethernet and gzip. */
export function hashCrc32(key: Uint8Array, start = 0, end = key.length): number {
  let h = 0xffffffff;
  for (let i = start; i < end; i++) {
    h ^= key[i]!;
    for (let bit = 0; bit < 8; bit++) h = (h >>> 1) ^ (h & 1 ? 0xedb88320 : 0);
  }
  return ~h >>> 0;
}

/**
 * Bob Jenkins' 32-bit full-avalanche integer hash followed by HAProxy's
 * multiplication by 3221225473 (intops.h `__full_hash`). Used for the
 * `avalanche` modifier and for the consistent-hash ring's node keys.
 */
export function fullHash(input: number): number {
  let a = input >>> 0;
  a = (a + 0x7ed55d16 + (a << 12)) >>> 0;
  a = (a ^ 0xc761c23c ^ (a >>> 19)) >>> 0;
  a = (a + 0x165667b1 + (a << 5)) >>> 0;
  a = ((a + 0xd3a2646c) ^ (a << 9)) >>> 0;
  a = (a + 0xfd7046c5 + (a << 3)) >>> 0;
  a = (a ^ 0xb55a4f09 ^ (a >>> 16)) >>> 0;
  return Math.imul(a, 3221225473) >>> 0;
}

export type HashFn = (key: Uint8Array, start?: number, end?: number) => number;

const FUNCTIONS: Record<HashFunction, HashFn> = {
  sdbm: hashSdbm,
  djb2: hashDjb2,
  wt6: hashWt6,
  crc32: hashCrc32,
};

export function hashFunction(name: HashFunction): HashFn {
  return FUNCTIONS[name];
}
