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
 *
 * Dated cookies (`maxidle`, `maxlife`; http_ana.c): an inserted value becomes
 * `SRV|LAST` or `SRV|LAST|FIRST`, each date a UNIX time in 4-second units as
 * five base64 characters (cookie-date.ts). A request's cookie older than
 * `maxlife` since FIRST ('O'), or idle longer than `maxidle` since LAST ('E'),
 * or dated more than a day ahead, is ignored; the response then refreshes LAST
 * (flag 'U' when the server did not change).
 */
import type { CookieConfig } from '../../config/haproxy/model.js';
import type { Clock } from '../../core/clock.js';
import type { Backend } from '../backend.js';
import type { Server } from '../server.js';
import { type CookieDates, cookieDates, dateSuffix } from './cookie-date.js';
import { serverCookieValue } from './cookie-dynamic.js';
import type { RequestHead, ResponseHead } from './head.js';
import { addHeader, removeHeaderAt } from './headers.js';

const byValue = new WeakMap<Backend, Map<string, Server>>();
const values = new WeakMap<Server, string | undefined>();

/** The server's cookie value: its `cookie`, else its dynamic one (cookie-dynamic.ts), else none. */
function cookieValueOf(srv: Server): string | undefined {
  if (values.has(srv)) return values.get(srv);
  const v = serverCookieValue(srv.backend.cfg, srv.cfg);
  values.set(srv, v);
  return v;
}

function serverFor(be: Backend, value: string): Server | undefined {
  let m = byValue.get(be);
  if (!m) {
    m = new Map();
    for (const s of be.servers) {
      const v = cookieValueOf(s);
      if (v !== undefined && !m.has(v)) m.set(v, s);
    }
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
   * D the server is down, I no server has this value, E expired (idle),
   * O too old.
   */
  readonly flag: 'N' | 'V' | 'D' | 'I' | 'E' | 'O';
}

/** What responseCookie() needs of the request: its cookie's dates and the clock to date the answer. */
interface RequestDates {
  readonly clock: Clock;
  last: number;
  first: number;
}

const requestDates = new WeakMap<RequestHead, RequestDates>();

const NONE: CookieVerdict = { server: undefined, flag: 'N' };

function verdictFor(srv: Server | undefined, be: Backend): CookieVerdict {
  if (!srv) return { server: undefined, flag: 'I' };
  return usable(srv, be) ? { server: srv, flag: 'V' } : { server: undefined, flag: 'D' };
}

/**
 * Reads the persistence cookie from the request's Cookie fields and rewrites
 * them for the server (prefix stripped; removed in insert+indirect mode).
 */
export function requestCookie(req: RequestHead, be: Backend, ck: CookieConfig, clock: Clock): CookieVerdict {
  let verdict = NONE;
  const dates: RequestDates = { clock, last: 0, first: 0 };
  requestDates.set(req, dates);
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
      verdict = datedVerdict(value, be, ck, dates);
      if (strip) changed = true;
      else kept.push(pair);
    }
    if (!changed) continue;
    if (kept.length === 0) removeHeaderAt(req, i);
    else req.headers[2 * i + 1] = kept.join('; ');
  }
  return verdict;
}

/** The verdict on a non-prefix cookie value `SRV[|LAST[|FIRST]]`, its dates kept in `dates`. */
function datedVerdict(value: string, be: Backend, ck: CookieConfig, dates: RequestDates): CookieVerdict {
  const bar = value.indexOf('|');
  if (bar < 0) {
    dates.last = 0;
    dates.first = 0;
    return verdictFor(serverFor(be, value), be);
  }
  const d: CookieDates = cookieDates(value, bar);
  const now = Math.floor(dates.clock.wallNow() / 1000);
  const maxlife = Math.floor(ck.maxlife / 1000);
  const maxidle = Math.floor(ck.maxidle / 1000);
  // A date more than a day ahead is a clock problem: the cookie is ignored, not kept forever.
  if (d.first > 0 && maxlife > 0 && (now - d.first > maxlife || d.first - now > 86400)) {
    dates.last = 0;
    dates.first = 0;
    return { server: undefined, flag: 'O' };
  }
  if (d.last > 0 && maxidle > 0 && (now - d.last > maxidle || d.last - now > 86400)) {
    dates.last = 0;
    dates.first = 0;
    return { server: undefined, flag: 'E' };
  }
  dates.last = d.last;
  dates.first = d.first;
  return verdictFor(serverFor(be, value.slice(0, bar)), be);
}

/** A down server's cookie is ignored, unless `option persist`. */
function usable(srv: Server, be: Backend): boolean {
  return srv.usable() || be.cfg.options.persist;
}

function cookieText(ck: CookieConfig, value: string, dates: RequestDates | undefined): string {
  let s = `${ck.name}=${value}`;
  if (dates && (ck.maxidle > 0 || ck.maxlife > 0)) {
    s += dateSuffix(Math.floor(dates.clock.wallNow() / 1000), ck.maxlife > 0, dates.first);
  }
  s += '; path=/';
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
): 'N' | 'I' | 'R' | 'D' | 'P' | 'U' {
  const value = srv && cookieValueOf(srv);
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
  const dates = requestDates.get(req);
  if ((direct && !needsRedating(ck, dates)) || value === undefined) return flag;
  if (ck.postonly && req.method !== 'POST') return flag;
  addHeader(resp, 'Set-Cookie', cookieText(ck, value, dates));
  if (ck.nocache) addHeader(resp, 'Cache-control', 'private');
  // http_ana.c: the same server with only the date refreshed is "updated".
  return direct ? 'U' : 'I';
}

/**
 * http_process_res_common(): a cookie that brought the client to its server
 * is sent again when its LAST date is due (`maxidle`, or any dated cookie),
 * when FIRST must be set (`maxlife`) or must be dropped (no `maxlife`).
 */
function needsRedating(ck: CookieConfig, d: RequestDates | undefined): boolean {
  if (!d) return false;
  const now = Math.floor(d.clock.wallNow() / 1000);
  if ((ck.maxidle > 0 || d.last > 0) && (d.last === 0 || d.last < now)) return true;
  return ck.maxlife > 0 ? d.first === 0 : d.first > 0;
}
