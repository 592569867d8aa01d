/**
 * The statistics pages (`stats enable`) and the `prometheus-exporter`
 * service of a master-worker proxy worker: the engine's statsHandler
 * (proxy/mode.ts) over the worker's ProxyControl, a WholeProcessControl when
 * the process has several workers, so the page and the exporter report every
 * worker's traffic. Those then gather the other workers' counters through
 * the master for each request, as the stats socket does for each command,
 * and answer once they are in (the handler's promise); a single worker
 * answers at once. The VRRP process belongs to the master, so these pages
 * carry no VRRP instances.
 */
import type { Condition } from '../config/haproxy/model.js';
import type { Logger } from '../core/logger.js';
import type { StatsHandler, StatsHttpRequest, StatsHttpResponse } from '../proxy/mode.js';
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

export interface StatsServiceDeps {
  readonly control: ProxyControl;
  readonly info: () => InfoFields;
  /** Each change the admin form made, as the runtime API command the other workers run. */
  readonly replicate?: (command: readonly string[]) => void;
  /**
   * Several workers: fetches the other workers' counters, after which
   * `control` and `info` cover the whole process (RuntimeDeps.gatherCounters).
   */
  readonly gatherCounters?: () => Promise<void>;
  readonly log: Logger;
}

export function statsService(deps: StatsServiceDeps): StatsHandler {
  const answer = pageOrScrape(deps);
  const gather = deps.gatherCounters;
  if (!gather) return answer;
  return (req) => gather().then(() => answer(req));
}

function pageOrScrape(deps: StatsServiceDeps): (req: StatsHttpRequest) => StatsHttpResponse {
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
