/**
 * The `prometheus-exporter` service of `http-request use-service` (HAProxy
 * addons/promex, README "metrics filtering"): the exposition of
 * prometheus.ts for the engine's proxies, the process and the VRRP
 * instances, filtered by the query string as promex filters it — `scope=`
 * (repeatable; `*` for all, empty for none; hapair adds `vrrp`),
 * `metrics=a,-b` (names to keep, or to drop with a leading `-`) and
 * `no-maint` (servers in maintenance left out). A malformed query is a 400,
 * as promex_parse_uri() answers. `extra-counters` and `desc-labels` are
 * accepted and change nothing: hapair has no extra counters, and proxy
 * descriptions are not exported.
 */
import { STAT_TYPE, type StatRow } from '../proxy/stat-fields.js';
import type { InfoFields } from './info.js';
import {
  ALL_SCOPES,
  PROMETHEUS_CONTENT_TYPE,
  type PrometheusScope,
  type PrometheusSelection,
  renderPrometheus,
} from './prometheus.js';
import type { StatsResponse } from './stats-page.js';
import type { ProxyControl, VrrpView } from './types.js';

export interface PrometheusContext {
  readonly control: ProxyControl;
  readonly vrrp: readonly VrrpView[];
  readonly info: InfoFields;
}

export interface ScrapeOptions extends PrometheusSelection {
  readonly noMaint: boolean;
}

/** HAProxy's 400 page (http_err_chunks[HTTP_ERR_400]). */
const BAD_REQUEST =
  '<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n';

/** url_decode(s, in_form=1): `+` is a space, `%XX` a byte; undefined on a broken escape. */
function formDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** Scope words of promex; `listener` is valid and exports nothing here (hapair has no listener metrics). */
const SCOPE_WORDS: ReadonlySet<string> = new Set([...ALL_SCOPES, 'listener']);

/** promex_parse_uri(): the options of one scrape, or undefined for a 400. */
export function parseScrapeQuery(query: string): ScrapeOptions | undefined {
  let scopes: Set<PrometheusScope> | undefined;
  let noMaint = false;
  const include = new Set<string>();
  const exclude = new Set<string>();
  const q = query.split('#', 1)[0]!;
  for (const param of q === '' ? [] : q.split('&')) {
    if (param === '') continue;
    const eq = param.indexOf('=');
    const key = formDecode(eq < 0 ? param : param.slice(0, eq));
    const value = eq < 0 ? undefined : formDecode(param.slice(eq + 1));
    if (key === undefined || (eq >= 0 && (value === undefined || param.includes('=', eq + 1))))
      return undefined;
    if (key === 'scope') {
      if (value === undefined) return undefined;
      scopes ??= new Set();
      if (value === '') scopes.clear();
      else if (value === '*') for (const s of ALL_SCOPES) scopes.add(s);
      else if (!SCOPE_WORDS.has(value)) return undefined;
      else if (value !== 'listener') scopes.add(value as PrometheusScope);
    } else if (key === 'metrics') {
      if (value === undefined) return undefined;
      for (const m of value.split(',')) {
        if (m.startsWith('-')) {
          if (m.length > 1) {
            exclude.add(m.slice(1));
            include.delete(m.slice(1));
          }
        } else if (m !== '') {
          include.add(m);
          exclude.delete(m);
        }
      }
    } else if (key === 'no-maint') noMaint = true;
  }
  const filtered = include.size > 0 || exclude.size > 0;
  return {
    scopes: scopes ?? ALL_SCOPES,
    noMaint,
    ...(filtered ? { keep: (m: string) => !exclude.has(m) && (include.size === 0 || include.has(m)) } : {}),
  };
}

function withoutMaint(rows: readonly StatRow[]): StatRow[] {
  return rows.filter((r) => r.type !== STAT_TYPE.server || !String(r.status ?? '').startsWith('MAINT'));
}

/** Answers one scrape: 200 with the exposition (no body for HEAD), or 400 for a malformed query. */
export function handlePrometheusRequest(
  req: { readonly method: string; readonly query: string },
  ctx: PrometheusContext,
): StatsResponse {
  const opts = parseScrapeQuery(req.query);
  if (!opts) {
    return {
      status: 400,
      headers: { 'cache-control': 'no-cache', 'content-type': 'text/html' },
      body: BAD_REQUEST,
    };
  }
  const all = ctx.control.stats();
  const rows = opts.noMaint ? withoutMaint(all) : all;
  const body = req.method === 'HEAD' ? '' : renderPrometheus(rows, ctx.vrrp, ctx.info, opts);
  return {
    status: 200,
    headers: { 'cache-control': 'no-cache', 'content-type': PROMETHEUS_CONTENT_TYPE },
    body,
  };
}
