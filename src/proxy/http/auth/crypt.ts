/**
 * The crypt(3) password hashes HAProxy's `user … password <hash>` is usually
 * given (configuration.txt 12.2 "Userlists"), written from the published
 * algorithm descriptions with node:crypto's digests:
 * - `$1$` MD5-crypt (Poul-Henning Kamp's FreeBSD algorithm, as in glibc);
 * - `$5$` / `$6$` SHA-256-crypt / SHA-512-crypt (Ulrich Drepper, "Unix crypt
 *   using SHA-256 and SHA-512", including `rounds=<N>$`).
 * Other schemes (yescrypt, bcrypt, scrypt, DES) are recognised by their
 * prefix so the loader can name them when it refuses them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type CryptScheme = 'md5' | 'sha256' | 'sha512';

/** What `crypt()` reads from its setting string: the scheme, salt and cost. */
export interface CryptSetting {
  readonly scheme: CryptScheme;
  /** The salt actually used (truncated to 8 chars for MD5, 16 for SHA). */
  readonly salt: string;
  /** SHA-crypt rounds, clamped to [1000, 999999999]; 5000 when not written, 1000 for MD5. */
  readonly rounds: number;
  /** Whether `rounds=N$` appears in the setting (and so in the result). */
  readonly explicitRounds: boolean;
}

/**
 * Why a stored hash cannot be used: a scheme hapair does not implement, a
 * string that is no crypt(3) hash at all (crypt(3) fails on it, HAProxy
 * refuses it), or a $1$/$5$/$6$ hash that no password can ever produce
 * (HAProxy accepts it: crypt(3) only reads its setting part).
 */
export type HashProblem =
  | { readonly kind: 'unsupported'; readonly scheme: string }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'unmatchable'; readonly reason: string };

const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SHA_DEFAULT_ROUNDS = 5000;
const SHA_MIN_ROUNDS = 1000;
const SHA_MAX_ROUNDS = 999_999_999;

const PREFIX: Record<CryptScheme, string> = { md5: '$1$', sha256: '$5$', sha512: '$6$' };
/** Length of the encoded digest after the last '$'. */
const DIGEST_CHARS: Record<CryptScheme, number> = { md5: 22, sha256: 43, sha512: 86 };

/** Schemes crypt(3) implementations know and hapair does not, by the prefix they start with. */
const OTHER_SCHEMES: readonly (readonly [string, string])[] = [
  ['$y$', 'yescrypt ($y$)'],
  ['$gy$', 'gost-yescrypt ($gy$)'],
  ['$7$', 'scrypt ($7$)'],
  ['$2a$', 'bcrypt ($2a$)'],
  ['$2b$', 'bcrypt ($2b$)'],
  ['$2x$', 'bcrypt ($2x$)'],
  ['$2y$', 'bcrypt ($2y$)'],
  ['$sha1$', 'NetBSD sha1crypt ($sha1$)'],
  ['$md5', 'Sun MD5 ($md5)'],
  ['$3$', 'NT-Hash ($3$)'],
  ['_', 'BSDi extended DES (_)'],
];

/**
 * The setting part of `text` as crypt(3) reads it (glibc's rules): the
 * prefix, an optional `rounds=N$` (SHA only), then the salt up to the next
 * '$' or its maximum length. Undefined when the prefix is not $1$, $5$, $6$.
 */
export function parseSetting(text: string): CryptSetting | undefined {
  const scheme = schemeOf(text);
  if (scheme === undefined) return undefined;
  let rest = text.slice(3);
  let rounds = scheme === 'md5' ? 1000 : SHA_DEFAULT_ROUNDS;
  let explicitRounds = false;
  if (scheme !== 'md5') {
    // glibc takes `rounds=` only when the digits run up to a '$'; otherwise
    // the text is part of the salt.
    const m = /^rounds=(\d+)\$/.exec(rest);
    if (m) {
      rounds = Math.min(Math.max(Number(m[1]), SHA_MIN_ROUNDS), SHA_MAX_ROUNDS);
      explicitRounds = true;
      rest = rest.slice(m[0].length);
    }
  }
  const end = rest.indexOf('$');
  const salt = (end < 0 ? rest : rest.slice(0, end)).slice(0, scheme === 'md5' ? 8 : 16);
  return { scheme, salt, rounds, explicitRounds };
}

function schemeOf(text: string): CryptScheme | undefined {
  if (text.startsWith('$1$')) return 'md5';
  if (text.startsWith('$5$')) return 'sha256';
  if (text.startsWith('$6$')) return 'sha512';
  return undefined;
}

/** The text crypt(3) prints before the digest for `s`, '$' included. */
function settingText(s: CryptSetting): string {
  const rounds = s.explicitRounds ? `rounds=${s.rounds}$` : '';
  return `${PREFIX[s.scheme]}${rounds}${s.salt}$`;
}

/**
 * Checks a stored hash once, at load: undefined when `verifyCrypt` can match
 * it, else why not. A hash whose setting crypt(3) would rewrite (rounds
 * outside 1000..999999999, an over-long salt) or whose digest has the wrong
 * length or alphabet can never compare equal.
 */
export function checkStoredHash(stored: string): HashProblem | undefined {
  const s = parseSetting(stored);
  if (s === undefined) {
    const other = OTHER_SCHEMES.find(([prefix]) => stored.startsWith(prefix));
    if (other) return { kind: 'unsupported', scheme: other[1] };
    if (/^[./0-9A-Za-z]{13}$/.test(stored)) return { kind: 'unsupported', scheme: 'traditional DES' };
    const m = /^\$([^$]*)\$/.exec(stored);
    if (m) return { kind: 'unsupported', scheme: `$${m[1]}$` };
    return { kind: 'invalid', reason: 'not a crypt(3) hash' };
  }
  const head = settingText(s);
  if (!stored.startsWith(head)) {
    return {
      kind: 'unmatchable',
      reason: `crypt(3) reads its setting as '${head}', which never yields this hash (rounds must be 1000-999999999, salts are at most ${s.scheme === 'md5' ? 8 : 16} characters)`,
    };
  }
  const digest = stored.slice(head.length);
  const n = DIGEST_CHARS[s.scheme];
  if (digest.length !== n || !/^[./0-9A-Za-z]+$/.test(digest))
    return { kind: 'unmatchable', reason: `expected ${n} characters of [./0-9A-Za-z] after '${head}'` };
  return undefined;
}

/** `n` base-64 characters of `w`, least significant six bits first. */
function to64(w: number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    out += B64[w & 0x3f];
    w >>>= 6;
  }
  return out;
}

/**
 * Encodes the digest `d` group by group: each group names 1 to 3 bytes,
 * taken as one big-endian number and written as that many plus one base-64
 * characters, least significant first.
 */
function encode(d: Buffer, groups: readonly (readonly number[])[]): string {
  let out = '';
  for (const g of groups) {
    let w = 0;
    for (const b of g) w = (w << 8) | d[b]!;
    out += to64(w, g.length + 1);
  }
  return out;
}

// Byte orders of the final encoding, as the algorithm descriptions list them.
const MD5_ORDER = [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5], [11]];
// biome-ignore format: one group of the description per entry
const SHA256_ORDER = [
  [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17],
  [18, 28, 8], [9, 19, 29], [31, 30],
];
// biome-ignore format: one group of the description per entry
const SHA512_ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7],
  [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35],
  [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41], [63],
];

/** `src` repeated to exactly `len` bytes. */
function stretch(src: Buffer, len: number): Buffer {
  const out = Buffer.allocUnsafe(len);
  for (let at = 0; at < len; at += src.length) src.copy(out, at, 0, Math.min(src.length, len - at));
  return out;
}

function md5Crypt(pw: Buffer, s: CryptSetting): string {
  const salt = Buffer.from(s.salt, 'latin1');
  const alt = createHash('md5').update(pw).update(salt).update(pw).digest();
  const a = createHash('md5').update(pw).update('$1$').update(salt).update(stretch(alt, pw.length));
  // One byte per bit of the password length: NUL for a 1 bit, the first password byte for a 0 bit.
  for (let n = pw.length; n > 0; n >>>= 1) a.update((n & 1) !== 0 ? Buffer.alloc(1) : pw.subarray(0, 1));
  let d = a.digest();
  for (let r = 0; r < 1000; r++) {
    const h = createHash('md5');
    h.update((r & 1) !== 0 ? pw : d);
    if (r % 3 !== 0) h.update(salt);
    if (r % 7 !== 0) h.update(pw);
    h.update((r & 1) !== 0 ? d : pw);
    d = h.digest();
  }
  return settingText(s) + encode(d, MD5_ORDER);
}

function shaCrypt(pw: Buffer, s: CryptSetting): string {
  const alg = s.scheme === 'sha256' ? 'sha256' : 'sha512';
  const salt = Buffer.from(s.salt, 'latin1');
  const b = createHash(alg).update(pw).update(salt).update(pw).digest();
  const a = createHash(alg).update(pw).update(salt).update(stretch(b, pw.length));
  for (let n = pw.length; n > 0; n >>>= 1) a.update((n & 1) !== 0 ? b : pw);
  const da = a.digest();
  const dp = createHash(alg);
  for (let i = 0; i < pw.length; i++) dp.update(pw);
  const p = stretch(dp.digest(), pw.length);
  const ds = createHash(alg);
  for (let i = 0; i < 16 + da[0]!; i++) ds.update(salt);
  const sseq = ds.digest().subarray(0, salt.length);
  let c = da;
  for (let r = 0; r < s.rounds; r++) {
    const h = createHash(alg);
    h.update((r & 1) !== 0 ? p : c);
    if (r % 3 !== 0) h.update(sseq);
    if (r % 7 !== 0) h.update(p);
    h.update((r & 1) !== 0 ? c : p);
    c = h.digest();
  }
  return settingText(s) + encode(c, s.scheme === 'sha256' ? SHA256_ORDER : SHA512_ORDER);
}

/**
 * crypt(3) for the implemented schemes: the full hash string of `password`
 * under the setting read from `setting` (a salt string or a stored hash),
 * or undefined when the scheme is not $1$, $5$ or $6$.
 */
export function crypt(password: Buffer, setting: string): string | undefined {
  const s = parseSetting(setting);
  if (s === undefined) return undefined;
  return s.scheme === 'md5' ? md5Crypt(password, s) : shaCrypt(password, s);
}

/** Constant-time equality of two byte strings (the length is not secret). */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether `password` hashes to `stored`, compared in constant time, as HAProxy's check_user(). */
export function verifyCrypt(password: Buffer, stored: string): boolean {
  const out = crypt(password, stored);
  return out !== undefined && sameBytes(Buffer.from(out, 'latin1'), Buffer.from(stored, 'latin1'));
}
