/**
 * Serves `stats enable` pages and `http-request use-service
 * prometheus-exporter` from the HTTP data path: the engine's statsHandler
 * calls the renderers of src/ops with the live counters, the process info,
 * the VRRP view (refreshed from the VRRP process every second, so that the
 * handler answers at once) and, for pages, `stats admin if COND`
 * (ops/stats-service.ts statsAdminAllowed).
 */

import type { HealthCheckRunner } from '../checks/runner.js';
import type { Condition } from '../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { engineControl } from '../ops/engine-control.js';
import type { InfoFields } from '../ops/info.js';
import { handlePrometheusRequest } from '../ops/prometheus-service.js';
import { handleStatsRequest } from '../ops/stats-page.js';
import { statsAdminAllowed } from '../ops/stats-service.js';
import type { ProxyControl, VrrpView } from '../ops/types.js';
import type { ProxyEngine } from '../proxy/engine.js';
import type { StatsHttpRequest, StatsHttpResponse } from '../proxy/mode.js';
import { processInfo } from './runtime.js';

/** Conditions of `stats admin` this build cannot evaluate: refused at start, never guessed. */
export function statsAdminProblems(
  proxies: readonly { name: string; stats?: { admin?: Condition } }[],
): ConfigError[] {
  const out: ConfigError[] = [];
  for (const p of proxies) {
    const c = p.stats?.admin;
    if (!c) continue;
    const ok = c.or.every((and) =>
      and.every((t) => typeof t.acl === 'string' && ['TRUE', 'FALSE', 'LOCALHOST'].includes(t.acl)),
    );
    if (!ok) {
      out.push(
        new ConfigError(
          ConfigCode.Unsupported,
          c.loc,
          'stats admin',
          'only TRUE, FALSE and LOCALHOST conditions are supported by hapair yet',
        ),
      );
    }
  }
  return out;
}

export class StatsPages {
  private control: ProxyControl | undefined;
  private info: (() => InfoFields) | undefined;
  private vrrp: readonly VrrpView[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly log: Logger) {}

  attach(
    engine: ProxyEngine,
    checks: HealthCheckRunner,
    vrrpStatus: () => Promise<readonly VrrpView[]>,
  ): void {
    this.control = engineControl(engine, { checks });
    this.info = processInfo(engine.cfg.global, this.control, 1);
    const refresh = () =>
      void vrrpStatus().then((v) => {
        this.vrrp = v;
      });
    refresh();
    this.timer = setInterval(refresh, 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  readonly handler = (req: StatsHttpRequest): StatsHttpResponse => {
    const { control, info } = this;
    if (!control || !info) return { status: 503, headers: {}, body: 'statistics not ready\n' };
    try {
      if (req.service === 'prometheus-exporter')
        return handlePrometheusRequest(req, { control, vrrp: this.vrrp, info: info() });
      if (req.service !== undefined || !req.proxy.stats)
        return { status: 503, headers: {}, body: `no statistics page or service here\n` };
      return handleStatsRequest(req, {
        stats: req.proxy.stats,
        proxy: req.proxy.name,
        control,
        vrrp: this.vrrp,
        admin: statsAdminAllowed(req.proxy.stats.admin, req.src),
        info: info(),
      });
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'stats page failed');
      return { status: 500, headers: {}, body: 'internal error\n' };
    }
  };
}
