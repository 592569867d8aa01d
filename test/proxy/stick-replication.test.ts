/**
 * Stick tables shared by the workers of a -W master (stick/replication.ts),
 * without processes: two workers' tables built from one configuration on one
 * clock, each with its StickReplication, the batches carried by structured
 * clone as the master carries them. What one worker's traffic adds reads the
 * same in the other's table (counters, rates, gpc0, the stored server,
 * expiry); conn_cur and `use` count both workers' sessions and drop a
 * worker's share when it exits; what a worker applies is never sent back.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { StickReplication, type StickTableUpdates } from '../../src/proxy/stick/replication.js';
import type { StickEntry, StickTable } from '../../src/proxy/stick/table.js';
import { StickTableSet } from '../../src/proxy/stick/table-set.js';
import { loadText } from './stick-helpers.js';

const CFG = `backend fe
  stick-table type ip size 100 expire 30s store gpc0,gpc0_rate(10s),conn_cnt,conn_cur,conn_rate(10s),http_req_cnt,http_req_rate(10s),http_err_cnt,http_err_rate(10s),bytes_in_cnt,bytes_out_cnt
backend be
  stick-table type ip size 100 expire 30s store conn_cnt
  stick on src
  server s1 127.0.0.1:1
  server s2 127.0.0.1:2
`;

const DATA = [
  'gpc0',
  'gpc0_rate',
  'conn_cnt',
  'conn_cur',
  'conn_rate',
  'http_req_cnt',
  'http_req_rate',
  'http_err_cnt',
  'http_err_rate',
  'bytes_in_cnt',
  'bytes_out_cnt',
];

const KEY = '10.0.0.1';
const PID_A = 1001;
const PID_B = 1002;

interface Worker {
  readonly tables: StickTableSet;
  readonly repl: StickReplication;
  /** Batches this worker sent, as the master receives them. */
  readonly sent: StickTableUpdates[][];
}

let clock: ManualClock;
let a: Worker;
let b: Worker;

function worker(attach = true): Worker {
  const tables = new StickTableSet(loadText(CFG).proxies, clock);
  const sent: StickTableUpdates[][] = [];
  const repl = new StickReplication((u) => sent.push(structuredClone(u)));
  if (attach) repl.attach(tables);
  return { tables, repl, sent };
}

/** `from` sends what changed; the master hands it to `to`. Returns how many batches went. */
function carry(from: Worker, fromPid: number, to: Worker): number {
  from.repl.flush();
  const n = from.sent.length;
  for (const batch of from.sent.splice(0)) to.repl.receive(fromPid, batch);
  return n;
}

function table(w: Worker, name = 'fe'): StickTable {
  const t = w.tables.get(name);
  assert.ok(t);
  return t;
}

function entry(w: Worker, name = 'fe'): StickEntry | undefined {
  return table(w, name).lookup(KEY, clock.now());
}

function values(e: StickEntry | undefined): Record<string, number | undefined> {
  assert.ok(e, 'the entry exists');
  return Object.fromEntries(DATA.map((d) => [d, e.read(d, clock.now())]));
}

/** Some traffic of one worker on KEY: one tracking session, requests, errors, bytes, gpc0. */
function traffic(w: Worker, requests: number): StickEntry {
  const now = clock.now();
  const e = table(w).track(KEY, now);
  assert.ok(e);
  for (let i = 0; i < requests; i++) e.countHttpRequest(now);
  e.countHttpError(now);
  e.countBytes(100, 2000, now);
  e.incGpc0(now);
  return e;
}

beforeEach(() => {
  clock = new ManualClock();
  clock.advance(1000);
  a = worker();
  b = worker();
});

describe('stick-table replication between workers', () => {
  it("one worker's counters, rates and gpc0 read the same in the other's table", () => {
    const ea = traffic(a, 5);
    assert.equal(entry(b), undefined);
    assert.equal(carry(a, PID_A, b), 1);
    const vb = values(entry(b));
    assert.deepEqual(vb, values(ea));
    assert.deepEqual(vb, {
      gpc0: 1,
      gpc0_rate: 1,
      conn_cnt: 1,
      conn_cur: 1,
      conn_rate: 1,
      http_req_cnt: 5,
      http_req_rate: 5,
      http_err_cnt: 1,
      http_err_rate: 1,
      bytes_in_cnt: 100,
      bytes_out_cnt: 2000,
    });
  });

  it('both workers see the sum of both workers’ traffic, and nothing applied is sent back', () => {
    clock.advance(10);
    const ea = traffic(a, 5);
    const eb = traffic(b, 3);
    carry(a, PID_A, b);
    carry(b, PID_B, a);
    // b sent only its own changes: a's 5 requests did not come back to a.
    const sum = values(ea);
    assert.deepEqual(values(eb), sum);
    assert.equal(sum.http_req_cnt, 8);
    assert.equal(sum.http_req_rate, 8);
    assert.equal(sum.gpc0, 2);
    assert.equal(sum.conn_cnt, 2);
    assert.equal(sum.conn_cur, 2);
    assert.equal(sum.bytes_out_cnt, 4000);
    // Nothing local happened since: no batch either way (no echo of what was applied).
    assert.equal(carry(a, PID_A, b), 0);
    assert.equal(carry(b, PID_B, a), 0);
    assert.equal(ea.users, 2);
    assert.equal(eb.users, 2);
  });

  it('rate events land in the current period and age as local ones do', () => {
    const ea = traffic(a, 4);
    carry(a, PID_A, b);
    clock.advance(15_000);
    assert.equal(entry(b)!.read('http_req_rate', clock.now()), ea.read('http_req_rate', clock.now()));
    assert.equal(entry(b)!.read('http_req_rate', clock.now()), 2);
    clock.advance(10_000);
    assert.equal(entry(b)!.read('http_req_rate', clock.now()), 0);
  });

  it('conn_cur and use follow the other worker’s sessions, and drop when it exits', () => {
    const ea = traffic(a, 1);
    const ea2 = table(a).track(KEY, clock.now());
    assert.ok(ea2 === ea);
    carry(a, PID_A, b);
    const eb = entry(b)!;
    assert.equal(eb.read('conn_cur', clock.now()), 2);
    assert.equal(eb.users, 2);
    assert.equal(eb.ref, 0);
    // In use elsewhere: the entry neither expires nor can be removed here.
    clock.advance(60_000);
    assert.equal(table(b).sweep(clock.now()), 0);
    assert.equal(table(b).remove(eb), false);
    ea.release(clock.now());
    carry(a, PID_A, b);
    assert.equal(eb.read('conn_cur', clock.now()), 1);
    // b's own session adds to a's share, and its release takes only its own away.
    const local = table(b).track(KEY, clock.now())!;
    assert.equal(local.read('conn_cur', clock.now()), 2);
    b.repl.peerGone(PID_A);
    assert.equal(local.read('conn_cur', clock.now()), 1);
    assert.equal(local.users, 1);
    local.release(clock.now());
    assert.equal(local.read('conn_cur', clock.now()), 0);
    assert.equal(local.inUse, false);
    // A batch of the exited worker still on its way is ignored.
    ea.release(clock.now());
    ea.countHttpRequest(clock.now());
    const before = local.read('http_req_cnt', clock.now());
    carry(a, PID_A, b);
    assert.equal(local.read('http_req_cnt', clock.now()), before);
  });

  it('expiry moves when the other worker refreshes the entry', () => {
    const ea = traffic(a, 1);
    ea.release(clock.now());
    carry(a, PID_A, b);
    const eb = entry(b)!;
    assert.equal(eb.expireAt, clock.now() + 30_000);
    clock.advance(20_000);
    ea.countHttpRequest(clock.now());
    carry(a, PID_A, b);
    assert.equal(eb.expireAt, clock.now() + 30_000);
    clock.advance(20_000);
    assert.ok(entry(b), 'still there 40 s after it was created');
    clock.advance(11_000);
    assert.equal(entry(b), undefined);
  });

  it('a server stored by a `stick` rule reaches the other worker, the latest winning', () => {
    const t = table(a, 'be');
    t.get(KEY, clock.now())!.storeServer(2, 's2', clock.now());
    carry(a, PID_A, b);
    const eb = entry(b, 'be')!;
    assert.equal(eb.serverId, 2);
    assert.equal(eb.serverKey, 's2');
    t.get(KEY, clock.now())!.storeServer(1, 's1', clock.now());
    carry(a, PID_A, b);
    assert.equal(eb.serverId, 1);
    assert.equal(eb.serverKey, 's1');
  });

  it('batches that arrive before the tables are built wait for them', () => {
    const late = worker(false);
    traffic(a, 2);
    carry(a, PID_A, late);
    assert.equal(late.tables.get('fe')!.lookup(KEY, clock.now()), undefined);
    late.repl.attach(late.tables);
    assert.equal(late.tables.get('fe')!.lookup(KEY, clock.now())?.read('http_req_cnt', clock.now()), 2);
  });

  it("a new worker is sent the other's sessions again (resync)", () => {
    traffic(a, 1);
    carry(a, PID_A, b);
    const fresh = worker();
    fresh.tables.get('fe')!.get(KEY, clock.now());
    a.repl.resync();
    carry(a, PID_A, fresh);
    assert.equal(fresh.tables.get('fe')!.lookup(KEY, clock.now())?.read('conn_cur', clock.now()), 1);
  });

  it('tables not attached record nothing; attached ones send one batch an interval after a change', async () => {
    const idle = worker(false);
    traffic(idle, 3);
    idle.repl.flush();
    assert.equal(idle.sent.length, 0);
    assert.equal(table(idle).recorder, undefined);

    const sent: StickTableUpdates[][] = [];
    const real = new StickTableSet(loadText(CFG).proxies, clock);
    const repl = new StickReplication((u) => sent.push(u), 10);
    repl.attach(real);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(sent.length, 0, 'nothing changed, nothing sent');
    const e = real.get('fe')!.track(KEY, clock.now())!;
    e.countHttpRequest(clock.now());
    e.countHttpRequest(clock.now());
    for (let i = 0; i < 50 && sent.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(sent.length, 1);
    const u = sent[0]![0]!.entries[0]!;
    assert.equal(u.key, KEY);
    assert.equal(u.users, 1);
    const slots = real.get('fe')!.layout.slots.map((s) => s.def.name);
    assert.equal(u.counts?.[slots.indexOf('http_req_cnt')], 2);
    // conn_cur travels as `users`, not as a count.
    assert.equal(u.counts?.[slots.indexOf('conn_cur')], 0);
  });
});
