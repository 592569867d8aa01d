/**
 * Connects the health-check runner to the proxy engine: verdicts become
 * server state changes, agent replies become weight/maxconn/admin changes,
 * HAProxy's state-change lines get their counters from the engine, and the
 * engine's live traffic feeds passive health (`observe`).
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
  /** The agent's `maxconn:N`; a target without it cannot apply that word. */
  setServerMaxconn?(backend: string, server: string, maxconn: number): unknown;
  /** HAProxy's NOLB state; a target without it gets the drain that stands for it. */
  setServerStopping?(backend: string, server: string, reason: string): unknown;
}

/** Maps check verdicts onto a target; `onHealth` runs after each up/down change. */
export function healthSinkFor(target: ServerStateTarget, onHealth?: () => void): HealthSink {
  // Servers this sink put in drain for the NOLB state, so that leaving it
  // (UP or DOWN) lifts that drain again, and only that one.
  const nolb = new Set<string>();
  const health = (b: string, s: string, up: boolean, reason: string) => {
    target.setServerHealth(b, s, up, reason);
    onHealth?.();
  };
  const leaveNolb = (b: string, s: string) => {
    if (nolb.delete(`${b}/${s}`)) target.setServerAdminState(b, s, 'ready');
  };
  return {
    serverUp: (b, s, info) => {
      leaveNolb(b, s);
      health(b, s, true, info.reason ?? 'health check passed');
    },
    // HAProxy's NOLB state (a conditional pass, L7OKC, or forced on the CLI):
    // the server stays up for persistent traffic but takes no new
    // load-balanced sessions; a target without NOLB gets a drain instead.
    serverStopping: (b, s, info) => {
      if (target.setServerStopping) {
        target.setServerStopping(
          b,
          s,
          info.reason ?? info.check?.info ?? 'health check conditionally passed',
        );
        onHealth?.();
        return;
      }
      nolb.add(`${b}/${s}`);
      target.setServerAdminState(b, s, 'drain');
    },
    serverDown: (b, s, info) => {
      health(b, s, false, info.reason ?? info.check?.info ?? info.check?.status ?? 'health check failed');
      leaveNolb(b, s);
    },
    agentUpdate: (b, s, u) => {
      if (u.admin !== undefined) {
        // An administrative word from the agent replaces whatever drain NOLB set.
        nolb.delete(`${b}/${s}`);
        target.setServerAdminState(b, s, u.admin);
      }
      if (u.weight !== undefined) target.setServerWeight(b, s, u.weight);
      if (u.maxconn !== undefined && u.maxconn >= 0) target.setServerMaxconn?.(b, s, u.maxconn);
    },
  };
}

/** Sends the engine's live traffic to servers with `observe` into the runner's passive health. */
function observeTraffic(cfg: HaproxyConfig, engine: ProxyEngine, runner: HealthCheckRunner): void {
  for (const px of cfg.proxies) {
    const be = engine.backend(px.name);
    if (!be) continue;
    for (const srv of be.servers) {
      if (srv.cfg.check.observe === undefined || !srv.cfg.check.enabled) continue;
      srv.observer = (s, status) => runner.observe(px.name, s.name, status);
    }
  }
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
  observeTraffic(cfg, engine, runner);
  runner.start();
  return runner;
}
