/**
 * Event rates, the way HAProxy measures them (include/haproxy/freq_ctr.h):
 * a counter for the current one-second period plus the previous period's
 * count, so the rate "over the last second" is `curr + prev × (share of the
 * previous period still inside the window)`. Two numbers and a timestamp per
 * counter; nothing is allocated per event.
 */

const PERIOD_MS = 1000;

export class FreqCounter {
  private start = 0;
  private curr = 0;
  private prev = 0;

  /** Moves the window so that `now` falls in the current period. */
  private rotate(now: number): void {
    const elapsed = now - this.start;
    if (elapsed < PERIOD_MS) return;
    this.prev = elapsed < 2 * PERIOD_MS ? this.curr : 0;
    this.curr = 0;
    this.start = now - (elapsed % PERIOD_MS);
  }

  /** Counts `n` events; returns the count of the current period (HAProxy's update_freq_ctr). */
  add(now: number, n = 1): number {
    this.rotate(now);
    this.curr += n;
    return this.curr;
  }

  /** Events over the last second, interpolated (read_freq_ctr). */
  read(now: number): number {
    this.rotate(now);
    const remaining = 1 - (now - this.start) / PERIOD_MS;
    return this.curr + this.prev * remaining;
  }

  /**
   * Milliseconds to wait before one more event keeps the rate at or under
   * `limit` per second (HAProxy's next_event_delay); 0 when it may happen now.
   */
  delayFor(now: number, limit: number): number {
    if (this.read(now) + 1 <= limit) return 0;
    const intoPeriod = now - this.start;
    if (this.curr + 1 > limit) return Math.max(1, PERIOD_MS - intoPeriod);
    // Solve curr + prev × (1 − (into + t) / P) + 1 ≤ limit for t.
    const t = PERIOD_MS * (1 - (limit - 1 - this.curr) / this.prev) - intoPeriod;
    return Math.max(1, Math.ceil(t));
  }
}
