/**
 * Walks the parts of an HTTP head the L7 fetches read: comma-separated header
 * values, cookies, URL parameters, the path. Each function follows the
 * HAProxy routine named in its comment, quirks included, so that `hdr()`,
 * `cook()` and `url_param()` see exactly the values HAProxy would.
 * Iterators call `visit` until it returns true (the ACL matched).
 */
import type { MessageHead } from '../http/head.js';

export type Visit = (value: string) => boolean;

const isLws = (c: number) => c === 0x20 || c === 0x09;

/** Trims spaces and tabs on both sides of s[from, to). */
function trimmed(s: string, from: number, to: number): string {
  let a = from;
  let b = to;
  while (a < b && isLws(s.charCodeAt(a))) a++;
  while (b > a && isLws(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

/** End of one list element: the next comma outside a quoted-string (http_find_hdr_value_end()). */
function valueEnd(s: string, from: number): number {
  let quoted = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') return i;
  }
  return s.length;
}

/**
 * Visits the values of the fields named `lname` (every field when ''), in
 * order. With `split`, each comma-separated element is a value, empty ones
 * included ("a,,b" has three), trimmed of spaces (__http_find_header());
 * without, the whole field value is (`req.fhdr`).
 */
export function eachHeaderValue(head: MessageHead, lname: string, split: boolean, visit: Visit): boolean {
  const { names, headers } = head;
  for (let i = 0; i < names.length; i++) {
    if (lname !== '' && names[i] !== lname) continue;
    const v = headers[2 * i + 1]!;
    if (!split) {
      if (visit(trimmed(v, 0, v.length))) return true;
      continue;
    }
    for (let at = 0; ; ) {
      const end = valueEnd(v, at);
      if (visit(trimmed(v, at, end))) return true;
      if (end >= v.length) break;
      at = end + 1;
    }
  }
  return false;
}

/** Header occurrences beyond this many from the end are not found (MAX_HDR_HISTORY). */
export const MAX_HDR_HISTORY = 10;

/**
 * One value by occurrence (http_get_htx_hdr()): `occ` > 0 counts from the
 * first, < 0 from the last (at most MAX_HDR_HISTORY back), 0 is the last.
 */
export function headerOccurrence(
  head: MessageHead,
  lname: string,
  split: boolean,
  occ: number,
): string | undefined {
  if (occ > 0) {
    let n = 0;
    let found: string | undefined;
    eachHeaderValue(head, lname, split, (v) => {
      if (++n < occ) return false;
      found = v;
      return true;
    });
    return found;
  }
  const back = occ === 0 ? 1 : -occ;
  if (back > MAX_HDR_HISTORY) return undefined;
  const values: string[] = [];
  eachHeaderValue(head, lname, split, (v) => {
    values.push(v);
    return false;
  });
  return values[values.length - back];
}

export function countHeaderValues(head: MessageHead, lname: string, split: boolean): number {
  let n = 0;
  eachHeaderValue(head, lname, split, () => {
    n++;
    return false;
  });
  return n;
}

/** End of a cookie value: ';' or ',' outside a quoted-string (http_find_cookie_value_end()). */
function cookieValueEnd(s: string, from: number): number {
  let quoted = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === ';') return i;
  }
  return s.length;
}

/**
 * Visits the cookies named `name` (every cookie when '') in one header
 * value, following http_extract_cookie_value(): names are exact and
 * case-sensitive, spaces around names and values are ignored, `$`
 * attributes and parts without '=' are skipped. In a Set-Cookie value
 * (`list` false) only the first name=value pair is a cookie.
 */
function eachCookieIn(v: string, name: string, list: boolean, visit: Visit): boolean {
  for (let att = 0; att + name.length + 1 < v.length; ) {
    while (att < v.length && isLws(v.charCodeAt(att))) att++;
    let eq = att;
    let attEnd = att;
    while (eq < v.length) {
      const c = v[eq];
      if (c === '=' || c === ';' || (list && c === ',')) break;
      if (!isLws(v.charCodeAt(eq++))) attEnd = eq;
    }
    let next = eq;
    let value: string | undefined;
    if (eq < v.length && v[eq] === '=') {
      let vb = eq + 1;
      while (vb < v.length && isLws(v.charCodeAt(vb))) vb++;
      next = cookieValueEnd(v, vb);
      let ve = next;
      while (ve > vb && isLws(v.charCodeAt(ve - 1))) ve--;
      value = v.slice(vb, ve);
    }
    if (v[att] !== '$' && value !== undefined) {
      if (name === '' || v.slice(att, attEnd) === name) {
        if (visit(value)) return true;
      } else if (!list) {
        return false;
      }
    }
    att = next + 1;
  }
  return false;
}

/** Visits request cookies (Cookie) or response cookies (Set-Cookie) named `name`, in order. */
export function eachCookie(head: MessageHead, response: boolean, name: string, visit: Visit): boolean {
  return eachHeaderValue(head, response ? 'set-cookie' : 'cookie', true, (v) =>
    v.length < name.length + 1 ? false : eachCookieIn(v, name, !response, visit),
  );
}

const isParamDelim = (c: string | undefined, delim: string) => c === '&' || c === ';' || c === delim;

/**
 * Visits the values of URL parameter `name` (every parameter when ''),
 * following http_find_next_url_param(): the list starts after the first
 * `delim` ('?' by default) of the URI, parameters end at '&', ';' or
 * `delim`, values are not decoded. With no name, the value is what follows
 * the next '='.
 */
export function eachUrlParam(
  uri: string,
  name: string,
  delim: string,
  icase: boolean,
  visit: Visit,
): boolean {
  const q = uri.indexOf(delim);
  if (q < 0) return false;
  const want = icase ? name.toLowerCase() : name;
  let pos = q + 1;
  while (pos < uri.length) {
    let vstart: number;
    if (name === '') {
      const eq = uri.indexOf('=', pos);
      if (eq < 0) return false;
      vstart = eq + 1;
    } else {
      const at = findParam(uri, pos, want, delim, icase);
      if (at < 0) return false;
      vstart = at + name.length + 1;
    }
    let vend = vstart;
    while (vend < uri.length && !isParamDelim(uri[vend], delim)) vend++;
    if (visit(uri.slice(vstart, vend))) return true;
    pos = vend;
  }
  return false;
}

/** Position of the next `name=` at a parameter start (http_find_url_param_pos()), or -1. */
function findParam(uri: string, from: number, name: string, delim: string, icase: boolean): number {
  let pos = from;
  while (pos < uri.length) {
    const eq = pos + name.length;
    if (eq >= uri.length) return -1;
    if (uri[eq] === '=') {
      const candidate = uri.slice(pos, eq);
      if ((icase ? candidate.toLowerCase() : candidate) === name) return pos;
      pos = eq + 1;
    }
    while (pos < uri.length && !isParamDelim(uri[pos], delim)) pos++;
    pos++;
  }
  return -1;
}

/**
 * The path part of a request-target as http_parse_path() finds it: the
 * origin-form target itself; in an absolute URI what follows the authority
 * (nothing when it ends there); none for `*` and authority-form targets.
 * The query string is still attached.
 */
export function uriPath(target: string): string | undefined {
  if (target.startsWith('/')) return target;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(target);
  if (!scheme) return undefined;
  let i = scheme[0].length;
  while (i < target.length && target[i] !== '/' && target[i] !== '?' && target[i] !== '#') i++;
  return i < target.length ? target.slice(i) : undefined;
}
