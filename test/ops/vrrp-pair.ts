/**
 * Two real VRRP instance runners on the fake LAN (the VRRP transport seam),
 * elected once: their statuses feed `show vrrp`, the stats page's VRRP panel
 * and the hapair_vrrp_* metrics in the ops tests.
 */
import { ManualClock } from '../../src/core/clock.js';
import type { VrrpView } from '../../src/ops/types.js';
import { FakeLan } from '../vrrp/fake-lan.js';
import { type Box, box } from '../vrrp/instance-harness.js';

/** Two routers on one LAN; the instance of `a` (priority 150) wins the election. */
export function electedPair(): { a: Box; b: Box; clock: ManualClock } {
  const clock = new ManualClock();
  const lan = new FakeLan(clock);
  const a = box(lan, clock, '198.18.0.11', { priority: 150 });
  const b = box(lan, clock, '198.18.0.12', { priority: 100 });
  a.runner.start();
  b.runner.start();
  clock.advance(20_000);
  return { a, b, clock };
}

export function viewOf(b: Box): VrrpView {
  return { ...b.runner.status(), vips: ['198.18.0.100'] };
}
