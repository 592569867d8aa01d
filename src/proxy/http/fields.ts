/**
 * Interpreters for the header fields that decide framing and routing:
 * Content-Length, Transfer-Encoding, Connection, Host/authority. Each follows the
 * function of HAProxy's h1 parser cited on it, so that hapair accepts and refuses
 * the same messages.
 */
import { AUTH_BAD, CLASS, COMMA, eqLower, HT, SP } from './chars.js';
import { CONN_CLOSE, CONN_KEEP_ALIVE, CONN_UPGRADE } from './head.js';

export const CL_INVALID = -1;
export const CL_CONFLICT = -2;
export const CL_TOO_LARGE = -3;

function isLws(c: number): boolean {
  return c === SP || c === HT;
}

/**
 * Parses a Content-Length value, which may be a comma-separated list of identical
 * values (RFC 9110 §8.6 allows a recipient to accept "42, 42" as 42), as HAProxy's
 * `http_parse_cont_len_header()` does: digits only (no sign, no "_", no blank
 * inside a number), no empty element, every value equal to `prev` when `prev >= 0`
 * (an earlier Content-Length field). Values above 2^53-1 are refused where HAProxy
 * takes 64 bits: a JS number is exact only up to there.
 * Returns the length, or CL_INVALID / CL_CONFLICT / CL_TOO_LARGE.
 */
export function parseContentLength(value: string, prev: number): number {
  const n = value.length;
  let i = 0;
  let result = prev;
  for (;;) {
    while (i < n && isLws(value.charCodeAt(i))) i++;
    if (i >= n) return CL_INVALID;
    const start = i;
    let cl = 0;
    while (i < n) {
      const d = value.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      if (cl > (Number.MAX_SAFE_INTEGER - d) / 10) return CL_TOO_LARGE;
      cl = cl * 10 + d;
      i++;
    }
    if (i === start) return CL_INVALID;
    while (i < n && isLws(value.charCodeAt(i))) i++;
    if (i < n && value.charCodeAt(i) !== COMMA) return CL_INVALID;
    if (result >= 0 && cl !== result) return CL_CONFLICT;
    result = cl;
    if (i >= n) return result;
    i++;
  }
}

/** Transfer-Encoding state bits, accumulated over every Transfer-Encoding field. */
export const TE_PRESENT = 1;
/** "chunked" was seen. */
export const TE_CHUNKED = 2;
/** The last coding seen so far is "chunked". */
export const TE_LAST_CHUNKED = 4;
/** A coding other than "chunked" was seen. */
export const TE_OTHER = 8;

export const TE_ERR_SYNTAX = -1;
export const TE_ERR_TWICE = -2;
export const TE_ERR_AFTER_CHUNKED = -3;

/**
 * Adds one Transfer-Encoding field value to `state`, following HAProxy's
 * `h1_parse_xfer_enc_header()`: an empty value or an empty list element is an
 * error, "chunked" twice is an error (RFC 9112 §7.1: chunked must not be applied
 * twice), and in a request any coding after "chunked" is an error (RFC 9112 §6.1:
 * chunked must be the final coding of a request). Codings are case-insensitive.
 * Returns the new state, or a TE_ERR_* code.
 */
export function addTransferEncoding(state: number, value: string, isRequest: boolean): number {
  const n = value.length;
  if (n === 0) return TE_ERR_SYNTAX;
  let s = state | TE_PRESENT;
  let i = 0;
  for (;;) {
    while (i < n && isLws(value.charCodeAt(i))) i++;
    let j = value.indexOf(',', i);
    if (j < 0) j = n;
    let e = j;
    while (e > i && isLws(value.charCodeAt(e - 1))) e--;
    if (e === i) return TE_ERR_SYNTAX;
    const word = value.slice(i, e);
    if (eqLower(word, 'chunked')) {
      if (s & TE_CHUNKED) return TE_ERR_TWICE;
      s |= TE_CHUNKED | TE_LAST_CHUNKED;
    } else {
      if (isRequest && s & TE_CHUNKED) return TE_ERR_AFTER_CHUNKED;
      s = (s | TE_OTHER) & ~TE_LAST_CHUNKED;
    }
    if (j >= n) return s;
    i = j + 1;
    if (i >= n) return TE_ERR_SYNTAX;
  }
}

/**
 * CONN_* bits (head.ts) for the "close", "keep-alive" and "upgrade" tokens of a
 * Connection value, case-insensitive (HAProxy's `h1_parse_connection_header()`).
 */
export function connectionTokens(value: string): number {
  let bits = 0;
  const n = value.length;
  let i = 0;
  while (i < n) {
    while (i < n && (isLws(value.charCodeAt(i)) || value.charCodeAt(i) === COMMA)) i++;
    let j = value.indexOf(',', i);
    if (j < 0) j = n;
    let e = j;
    while (e > i && isLws(value.charCodeAt(e - 1))) e--;
    const len = e - i;
    if (len === 5 || len === 7 || len === 10) {
      const word = value.slice(i, e);
      if (eqLower(word, 'close')) bits |= CONN_CLOSE;
      else if (eqLower(word, 'upgrade')) bits |= CONN_UPGRADE;
      else if (eqLower(word, 'keep-alive')) bits |= CONN_KEEP_ALIVE;
    }
    i = j + 1;
  }
  return bits;
}

/**
 * HAProxy's `http_authority_has_forbidden_char()`: no CTL, SP, non-ASCII, ',',
 * '#', '/', '?', '@', '\' in an authority or Host value; '[' only first and ']'
 * only last or before ':' (IP-literal), and balanced.
 */
export function authorityHasForbiddenChar(s: string): boolean {
  const n = s.length;
  let brackets = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || CLASS[c]! & AUTH_BAD) {
      if ((c === 0x5b && i === 0) || (c === 0x5d && (i === n - 1 || s.charCodeAt(i + 1) === 0x3a))) {
        brackets ^= 1;
      } else {
        return true;
      }
    }
  }
  return brackets !== 0;
}

/**
 * The port of a host[:port] string (HAProxy's `http_get_host_port()`): null
 * when there is no ':' followed only by digits up to the end, '' for "host:".
 */
export function hostPort(s: string): string | null {
  let i = s.length;
  while (i > 0) {
    const c = s.charCodeAt(i - 1);
    if (c < 0x30 || c > 0x39) break;
    i--;
  }
  if (i === 0 || s.charCodeAt(i - 1) !== 0x3a) return null;
  return s.slice(i);
}

function isDefaultPort(scheme: string, port: string): boolean {
  if (port === '') return true;
  if (scheme === '') return port === '443' || port === '80';
  return (port === '443' && scheme === 'https') || (port === '80' && scheme === 'http');
}

function stripPort(s: string, port: string | null): string {
  return port === null ? s : s.slice(0, s.length - port.length - 1);
}

/**
 * For an absolute-form target: does Host designate the same authority?
 * Equal ignoring case, or equal once a default port of the scheme is dropped on
 * one side (HAProxy's `h1_validate_mismatch_authority()`).
 */
export function hostMatchesAuthority(scheme: string, authority: string, host: string): boolean {
  if (authority.toLowerCase() === host.toLowerCase()) return true;
  const uriPort = hostPort(authority);
  const hdrPort = hostPort(host);
  if (uriPort === null && hdrPort === null) return false;
  if (uriPort !== null && !isDefaultPort(scheme, uriPort)) return false;
  if (hdrPort !== null && !isDefaultPort(scheme, hdrPort)) return false;
  return stripPort(authority, uriPort).toLowerCase() === stripPort(host, hdrPort).toLowerCase();
}

/**
 * CONNECT (HAProxy's `h1_validate_connect_authority()`): the target must be
 * host:port with a non-empty port (RFC 9112 §3.2.3), and a Host field, when
 * present, must name the same host and port (the port may be omitted in Host
 * only when it is 80 or 443). Returns 'ok', 'bad-target' or 'bad-host'.
 */
export function checkConnectAuthority(
  authority: string,
  host: string | null,
): 'ok' | 'bad-target' | 'bad-host' {
  const uriPort = hostPort(authority);
  if (uriPort === null || uriPort === '') return 'bad-target';
  if (host === null) return 'ok';
  const uriHost = stripPort(authority, uriPort).toLowerCase();
  const hdrPort = hostPort(host);
  const hdrHost = stripPort(host, hdrPort).toLowerCase();
  if (hdrPort !== null && hdrPort !== '') {
    return hdrHost === uriHost && hdrPort === uriPort ? 'ok' : 'bad-host';
  }
  return isDefaultPort('', uriPort) && hdrHost === uriHost ? 'ok' : 'bad-host';
}
