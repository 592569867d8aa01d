/**
 * The HTML statistics page, laid out like HAProxy's (stats.c
 * stats_dump_html_head / _info / px tables): process information, the colour
 * legend and display options, the result of the last admin action, hapair's
 * VRRP panel, then one table per proxy. Same CSS class names and colours as
 * HAProxy for the states, so operators read it at a glance.
 */
import type { StatRow } from '../proxy/stat-fields.js';
import { esc, proxyTable } from './stats-html-proxy.js';
import type { PageOptions, StatsPageContext } from './stats-page.js';
import type { VrrpView } from './types.js';

const CSS = `body { font-family: arial, helvetica, sans-serif; font-size: 12px; color: black; background: white; }
th, td { font-size: 10px; }
h1 { font-size: x-large; margin-bottom: 0.5em; }
h2 { font-size: x-large; font-weight: bold; font-style: italic; color: #6020a0; margin: 0; }
h3 { font-size: 16px; font-weight: bold; color: #b00040; background: #e8e8d0; margin: 0; }
.titre { background: #20D0D0; color: #000000; font-weight: bold; text-align: center; }
.frontend, .backend { background: #e8e8d0; }
.active_down, .backup_down { background: #ff9090; }
.active_going_up { background: #ffd020; }
.active_going_down { background: #ffffa0; }
.active_up { background: #c0ffc0; }
.active_nolb, .active_draining { background: #20a0ff; }
.active_no_check, .backup_no_check { background: #e0e0e0; }
.backup_going_up { background: #ff80ff; }
.backup_going_down { background: #c060ff; }
.backup_up { background: #b0d0ff; }
.backup_nolb { background: #90b0e0; }
.backup_draining { background: #cc9900; }
.maintain { background: #c07820; }
a.px { color: #ffff40; text-decoration: none; }
table.tbl { border-collapse: collapse; }
table.tbl td { text-align: right; border: 1px solid gray; padding: 2px 3px; white-space: nowrap; }
table.tbl td.ac { text-align: center; }
table.tbl th { border: 1px solid gray; }
table.tbl th.pxname { background: #b00040; color: #ffff40; font-weight: bold; padding: 2px 3px; white-space: nowrap; }
table.tbl th.empty { border-style: none; background: white; }
table.lgd td { border: 1px solid gray; padding: 2px; }
table.lgd td.noborder { border-style: none; white-space: nowrap; }
u { text-decoration: none; border-bottom: 1px dotted black; }
div.tips { display: block; visibility: hidden; position: absolute; padding: 2px 4px; background: #f0f060; border: 1px solid #7040c0; white-space: nowrap; font-size: 11px; }
u:hover div.tips { visibility: visible; }`;

const LEGEND: readonly [string, string][] = [
  ['active_up', 'active UP'],
  ['backup_up', 'backup UP'],
  ['active_going_down', 'active UP, going down'],
  ['backup_going_down', 'backup UP, going down'],
  ['active_going_up', 'active DOWN, going up'],
  ['backup_going_up', 'backup DOWN, going up'],
  ['active_down', 'active or backup DOWN'],
  ['active_no_check', 'not checked'],
  ['maintain', 'active or backup DOWN for maintenance (MAINT)'],
  ['active_draining', 'active or backup SOFT STOPPED for maintenance'],
];

/** Messages for `;st=CODE` (stats.c stats_dump_html_info), with their colour class. */
const STATUS_TEXT: Readonly<Record<string, [string, string]>> = {
  DONE: ['active_up', 'Action processed successfully.'],
  NONE: ['active_going_down', 'Nothing has changed.'],
  PART: [
    'active_going_down',
    'Action partially processed. Some server names are probably unknown, or the action is not supported by hapair yet for them.',
  ],
  ERRP: [
    'active_down',
    'Action not processed because of invalid parameters, or because hapair does not support it yet.',
  ],
  EXCD: ['active_down', 'Action not processed: the request was too large.'],
  DENY: ['active_down', 'Action denied.'],
  IVAL: ['active_down', 'Invalid request.'],
  UNKN: ['active_no_check', 'Unexpected result.'],
};

function nodeName(ctx: StatsPageContext): string {
  const s = ctx.stats.showNode;
  return s === undefined ? '' : s || String(ctx.info.node ?? '');
}

function header(ctx: StatsPageContext): string {
  const i = ctx.info;
  const node = nodeName(ctx);
  const desc = ctx.stats.showDesc === undefined ? '' : ctx.stats.showDesc || String(i.description ?? '');
  const product = ctx.stats.hideVersion ? esc(i.Name) : `${esc(i.Name)} version ${esc(i.Version)}`;
  return (
    `<h1>${product}</h1>\n<h2>Statistics Report for pid ${esc(i.Pid)}${node ? ` on ${esc(node)}` : ''}` +
    `${desc ? `: ${esc(desc)}` : ''}</h2>\n<hr width="100%">\n<h3>&gt; General process information</h3>\n`
  );
}

function processInfo(ctx: StatsPageContext): string {
  const i = ctx.info;
  return (
    `<p><b>pid = </b> ${esc(i.Pid)} (nbthread = ${esc(i.Nbthread)})<br>\n` +
    `<b>uptime = </b> ${esc(i.Uptime)}<br>\n` +
    `<b>system limits:</b> ulimit-n = ${esc(i['Ulimit-n'] ?? 'unknown')}; maxconn = ${esc(i.Maxconn ?? 'none')}<br>\n` +
    `current conns = ${esc(i.CurrConns ?? 0)}; conn rate = ${esc(i.ConnRate ?? 0)}/sec; ` +
    `sess rate = ${esc(i.SessRate ?? 0)}/sec<br>\n`
  );
}

function legendAndOptions(ctx: StatsPageContext, opts: PageOptions): string {
  const uri = esc(ctx.stats.uri);
  const cells = LEGEND.map(
    ([cls, text]) => `<tr><td class="${cls}">&nbsp;</td><td class="noborder">${text}</td></tr>`,
  ).join('');
  const refresh = ctx.stats.refresh
    ? `<li><a href="${uri}${opts.noRefresh ? '' : ';norefresh'}">${opts.noRefresh ? 'Enable' : 'Disable'} refresh</a>\n`
    : '';
  return (
    `<table class="lgd">${cells}</table>\nNote: "NOLB"/"DRAIN" = UP with load-balancing disabled.\n` +
    '<p><b>Display option:</b><ul>' +
    `<li><form method="GET">Scope : <input value="${esc(opts.scopeText)}" name="scope" size="8" maxlength="20"></form>\n` +
    `<li><a href="${uri}${opts.hideDown ? '' : ';up'}">${opts.hideDown ? 'Show all servers' : "Hide 'DOWN' servers"}</a>\n` +
    refresh +
    `<li><a href="${uri}">Refresh now</a>\n<li><a href="${uri};csv;norefresh">CSV export</a>\n` +
    `<li><a href="${uri};json;norefresh">JSON export</a>\n</ul>\n`
  );
}

function statusMessage(ctx: StatsPageContext, opts: PageOptions): string {
  if (!opts.status) return '';
  const [cls, text] = STATUS_TEXT[opts.status] ?? STATUS_TEXT.UNKN!;
  return `<p><div class=${cls}><a href="${esc(ctx.stats.uri)}" title="Remove this message">[X]</a> ${text}</div>\n`;
}

const VRRP_CLASS: Readonly<Record<string, string>> = {
  MASTER: 'active_up',
  BACKUP: 'backup_up',
  FAULT: 'active_down',
};

function vrrpPanel(instances: readonly VrrpView[]): string {
  if (instances.length === 0) return '';
  const rows = instances.map((v) => {
    const t = v.lastTransition;
    const last = t
      ? `${esc(t.from)} &rarr; ${esc(t.to)} at ${new Date(t.at).toISOString()} (${esc(t.reason)})`
      : 'none';
    const master = v.master ? `${esc(v.master.address)} (${v.master.priority})` : 'unknown';
    return (
      `<tr class="${VRRP_CLASS[v.state] ?? 'active_no_check'}"><td class=ac>${esc(v.name)}</td><td class=ac>${esc(v.state)}</td>` +
      `<td>${v.effectivePriority}/${v.basePriority}</td><td>${v.vrid}</td><td class=ac>${esc((v.vips ?? []).join(' ')) || '-'}</td>` +
      `<td class=ac>${master}</td><td>${v.counters.advertsSent}/${v.counters.advertsReceived}</td><td class=ac>${last}</td></tr>\n`
    );
  });
  return (
    '<h3>&gt; VRRP instances</h3>\n<table class="tbl" width="100%"><tr class="titre"><th>Instance</th><th>State</th>' +
    '<th>Priority (effective/base)</th><th>VRID</th><th>VIPs</th><th>Master</th><th>Adverts sent/received</th>' +
    `<th>Last transition</th></tr>\n${rows.join('')}</table><p>\n`
  );
}

/** Rows grouped by proxy, in the order they come. */
function byProxy(rows: readonly StatRow[]): StatRow[][] {
  const groups = new Map<string, StatRow[]>();
  for (const r of rows) {
    const key = String(r.pxname);
    const g = groups.get(key) ?? [];
    g.push(r);
    groups.set(key, g);
  }
  return [...groups.values()];
}

export function renderStatsHtml(rows: readonly StatRow[], ctx: StatsPageContext, opts: PageOptions): string {
  const node = nodeName(ctx);
  const tables = byProxy(rows).map((g) => {
    const p = ctx.control.config.proxies.find((x) => x.name === g[0]?.pxname);
    const cap = p?.kind === 'listen' ? 'proxy' : (p?.kind ?? 'proxy');
    return proxyTable(g, {
      admin: ctx.admin,
      legends: ctx.stats.showLegends,
      cap,
      mode: p?.mode ?? '',
      id: p?.id ?? 0,
    });
  });
  return (
    '<!DOCTYPE html>\n<html><head>' +
    `<title>Statistics Report for ${esc(ctx.info.Name)}${node ? ` on ${esc(node)}` : ''}</title>\n` +
    `<meta charset="utf-8">\n<style>\n${CSS}\n</style></head>\n<body>` +
    header(ctx) +
    processInfo(ctx) +
    legendAndOptions(ctx, opts) +
    statusMessage(ctx, opts) +
    vrrpPanel(ctx.vrrp) +
    tables.join('') +
    '</body></html>\n'
  );
}
