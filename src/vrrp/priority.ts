/**
 * The one place where tracker results become an instance's effective
 * priority and fault state (ARCHITECTURE.md, "One VRRP advert"), with
 * keepalived 2.2.7's rules (keepalived/vrrp/vrrp_track.c:
 * process_script_update_priority, initialise_*_tracking_priorities,
 * vrrp_set_effective_priority; keepalived.conf(5) "VRRP script(s)",
 * "Track files", vrrp_instance track_interface):
 *
 *  - weight 0: the object failing puts the instance in FAULT; `reverse`
 *    faults it when the object is OK instead.
 *  - weight > 0: adds the weight while the object is OK.
 *  - weight < 0: subtracts |weight| while the object is failing.
 *  - `reverse` flips the sign of the adjustment.
 *  - track file: weight 0 faults on a non-zero value (zero on a zero value
 *    with reverse); otherwise value × weight (× −1 with reverse) is added,
 *    and a result ≤ −254 means FAULT; a result above 253 counts as 253.
 *  - the sum is clamped to 1–254; the address owner (priority 255) keeps
 *    255 whatever the weights, though a weight-0 failure still faults it.
 */
import { PRIO_OWNER } from './timers.js';

export type TrackerKind = 'script' | 'interface' | 'file' | 'proxy';

export interface TrackerInput {
  readonly kind: TrackerKind;
  readonly name: string;
  readonly weight: number;
  readonly reverse: boolean;
  /**
   * script / proxy: true = OK; interface: true = up; file: the number read.
   * undefined = no result yet (a script that has not run): keepalived keeps
   * the instance out of BACKUP for weight 0 and adds nothing for a weight.
   */
  readonly value: boolean | number | undefined;
}

export interface EffectivePriority {
  readonly fault: boolean;
  readonly priority: number;
  /** One line per tracker that faults the instance or moves its priority. */
  readonly reasons: readonly string[];
}

/** keepalived: a track file result at or below this faults the instance. */
const FILE_FAULT = -254;
const FILE_MAX = 253;
const PRIO_MIN = 1;
const PRIO_MAX = PRIO_OWNER - 1;

interface Contribution {
  readonly fault: boolean;
  readonly delta: number;
  readonly reason?: string;
}

const NONE: Contribution = { fault: false, delta: 0 };

function label(t: TrackerInput): string {
  return t.kind === 'proxy' ? 'proxy tracker' : `${t.kind} ${t.name}`;
}

function stateWord(t: TrackerInput, ok: boolean): string {
  if (t.kind === 'interface') return ok ? 'up' : 'down';
  return ok ? 'OK' : 'failing';
}

/** Scripts, interfaces and the proxy tracker: an OK/failing object. */
function binaryContribution(t: TrackerInput): Contribution {
  if (t.value === undefined) {
    if (t.weight !== 0) return NONE;
    return { fault: true, delta: 0, reason: `${label(t)}: no result yet` };
  }
  const ok = t.value === true;
  const sign = t.reverse ? -1 : 1;
  if (t.weight === 0) {
    if (ok !== t.reverse) return NONE;
    return {
      fault: true,
      delta: 0,
      reason: `${label(t)} ${stateWord(t, ok)}${t.reverse ? ' (reverse)' : ''}`,
    };
  }
  const active = ok ? t.weight > 0 : t.weight < 0;
  if (!active) return NONE;
  const delta = t.weight * sign;
  return { fault: false, delta, reason: `${label(t)} ${stateWord(t, ok)}: ${delta > 0 ? '+' : ''}${delta}` };
}

function fileContribution(t: TrackerInput): Contribution {
  const value = typeof t.value === 'number' ? t.value : 0;
  const sign = t.reverse ? -1 : 1;
  const status = t.weight === 0 ? ((value !== 0) === !t.reverse ? FILE_FAULT : 0) : value * t.weight * sign;
  if (status <= FILE_FAULT) return { fault: true, delta: 0, reason: `${label(t)} value ${value}: fault` };
  if (status === 0) return NONE;
  const delta = Math.min(status, FILE_MAX);
  return { fault: false, delta, reason: `${label(t)} value ${value}: ${delta > 0 ? '+' : ''}${delta}` };
}

/** Effective priority and fault state of an instance of priority `base` given its trackers. */
export function effectivePriority(base: number, trackers: readonly TrackerInput[]): EffectivePriority {
  let fault = false;
  let total = base;
  const reasons: string[] = [];
  for (const t of trackers) {
    const c = t.kind === 'file' ? fileContribution(t) : binaryContribution(t);
    fault ||= c.fault;
    total += c.delta;
    if (c.reason !== undefined) reasons.push(c.reason);
  }
  // vrrp_set_effective_priority: "Don't change priority if address owner".
  const priority = base === PRIO_OWNER ? PRIO_OWNER : Math.min(PRIO_MAX, Math.max(PRIO_MIN, total));
  return { fault, priority, reasons };
}
