/**
 * The dates of a persistence cookie (`cookie … maxidle|maxlife`, http_ana.c):
 * `SRV|LAST|FIRST`, each date a UNIX time divided by 4 (30 bits), written as
 * five characters of the standard base64 alphabet, most significant first,
 * unpadded (base64.c s30tob64 / b64tos30).
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const REVERSE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) REVERSE[ALPHABET.charCodeAt(i)] = i;

/** The low 30 bits of `n` as five base64 characters. */
export function s30ToB64(n: number): string {
  let out = '';
  for (let shift = 24; shift >= 0; shift -= 6) out += ALPHABET[(n >>> shift) & 0x3f];
  return out;
}

/** The 30-bit value of five base64 characters at `text[at]`, or -1 if one is not base64. */
export function b64ToS30(text: string, at: number): number {
  let out = 0;
  for (let i = at; i < at + 5; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? REVERSE[c]! : -1;
    if (v < 0) return -1;
    out = out * 64 + v;
  }
  return out;
}

/** Seconds since the epoch (multiples of 4), 0 when absent or unreadable. */
export interface CookieDates {
  readonly last: number;
  readonly first: number;
}

/**
 * Reads the dates after the first '|' (at `bar`) of a cookie value, as
 * http_ana.c does: LAST needs five characters after the bar, FIRST a second
 * bar followed by five characters; a date that does not decode to a positive
 * number is ignored.
 */
export function cookieDates(value: string, bar: number): CookieDates {
  let last = 0;
  let first = 0;
  const from = bar + 1;
  if (value.length - from >= 5) {
    const v = b64ToS30(value, from);
    if (v > 0) last = v * 4;
  }
  const bar2 = value.indexOf('|', from);
  if (bar2 >= 0 && value.length - bar2 > 5) {
    const v = b64ToS30(value, bar2 + 1);
    if (v > 0) first = v * 4;
  }
  return { last, first };
}

/**
 * The `|LAST` (and `|FIRST` with `maxlife`) suffix of a cookie inserted at
 * `now` (seconds): LAST is now rounded up to 4 s, FIRST the request's own
 * first date when it had one, else the same as LAST.
 */
export function dateSuffix(now: number, withFirst: boolean, first: number): string {
  const stamp = s30ToB64(Math.floor((now + 3) / 4));
  if (!withFirst) return `|${stamp}`;
  return `|${stamp}|${first > 0 ? s30ToB64(Math.floor(first / 4)) : stamp}`;
}
