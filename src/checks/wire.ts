/**
 * Connects the health-check runner to the proxy engine: verdicts become
 * server state changes, agent replies become weight/maxconn/admin changes,
 * and HAProxy's state-change lines get their counters from the engine.
 * Checks run once per server here, whatever the number of workers.
 */
import type { HaproxyConfig, ServerAdminState } from '../config/haproxy/model.js';
import type { Logger } from '../core/logger.js';
import type { ProxyEngine } from '../proxy/engine.js';
import { HealthCheckRunner } from './runner.js';
import type { HealthLogLine, HealthSink, StateCounts } from './types.js';

function countsFrom(engine: ProxyEngine, backend: string, server: string): StateCounts {
  const be = engine.backend(backend);
  const servers = be?.servers ?? [];
  const srv = servers.find((s) => s.name === server);
  return {
    active: servers.filter((s) => !s.backup && s.usable()).length,
    backup: servers.filter((s) => s.backup && s.usable()).length,
    sessions: srv?.served ?? 0,
    requeued: 0,
    queued: srv?.queue.length ?? 0,
  };
}

/**
 * Whatever applies verdicts to servers: the engine itself, or the master's
 * broadcast to its workers (src/process/master.ts).
 */
export interface ServerStateTarget {
  setServerHealth(backend: string, server: string, up: boolean, reason: string): unknown;
  setServerAdminState(backend: string, server: string, state: ServerAdminState): unknown;
  setServerWeight(backend: string, server: string, weight: number): unknown;
}

/** Maps check verdicts onto a target; `onHealth` runs after each up/down change. */
export function healthSinkFor(target: ServerStateTarget, onHealth?: () => void): HealthSink {
  const health = (b: string, s: string, up: boolean, reason: string) => {
    target.setServerHealth(b, s, up, reason);
    onHealth?.();
  };
  return {
    serverUp: (b, s, info) => health(b, s, true, info.reason ?? 'health check passed'),
    // HAProxy's NOLB state (a conditional pass, L7OKC): the server stays up for
    // persistent traffic but takes no new load-balanced sessions, as with drain.
    serverStopping: (b, s) => void target.setServerAdminState(b, s, 'drain'),
    serverDown: (b, s, info) =>
      health(b, s, false, info.reason ?? info.check?.info ?? info.check?.status ?? 'health check failed'),
    agentUpdate: (b, s, u) => {
      if (u.weight !== undefined) target.setServerWeight(b, s, u.weight);
      if (u.admin !== undefined) target.setServerAdminState(b, s, u.admin);
    },
  };
}

export function startHealthChecks(
  cfg: HaproxyConfig,
  engine: ProxyEngine,
  log: Logger,
  onLog?: (line: HealthLogLine) => void,
): HealthCheckRunner {
  const runner = new HealthCheckRunner({
    config: cfg,
    sink: healthSinkFor(engine),
    counts: (b, s) => countsFrom(engine, b, s),
    log,
    ...(onLog ? { onLog } : {}),
  });
  runner.start();
  return runner;
}
