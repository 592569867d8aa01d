/**
 * Whole-process counters of master-worker mode without the processes: the
 * merge rules of counter-snapshot.ts on hand-made rows, the views of a real
 * engine rendered through WholeProcessControl with a second worker's
 * snapshot (CSV, Prometheus, show info), and the two IPC rounds
 * (PeerCounters, CounterGather) answering late or never.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  applyProcess,
  applySnapshot,
  type CounterSnapshot,
  mergeSnapshots,
  rowCounters,
  takeSnapshot,
} from '../../src/ops/counter-snapshot.js';
import { collectInfo } from '../../src/ops/info.js';
import { renderPrometheus } from '../../src/ops/prometheus.js';
import { renderStatCsv } from '../../src/ops/stats-csv.js';
import type { ProcessCounters } from '../../src/ops/types.js';
import { CounterGather, PeerCounters, WholeProcessControl } from '../../src/ops/whole-process.js';
import { STAT_FIELDS, STAT_TYPE, type StatField, type StatRow } from '../../src/proxy/stat-fields.js';
import { exchange } from '../proxy/helpers.js';
import { baseConfig, type Stack, startStack } from './harness.js';

function row(values: Partial<Record<StatField, string | number>>): StatRow {
  const out = {} as Record<StatField, string | number | undefined>;
  for (const f of STAT_FIELDS) out[f] = values[f];
  return out;
}

const server = (v: Partial<Record<StatField, string | number>>) =>
  row({ pxname: 'be', svname: 's1', type: STAT_TYPE.server, iid: 3, sid: 1, ...v });

const PROCESS: ProcessCounters = {
  currConns: 1,
  cumConns: 10,
  cumReq: 7,
  connRate: 2,
  sessRate: 2,
  maxconn: 100,
  hardMaxconn: 100,
  sessRateLimit: 0,
  listeners: 3,
  stopping: false,
};

describe('counter merge', () => {
  const a = server({
    stot: 10,
    bin: 100,
    scur: 2,
    smax: 4,
    qmax: 1,
    rate_max: 5,
    ttime_max: 30,
    qtime: 10,
    lastsess: 7,
    status: 'UP',
    weight: 1,
    lastchg: 50,
    chkdown: 1,
    downtime: 9,
  });
  const b = server({
    stot: 30,
    bin: 300,
    scur: 1,
    smax: 3,
    qmax: 2,
    rate_max: 6,
    ttime_max: 80,
    qtime: 30,
    lastsess: 2,
    status: 'DOWN',
    weight: 9,
    lastchg: 1,
    chkdown: 1,
    downtime: 1,
  });
  const merged = mergeSnapshots([takeSnapshot([a], PROCESS), takeSnapshot([b], PROCESS)]);
  const [out] = applySnapshot([a], merged);

  it('sums counters and current values, and the maxima of sessions, queue and rates (an upper bound)', () => {
    assert.equal(out!.stot, 40);
    assert.equal(out!.bin, 400);
    assert.equal(out!.scur, 3);
    assert.equal(out!.smax, 7);
    assert.equal(out!.qmax, 3);
    assert.equal(out!.rate_max, 11);
  });

  it('takes the longest time, the sessions-weighted average time and the most recent session', () => {
    assert.equal(out!.ttime_max, 80);
    assert.equal(out!.qtime, 25); // (10×10 + 30×30) / 40
    assert.equal(out!.lastsess, 2);
    const never = mergeSnapshots([
      takeSnapshot([server({ lastsess: -1 })], PROCESS),
      takeSnapshot([server({ lastsess: -1 })], PROCESS),
    ]);
    assert.equal(applySnapshot([server({ lastsess: -1 })], never)[0]!.lastsess, -1);
  });

  it('keeps the local worker for state, weights, ids, check figures and empty cells', () => {
    assert.equal(out!.status, 'UP');
    assert.equal(out!.weight, 1);
    assert.equal(out!.lastchg, 50);
    assert.equal(out!.chkdown, 1);
    assert.equal(out!.downtime, 9);
    assert.equal(out!.iid, 3);
    assert.equal(out!.hrsp_2xx, undefined);
  });

  it('sums the process figures and keeps the limits and listeners local', () => {
    const p = applyProcess({ ...PROCESS, listeners: 3 }, merged);
    assert.deepEqual(
      [p.currConns, p.cumConns, p.cumReq, p.connRate, p.sessRate, p.maxconn, p.listeners],
      [2, 20, 14, 4, 4, 100, 3],
    );
  });

  it('shows only the local objects and leaves a row no snapshot has as it is', () => {
    const other = row({ pxname: 'fe', svname: 'FRONTEND', type: STAT_TYPE.frontend, stot: 5 });
    const onlyRemote = mergeSnapshots([{ rows: rowCounters([other]), process: PROCESS }]);
    assert.deepEqual(applySnapshot([a], onlyRemote), [a]);
  });
});

describe('views of an engine with a second worker', () => {
  let st: Stack;
  let whole: WholeProcessControl;
  before(async () => {
    st = await startStack((e) => baseConfig(e));
    for (let i = 0; i < 3; i++) await exchange(st.port('fe'), 'ping\n');
    // The second worker: this engine's own figures, taken once (it serves nothing more).
    const twin = takeSnapshot(st.control.stats(), st.control.process());
    whole = new WholeProcessControl(st.control, () => [twin]);
  });
  after(() => st.close());

  const cell = (rows: readonly StatRow[], sv: string, f: StatField) =>
    rows.find((r) => r.pxname === (sv === 'FRONTEND' ? 'fe' : 'be') && r.svname === sv)?.[f];

  it('show stat and the CSV export count both workers', () => {
    const rows = whole.stats();
    assert.equal(cell(st.control.stats(), 'FRONTEND', 'stot'), 3);
    assert.equal(cell(rows, 'FRONTEND', 'stot'), 6);
    assert.equal(cell(rows, 'BACKEND', 'stot'), 6);
    assert.equal(
      Number(cell(rows, 's1', 'stot')) + Number(cell(rows, 's2', 'stot')),
      2 * (Number(cell(st.control.stats(), 's1', 'stot')) + Number(cell(st.control.stats(), 's2', 'stot'))),
    );
    assert.equal(cell(rows, 's3', 'status'), 'MAINT');
    assert.match(renderStatCsv(rows), /^fe,FRONTEND,,,\d+,\d+,\d+,6,/m);
  });

  it('Prometheus and show info count both workers', () => {
    const text = renderPrometheus(whole.stats(), []);
    assert.match(text, /^haproxy_frontend_sessions_total\{proxy="fe"\} 6$/m);
    assert.match(text, /^haproxy_backend_sessions_total\{proxy="be"\} 6$/m);
    const info = collectInfo({
      product: 'hapair',
      version: '0',
      startedAt: 0,
      now: 0,
      pid: 1,
      nbthread: 2,
      process: whole.process(),
    });
    assert.equal(info.CumConns, 2 * st.control.process().cumConns);
    assert.equal(info.Nbthread, 2);
    assert.equal(info.Process_num, 1);
  });

  it('changes go to the local engine', () => {
    assert.equal(whole.setServerWeight('be', 's1', 7).ok, true);
    assert.equal(st.control.servers('be').find((s) => s.name === 's1')?.uweight, 7);
  });
});

const SNAP: CounterSnapshot = { rows: {}, process: { ...PROCESS } };

describe('IPC rounds', () => {
  it('CounterGather answers with the snapshots in by the deadline and names the missing peers', async () => {
    const asked: [string, number][] = [];
    const g = new CounterGather<string>((p, id) => asked.push([p, id]), 50);
    const round = g.collect(['w1', 'w2', 'w3']);
    g.answered('w1', asked[0]![1], SNAP);
    g.answered('w1', asked[0]![1], SNAP);
    g.gone('w3');
    const t0 = Date.now();
    const r = await round;
    assert.equal(r.snapshots.length, 1);
    assert.deepEqual(r.missing, ['w2']);
    assert.ok(Date.now() - t0 >= 30);
    assert.deepEqual(await g.collect([]), { snapshots: [], missing: [] });
  });

  it('CounterGather finishes as soon as every peer answered', async () => {
    const g = new CounterGather<string>((p, id) => setImmediate(() => g.answered(p, id, SNAP)), 5000);
    const t0 = Date.now();
    assert.equal((await g.collect(['a', 'b'])).snapshots.length, 2);
    assert.ok(Date.now() - t0 < 1000);
  });

  it('PeerCounters keeps the newest answer; a round without one keeps the previous', async () => {
    const sent: number[] = [];
    const peers = new PeerCounters((id) => sent.push(id), 30);
    const first = peers.refresh();
    const second = peers.refresh();
    peers.answered(sent[1]!, [SNAP, SNAP]);
    peers.answered(sent[0]!, [SNAP]);
    await Promise.all([first, second]);
    assert.equal(peers.latest().length, 2);
    await peers.refresh(); // never answered: times out
    assert.equal(peers.latest().length, 2);
  });
});
