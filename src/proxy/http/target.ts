/**
 * request-target forms (RFC 9112 §3.2), checked as HAProxy's h1 parser does once
 * the head is complete (src/h1.c, end of `h1_headers_to_hdr_list()`):
 * origin-form for any method but CONNECT, asterisk-form "*" for OPTIONS only,
 * absolute-form "scheme://authority[path]" for any method but CONNECT, and
 * authority-form "host:port" for CONNECT only.
 */
import { authorityHasForbiddenChar } from './fields.js';
import { Method, type RequestHead } from './head.js';

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isSchemeChar(c: number): boolean {
  return isAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
}

/** Length of "scheme" when `t` starts with "scheme://" (RFC 3986 §3.1), else -1. */
function schemeLength(t: string): number {
  if (t.length === 0 || !isAlpha(t.charCodeAt(0))) return -1;
  let i = 1;
  while (i < t.length && isSchemeChar(t.charCodeAt(i))) i++;
  return t.startsWith('://', i) ? i : -1;
}

/**
 * Fills `form`, `scheme`, `authority` and `path` of `head` from `head.target`.
 * Returns the reason the target is refused, or '' when it is valid.
 */
export function classifyTarget(head: RequestHead): string {
  const t = head.target;
  const isConnect = head.methodId === Method.CONNECT;
  const first = t.charCodeAt(0);
  if (first === 0x2f) {
    if (isConnect) return 'CONNECT requires an authority-form target';
    head.form = 'origin';
    head.path = t;
    return '';
  }
  if (first === 0x2a) {
    if (t.length !== 1) return 'invalid request-target';
    if (head.methodId !== Method.OPTIONS) return 'asterisk-form target is only valid for OPTIONS';
    head.form = 'asterisk';
    head.path = '*';
    return '';
  }
  const sl = schemeLength(t);
  if (sl < 0) {
    if (!isConnect) return 'authority-form target is only valid for CONNECT';
    if (authorityHasForbiddenChar(t)) return 'invalid character in CONNECT authority';
    head.form = 'authority';
    head.authority = t;
    return '';
  }
  if (isConnect) return 'CONNECT requires an authority-form target';
  return absoluteForm(head, t, sl);
}

function absoluteForm(head: RequestHead, t: string, sl: number): string {
  const scheme = t.slice(0, sl).toLowerCase();
  const aStart = sl + 3;
  let aEnd = aStart;
  while (aEnd < t.length) {
    const c = t.charCodeAt(aEnd);
    if (c === 0x2f || c === 0x3f) break;
    aEnd++;
  }
  const authority = t.slice(aStart, aEnd);
  // RFC 9110 §4.2.4: userinfo in an http(s) URI is to be treated as an error;
  // HAProxy's character check (which also refuses '@') covers it.
  if (authorityHasForbiddenChar(authority)) return 'invalid character in target authority';
  // RFC 9110 §4.2.1: an http URI with an empty host must be rejected as invalid.
  if (authority.length === 0 && (scheme === 'http' || scheme === 'https')) return 'empty authority in target';
  let path = t.slice(aEnd);
  // RFC 9112 §3.2.1 and §3.2.4: an empty path is "/" ("*" for OPTIONS).
  if (path.length === 0) path = head.methodId === Method.OPTIONS ? '*' : '/';
  else if (path.charCodeAt(0) === 0x3f) path = '/' + path;
  head.form = 'absolute';
  head.scheme = scheme;
  head.authority = authority;
  head.path = path;
  return '';
}
