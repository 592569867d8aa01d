/**
 * keepalived's rise/fall counter for tracked scripts (keepalived/vrrp/
 * vrrp_scheduler.c vrrp_script_child_thread, vrrp_init_script). `result` runs
 * from 0 to rise+fall-1 and the script is good when result ≥ rise. A new
 * script starts at rise-1 in the INIT state, so its first result decides;
 * `init_fail` starts it at 0, failed, so it needs `rise` successes.
 */
export interface ProbeCounterState {
  readonly result: number;
  /** No result seen yet (keepalived SCRIPT_INIT_STATE_INIT). */
  readonly init: boolean;
}

export interface CounterParams {
  readonly rise: number;
  readonly fall: number;
}

export function initialCounter(p: CounterParams, initFail: boolean): ProbeCounterState {
  return initFail ? { result: 0, init: false } : { result: p.rise - 1, init: true };
}

/** Whether the counter says good; undefined while still in INIT. */
export function counterVerdict(p: CounterParams, s: ProbeCounterState): boolean | undefined {
  if (s.init) return undefined;
  return s.result >= p.rise;
}

/** Applies one result; `changed` is the new verdict when it must be reported. */
export function countResult(
  p: CounterParams,
  s: ProbeCounterState,
  ok: boolean,
): { readonly next: ProbeCounterState; readonly changed?: boolean } {
  const full = p.rise + p.fall - 1;
  if (ok) {
    if (s.result < p.rise - 1) return { next: { result: s.result + 1, init: false } };
    if (s.result === full) return { next: { result: full, init: false } };
    const report = s.result < p.rise;
    return { next: { result: full, init: false }, ...(report ? { changed: true } : {}) };
  }
  if (s.result > p.rise) return { next: { result: s.result - 1, init: false } };
  const report = s.result === p.rise || s.init;
  return { next: { result: 0, init: false }, ...(report ? { changed: false } : {}) };
}
