/**
 * Connects the health-check runner to the proxy engine: verdicts become
 * server state changes, agent replies become weight/maxconn/admin changes,
 * and HAProxy's state-change lines get their counters from the engine.
 * Checks run once per server here, whatever the number of workers.
 */
import type { HaproxyConfig } from '../config/haproxy/model.js';
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

export function healthSinkFor(engine: ProxyEngine): HealthSink {
  return {
    serverUp: (b, s) => void engine.setServerHealth(b, s, true, 'health check passed'),
    // HAProxy's NOLB state (a conditional pass, L7OKC): the server stays up for
    // persistent traffic but takes no new load-balanced sessions, as with drain.
    serverStopping: (b, s) => void engine.setServerAdminState(b, s, 'drain'),
    serverDown: (b, s, info) =>
      void engine.setServerHealth(
        b,
        s,
        false,
        info.check?.info ?? info.check?.status ?? 'health check failed',
      ),
    agentUpdate: (b, s, u) => {
      if (u.weight !== undefined) engine.setServerWeight(b, s, u.weight);
      if (u.admin !== undefined) engine.setServerAdminState(b, s, u.admin);
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
