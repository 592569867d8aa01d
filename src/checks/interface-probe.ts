/**
 * Interface tracking (keepalived `track_interface`): the link is good when
 * /sys/class/net/IF/operstate says "up" (or "unknown", which loopback and
 * many virtual devices report) and /sys/class/net/IF/carrier reads 1. Polled
 * with asynchronous reads; a missing interface or an unreadable carrier (the
 * kernel refuses it while the device is administratively down) is a failure.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { realClock } from '../core/clock.js';
import { child, type Logger, silentLogger } from '../core/logger.js';
import { PollingProbe, type ProbeResult } from './probe.js';
import type { ProbeListener } from './types.js';

export interface InterfaceProbeOptions {
  readonly name: string;
  readonly ifname: string;
  readonly interval: number;
  readonly onEvent: ProbeListener;
  /** Directory holding one folder per interface; /sys/class/net by default. */
  readonly sysfsRoot?: string;
  readonly rise?: number;
  readonly fall?: number;
  readonly clock?: Clock;
  readonly log?: Logger;
}

export class InterfaceProbe extends PollingProbe {
  private readonly dir: string;

  constructor(o: InterfaceProbeOptions) {
    super(o.name, {
      interval: o.interval,
      rise: o.rise ?? 1,
      fall: o.fall ?? 1,
      initFail: false,
      clock: o.clock ?? realClock,
      log: child(o.log ?? silentLogger, `track_interface/${o.ifname}`),
      onEvent: o.onEvent,
    });
    this.dir = join(o.sysfsRoot ?? '/sys/class/net', o.ifname);
  }

  protected async probe(): Promise<ProbeResult> {
    let oper: string;
    try {
      oper = (await readFile(join(this.dir, 'operstate'), 'utf8')).trim();
    } catch (e) {
      return { ok: false, reason: `interface missing: ${(e as NodeJS.ErrnoException).code ?? 'error'}` };
    }
    if (oper !== 'up' && oper !== 'unknown') return { ok: false, reason: `operstate ${oper}` };
    try {
      const carrier = (await readFile(join(this.dir, 'carrier'), 'utf8')).trim();
      return carrier === '1' ? { ok: true } : { ok: false, reason: 'no carrier' };
    } catch {
      return { ok: false, reason: 'carrier unreadable' };
    }
  }
}
