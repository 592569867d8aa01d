/**
 * The timers of one vrrp_instance on the Clock seam: Master_Down_Timer and
 * Adver_Timer (RFC 5798 §6.2) and keepalived's preempt_delay timer. A timer
 * only posts its FSM event when it fires; the state machine decides.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { FsmAction, FsmEvent } from './fsm.js';

export type TimerAction = Extract<
  FsmAction,
  { type: 'reset_master_down_timer' | 'shift_master_down_timer' | 'start_advert_timer' | 'cancel_timers' }
>;

export function isTimerAction(a: FsmAction): a is TimerAction {
  return (
    a.type === 'reset_master_down_timer' ||
    a.type === 'shift_master_down_timer' ||
    a.type === 'start_advert_timer' ||
    a.type === 'cancel_timers'
  );
}

export class InstanceTimers {
  private down: TimerHandle | undefined;
  private downArmedAt = 0;
  private downDeadline = 0;
  private advert: TimerHandle | undefined;
  private preempt: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly post: (ev: FsmEvent) => void,
  ) {}

  /** ms since the master down timer was last reset (a shift keeps the reset time). */
  sinceDownReset(): number {
    return this.clock.now() - this.downArmedAt;
  }

  /** Performs one timer action; `advertInt` is the configured advert interval in ms. */
  perform(a: TimerAction, advertInt: number): void {
    if (a.type === 'reset_master_down_timer') {
      this.armDown(a.ms, this.clock.now());
    } else if (a.type === 'shift_master_down_timer') {
      // keepalived vrrp_set_effective_priority moves the running deadline by the skew change.
      if (this.down) this.armDown(this.downDeadline + a.ms - this.clock.now(), this.downArmedAt);
    } else if (a.type === 'start_advert_timer') {
      this.advert?.cancel();
      this.advert = this.clock.setTimeout(() => this.post({ type: 'advert_timer' }), advertInt);
    } else {
      this.down?.cancel();
      this.advert?.cancel();
      this.down = undefined;
      this.advert = undefined;
    }
  }

  startPreempt(ms: number): void {
    this.preempt?.cancel();
    this.preempt = this.clock.setTimeout(() => {
      this.preempt = undefined;
      this.post({ type: 'preempt_delay_expired' });
    }, ms);
  }

  cancelPreempt(): void {
    this.preempt?.cancel();
    this.preempt = undefined;
  }

  private armDown(ms: number, resetAt: number): void {
    this.down?.cancel();
    const wait = Math.max(0, ms);
    this.downArmedAt = resetAt;
    this.downDeadline = this.clock.now() + wait;
    this.down = this.clock.setTimeout(() => {
      this.down = undefined;
      this.post({ type: 'master_down_timer' });
    }, wait);
  }
}
