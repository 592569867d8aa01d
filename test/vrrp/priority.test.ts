import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { effectivePriority, type TrackerInput } from '../../src/vrrp/priority.js';

const script = (value: boolean | undefined, weight: number, reverse = false): TrackerInput => ({
  kind: 'script',
  name: 'chk',
  weight,
  reverse,
  value,
});
const iface = (up: boolean, weight: number, reverse = false): TrackerInput => ({
  kind: 'interface',
  name: 'eth1',
  weight,
  reverse,
  value: up,
});
const file = (value: number, weight: number, reverse = false): TrackerInput => ({
  kind: 'file',
  name: 'prio',
  weight,
  reverse,
  value,
});

describe('effectivePriority: scripts', () => {
  test('weight 0: failing → FAULT, OK → nothing', () => {
    const bad = effectivePriority(100, [script(false, 0)]);
    assert.equal(bad.fault, true);
    assert.equal(bad.priority, 100);
    assert.deepEqual(bad.reasons, ['script chk failing']);
    assert.deepEqual(effectivePriority(100, [script(true, 0)]), { fault: false, priority: 100, reasons: [] });
  });

  test('weight 0 reverse: OK → FAULT', () => {
    assert.equal(effectivePriority(100, [script(true, 0, true)]).fault, true);
    assert.equal(effectivePriority(100, [script(false, 0, true)]).fault, false);
  });

  test('positive weight is added while OK', () => {
    assert.equal(effectivePriority(100, [script(true, 20)]).priority, 120);
    assert.equal(effectivePriority(100, [script(false, 20)]).priority, 100);
  });

  test('negative weight is subtracted while failing', () => {
    const r = effectivePriority(150, [script(false, -60)]);
    assert.equal(r.priority, 90);
    assert.equal(r.fault, false);
    assert.deepEqual(r.reasons, ['script chk failing: -60']);
    assert.equal(effectivePriority(150, [script(true, -60)]).priority, 150);
  });

  test('reverse flips the direction of the adjustment', () => {
    assert.equal(effectivePriority(100, [script(true, 20, true)]).priority, 80);
    assert.equal(effectivePriority(100, [script(false, -20, true)]).priority, 120);
  });

  test('no result yet: weight 0 holds the instance in FAULT, a weight adds nothing', () => {
    assert.equal(effectivePriority(100, [script(undefined, 0)]).fault, true);
    assert.deepEqual(effectivePriority(100, [script(undefined, -30)]), {
      fault: false,
      priority: 100,
      reasons: [],
    });
  });
});

describe('effectivePriority: interfaces, files, proxy', () => {
  test('interface down with weight 0 → FAULT; weighted ± like scripts', () => {
    const r = effectivePriority(100, [iface(false, 0)]);
    assert.equal(r.fault, true);
    assert.deepEqual(r.reasons, ['interface eth1 down']);
    assert.equal(effectivePriority(100, [iface(false, -30)]).priority, 70);
    assert.equal(effectivePriority(100, [iface(true, 30)]).priority, 130);
    assert.equal(effectivePriority(100, [iface(false, 30, true)]).priority, 100);
    assert.equal(effectivePriority(100, [iface(true, 30, true)]).priority, 70);
  });

  test('track file: value × weight, reverse negates', () => {
    assert.equal(effectivePriority(100, [file(5, 2)]).priority, 110);
    assert.equal(effectivePriority(100, [file(-5, 2)]).priority, 90);
    assert.equal(effectivePriority(100, [file(5, 2, true)]).priority, 90);
  });

  test('track file weight 0: non-zero value = failure (zero with reverse)', () => {
    assert.equal(effectivePriority(100, [file(3, 0)]).fault, true);
    assert.equal(effectivePriority(100, [file(0, 0)]).fault, false);
    assert.equal(effectivePriority(100, [file(0, 0, true)]).fault, true);
  });

  test('track file result ≤ −254 faults; above 253 counts as 253', () => {
    assert.equal(effectivePriority(100, [file(-254, 1)]).fault, true);
    assert.equal(effectivePriority(100, [file(-253, 1)]).fault, false);
    assert.equal(effectivePriority(1, [file(1000, 1)]).priority, 254);
    assert.deepEqual(effectivePriority(1, [file(1000, 1)]).reasons, ['file prio value 1000: +253']);
  });

  test('proxy tracker behaves as a script', () => {
    const proxy: TrackerInput = { kind: 'proxy', name: 'proxy', weight: -50, reverse: false, value: false };
    const r = effectivePriority(150, [proxy]);
    assert.equal(r.priority, 100);
    assert.deepEqual(r.reasons, ['proxy tracker failing: -50']);
  });
});

describe('effectivePriority: limits', () => {
  test('clamped to 1–254', () => {
    assert.equal(effectivePriority(100, [script(false, -200)]).priority, 1);
    assert.equal(effectivePriority(200, [script(true, 100)]).priority, 254);
  });

  test('the owner (255) keeps 255 whatever the weights, but still faults on weight 0', () => {
    assert.equal(effectivePriority(255, [script(false, -100)]).priority, 255);
    const r = effectivePriority(255, [iface(false, 0)]);
    assert.equal(r.priority, 255);
    assert.equal(r.fault, true);
  });

  test('several trackers add up and all reasons are listed', () => {
    const r = effectivePriority(100, [script(true, 10), iface(false, -20), file(2, 3)]);
    assert.equal(r.priority, 96);
    assert.equal(r.reasons.length, 3);
  });
});
