/**
 * The statistics pages (`stats enable`) and the `prometheus-exporter`
 * service of a master-worker proxy worker: the engine's statsHandler
 * (proxy/mode.ts) over the worker's ProxyControl, a WholeProcessControl when
 * the process has several workers, so the page and the exporter report every
 * worker's traffic. The data path calls the handler synchronously: the other
 * workers' part is their latest snapshot, which the worker refreshes every
 * second (worker.ts). The VRRP process belongs to the master, so these pages
 * carry no VRRP instances.
 */
import type { Condition, HaproxyConfig } from '../config/haproxy/model.js';
import type { Logger } from '../core/logger.js';
import type { StatsHttpRequest, StatsHttpResponse } from '../proxy/mode.js';
import type { InfoFields } from './info.js';
import { handlePrometheusRequest } from './prometheus-service.js';
import { handleStatsRequest } from './stats-page.js';
import type { ProxyControl } from './types.js';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * `stats admin if|unless COND` with HAProxy's predefined ACLs TRUE, FALSE and
 * LOCALHOST, the only conditions the configuration lets through
 * (cli/stats-page.ts statsAdminProblems); anything else never allows.
 */
export function statsAdminAllowed(cond: Condition | undefined, src: string): boolean {
  if (!cond) return false;
  const value = (name: string) => (name === 'TRUE' ? true : name === 'FALSE' ? false : LOOPBACK.test(src));
  const holds = cond.or.some((and) =>
    and.every((t) => (typeof t.acl === 'string' ? value(t.acl) !== t.negate : false)),
  );
  return cond.polarity === 'if' ? holds : !holds;
}

/** True when some proxy serves a statistics page or a `use-service` applet (the Prometheus exporter). */
export function servesStatistics(cfg: HaproxyConfig): boolean {
  return cfg.proxies.some(
    (p) => !p.disabled && (p.stats?.enabled === true || p.rules.some((r) => r.action === 'use-service')),
  );
}

export interface StatsServiceDeps {
  readonly control: ProxyControl;
  readonly info: () => InfoFields;
  /** Each change the admin form made, as the runtime API command the other workers run. */
  readonly replicate?: (command: readonly string[]) => void;
  readonly log: Logger;
}

export function statsService(deps: StatsServiceDeps): (req: StatsHttpRequest) => StatsHttpResponse {
  const { control, info, log } = deps;
  return (req) => {
    try {
      if (req.service === 'prometheus-exporter')
        return handlePrometheusRequest(req, { control, vrrp: [], info: info() });
      if (req.service !== undefined || !req.proxy.stats)
        return { status: 503, headers: {}, body: 'no statistics page or service here\n' };
      return handleStatsRequest(req, {
        stats: req.proxy.stats,
        proxy: req.proxy.name,
        control,
        vrrp: [],
        admin: statsAdminAllowed(req.proxy.stats.admin, req.src),
        info: info(),
        ...(deps.replicate ? { replicate: deps.replicate } : {}),
      });
    } catch (err) {
      log.error({ err: (err as Error).message }, 'stats page failed');
      return { status: 500, headers: {}, body: 'internal error\n' };
    }
  };
}
