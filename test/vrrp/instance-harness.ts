/**
 * Builds VrrpInstanceRunners on a FakeLan with everything they do recorded:
 * transitions with their monotonic time, notifications, VIP calls, logs.
 */
import assert from 'node:assert/strict';
import type { VrrpInstance, VrrpScript } from '../../src/config/keepalived/model.js';
import type { ManualClock } from '../../src/core/clock.js';
import type { NotifyTarget, VrrpState } from '../../src/vrrp/fsm.js';
import { type TransitionInfo, VrrpInstanceRunner } from '../../src/vrrp/instance.js';
import { captureLog, type FakeLan, type FakeTransport, instanceConfig, RecordingVip } from './fake-lan.js';

export interface Box {
  readonly runner: VrrpInstanceRunner;
  readonly transport: FakeTransport;
  readonly vip: RecordingVip;
  readonly records: Array<Record<string, unknown>>;
  readonly notes: Array<{ state: NotifyTarget; reason: string; at: number }>;
  readonly transitions: Array<TransitionInfo & { t: number }>;
}

export function box(
  lan: FakeLan,
  clock: ManualClock,
  address: string,
  over: Partial<VrrpInstance> = {},
  scripts: readonly VrrpScript[] = [],
): Box {
  const transport = lan.attach(address, over.family ?? 4);
  const vip = new RecordingVip(clock);
  const { log, records } = captureLog();
  const notes: Box['notes'] = [];
  const runner = new VrrpInstanceRunner({
    config: instanceConfig(over),
    transport,
    vip,
    clock,
    log,
    scripts,
    notifier: (state, reason) => notes.push({ state, reason, at: clock.now() }),
  });
  const transitions: Box['transitions'] = [];
  runner.onTransition((t) => transitions.push({ ...t, t: clock.now() }));
  return { runner, transport, vip, records, notes, transitions };
}

/** Monotonic time of the last transition into `to`. */
export function lastEntry(b: Box, to: VrrpState): number {
  const t = b.transitions.filter((x) => x.to === to).at(-1);
  assert.ok(t, `${b.runner.name} never entered ${to}`);
  return t.t;
}

/** Protocol times are exact; the tolerance only absorbs floating point sums. */
export function assertTime(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 1e-6, `time ${actual}, expected ${expected}`);
}

export function script(name: string, weight: number): VrrpScript {
  return {
    name,
    loc: { file: 'keepalived.conf', line: 1 },
    script: '/bin/true',
    interval: 1000,
    timeout: 1000,
    weight,
    weightReverse: false,
    rise: 1,
    fall: 1,
    initFail: false,
  };
}

/** Lets the VIP driver's promise chain run (VIP changes never block the FSM). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function messages(b: Box): string[] {
  return b.records.map((r) => String(r.msg));
}
