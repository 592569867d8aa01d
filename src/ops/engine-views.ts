/**
 * Read side of the engine adapter: the proxy engine's servers and sessions,
 * and the health-check runner's results, turned into the views of types.ts,
 * and the check columns of `show stat` that the engine's rows leave to the
 * check runner (stats.c stats_fill_sv_stats: check_status … agent_health,
 * and the transitional `UP 1/3` / `DOWN 1/2` status words).
 */
import { statusDescription } from '../checks/status.js';
import type { CheckStatusView, ServerCheckStatus } from '../checks/types.js';
import type { Server } from '../proxy/server.js';
import type { Session } from '../proxy/session.js';
import type { StatRow, StatValue } from '../proxy/stat-fields.js';
import { STAT_TYPE, type StatField } from '../proxy/stat-fields.js';
import { sessionId } from './session-ids.js';
import type { CheckView, ServerView, SessionView } from './types.js';

/** What the adapter reads from the health-check runner (HealthCheckRunner has it). */
export interface CheckStatusSource {
  status(backend: string, server: string): ServerCheckStatus | undefined;
}

function checkView(
  v: CheckStatusView,
  enabled: boolean,
  paused: boolean,
  port?: number,
  addr?: string,
): CheckView {
  return {
    status: v.status,
    ...(v.code !== undefined ? { code: v.code } : {}),
    ...(v.durationMs !== undefined ? { durationMs: v.durationMs } : {}),
    desc: statusDescription(v.status),
    info: v.info,
    health: v.health,
    rise: v.rise,
    fall: v.fall,
    enabled,
    paused,
    ...(port !== undefined ? { port } : {}),
    ...(addr !== undefined ? { addr } : {}),
  };
}

export interface ViewInputs {
  readonly now: number;
  readonly checks: CheckStatusSource | undefined;
  /** Servers whose admin state changed at run time (no longer in the configuration's maintenance). */
  readonly touched: ReadonlySet<Server>;
  /** Position of the backend among the configuration's proxies. */
  readonly backendPosition: number;
}

export function serverView(s: Server, inp: ViewInputs): ServerView {
  const a = s.cfg.addr;
  const cs = inp.checks?.status(s.backend.name, s.name);
  const paused = s.admin === 'maint';
  const agent = s.cfg.check.agent;
  const oper = !s.running()
    ? 'stopped'
    : cs?.state === 'NOLB'
      ? 'stopping'
      : s.warming
        ? 'starting'
        : 'running';
  return {
    backend: s.backend.name,
    backendId: s.backend.id,
    name: s.name,
    id: s.id,
    host: a.family === 'unix' || a.family === 'abns' ? '' : (s.connectHost ?? a.host),
    port: a.port,
    ...(a.family === 'hostname' ? { fqdn: a.host } : {}),
    admin: s.admin,
    configMaint: s.cfg.initialState === 'maint' && s.admin === 'maint' && !inp.touched.has(s),
    oper,
    backup: s.backup,
    uweight: s.uweight,
    iweight: s.cfg.weight,
    lastChangeSec: Math.max(0, Math.floor((inp.now - s.lastChange) / 1000)),
    dynamicWeights: s.backend.balancer.dynamic,
    maxconn: s.maxconn,
    served: s.served,
    servedMax: s.counters.smax,
    queued: s.queue.length,
    ssl: s.cfg.ssl !== undefined,
    forcedId: s.cfg.idForced === true,
    backendForcedId: s.backend.cfg.idForced === true,
    rise: s.cfg.check.rise,
    ...(cs?.check
      ? { check: checkView(cs.check, !cs.check.disabled, paused, s.cfg.check.port, s.cfg.check.addr) }
      : {}),
    ...(cs?.agent ? { agent: checkView(cs.agent, !cs.agent.disabled, false, agent?.port, agent?.addr) } : {}),
  };
}

export function sessionView(s: Session, now: number): SessionView {
  const c = s.conn;
  return {
    id: sessionId(s),
    proto: c.family === 'ipv6' ? 'tcpv6' : c.family === 'ipv4' ? 'tcpv4' : 'unix_stream',
    src: c.family === 'unix' ? `unix:${s.listener.bind.addr.path ?? ''}` : `${c.srcAddr}:${c.srcPort}`,
    frontend: s.frontend.name,
    ...(s.backend ? { backend: s.backend.name } : {}),
    ...(s.server ? { server: s.server.name } : {}),
    ageSec: Math.max(0, Math.floor((now - s.acceptedAt) / 1000)),
    bytesIn: s.bytesIn,
    bytesOut: s.bytesOut,
  };
}

/** `UP`/`DOWN` with the health counter between the bounds becomes HAProxy's `UP 1/3` / `DOWN 1/2`. */
function transitional(status: StatValue, c: CheckView): StatValue {
  const top = c.rise + c.fall - 1;
  if (status === 'UP' && c.health < top) return `UP ${c.health - c.rise + 1}/${c.fall}`;
  if (status === 'DOWN' && c.health > 0) return `DOWN ${c.health}/${c.rise}`;
  return status;
}

function checkColumns(prefix: 'check' | 'agent', c: CheckView): Partial<Record<StatField, StatValue>> {
  return {
    [`${prefix}_status`]: c.status,
    [`${prefix}_code`]: c.code,
    [`${prefix}_duration`]: c.durationMs,
    [`${prefix}_desc`]: c.desc,
    [prefix === 'check' ? 'last_chk' : 'last_agt']: c.info || undefined,
    [`${prefix}_rise`]: c.rise,
    [`${prefix}_fall`]: c.fall,
    [`${prefix}_health`]: c.health,
  };
}

/** Columns HAProxy reports only while the health check is enabled (stats_fill_sv_stats). */
const HEALTH_ONLY: readonly StatField[] = ['chkfail', 'chkdown', 'downtime', 'check_rise', 'check_fall'];

/**
 * Fills the check columns the engine left empty; the engine's own values win.
 * A check disabled on the runtime API reports nothing, and an UP server whose
 * health check is disabled reads `no check` (SRV_STATS_STATE_NO_CHECK).
 */
export function withCheckColumns(row: StatRow, v: ServerView | undefined): StatRow {
  if (row.type !== STAT_TYPE.server || !v || (!v.check && !v.agent)) return row;
  const extra = {
    ...(v.agent?.enabled ? checkColumns('agent', v.agent) : {}),
    ...(v.check?.enabled ? checkColumns('check', v.check) : {}),
  };
  const out = { ...row } as Record<StatField, StatValue>;
  for (const [k, val] of Object.entries(extra) as [StatField, StatValue][]) {
    if (out[k] === undefined) out[k] = val;
  }
  if (v.check?.enabled) out.status = transitional(out.status, v.check);
  else if (v.check) {
    for (const k of HEALTH_ONLY) out[k] = undefined;
    if (out.status === 'UP') out.status = 'no check';
  }
  return out;
}
