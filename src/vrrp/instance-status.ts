/**
 * Counters and status of one running vrrp_instance (what `hapair ctl` and
 * the stats page show), and the rate limiter for drop logs: a peer sending
 * bad adverts every second must not flood the log, so each drop reason is
 * logged at most once a minute, with the number left unlogged meanwhile.
 */
import type { Logger } from '../core/logger.js';
import type { NotifyTarget, PreemptPhase, VrrpState } from './fsm.js';
import type { TrackerKey } from './instance-config.js';
import { DROP_REASONS, type DropReason } from './packet.js';

export interface TransitionInfo {
  readonly from: VrrpState;
  readonly to: VrrpState;
  readonly reason: string;
  /** Wall-clock ms since the epoch. */
  readonly at: number;
}

export interface VrrpCounters {
  advertsSent: number;
  advertsReceived: number;
  prio0Sent: number;
  prio0Received: number;
  transitions: number;
  becameMaster: number;
  readonly drops: Record<DropReason, number>;
}

export interface VrrpInstanceStatus {
  readonly name: string;
  readonly state: VrrpState;
  readonly vrid: number;
  readonly version: 2 | 3;
  readonly family: 4 | 6;
  readonly interface: string;
  readonly localAddress: string;
  readonly basePriority: number;
  readonly effectivePriority: number;
  readonly fault: boolean;
  /** Why the priority moved or the instance is in FAULT, one line per tracker. */
  readonly reasons: readonly string[];
  readonly wantMaster: boolean;
  readonly preempt: PreemptPhase;
  readonly advertIntMs: number;
  readonly masterAdverIntMs: number;
  /** The current master as last heard (ourselves when MASTER). */
  readonly master: { readonly address: string; readonly priority: number } | undefined;
  readonly lastTransition: TransitionInfo | undefined;
  readonly trackers: readonly { readonly key: TrackerKey; readonly value: boolean | number | undefined }[];
  readonly counters: Readonly<VrrpCounters> & { readonly dropErrors: number };
}

/** Notify callback: the state entered, the transition reason, the effective priority. */
export type InstanceNotifier = (state: NotifyTarget, reason: string, priority: number) => void;

export function newCounters(): VrrpCounters {
  const drops = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  return {
    advertsSent: 0,
    advertsReceived: 0,
    prio0Sent: 0,
    prio0Received: 0,
    transitions: 0,
    becameMaster: 0,
    drops,
  };
}

/** Drops that are faults of the peer or the network; 'vrid' is another router's traffic, not an error. */
export function dropErrors(c: VrrpCounters): number {
  return DROP_REASONS.reduce((n, r) => (r === 'vrid' ? n : n + c.drops[r]), 0);
}

const DROP_LOG_INTERVAL_MS = 60_000;

export class DropLog {
  private readonly last = new Map<DropReason, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly name: string,
  ) {}

  /** Logs one drop unless the same reason was logged less than a minute ago (`now` in ms). */
  note(now: number, reason: DropReason, detail: string, src: string): void {
    const prev = this.last.get(reason);
    if (prev !== undefined && now - prev.at < DROP_LOG_INTERVAL_MS) {
      prev.suppressed++;
      return;
    }
    this.last.set(reason, { at: now, suppressed: 0 });
    const rec = { reason, detail, src, suppressed: prev?.suppressed ?? 0 };
    const msg = `${this.name}: dropped advert from ${src}: ${reason} (${detail})`;
    // Another VRID on the same link is normal traffic, not a fault.
    if (reason === 'vrid') this.log.debug(rec, msg);
    else this.log.warn(rec, msg);
  }
}
