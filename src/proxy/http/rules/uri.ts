/**
 * Reading and rewriting the request-target for `set-path`, `set-query`,
 * `set-uri` and friends (configuration.txt 4.3 "http-request"). The head keeps
 * the target as received plus `path` (path and query, '/' for an empty
 * absolute-form path); an absolute-form target keeps its scheme and
 * authority when only the path or query changes, as HAProxy does.
 */
import type { RequestHead } from '../head.js';

/** Path and query of the target (origin-form: the target itself). */
export function pathAndQuery(req: RequestHead): string {
  return req.form === 'origin' ? req.target : req.path;
}

/** The path without the query string. */
export function pathOnly(req: RequestHead): string {
  const pq = pathAndQuery(req);
  const q = pq.indexOf('?');
  return q < 0 ? pq : pq.slice(0, q);
}

/** The query string without '?', or undefined when there is no '?'. */
export function queryOf(req: RequestHead): string | undefined {
  const pq = pathAndQuery(req);
  const q = pq.indexOf('?');
  return q < 0 ? undefined : pq.slice(q + 1);
}

/** Replaces path and query, keeping an absolute-form target's scheme and authority. */
export function setPathAndQuery(req: RequestHead, pq: string): void {
  if (req.form === 'absolute') {
    req.target = `${req.scheme}://${req.authority}${pq}`;
    req.path = pq === '' ? '/' : pq;
  } else if (req.form === 'origin') {
    req.target = pq;
    req.path = pq;
  }
  // authority-form (CONNECT) and asterisk-form have no path to rewrite.
}

/** `set-path`: the new path, the query string kept. */
export function setPath(req: RequestHead, path: string): void {
  const q = queryOf(req);
  setPathAndQuery(req, q === undefined ? path : `${path}?${q}`);
}

/** `set-query`: the new query; an empty one leaves a bare '?' as HAProxy's http_replace_req_query(). */
export function setQuery(req: RequestHead, query: string): void {
  const path = pathOnly(req);
  setPathAndQuery(req, `${path}?${query}`);
}

/**
 * `set-uri`: the whole target. An absolute URI switches to absolute-form
 * (scheme and authority parsed from it), anything else is origin-form.
 */
export function setUri(req: RequestHead, uri: string): void {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(uri);
  if (m) {
    req.form = 'absolute';
    req.scheme = m[1]!.toLowerCase();
    req.authority = m[2]!;
    req.target = uri;
    req.path = m[3] === '' ? '/' : m[3]!;
    return;
  }
  if (req.form === 'absolute') {
    req.form = 'origin';
    req.scheme = '';
    req.authority = '';
  }
  req.target = uri;
  req.path = uri;
}

/** A target is sent only if it has no byte a request line cannot carry. */
export function isValidTarget(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c > 0xff) return false;
  }
  return true;
}
