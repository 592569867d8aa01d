/**
 * The stick tables of one engine: one per proxy with a `stick-table` line,
 * named after it (configuration.txt 11.1), and the periodic sweep that drops
 * expired entries nobody looked at (reads drop the ones they meet).
 */
import type { ProxyConfig } from '../../config/haproxy/model.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { StickTable } from './table.js';
import type { StickTables } from './types.js';

/** Bounds of the sweep interval: the shortest `expire`, but not busier than 1 s nor lazier than 1 min. */
const MIN_SWEEP_MS = 1000;
const MAX_SWEEP_MS = 60_000;

export class StickTableSet implements StickTables {
  readonly clock: Clock;
  private readonly byName = new Map<string, StickTable>();
  private readonly order: StickTable[] = [];
  private timer: TimerHandle | undefined;
  private stopped = false;

  /** `proxies`: the running ones; validation (check.ts) has refused name clashes. */
  constructor(proxies: readonly ProxyConfig[], clock: Clock) {
    this.clock = clock;
    const sticky = new Set<string>();
    for (const p of proxies) for (const r of p.stickRules) sticky.add(r.table ?? p.name);
    for (const p of proxies) {
      if (!p.stickTable) continue;
      const t = new StickTable(p.name, p.stickTable, sticky.has(p.name));
      this.byName.set(p.name, t);
      this.order.push(t);
    }
  }

  get(name: string): StickTable | undefined {
    return this.byName.get(name);
  }

  /** Tables in `show table` order: HAProxy prepends each new table to its list, the last declared comes first. */
  list(): StickTable[] {
    return [...this.order].reverse();
  }

  now(): number {
    return this.clock.now();
  }

  /** Starts the periodic sweep of tables with an `expire`. */
  start(): void {
    const expires = this.order.flatMap((t) => (t.expire === undefined ? [] : [t.expire]));
    if (expires.length === 0 || this.stopped) return;
    const every = Math.min(MAX_SWEEP_MS, Math.max(MIN_SWEEP_MS, Math.min(...expires)));
    const tick = (): void => {
      const now = this.clock.now();
      for (const t of this.order) t.sweep(now);
      if (!this.stopped) this.timer = this.clock.setTimeout(tick, every);
    };
    this.timer = this.clock.setTimeout(tick, every);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }
}
