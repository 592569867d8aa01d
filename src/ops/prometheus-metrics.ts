/**
 * The `show stat` columns exported to Prometheus, under the names HAProxy's
 * exporter gives them (addons/promex, HAProxy 2.6: haproxy_frontend_*,
 * haproxy_backend_*, haproxy_server_*), in the same order, with the object
 * kinds each applies to. Times HAProxy keeps in milliseconds are exported in
 * seconds, as promex does. The help texts are hapair's own.
 */
import type { StatField } from '../proxy/stat-fields.js';

export interface MetricDef {
  readonly field: StatField;
  /** Name after `haproxy_<kind>_`. */
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  /** Object kinds carrying it: F frontend, B backend, S server. */
  readonly kinds: string;
  readonly help: string;
  /** The value is milliseconds, exported as seconds. */
  readonly ms?: boolean;
}

const m = (
  field: StatField,
  name: string,
  type: MetricDef['type'],
  kinds: string,
  help: string,
  ms = false,
): MetricDef => ({
  field,
  name,
  type,
  kinds,
  help,
  ...(ms ? { ms } : {}),
});

export const STAT_METRICS: readonly MetricDef[] = [
  m('qcur', 'current_queue', 'gauge', 'BS', 'Requests waiting in the queue.'),
  m('qmax', 'max_queue', 'gauge', 'BS', 'Highest queue length seen.'),
  m('scur', 'current_sessions', 'gauge', 'FBS', 'Sessions open now.'),
  m('smax', 'max_sessions', 'gauge', 'FBS', 'Highest number of sessions open at once.'),
  m('slim', 'limit_sessions', 'gauge', 'FBS', 'Configured session limit (maxconn).'),
  m('stot', 'sessions_total', 'counter', 'FBS', 'Sessions since start.'),
  m('bin', 'bytes_in_total', 'counter', 'FBS', 'Bytes received from clients.'),
  m('bout', 'bytes_out_total', 'counter', 'FBS', 'Bytes sent to clients.'),
  m('dreq', 'requests_denied_total', 'counter', 'FB', 'Requests denied by rules.'),
  m('dresp', 'responses_denied_total', 'counter', 'FBS', 'Responses denied by rules.'),
  m('ereq', 'request_errors_total', 'counter', 'F', 'Request errors.'),
  m('econ', 'connection_errors_total', 'counter', 'BS', 'Failed connections to servers.'),
  m('eresp', 'response_errors_total', 'counter', 'BS', 'Response errors.'),
  m('wretr', 'retry_warnings_total', 'counter', 'BS', 'Connection retries.'),
  m('wredis', 'redispatch_warnings_total', 'counter', 'BS', 'Redispatches to another server.'),
  m('weight', 'weight', 'gauge', 'BS', 'Effective weight.'),
  m('act', 'active_servers', 'gauge', 'B', 'Usable active servers.'),
  m('bck', 'backup_servers', 'gauge', 'B', 'Usable backup servers.'),
  m('chkfail', 'check_failures_total', 'counter', 'S', 'Failed health checks.'),
  m('chkdown', 'check_up_down_total', 'counter', 'BS', 'UP to DOWN transitions.'),
  m('lastchg', 'check_last_change_seconds', 'gauge', 'BS', 'Seconds since the last state change.'),
  m('downtime', 'downtime_seconds_total', 'counter', 'BS', 'Seconds spent DOWN.'),
  m('qlimit', 'queue_limit', 'gauge', 'S', 'Configured queue limit (maxqueue).'),
  m('throttle', 'current_throttle', 'gauge', 'S', 'Slow-start throttle, percent.'),
  m('lbtot', 'loadbalanced_total', 'counter', 'BS', 'Times a server was picked by the balancer.'),
  m('rate_lim', 'limit_session_rate', 'gauge', 'F', 'Configured session rate limit (rate-limit sessions).'),
  m('rate_max', 'max_session_rate', 'gauge', 'FBS', 'Highest sessions per second seen.'),
  m('check_code', 'check_code', 'gauge', 'S', 'Layer 5-7 code of the last health check.'),
  m('check_duration', 'check_duration_seconds', 'gauge', 'S', 'Duration of the last health check.', true),
  m('req_rate_max', 'http_requests_rate_max', 'gauge', 'F', 'Highest HTTP requests per second seen.'),
  m('req_tot', 'http_requests_total', 'counter', 'FB', 'HTTP requests since start.'),
  m('cli_abrt', 'client_aborts_total', 'counter', 'BS', 'Transfers aborted by the client.'),
  m('srv_abrt', 'server_aborts_total', 'counter', 'BS', 'Transfers aborted by the server.'),
  m('comp_in', 'http_comp_bytes_in_total', 'counter', 'FB', 'Bytes fed to the HTTP compressor.'),
  m('comp_out', 'http_comp_bytes_out_total', 'counter', 'FB', 'Bytes produced by the HTTP compressor.'),
  m(
    'comp_byp',
    'http_comp_bytes_bypassed_total',
    'counter',
    'FB',
    'Bytes that bypassed the HTTP compressor.',
  ),
  m('comp_rsp', 'http_comp_responses_total', 'counter', 'FB', 'HTTP responses compressed.'),
  m('lastsess', 'last_session_seconds', 'gauge', 'BS', 'Seconds since the last session (-1: never).'),
  m(
    'qtime',
    'queue_time_average_seconds',
    'gauge',
    'BS',
    'Average time in queue over recent sessions.',
    true,
  ),
  m(
    'ctime',
    'connect_time_average_seconds',
    'gauge',
    'BS',
    'Average connect time over recent sessions.',
    true,
  ),
  m(
    'rtime',
    'response_time_average_seconds',
    'gauge',
    'BS',
    'Average response time over recent sessions.',
    true,
  ),
  m(
    'ttime',
    'total_time_average_seconds',
    'gauge',
    'BS',
    'Average session duration over recent sessions.',
    true,
  ),
  m('conn_rate_max', 'connections_rate_max', 'gauge', 'F', 'Highest connections per second seen.'),
  m('conn_tot', 'connections_total', 'counter', 'F', 'Connections accepted since start.'),
  m('intercepted', 'intercepted_requests_total', 'counter', 'F', 'Requests answered by the proxy itself.'),
  m(
    'dcon',
    'denied_connections_total',
    'counter',
    'F',
    'Connections denied by tcp-request connection rules.',
  ),
  m('dses', 'denied_sessions_total', 'counter', 'F', 'Sessions denied by tcp-request session rules.'),
  m('wrew', 'failed_header_rewriting_total', 'counter', 'FBS', 'Failed header rewrites.'),
  m('connect', 'connection_attempts_total', 'counter', 'BS', 'Connection attempts to servers.'),
  m('reuse', 'connection_reuses_total', 'counter', 'BS', 'Reused server connections.'),
  m('cache_lookups', 'http_cache_lookups_total', 'counter', 'FB', 'HTTP cache lookups.'),
  m('cache_hits', 'http_cache_hits_total', 'counter', 'FB', 'HTTP cache hits.'),
  m('srv_icur', 'idle_connections_current', 'gauge', 'S', 'Idle server connections.'),
  m('src_ilim', 'idle_connections_limit', 'gauge', 'S', 'Idle server connection limit.'),
  m('qtime_max', 'max_queue_time_seconds', 'gauge', 'BS', 'Longest time in queue.', true),
  m('ctime_max', 'max_connect_time_seconds', 'gauge', 'BS', 'Longest connect time.', true),
  m('rtime_max', 'max_response_time_seconds', 'gauge', 'BS', 'Longest response time.', true),
  m('ttime_max', 'max_total_time_seconds', 'gauge', 'BS', 'Longest session.', true),
  m('eint', 'internal_errors_total', 'counter', 'FBS', 'Internal errors.'),
  m(
    'idle_conn_cur',
    'unsafe_idle_connections_current',
    'gauge',
    'S',
    'Idle server connections unsafe to reuse.',
  ),
  m('safe_conn_cur', 'safe_idle_connections_current', 'gauge', 'S', 'Idle server connections safe to reuse.'),
  m('used_conn_cur', 'used_connections_current', 'gauge', 'S', 'Server connections in use.'),
  m('need_conn_est', 'need_connections_current', 'gauge', 'S', 'Estimated server connections needed.'),
  m('uweight', 'uweight', 'gauge', 'BS', 'User weight.'),
];

/** Server states of haproxy_server_status and haproxy_backend_agg_server_status (promex_srv_st). */
export const SERVER_STATES = ['DOWN', 'UP', 'MAINT', 'DRAIN', 'NOLB'] as const;

/** Check statuses of haproxy_server_check_status (HCHK_STATUS_HANA onwards, L57DATA excluded). */
export const CHECK_STATES = [
  'HANA',
  'SOCKERR',
  'L4OK',
  'L4TOUT',
  'L4CON',
  'L6OK',
  'L6TOUT',
  'L6RSP',
  'L7TOUT',
  'L7RSP',
  'L7OK',
  'L7OKC',
  'L7STS',
  'PROCERR',
  'PROCTOUT',
  'PROCOK',
] as const;

/** The promex server state of a `show stat` status word. */
export function serverState(status: string): (typeof SERVER_STATES)[number] {
  if (status.startsWith('MAINT')) return 'MAINT';
  if (status.startsWith('DRAIN')) return 'DRAIN';
  if (status.startsWith('NOLB')) return 'NOLB';
  if (status.startsWith('DOWN')) return 'DOWN';
  return 'UP';
}
