/**
 * The statistics page of a proxy with `stats enable` / `stats uri`
 * (configuration.txt 4.2 "stats …", HAProxy 2.6 http_ana.c
 * http_handle_stats and stats.c): basic authentication with `stats auth` and
 * `stats realm`, options read after the URI prefix (`;up`, `;no-maint`,
 * `;norefresh`, `;csv`, `;typed`, `;json`, `;st=CODE`, `scope=`), the
 * `Refresh` header of `stats refresh`, and the admin form's POST answered
 * with a 303 back to the page. A pure function of the request and the
 * context: the HTTP layer decides the URI matches (statsUriMatches) and
 * evaluates `stats admin`'s condition, then serves what this returns.
 */
import { timingSafeEqual } from 'node:crypto';
import type { StatsConfig } from '../config/haproxy/model.js';
import type { StatRow } from '../proxy/stat-fields.js';
import type { InfoFields } from './info.js';
import { filterRows, type StatQuery } from './stat-filter.js';
import { type AdminStatus, applyAdminForm } from './stats-admin.js';
import { renderStatCsv } from './stats-csv.js';
import { renderStatsHtml } from './stats-html.js';
import { renderStatJson } from './stats-json.js';
import { renderStatTyped } from './stats-typed.js';
import type { ProxyControl, VrrpView } from './types.js';

export interface StatsRequest {
  readonly method: string;
  /** Path and query as received; the URI prefix may contain a `?` (`/haproxy?stats`). */
  readonly path: string;
  readonly query: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  readonly src: string;
}

export interface StatsResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface StatsPageContext {
  readonly stats: StatsConfig;
  /** The proxy serving the page (`stats scope .`). */
  readonly proxy: string;
  readonly control: ProxyControl;
  readonly vrrp: readonly VrrpView[];
  readonly info: InfoFields;
  /** Result of `stats admin if|unless COND` for this request, evaluated by the HTTP layer. */
  readonly admin: boolean;
  /** Master-worker: each change the admin form made, as the runtime API command the other workers run. */
  readonly replicate?: (command: readonly string[]) => void;
}

/** HAProxy's STATS_DEFAULT_REALM. */
const DEFAULT_REALM = 'HAProxy Statistics';

const UNAUTHORIZED_BODY =
  '<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n';

/** The request target as HAProxy compares it with `stats uri`. */
function requestUri(req: StatsRequest): string {
  return req.query ? `${req.path}?${req.query}` : req.path;
}

/** True when the request is for this proxy's statistics page (prefix match, http_stats_check_uri). */
export function statsUriMatches(stats: StatsConfig, path: string, query: string): boolean {
  return stats.enabled && (query ? `${path}?${query}` : path).startsWith(stats.uri);
}

function authorized(stats: StatsConfig, header: string | undefined): boolean {
  if (stats.auth.length === 0) return true;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!, 'base64');
  return stats.auth.some((a) => {
    const want = Buffer.from(`${a.user}:${a.password}`);
    return want.length === given.length && timingSafeEqual(want, given);
  });
}

export interface PageOptions {
  readonly hideDown: boolean;
  readonly hideMaint: boolean;
  readonly noRefresh: boolean;
  readonly format: 'html' | 'csv' | 'typed' | 'json';
  /** `;st=CODE` after an admin action. */
  readonly status?: AdminStatus | 'UNKN';
  /** `scope=` text typed in the page's form: proxies whose name contains it. */
  readonly scopeText: string;
}

const STATUS_CODES: readonly string[] = ['DENY', 'DONE', 'ERRP', 'EXCD', 'NONE', 'PART', 'UNKN', 'IVAL'];

function parseOptions(tail: string, stats: StatsConfig): PageOptions {
  let format: PageOptions['format'] = 'html';
  if (tail.includes(';csv')) format = 'csv';
  if (tail.includes(';typed')) format = 'typed';
  if (tail.includes(';json')) format = 'json';
  const st = /;st=(.{4})/.exec(tail)?.[1];
  const scope = /scope=([^;& ]*)/.exec(tail)?.[1]?.slice(0, 20) ?? '';
  return {
    hideDown: tail.includes(';up'),
    hideMaint: tail.includes(';no-maint'),
    noRefresh: stats.refresh !== undefined && tail.includes(';norefresh'),
    format,
    ...(st !== undefined
      ? { status: (STATUS_CODES.includes(st) ? st : 'UNKN') as AdminStatus | 'UNKN' }
      : {}),
    // HAProxy drops a scope text holding characters invalid in a name.
    scopeText: /^[A-Za-z0-9_.:-]*$/.test(scope) ? scope : '',
  };
}

/** The proxies `stats scope` lets the page show (all when none is configured). */
function scopedRows(rows: readonly StatRow[], ctx: StatsPageContext, opts: PageOptions): StatRow[] {
  const scope = ctx.stats.scope.map((s) => (s === '.' ? ctx.proxy : s));
  const text = opts.scopeText.toLowerCase();
  return rows.filter(
    (r) =>
      (scope.length === 0 || scope.includes(String(r.pxname))) &&
      (text === '' || String(r.pxname).toLowerCase().includes(text)),
  );
}

function headersFor(type: string, ctx: StatsPageContext, opts: PageOptions): Record<string, string> {
  const h: Record<string, string> = { 'cache-control': 'no-cache', 'content-type': type };
  if (ctx.stats.refresh && !opts.noRefresh) h.refresh = String(Math.round(ctx.stats.refresh / 1000));
  return h;
}

function render(req: StatsRequest, ctx: StatsPageContext, opts: PageOptions): StatsResponse {
  const q: StatQuery = {
    format: 'csv',
    iid: -1,
    type: -1,
    sid: -1,
    hideDown: opts.hideDown,
    hideMaint: opts.hideMaint,
  };
  const rows = scopedRows(filterRows(ctx.control.stats(), q), ctx, opts);
  let type = 'text/html';
  let body: string;
  if (opts.format === 'csv') [type, body] = ['text/plain', renderStatCsv(rows)];
  else if (opts.format === 'typed') [type, body] = ['text/plain', renderStatTyped(rows)];
  else if (opts.format === 'json') [type, body] = ['application/json', renderStatJson(rows)];
  else body = renderStatsHtml(rows, ctx, opts);
  return { status: 200, headers: headersFor(type, ctx, opts), body: req.method === 'HEAD' ? '' : body };
}

export function handleStatsRequest(req: StatsRequest, ctx: StatsPageContext): StatsResponse {
  if (!authorized(ctx.stats, req.headers.authorization)) {
    const realm = ctx.stats.realm ?? DEFAULT_REALM;
    return {
      status: 401,
      headers: {
        'content-length': String(UNAUTHORIZED_BODY.length),
        'cache-control': 'no-cache',
        'content-type': 'text/html',
        'www-authenticate': `Basic realm="${realm}"`,
      },
      body: UNAUTHORIZED_BODY,
    };
  }
  const uri = requestUri(req);
  const tail = uri.slice(ctx.stats.uri.length);
  const opts = parseOptions(tail, ctx.stats);
  if (tail.includes(';json-schema')) {
    const body = 'The JSON schema export (;json-schema) is not supported by hapair yet.\n';
    return { status: 501, headers: { 'cache-control': 'no-cache', 'content-type': 'text/plain' }, body };
  }
  if (req.method !== 'POST') return render(req, ctx, opts);
  const status: AdminStatus = ctx.admin ? applyAdminForm(req.body, ctx.control, ctx.replicate) : 'DENY';
  const location =
    `${ctx.stats.uri};st=${status}${opts.hideDown ? ';up' : ''}${opts.noRefresh ? ';norefresh' : ''}` +
    (opts.scopeText ? `?scope=${opts.scopeText}` : '');
  return {
    status: 303,
    headers: { 'cache-control': 'no-cache', 'content-type': 'text/plain', 'content-length': '0', location },
    body: '',
  };
}
