/**
 * Host load probes for VRRP tracking: CPU load or memory use under a ceiling.
 * Only systeminformation's cheap calls are used (currentLoad, mem: both read
 * /proc asynchronously); never networkInterfaces/processLoad/services, which
 * spawn tools or walk the process table.
 */
import si from 'systeminformation';
import type { Clock } from '../core/clock.js';
import { realClock } from '../core/clock.js';
import { child, type Logger, silentLogger } from '../core/logger.js';
import { PollingProbe, type ProbeResult } from './probe.js';
import type { ProbeListener } from './types.js';

export interface SystemProbeOptions {
  readonly name: string;
  /** cpu: currentLoad percent; memory: active memory as a percent of total. */
  readonly metric: 'cpu' | 'memory';
  /** Good while the metric is at or below this percentage. */
  readonly maxPercent: number;
  readonly interval: number;
  readonly onEvent: ProbeListener;
  readonly rise?: number;
  readonly fall?: number;
  readonly clock?: Clock;
  readonly log?: Logger;
}

export class SystemProbe extends PollingProbe {
  constructor(private readonly o: SystemProbeOptions) {
    super(o.name, {
      interval: o.interval,
      rise: o.rise ?? 1,
      fall: o.fall ?? 1,
      initFail: false,
      clock: o.clock ?? realClock,
      log: child(o.log ?? silentLogger, `track_system/${o.name}`),
      onEvent: o.onEvent,
    });
  }

  /** The measured percentage. */
  async measure(): Promise<number> {
    if (this.o.metric === 'cpu') return (await si.currentLoad()).currentLoad;
    const m = await si.mem();
    return m.total > 0 ? (m.active / m.total) * 100 : 0;
  }

  protected async probe(): Promise<ProbeResult> {
    try {
      const v = await this.measure();
      return v <= this.o.maxPercent
        ? { ok: true }
        : { ok: false, reason: `${this.o.metric} ${v.toFixed(1)}%` };
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
  }
}
