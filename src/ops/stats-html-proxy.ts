/**
 * One proxy of the statistics page: HAProxy's layout (stats.c
 * stats_dump_html_px_hdr / stats_dump_fields_html) — a title bar, then one
 * table whose two header rows group the columns (Queue, Session rate,
 * Sessions, Bytes, Denied, Errors, Warnings, Server) and one row for the
 * frontend, each server and the backend. Server rows carry HAProxy's state
 * classes (active_up, backup_down, maintain …) so the colours read the same.
 * With `stats admin`, a backend's table sits in a form with a checkbox per
 * server and the action list.
 */
import type { StatRow, StatValue } from '../proxy/stat-fields.js';
import { STAT_TYPE } from '../proxy/stat-fields.js';

export function esc(v: StatValue): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** HAProxy's human_time(): the first two non-zero units (`1d5s`, `3m20s`), `0s` for zero. */
export function humanTime(sec: number): string {
  if (sec < 0 || !Number.isFinite(sec)) return '?';
  const units: [number, string][] = [
    [Math.floor(sec / 86400), 'd'],
    [Math.floor((sec % 86400) / 3600), 'h'],
    [Math.floor((sec % 3600) / 60), 'm'],
    [sec % 60, 's'],
  ];
  const shown = units.filter(([n]) => n > 0).slice(0, 2);
  return shown.length === 0 ? '0s' : shown.map(([n, u]) => `${n}${u}`).join('');
}

const td = (v: StatValue, cls = '') => `<td${cls ? ` class=${cls}` : ''}>${esc(v)}</td>`;
const num = (v: StatValue) => (typeof v === 'number' ? v : undefined);
const orDash = (v: StatValue) => (v === undefined || v === 0 ? '-' : v);

/** Row class for a server's state, as HAProxy colours it. */
export function serverClass(status: string, backup: boolean): string {
  const side = backup ? 'backup' : 'active';
  if (status.startsWith('MAINT')) return 'maintain';
  if (status === 'DRAIN') return `${side}_draining`;
  if (status === 'no check') return `${side}_no_check`;
  if (status.startsWith('NOLB')) return `${side}_nolb`;
  if (status.startsWith('UP ')) return `${side}_going_down`;
  if (status.startsWith('DOWN ')) return `${side}_going_up`;
  return status.startsWith('UP') ? `${side}_up` : `${side}_down`;
}

function lastCheck(r: StatRow): string {
  if (r.check_status === undefined) return td('');
  const code = r.check_code !== undefined ? `/${r.check_code}` : '';
  const dur = r.check_duration !== undefined ? ` in ${r.check_duration}ms` : '';
  const desc = [r.check_desc, r.last_chk].filter((x) => x !== undefined && x !== '').join(': ');
  return `<td class=ac><u>${esc(r.check_status)}${esc(code)}${esc(dur)}<div class=tips>${esc(desc)}</div></u></td>`;
}

/** The 29 data cells of HAProxy's table. */
function cells(r: StatRow): string {
  const type = r.type;
  const fe = type === STAT_TYPE.frontend;
  const srv = type === STAT_TYPE.server;
  const lastsess = num(r.lastsess);
  const queue = fe ? '<td colspan=3></td>' : td(r.qcur) + td(r.qmax) + td(srv ? orDash(r.qlimit) : '');
  const rate = td(r.rate) + td(r.rate_max) + td(fe ? orDash(r.rate_lim) : '');
  const sessions =
    td(r.scur) +
    td(r.smax) +
    td(orDash(r.slim)) +
    td(r.stot) +
    td(fe ? '' : r.lbtot) +
    td(fe || lastsess === undefined ? '' : lastsess < 0 ? 'never' : humanTime(lastsess));
  const traffic =
    td(r.bin) +
    td(r.bout) +
    td(r.dreq) +
    td(r.dresp) +
    td(r.ereq) +
    td(r.econ) +
    td(r.eresp) +
    td(r.wretr) +
    td(r.wredis);
  if (fe)
    return `${queue}${rate}${sessions}${traffic}<td class=ac>${esc(r.status)}</td><td class=ac colspan=8></td>`;
  const lastchg = num(r.lastchg);
  // HAProxy prints how long a state has lasted, except for "no check".
  const since = lastchg !== undefined && r.status !== 'no check' ? `${humanTime(lastchg)} ` : '';
  const status = `<td class=ac>${since}${esc(r.status)}</td>`;
  const act = srv ? (r.act ? 'Y' : '-') : r.act;
  const bck = srv ? (r.bck ? 'Y' : '-') : r.bck;
  const downtime = num(r.downtime);
  const server =
    status +
    (srv ? lastCheck(r) : td('')) +
    td(r.weight === undefined ? '' : `${r.weight}/${r.uweight ?? r.weight}`, 'ac') +
    td(act, 'ac') +
    td(bck, 'ac') +
    td(r.chkfail ?? '') +
    td(r.chkdown ?? '') +
    td(downtime === undefined ? '' : humanTime(downtime)) +
    td(r.throttle === undefined ? '-' : `${r.throttle} %`, 'ac');
  return queue + rate + sessions + traffic + server;
}

export interface ProxyTableOptions {
  readonly admin: boolean;
  readonly legends: boolean;
  /** Proxy kind and mode for the title's tooltip. */
  readonly cap: string;
  readonly mode: string;
  readonly id: number;
}

const HEAD =
  '<tr class="titre"><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th>' +
  '<th>Limit</th><th>Total</th><th>LbTot</th><th>Last</th><th>In</th><th>Out</th><th>Req</th><th>Resp</th><th>Req</th>' +
  '<th>Conn</th><th>Resp</th><th>Retr</th><th>Redis</th><th>Status</th><th>LastChk</th><th>Wght</th><th>Act</th>' +
  '<th>Bck</th><th>Chk</th><th>Dwn</th><th>Dwntme</th><th>Thrtle</th></tr>\n';

const GROUPS =
  '<th colspan=3>Queue</th><th colspan=3>Session rate</th><th colspan=6>Sessions</th><th colspan=2>Bytes</th>' +
  '<th colspan=2>Denied</th><th colspan=3>Errors</th><th colspan=2>Warnings</th><th colspan=9>Server</th></tr>\n';

/** HAProxy 2.6's action list (stats.c stats_dump_html_px_end), then hapair's weight change. */
const ACTION_OPTIONS: readonly [string, string][] = [
  ['', ''],
  ['ready', 'Set state to READY'],
  ['drain', 'Set state to DRAIN'],
  ['maint', 'Set state to MAINT'],
  ['dhlth', 'Health: disable checks'],
  ['ehlth', 'Health: enable checks'],
  ['hrunn', 'Health: force UP'],
  ['hnolb', 'Health: force NOLB'],
  ['hdown', 'Health: force DOWN'],
  ['dagent', 'Agent: disable checks'],
  ['eagent', 'Agent: enable checks'],
  ['arunn', 'Agent: force UP'],
  ['adown', 'Agent: force DOWN'],
  ['shutdown', 'Kill Sessions'],
  ['weight', 'Set weight to (N or N%):'],
];

function nameCell(r: StatRow, o: ProxyTableOptions): string {
  const px = esc(r.pxname);
  if (r.type === STAT_TYPE.frontend) return `<td class=ac><a name="${px}/Frontend"></a>Frontend</td>`;
  if (r.type === STAT_TYPE.backend) {
    const tip = o.legends ? `<div class=tips>balancing: ${esc(r.algo)}</div>` : '';
    return `<td class=ac><u><a name="${px}/Backend"></a>Backend${tip}</u></td>`;
  }
  const tip = o.legends ? `<div class=tips>${esc(r.addr)}, id: ${esc(r.sid)}</div>` : '';
  return `<td class=ac><a name="${px}/${esc(r.svname)}"></a><u>${esc(r.svname)}${tip}</u></td>`;
}

function rowHtml(r: StatRow, o: ProxyTableOptions, checkboxes: boolean): string {
  const cls =
    r.type === STAT_TYPE.frontend
      ? 'frontend'
      : r.type === STAT_TYPE.backend
        ? 'backend'
        : serverClass(String(r.status), r.bck === 1);
  const box =
    checkboxes && r.type === STAT_TYPE.server
      ? `<td><input type="checkbox" name="s" value="${esc(r.svname)}"></td>`
      : checkboxes
        ? '<td></td>'
        : '';
  return `<tr class="${cls}">${box}${nameCell(r, o)}${cells(r)}</tr>\n`;
}

/** The title bar and table of one proxy; `rows` are its FRONTEND, servers and BACKEND lines. */
export function proxyTable(rows: readonly StatRow[], o: ProxyTableOptions): string {
  const name = esc(rows[0]?.pxname);
  const hasServers = rows.some((r) => r.type === STAT_TYPE.server);
  const form = o.admin && hasServers;
  const tip = o.legends ? `<div class=tips>cap: ${esc(o.cap)}, mode: ${esc(o.mode)}, id: ${o.id}</div>` : '';
  const title =
    `<table class="tbl" width="100%"><tr class="titre"><th class="pxname" width="10%"><a name="${name}"></a>` +
    `<u><a class=px href="#${name}">${name}</a>${tip}</u></th><th class="empty" width="90%"></th></tr></table>\n`;
  const lead = form ? '<th rowspan=2 width=1></th><th rowspan=2></th>' : '<th rowspan=2></th>';
  const table =
    `<table class="tbl" width="100%"><tr class="titre">${lead}${GROUPS}${HEAD}` +
    rows.map((r) => rowHtml(r, o, form)).join('') +
    '</table>\n';
  if (!form) return `${title}${table}<p>\n`;
  const options = ACTION_OPTIONS.map(([v, l]) => `<option value="${v}">${l}</option>`).join('');
  const actions =
    `Choose the action to perform on the checked servers : <select name=action>${options}</select>` +
    ` <input name="weight" size=5> <input type="hidden" name="b" value="#${o.id}">` +
    ' <input type="submit" value="Apply">\n';
  return `<form method="post">${title}${table}${actions}</form><p>\n`;
}
