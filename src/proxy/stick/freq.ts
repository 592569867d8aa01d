/**
 * Rates over a configurable period, the way HAProxy's freq_ctr_period does
 * it (src/freq_ctr.c update_freq_ctr_period / read_freq_ctr_period): the
 * count of the current period plus the previous period's count weighted by
 * the share of it still inside the sliding window. A rate is three numbers
 * of an entry's data array, [start of the current period, current count,
 * previous count], so an entry with several rates is still one allocation.
 */

/** Starts the counter at `now` (a fresh entry). */
export function rateInit(d: Float64Array, off: number, now: number): void {
  d[off] = now;
  d[off + 1] = 0;
  d[off + 2] = 0;
}

/** Moves the window so that `now` falls in the current period. */
function rotate(d: Float64Array, off: number, period: number, now: number): void {
  const elapsed = now - d[off]!;
  if (elapsed < period) return;
  if (elapsed >= 2 * period) {
    // Two periods or more without an event: nothing of the past is left.
    d[off + 2] = 0;
    d[off] = now;
  } else {
    d[off + 2] = d[off + 1]!;
    d[off] = d[off]! + period;
  }
  d[off + 1] = 0;
}

/** Counts `n` events at `now`; returns the current period's count. */
export function rateAdd(d: Float64Array, off: number, period: number, now: number, n = 1): number {
  rotate(d, off, period, now);
  const curr = d[off + 1]! + n;
  d[off + 1] = curr;
  return curr;
}

/** Events over the last `period` ms at `now`, as the integer HAProxy reports. */
export function rateRead(d: Float64Array, off: number, period: number, now: number): number {
  if (period <= 0) return d[off + 1]!;
  let curr = d[off + 1]!;
  let past = d[off + 2]!;
  let remain = d[off]! + period - now;
  if (remain < 0) {
    remain += period;
    past = remain >= 0 ? curr : 0;
    curr = 0;
  }
  return Math.floor((past * remain + curr * period) / period);
}
