/**
 * The loop shared by every VRRP probe: run `probe()` every `interval`
 * (start to start, as keepalived's vrrp_script_thread re-arms its timer before
 * launching), never two runs at once (a run still going when the timer fires
 * is skipped), feed each result to the rise/fall counter and report only state
 * changes. Nothing here blocks the event loop: probes are asynchronous.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import {
  type CounterParams,
  counterVerdict,
  countResult,
  initialCounter,
  type ProbeCounterState,
} from './probe-counter.js';
import type { Probe, ProbeListener } from './types.js';

export interface ProbeResult {
  readonly ok: boolean;
  /** Why it failed, for the log. */
  readonly reason?: string;
}

export interface PollingOptions extends CounterParams {
  readonly interval: number;
  readonly initFail: boolean;
  readonly clock: Clock;
  readonly log: Logger;
  readonly onEvent: ProbeListener;
}

export abstract class PollingProbe implements Probe {
  private counter: ProbeCounterState;
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private started = false;

  constructor(
    readonly name: string,
    protected readonly opts: PollingOptions,
  ) {
    this.counter = initialCounter(opts, opts.initFail);
  }

  /** One measurement; must not throw (failures are results). */
  protected abstract probe(): Promise<ProbeResult>;

  /** Releases what `probe()` may hold when stopping (kills a running script …). */
  protected abort(): void {}

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.abort();
    await this.running;
  }

  state(): boolean | undefined {
    return counterVerdict(this.opts, this.counter);
  }

  private tick(): void {
    if (this.stopped) return;
    this.timer = this.opts.clock.setTimeout(() => this.tick(), this.opts.interval);
    if (this.running) {
      this.opts.log.debug(`Track script ${this.name} is already running, expect idle - skipping run`);
      return;
    }
    this.running = this.probe()
      .then((r) => this.record(r))
      .finally(() => {
        this.running = undefined;
      });
  }

  private record(r: ProbeResult): void {
    if (this.stopped) return;
    const { next, changed } = countResult(this.opts, this.counter, r.ok);
    this.counter = next;
    if (changed === undefined) return;
    this.opts.log.info(this.describe(changed, r));
    this.opts.onEvent({ name: this.name, ok: changed });
  }

  /** Log line for a state change; keepalived's wording for scripts. */
  protected describe(ok: boolean, r: ProbeResult): string {
    return `${this.name} ${ok ? 'succeeded' : 'failed'}${r.reason ? ` (${r.reason})` : ''}`;
  }
}
