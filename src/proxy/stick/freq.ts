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

/**
 * The counter as it crosses to another process (handover.ts): [ms since its
 * current period began, current count, previous count], with the window
 * moved to `now` first, so the first number is below `period`. Relative, as
 * HAProxy's peers send a freq_ctr: each process has its own monotonic clock.
 */
export function rateExport(
  d: Float64Array,
  off: number,
  period: number,
  now: number,
): [number, number, number] {
  const t = Float64Array.of(d[off]!, d[off + 1]!, d[off + 2]!);
  rotate(t, 0, period, now);
  return [now - t[0]!, t[1]!, t[2]!];
}

/**
 * Adds a counter exported by rateExport() (same period) to this one: the
 * first import into a new entry, or the tables of several old processes
 * merged. The sum takes the phase of the counter whose current period began
 * first ("early"); the other ("late") began its own `δ` of a period later.
 * Both current counts lie in the early current period. Of the late previous
 * count, rateRead() weighs the share still in the window, which is `δ` plus
 * the early counter's share: putting `δ` of it in the current count and all
 * of it in the previous one makes the sum read as the two counters did (to
 * the rounding of that `δ` share, counts stay whole) until the early period
 * ends. After that it is an estimate, as any merge of such counters is.
 * A new entry's counter, begun at the import, takes the other as it is.
 */
export function rateMerge(
  d: Float64Array,
  off: number,
  period: number,
  now: number,
  other: readonly [number, number, number],
): void {
  const o = Float64Array.of(now - other[0], other[1], other[2]);
  rotate(o, 0, period, now);
  rotate(d, off, period, now);
  const mine = d.subarray(off, off + 3);
  const [early, late] = mine[0]! <= o[0]! ? [mine, o] : [o, mine];
  const start = early[0]!;
  const curr = early[1]! + late[1]! + Math.round((late[2]! * (late[0]! - start)) / period);
  const prev = early[2]! + late[2]!;
  d[off] = start;
  d[off + 1] = curr;
  d[off + 2] = prev;
}
