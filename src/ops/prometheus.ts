/**
 * Prometheus text exposition (format 0.0.4) of the proxy statistics under
 * HAProxy's exporter names (addons/promex), plus hapair's VRRP metrics.
 * Families come in promex's order — process, frontend, backend, server —
 * each with `# HELP` and `# TYPE`, and one sample per object that reports the
 * value; state-like columns become one sample per state label with value 0
 * or 1, as promex does.
 */
import { STAT_FIELDS, STAT_TYPE, type StatField, type StatRow } from '../proxy/stat-fields.js';
import { DROP_REASONS } from '../vrrp/packet.js';
import type { InfoFields, InfoName } from './info.js';
import {
  CHECK_STATES,
  type MetricDef,
  SERVER_STATES,
  STAT_METRICS,
  serverState,
} from './prometheus-metrics.js';
import type { VrrpView } from './types.js';

type Labels = readonly (readonly [string, string])[];
type Sample = readonly [Labels, number | string];

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function family(name: string, type: 'gauge' | 'counter', help: string, samples: readonly Sample[]): string {
  if (samples.length === 0) return '';
  const lines = samples.map(([labels, v]) => {
    const l = labels.map(([k, x]) => `${k}="${escapeLabel(x)}"`).join(',');
    return `${name}${l ? `{${l}}` : ''} ${v}\n`;
  });
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${lines.join('')}`;
}

const KIND = { F: 'frontend', B: 'backend', S: 'server' } as const;
type Kind = keyof typeof KIND;

const TYPE_OF: Readonly<Record<Kind, number>> = {
  F: STAT_TYPE.frontend,
  B: STAT_TYPE.backend,
  S: STAT_TYPE.server,
};

function objLabels(kind: Kind, r: StatRow): [string, string][] {
  const px: [string, string] = ['proxy', String(r.pxname)];
  return kind === 'S' ? [px, ['server', String(r.svname)]] : [px];
}

function plain(kind: Kind, rows: readonly StatRow[], d: MetricDef): string {
  const samples: Sample[] = [];
  for (const r of rows) {
    const v = r[d.field];
    if (typeof v !== 'number') continue;
    samples.push([objLabels(kind, r), d.ms ? (v / 1000).toFixed(6) : v]);
  }
  return family(`haproxy_${KIND[kind]}_${d.name}`, d.type, d.help, samples);
}

/** One sample per state label, 1 for the object's current state. */
function perState(
  kind: Kind,
  rows: readonly StatRow[],
  states: readonly string[],
  current: (r: StatRow) => string | undefined,
) {
  const samples: Sample[] = [];
  for (const r of rows) {
    const now = current(r);
    if (now === undefined) continue;
    for (const s of states) samples.push([[...objLabels(kind, r), ['state', s]], now === s ? 1 : 0]);
  }
  return samples;
}

function statusFamily(kind: Kind, rows: readonly StatRow[]): string {
  const status = (r: StatRow) => String(r.status ?? '');
  const samples =
    kind === 'S'
      ? perState(kind, rows, SERVER_STATES, (r) => serverState(status(r)))
      : perState(kind, rows, ['DOWN', 'UP'], (r) =>
          kind === 'F' ? (status(r) === 'STOP' ? 'DOWN' : 'UP') : status(r).startsWith('UP') ? 'UP' : 'DOWN',
        );
  return family(
    `haproxy_${KIND[kind]}_status`,
    'gauge',
    'Current state, one sample per state label.',
    samples,
  );
}

const HRSP: readonly [StatField, string][] = [
  ['hrsp_1xx', '1xx'],
  ['hrsp_2xx', '2xx'],
  ['hrsp_3xx', '3xx'],
  ['hrsp_4xx', '4xx'],
  ['hrsp_5xx', '5xx'],
  ['hrsp_other', 'other'],
];

function httpResponses(kind: Kind, rows: readonly StatRow[]): string {
  const samples: Sample[] = [];
  for (const [field, code] of HRSP) {
    for (const r of rows) {
      const v = r[field];
      if (typeof v === 'number') samples.push([[...objLabels(kind, r), ['code', code]], v]);
    }
  }
  return family(
    `haproxy_${KIND[kind]}_http_responses_total`,
    'counter',
    'HTTP responses by status class.',
    samples,
  );
}

/** Backends: how many of their servers are in each state / last check status. */
function aggregates(backends: readonly StatRow[], servers: readonly StatRow[]): string {
  const count = (be: StatRow, states: readonly string[], of: (s: StatRow) => string | undefined): Sample[] =>
    states.map((st) => [
      [
        ['proxy', String(be.pxname)],
        ['state', st],
      ] as Labels,
      servers.filter((s) => s.pxname === be.pxname && of(s) === st).length,
    ]);
  const srv = backends.flatMap((be) => count(be, SERVER_STATES, (s) => serverState(String(s.status ?? ''))));
  const chk = backends.flatMap((be) =>
    count(be, CHECK_STATES, (s) => (s.check_status === undefined ? undefined : String(s.check_status))),
  );
  return (
    family('haproxy_backend_agg_server_status', 'gauge', 'Servers of the backend in each state.', srv) +
    family('haproxy_backend_agg_check_status', 'gauge', 'Servers of the backend per last check status.', chk)
  );
}

function kindFamilies(kind: Kind, all: readonly StatRow[]): string {
  const rows = all.filter((r) => r.type === TYPE_OF[kind]);
  const pos = (f: StatField) => STAT_FIELDS.indexOf(f);
  const parts: [number, () => string][] = STAT_METRICS.filter((d) => d.kinds.includes(kind)).map((d) => [
    pos(d.field),
    () => plain(kind, rows, d),
  ]);
  parts.push([pos('status'), () => statusFamily(kind, rows)]);
  parts.push([pos('hrsp_1xx'), () => httpResponses(kind, rows)]);
  if (kind === 'S') {
    const chk = perState(kind, rows, CHECK_STATES, (r) =>
      r.check_status === undefined ? undefined : String(r.check_status),
    );
    parts.push([
      pos('check_status'),
      () =>
        family(
          'haproxy_server_check_status',
          'gauge',
          'Status of the last health check, one sample per status label.',
          chk,
        ),
    ]);
  }
  if (kind === 'B') {
    const servers = all.filter((r) => r.type === STAT_TYPE.server);
    parts.push([pos('agg_server_status'), () => aggregates(rows, servers)]);
  }
  return parts
    .sort((a, b) => a[0] - b[0])
    .map(([, f]) => f())
    .join('');
}

const PROCESS: readonly [InfoName, string, 'gauge' | 'counter', string][] = [
  ['Nbthread', 'nbthread', 'gauge', 'Proxy worker threads.'],
  ['Nbproc', 'nbproc', 'gauge', 'Worker processes.'],
  ['Process_num', 'relative_process_id', 'gauge', 'Relative process number.'],
  ['Uptime_sec', 'uptime_seconds', 'gauge', 'Seconds since the process started.'],
  ['Ulimit-n', 'max_fds', 'gauge', 'Limit on open files.'],
  ['Maxconn', 'max_connections', 'gauge', 'Global maxconn.'],
  ['Hard_maxconn', 'hard_max_connections', 'gauge', 'Configured global maxconn.'],
  ['CurrConns', 'current_connections', 'gauge', 'Connections open now.'],
  ['CumConns', 'connections_total', 'counter', 'Connections since start.'],
  ['CumReq', 'requests_total', 'counter', 'Requests since start.'],
  ['ConnRate', 'current_connection_rate', 'gauge', 'Connections over the last second.'],
  ['ConnRateLimit', 'limit_connection_rate', 'gauge', 'Global connection rate limit (0: none).'],
  ['SessRate', 'current_session_rate', 'gauge', 'Sessions over the last second.'],
  ['SessRateLimit', 'limit_session_rate', 'gauge', 'Global session rate limit (0: none).'],
  ['Stopping', 'stopping', 'gauge', '1 while the process is stopping.'],
  ['Listeners', 'listeners', 'gauge', 'Active listeners.'],
  ['ActivePeers', 'active_peers', 'gauge', 'Active peers.'],
  ['ConnectedPeers', 'connected_peers', 'gauge', 'Connected peers.'],
  ['BusyPolling', 'busy_polling_enabled', 'gauge', '1 when busy polling is on.'],
  ['Memmax_bytes', 'max_memory_bytes', 'gauge', 'Memory limit (0: none).'],
  ['Start_time_sec', 'start_time_seconds', 'gauge', 'Start time, seconds since the epoch.'],
];

function processFamilies(info: InfoFields): string {
  return PROCESS.map(([field, name, type, help]) => {
    const v = info[field];
    return typeof v === 'number' ? family(`haproxy_process_${name}`, type, help, [[[], v]]) : '';
  }).join('');
}

const VRRP_STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'] as const;

function vrrpFamilies(vrrp: readonly VrrpView[]): string {
  const inst = (v: VrrpView): [string, string] => ['instance', v.name];
  const each = (f: (v: VrrpView) => number): Sample[] => vrrp.map((v) => [[inst(v)], f(v)]);
  const states = vrrp.flatMap((v) =>
    VRRP_STATES.map((s): Sample => [[inst(v), ['state', s]], v.state === s ? 1 : 0]),
  );
  const drops = vrrp.flatMap((v) =>
    DROP_REASONS.map((r): Sample => [[inst(v), ['reason', r]], v.counters.drops[r]]),
  );
  return (
    family('hapair_vrrp_state', 'gauge', 'VRRP state of the instance, one sample per state label.', states) +
    family(
      'hapair_vrrp_effective_priority',
      'gauge',
      'Priority after trackers.',
      each((v) => v.effectivePriority),
    ) +
    family(
      'hapair_vrrp_base_priority',
      'gauge',
      'Configured priority.',
      each((v) => v.basePriority),
    ) +
    family(
      'hapair_vrrp_adverts_sent_total',
      'counter',
      'Advertisements sent.',
      each((v) => v.counters.advertsSent),
    ) +
    family(
      'hapair_vrrp_adverts_received_total',
      'counter',
      'Valid advertisements received.',
      each((v) => v.counters.advertsReceived),
    ) +
    family('hapair_vrrp_drops_total', 'counter', 'Received packets dropped, by reason.', drops) +
    family(
      'hapair_vrrp_transitions_total',
      'counter',
      'State transitions.',
      each((v) => v.counters.transitions),
    )
  );
}

/** promex's scopes (`global` is the haproxy_process_* families), plus hapair's `vrrp`. */
export type PrometheusScope = 'global' | 'frontend' | 'backend' | 'server' | 'vrrp';

export const ALL_SCOPES: ReadonlySet<PrometheusScope> = new Set([
  'global',
  'frontend',
  'backend',
  'server',
  'vrrp',
]);

/** What one scrape asks for (the exporter's query string, prometheus-service.ts). */
export interface PrometheusSelection {
  readonly scopes: ReadonlySet<PrometheusScope>;
  /** Keeps a family by its metric name; all when absent. */
  readonly keep?: (metric: string) => boolean;
}

/** Drops the families `keep` refuses; each family starts with its `# HELP` line. */
function keepFamilies(text: string, keep: (metric: string) => boolean): string {
  return text
    .split(/(?=^# HELP )/m)
    .filter((f) => keep(f.slice('# HELP '.length, f.indexOf(' ', '# HELP '.length))))
    .join('');
}

/** The whole exposition, or the scopes `sel` names; `info` adds the haproxy_process_* families. */
export function renderPrometheus(
  rows: readonly StatRow[],
  vrrp: readonly VrrpView[],
  info?: InfoFields,
  sel: PrometheusSelection = { scopes: ALL_SCOPES },
): string {
  const on = (s: PrometheusScope) => sel.scopes.has(s);
  const text =
    (info && on('global') ? processFamilies(info) : '') +
    (on('frontend') ? kindFamilies('F', rows) : '') +
    (on('backend') ? kindFamilies('B', rows) : '') +
    (on('server') ? kindFamilies('S', rows) : '') +
    (on('vrrp') ? vrrpFamilies(vrrp) : '');
  return sel.keep ? keepFamilies(text, sel.keep) : text;
}

/** The Content-Type HAProxy's exporter answers with (promex_send_headers). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4';
