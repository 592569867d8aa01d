/**
 * Byte classes of HTTP/1 syntax, one table lookup per byte on the hot path
 * (the same idea as HAProxy's `http_char_classes[]` in src/http.c).
 *
 * - TOKEN  tchar of RFC 9110 §5.6.2: method names, header names, transfer codings.
 * - TARGET bytes allowed in a request-target: 0x21..0x7E except '#' (HAProxy's
 *          h1 parser rejects CTL, SP, '#' and anything above 0x7E, doc/configuration.txt
 *          "option accept-unsafe-violations-in-http-request").
 * - VALUE  field-content of RFC 9110 §5.5 plus SP/HTAB: VCHAR, obs-text, SP, HTAB.
 *          NUL, CR, LF, the other CTLs and DEL are not in it.
 * - VERSION letters A-Z, digits, '.' and '/' (HAProxy's HTTP_FLG_VER).
 * - AUTH_BAD bytes HAProxy refuses in an authority or a Host value
 *          (`http_authority_has_forbidden_char()` in include/haproxy/http.h).
 */

export const TOKEN = 1;
export const TARGET = 2;
export const VALUE = 4;
export const VERSION = 8;
export const AUTH_BAD = 16;

export const HT = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const SP = 0x20;
export const COLON = 0x3a;
export const SEMICOLON = 0x3b;
export const COMMA = 0x2c;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;

function buildClasses(): Uint8Array {
  const t = new Uint8Array(256);
  const tchar = "!#$%&'*+-.^_`|~";
  for (let c = 0x30; c <= 0x39; c++) t[c]! |= TOKEN | VERSION;
  for (let c = 0x41; c <= 0x5a; c++) t[c]! |= TOKEN | VERSION;
  for (let c = 0x61; c <= 0x7a; c++) t[c]! |= TOKEN;
  for (const ch of tchar) t[ch.charCodeAt(0)]! |= TOKEN;
  t[0x2e]! |= VERSION;
  t[0x2f]! |= VERSION;
  for (let c = 0x21; c <= 0x7e; c++) if (c !== 0x23) t[c]! |= TARGET;
  t[HT]! |= VALUE;
  for (let c = 0x20; c <= 0x7e; c++) t[c]! |= VALUE;
  for (let c = 0x80; c <= 0xff; c++) t[c]! |= VALUE;
  for (let c = 0; c <= 0x20; c++) t[c]! |= AUTH_BAD;
  for (let c = 0x7f; c <= 0xff; c++) t[c]! |= AUTH_BAD;
  for (const ch of ',#/?@[\\]') t[ch.charCodeAt(0)]! |= AUTH_BAD;
  return t;
}

export const CLASS: Uint8Array = buildClasses();

/** Hex digit values, -1 for any other byte. */
export const HEX: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let c = 0; c < 10; c++) t[0x30 + c] = c;
  for (let c = 0; c < 6; c++) {
    t[0x41 + c] = 10 + c;
    t[0x61 + c] = 10 + c;
  }
  return t;
})();

/** True when every char of `s` is a tchar (and `s` is not empty). */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || (CLASS[c]! & TOKEN) === 0) return false;
  }
  return true;
}

/**
 * True when `s` may be sent as a field value: only VALUE bytes (so no CR, LF, NUL
 * or other CTL: no header injection), no leading or trailing SP/HTAB, and only
 * chars that latin1 encodes to themselves.
 */
export function isFieldValue(s: string): boolean {
  const n = s.length;
  if (n === 0) return true;
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(n - 1);
  if (first === SP || first === HT || last === SP || last === HT) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || (CLASS[c]! & VALUE) === 0) return false;
  }
  return true;
}

/** ASCII case-insensitive equality with an already lower-case `lower`. */
export function eqLower(s: string, lower: string): boolean {
  if (s.length !== lower.length) return false;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}
