/**
 * `show stat` rows for frontends, servers and backends, with the fields each
 * kind reports in HAProxy 2.6 (stats.c stats_fill_fe/sv/be_stats) and the
 * others left empty. Built on demand from the live counters.
 */
import type { Address } from '../config/haproxy/model.js';
import type { Backend } from './backend.js';
import type { ProxyCounters } from './counters.js';
import type { Frontend } from './frontend.js';
import { BE_WEIGHT_SCALE, type Server } from './server.js';
import { STAT_FIELDS, STAT_TYPE, type StatField, type StatRow, type StatValue } from './stat-fields.js';

function row(values: Partial<Record<StatField, StatValue>>): StatRow {
  const out = {} as Record<StatField, StatValue>;
  for (const f of STAT_FIELDS) out[f] = values[f];
  return out;
}

const secondsSince = (now: number, t: number) => Math.max(0, Math.floor((now - t) / 1000));

/** lastsess: seconds since the last session, -1 when there was none. */
const lastSess = (wallNow: number, c: ProxyCounters) => (c.lastSess ? secondsSince(wallNow, c.lastSess) : -1);

/** Fields backends and servers share. */
function common(c: ProxyCounters, now: number, wallNow: number): Partial<Record<StatField, StatValue>> {
  return {
    qmax: c.qmax,
    smax: c.smax,
    stot: c.stot,
    bin: c.bytesIn,
    bout: c.bytesOut,
    dresp: c.deniedResp,
    econ: c.failedConns,
    eresp: c.failedResp,
    wretr: c.retries,
    wredis: c.redispatches,
    pid: 1,
    lbtot: c.lbtot,
    rate: Math.floor(c.sessRate.read(now)),
    rate_max: c.sessRateMax,
    cli_abrt: c.cliAborts,
    srv_abrt: c.srvAborts,
    lastsess: lastSess(wallNow, c),
    qtime: c.qtime.avg,
    ctime: c.ctime.avg,
    rtime: 0,
    ttime: c.ttime.avg,
    wrew: c.failedRewrites,
    connect: c.connect,
    reuse: 0,
    qtime_max: c.qtime.max,
    ctime_max: c.ctime.max,
    rtime_max: 0,
    ttime_max: c.ttime.max,
    eint: c.internalErrors,
  };
}

/** The HTTP figures of a proxy or server in mode http (empty in mode tcp, as HAProxy). */
function httpFields(c: ProxyCounters, http: boolean): Partial<Record<StatField, StatValue>> {
  if (!http) return {};
  return {
    hrsp_1xx: c.hrsp[1],
    hrsp_2xx: c.hrsp[2],
    hrsp_3xx: c.hrsp[3],
    hrsp_4xx: c.hrsp[4],
    hrsp_5xx: c.hrsp[5],
    hrsp_other: c.hrsp[0],
    req_tot: c.reqTot,
  };
}

export function frontendRow(fe: Frontend, now: number): StatRow {
  const c = fe.counters;
  const paused = fe.listeners.length > 0 && fe.listeners.every((l) => l.state === 'paused');
  const stopped = fe.listeners.length > 0 && fe.listeners.every((l) => l.state === 'closed');
  const full = fe.sessions.size >= fe.maxconn;
  return row({
    pxname: fe.name,
    svname: 'FRONTEND',
    scur: fe.sessions.size,
    smax: c.smax,
    // No limit anywhere (no global or frontend maxconn): an empty field rather than 2^53 - 1.
    slim: Number.isSafeInteger(fe.maxconn) && fe.maxconn < Number.MAX_SAFE_INTEGER ? fe.maxconn : undefined,
    stot: c.stot,
    bin: c.bytesIn,
    bout: c.bytesOut,
    dreq: c.deniedReq,
    dresp: c.deniedResp,
    ereq: c.failedReq,
    status: stopped ? 'STOP' : paused ? 'PAUSED' : full ? 'FULL' : 'OPEN',
    pid: 1,
    iid: fe.id,
    sid: 0,
    type: STAT_TYPE.frontend,
    rate: Math.floor(c.sessRate.read(now)),
    rate_lim: fe.cfg.rateLimitSessions ?? 0,
    rate_max: c.sessRateMax,
    req_rate: Math.floor(c.reqRate.read(now)),
    req_rate_max: c.reqRateMax,
    req_tot: c.reqTot,
    ...httpFields(c, fe.cfg.mode === 'http'),
    ...(fe.cfg.mode === 'http' && { intercepted: c.intercepted }),
    comp_in: 0,
    comp_out: 0,
    comp_byp: 0,
    comp_rsp: 0,
    mode: fe.cfg.mode,
    conn_rate: Math.floor(c.connRate.read(now)),
    conn_rate_max: c.connRateMax,
    conn_tot: c.connTot,
    dcon: c.deniedConn,
    dses: c.deniedSess,
    wrew: c.failedRewrites,
    eint: c.internalErrors,
  });
}

export function formatAddress(a: Address): string {
  if (a.family === 'unix' || a.family === 'abns') return 'unix';
  const host = a.family === 'ipv6' ? `[${a.host}]` : a.host;
  return `${host}:${a.portOffset !== undefined ? (a.portOffset >= 0 ? `+${a.portOffset}` : a.portOffset) : a.port}`;
}

export function serverRow(s: Server, now: number, wallNow: number): StatRow {
  const c = s.counters;
  const check = s.cfg.check;
  return row({
    ...common(c, now, wallNow),
    pxname: s.backend.name,
    svname: s.name,
    qcur: s.queue.length,
    scur: s.served,
    slim: s.maxconn || undefined,
    status: s.status(),
    weight: Math.ceil(s.eweight / BE_WEIGHT_SCALE),
    act: s.backup ? 0 : 1,
    bck: s.backup ? 1 : 0,
    chkfail: check.enabled ? c.chkfail : undefined,
    chkdown: check.enabled ? c.chkdown : undefined,
    lastchg: secondsSince(now, s.lastChange),
    downtime: check.enabled ? Math.floor(s.downtime(now) / 1000) : undefined,
    qlimit: s.maxqueue || undefined,
    iid: s.backend.id,
    sid: s.id,
    throttle: s.throttle(),
    type: STAT_TYPE.server,
    check_rise: check.enabled ? check.rise : undefined,
    check_fall: check.enabled ? check.fall : undefined,
    addr: formatAddress(s.cfg.addr),
    mode: s.backend.cfg.mode,
    ...httpFields(c, s.backend.cfg.mode === 'http'),
    srv_icur: 0,
    idle_conn_cur: 0,
    safe_conn_cur: 0,
    used_conn_cur: 0,
    // HAProxy estimates it from the recent peak of used connections; the peak seen stands in.
    need_conn_est: Math.max(s.served, c.smax),
    uweight: s.uweight,
  });
}

export function backendRow(be: Backend, now: number, wallNow: number): StatRow {
  const c = be.counters;
  const group = be.lbGroup();
  const eweight = group.servers.reduce((sum, s) => sum + s.eweight, 0);
  const uweight = group.servers.reduce((sum, s) => sum + s.uweight, 0);
  // stats.c: UP while some weight is usable, and for a backend without servers (a stats listener).
  const up = be.srvAct + be.srvBck > 0 || be.servers.length === 0;
  return row({
    ...common(c, now, wallNow),
    pxname: be.name,
    svname: 'BACKEND',
    qcur: be.queue.length,
    scur: be.beconn,
    slim: be.fullconn,
    dreq: c.deniedReq,
    status: up ? 'UP' : 'DOWN',
    weight: Math.ceil(eweight / BE_WEIGHT_SCALE),
    act: be.srvAct,
    bck: be.srvBck,
    chkdown: c.chkdown,
    lastchg: secondsSince(now, be.lastChange),
    downtime: Math.floor(be.downtime(now) / 1000),
    iid: be.id,
    sid: 0,
    type: STAT_TYPE.backend,
    comp_in: 0,
    comp_out: 0,
    comp_byp: 0,
    comp_rsp: 0,
    mode: be.cfg.mode,
    ...httpFields(c, be.cfg.mode === 'http'),
    algo: be.balancer.algorithm,
    uweight,
    agg_server_status: 0,
    agg_server_check_status: 0,
    agg_check_status: 0,
  });
}
