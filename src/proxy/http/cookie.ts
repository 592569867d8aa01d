/**
 * Cookie-based persistence (configuration.txt 4 "cookie", 5.2 "cookie"):
 * the request's cookie names the server (its `cookie` value) that must serve
 * it; the response carries the cookie that makes the next request come back.
 *
 * - insert: the proxy adds `Set-Cookie: NAME=<server>; path=/` when the server
 *   was not reached through the cookie. With `indirect` the request's cookie
 *   is removed before the server sees it, and a server's own cookie of that
 *   name is removed from the response unless `preserve`. `nocache` adds
 *   `Cache-control: private`, `postonly` inserts on POST responses only.
 * - rewrite: the server's own `Set-Cookie: NAME=…` gets the server's value.
 * - prefix: the server's `Set-Cookie: NAME=v` becomes `NAME=<server>~v`, and the
 *   request's `NAME=<server>~v` reaches the server as `NAME=v`.
 * - passive: the cookie is only read.
 * A cookie naming a server that is down is ignored, unless `option persist`
 * (the request then still goes to it); the new server's cookie is then sent.
 * Attributes follow HAProxy's order: path, domain, HttpOnly, Secure.
 */
import type { CookieConfig } from '../../config/haproxy/model.js';
import type { Backend } from '../backend.js';
import type { Server } from '../server.js';
import type { RequestHead, ResponseHead } from './head.js';
import { addHeader, removeHeaderAt } from './headers.js';

const byValue = new WeakMap<Backend, Map<string, Server>>();

function serverFor(be: Backend, value: string): Server | undefined {
  let m = byValue.get(be);
  if (!m) {
    m = new Map();
    for (const s of be.servers)
      if (s.cfg.cookie !== undefined && !m.has(s.cfg.cookie)) m.set(s.cfg.cookie, s);
    byValue.set(be, m);
  }
  return m.get(value);
}

/** What the request's cookie decided. */
export interface CookieVerdict {
  /** The server named by a valid cookie (to force), or undefined (load balancing). */
  readonly server: Server | undefined;
  /**
   * The log's cookie flag (configuration.txt 8.5): N no cookie, V valid,
   * D the server is down, I no server has this value.
   */
  readonly flag: 'N' | 'V' | 'D' | 'I';
}

const NONE: CookieVerdict = { server: undefined, flag: 'N' };

function verdictFor(srv: Server | undefined, be: Backend): CookieVerdict {
  if (!srv) return { server: undefined, flag: 'I' };
  return usable(srv, be) ? { server: srv, flag: 'V' } : { server: undefined, flag: 'D' };
}

/**
 * Reads the persistence cookie from the request's Cookie fields and rewrites
 * them for the server (prefix stripped; removed in insert+indirect mode).
 */
export function requestCookie(req: RequestHead, be: Backend, ck: CookieConfig): CookieVerdict {
  let verdict = NONE;
  const strip = ck.mode === 'insert' && ck.indirect;
  for (let i = req.names.length - 1; i >= 0; i--) {
    if (req.names[i] !== 'cookie') continue;
    const pairs = req.headers[2 * i + 1]!.split(';');
    let changed = false;
    const kept: string[] = [];
    for (const raw of pairs) {
      const pair = raw.trim();
      const eq = pair.indexOf('=');
      if (eq < 0 || pair.slice(0, eq).trim() !== ck.name) {
        if (pair !== '') kept.push(pair);
        continue;
      }
      let value = pair.slice(eq + 1).trim();
      if (ck.mode === 'prefix') {
        const tilde = value.indexOf('~');
        if (tilde < 0) {
          kept.push(pair);
          continue;
        }
        verdict = verdictFor(serverFor(be, value.slice(0, tilde)), be);
        value = value.slice(tilde + 1);
        kept.push(`${ck.name}=${value}`);
        changed = true;
        continue;
      }
      verdict = verdictFor(serverFor(be, value.split('|')[0]!), be);
      if (strip) changed = true;
      else kept.push(pair);
    }
    if (!changed) continue;
    if (kept.length === 0) removeHeaderAt(req, i);
    else req.headers[2 * i + 1] = kept.join('; ');
  }
  return verdict;
}

/** A down server's cookie is ignored, unless `option persist`. */
function usable(srv: Server, be: Backend): boolean {
  return srv.usable() || be.cfg.options.persist;
}

function cookieText(ck: CookieConfig, value: string): string {
  let s = `${ck.name}=${value}; path=/`;
  if (ck.domains.length > 0) s += `; domain=${ck.domains[0]}`;
  if (ck.httponly) s += '; HttpOnly';
  if (ck.secure) s += '; Secure';
  return s;
}

/** Index of the first Set-Cookie field setting `name`, from `from`, or -1. */
function findSetCookie(resp: ResponseHead, name: string, from = 0): number {
  for (let i = from; i < resp.names.length; i++) {
    if (resp.names[i] !== 'set-cookie') continue;
    const v = resp.headers[2 * i + 1]!;
    const eq = v.indexOf('=');
    if (eq > 0 && v.slice(0, eq).trim() === name) return i;
  }
  return -1;
}

/**
 * Applies the cookie mode to a response from `srv`; `direct` when the request
 * reached it through its cookie. Returns the log's Set-Cookie flag
 * (configuration.txt 8.5): N none, I inserted, R rewritten, D deleted, P
 * provided by the server and kept.
 */
export function responseCookie(
  resp: ResponseHead,
  req: RequestHead,
  ck: CookieConfig,
  srv: Server | undefined,
  direct: boolean,
): 'N' | 'I' | 'R' | 'D' | 'P' {
  const value = srv?.cfg.cookie;
  if (ck.mode === 'rewrite' || ck.mode === 'prefix') {
    if (value === undefined || findSetCookie(resp, ck.name) < 0) return 'N';
    for (let i = findSetCookie(resp, ck.name); i >= 0; i = findSetCookie(resp, ck.name, i + 1)) {
      const v = resp.headers[2 * i + 1]!;
      const eq = v.indexOf('=');
      const semi = v.indexOf(';', eq);
      const own = semi < 0 ? v.slice(eq + 1) : v.slice(eq + 1, semi);
      const next = ck.mode === 'rewrite' ? value : `${value}~${own.trim()}`;
      resp.headers[2 * i + 1] = `${ck.name}=${next}${semi < 0 ? '' : v.slice(semi)}`;
    }
    return 'R';
  }
  if (ck.mode !== 'insert') return 'N';
  const serverSet = findSetCookie(resp, ck.name) >= 0;
  if (serverSet && ck.preserve) return 'P';
  let flag: 'N' | 'D' = 'N';
  if (serverSet && ck.indirect) {
    for (let i = findSetCookie(resp, ck.name); i >= 0; i = findSetCookie(resp, ck.name, i)) {
      removeHeaderAt(resp, i);
    }
    flag = 'D';
  }
  if (direct || value === undefined) return flag;
  if (ck.postonly && req.method !== 'POST') return flag;
  addHeader(resp, 'Set-Cookie', cookieText(ck, value));
  if (ck.nocache) addHeader(resp, 'Cache-control', 'private');
  return 'I';
}
