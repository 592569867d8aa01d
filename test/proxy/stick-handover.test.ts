/**
 * Stick tables across a reload (stick/handover.ts): a dump of real tables,
 * sent through JSON and structured clone as the master would, taken in by
 * tables built from another configuration on another clock: keys of every
 * type, values, relative expiry, rates that continue, conn_cur left behind,
 * tables and data types that changed, the size limit, and two dumps merged
 * (nbthread 2). Then end to end: an engine's counters and `stick on`
 * persistence carried into a second engine started on the same config.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';
import {
  exportStickTables,
  type ImportReport,
  importStickTables,
  type StickDump,
} from '../../src/proxy/stick/handover.js';
import { StickTableSet } from '../../src/proxy/stick/table-set.js';
import { namedServer, type TestServer, waitFor } from './helpers.js';
import { fetchFrom, freePorts, loadText } from './stick-helpers.js';

function tablesOf(text: string, clock: ManualClock): StickTableSet {
  return new StickTableSet(loadText(text).proxies, clock);
}

/** The dump as it arrives over each way the master may carry it. */
function carried(dump: StickDump): [string, StickDump][] {
  return [
    ['json', JSON.parse(JSON.stringify(dump)) as StickDump],
    ['structuredClone', structuredClone(dump)],
  ];
}

/** A clock that is not the old process's: a new process starts its monotonic time afresh. */
function newClock(at = 250): ManualClock {
  const c = new ManualClock();
  c.advance(at);
  return c;
}

const imported = (r: ImportReport, name: string) => r.tables.find((t) => t.name === name);

const KEYED = `backend v4
  stick-table type ip size 10 expire 1m store gpc0,conn_cnt,http_req_cnt,bytes_in_cnt,bytes_out_cnt
  stick on src
  server s1 127.0.0.1:1
  server s2 127.0.0.1:2
backend v6
  stick-table type ipv6 size 10 store gpc0
backend int
  stick-table type integer size 10 store gpc0
backend str
  stick-table type string len 8 size 10 store gpc0
backend bin
  stick-table type binary len 4 size 10 store gpc0
`;

describe('stick-table handover: what crosses', () => {
  it('round-trips keys of every type and every stored value through JSON and structured clone', () => {
    const old = new ManualClock();
    old.advance(100_000);
    const t = tablesOf(KEYED, old);
    const now = old.now();
    const e = t.get('v4')!.track('10.0.0.1', now)!;
    e.countHttpRequest(now);
    e.countBytes(1234, 7_000_000_000, now);
    e.incGpc0(now);
    e.storeServer(2, 's2', now);
    e.release(now);
    t.get('v6')!.get('2001:db8::1', now)!.incGpc0(now);
    t.get('int')!.get(4_000_000_000, now)!.incGpc0(now);
    t.get('str')!.get('a b=\u00e9', now)!.incGpc0(now);
    t.get('bin')!.get('00ff1000', now)!.incGpc0(now);
    const dump = exportStickTables(t, now);
    assert.deepEqual(JSON.parse(JSON.stringify(dump)), dump, 'nothing a JSON round trip loses');

    for (const [how, d] of carried(dump)) {
      const clock = newClock();
      const n = tablesOf(KEYED, clock);
      const r = importStickTables(n, d, clock.now());
      assert.deepEqual(r.skipped, [], how);
      assert.equal(r.tables.length, 5, how);
      assert.ok(
        r.tables.every((x) => x.entries === 1 && x.invalid === 0 && x.dropped === 0),
        how,
      );
      const at = clock.now();
      const v4 = n.get('v4')!.lookup('10.0.0.1', at)!;
      const read = (k: string) => v4.read(k, at);
      assert.deepEqual(
        ['gpc0', 'conn_cnt', 'http_req_cnt', 'bytes_in_cnt', 'bytes_out_cnt'].map(read),
        [1, 1, 1, 1234, 7_000_000_000],
        how,
      );
      assert.equal(v4.serverId, 2, how);
      assert.equal(v4.serverKey, 's2', how);
      assert.equal(n.get('v6')!.lookup('2001:db8::1', at)?.read('gpc0', at), 1, how);
      assert.equal(n.get('int')!.lookup(4_000_000_000, at)?.read('gpc0', at), 1, `${how}: integer key`);
      assert.equal(n.get('str')!.lookup('a b=\u00e9', at)?.read('gpc0', at), 1, `${how}: string key`);
      assert.equal(n.get('bin')!.lookup('00ff1000', at)?.read('gpc0', at), 1, `${how}: binary key`);
    }
  });

  it('carries the time left, not a date: an entry with 5 s left expires 5 s after the import', () => {
    const cfg = 'backend be\n  stick-table type ip size 10 expire 10s store gpc0\n';
    const old = new ManualClock();
    old.advance(50_000);
    const t = tablesOf(cfg, old);
    t.get('be')!.get('10.0.0.1', 45_000);
    t.get('be')!.get('10.0.0.2', 30_000);
    const dump = exportStickTables(t, old.now());
    assert.deepEqual(
      dump.tables[0]!.entries.map((x) => [x.key, x.expire]),
      [['10.0.0.1', 5000]],
      'the expired entry stays behind',
    );
    for (const [how, d] of carried(dump)) {
      const clock = newClock(700);
      const n = tablesOf(cfg, clock);
      importStickTables(n, d, clock.now());
      const be = n.get('be')!;
      assert.ok(be.lookup('10.0.0.1', 700 + 4999), how);
      assert.equal(be.lookup('10.0.0.1', 700 + 5000), undefined, how);
    }
  });

  it('an entry in use counts as refreshed; expiry is capped by the new table', () => {
    const old = new ManualClock();
    const t = tablesOf('backend be\n  stick-table type ip size 10 expire 10s\n', old);
    t.get('be')!.track('10.0.0.1', 0);
    old.advance(30_000);
    const dump = exportStickTables(t, old.now());
    assert.equal(dump.tables[0]!.entries[0]!.expire, 10_000, 'tracked past its date: a full expire');

    const clock = newClock();
    const n = tablesOf('backend be\n  stick-table type ip size 10 expire 2s\n', clock);
    importStickTables(n, dump, clock.now());
    assert.ok(n.get('be')!.lookup('10.0.0.1', clock.now() + 1999));
    assert.equal(n.get('be')!.lookup('10.0.0.1', clock.now() + 2000), undefined, 'the new expire caps it');
  });

  it('continues a sliding rate: 7 over the last 10 s stays 7, then decays as it would have', () => {
    const cfg = 'backend be\n  stick-table type ip size 10 expire 1m store http_req_rate(10s)\n';
    const old = new ManualClock();
    const t = tablesOf(cfg, old);
    const e = t.get('be')!.get('10.0.0.1', 0)!;
    for (let i = 0; i < 4; i++) e.countHttpRequest(1000);
    for (let i = 0; i < 5; i++) e.countHttpRequest(12_000);
    old.advance(15_000);
    assert.equal(e.read('http_req_rate', 15_000), 7, 'current 5 + previous 4 × 0.5');
    const dump = exportStickTables(t, old.now());

    for (const [how, d] of carried(dump)) {
      const clock = newClock(300);
      const n = tablesOf(cfg, clock);
      importStickTables(n, d, clock.now());
      const ne = n.get('be')!.lookup('10.0.0.1', clock.now())!;
      for (const dt of [0, 2000, 4999, 5000, 9000, 15_000, 25_000]) {
        assert.equal(
          ne.read('http_req_rate', 300 + dt),
          e.read('http_req_rate', 15_000 + dt),
          `${how}: ${dt} ms after the import`,
        );
      }
      assert.equal(ne.read('http_req_rate', 300), 7, how);
      ne.countHttpRequest(300);
      assert.equal(ne.read('http_req_rate', 300), 8, `${how}: counting goes on in the same period`);
    }
  });

  it('leaves conn_cur behind: the new process starts at 0 and never adds it', () => {
    const cfg = 'backend be\n  stick-table type ip size 10 expire 1m store conn_cur,conn_cnt\n';
    const old = new ManualClock();
    const t = tablesOf(cfg, old);
    t.get('be')!.track('10.0.0.1', 0);
    t.get('be')!.track('10.0.0.1', 0);
    assert.equal(t.get('be')!.lookup('10.0.0.1', 0)!.read('conn_cur', 0), 2);
    const dump = exportStickTables(t, 0);
    assert.deepEqual(dump.tables[0]!.entries[0]!.values, [2, 0], 'conn_cnt 2, conn_cur 0 (type order)');

    const clock = newClock();
    const n = tablesOf(cfg, clock);
    const live = n.get('be')!.track('10.0.0.1', clock.now())!;
    const forged = structuredClone(dump) as unknown as { tables: { entries: { values: number[] }[] }[] };
    forged.tables[0]!.entries[0]!.values[1] = 5;
    importStickTables(n, forged as unknown as StickDump, clock.now());
    assert.equal(live.read('conn_cur', clock.now()), 1, 'only this process counts its connections');
    assert.equal(live.read('conn_cnt', clock.now()), 3);
    live.release(clock.now());
    assert.equal(live.read('conn_cur', clock.now()), 0);
  });
});

describe('stick-table handover: a new configuration', () => {
  const OLD = `backend keep
  stick-table type string len 8 size 10 expire 1m store gpc0,http_req_cnt,http_req_rate(10s)
backend retyped
  stick-table type ip size 10 store gpc0
backend shrunk
  stick-table type string len 8 size 10 store gpc0
backend gone
  stick-table type ip size 10 store gpc0
`;
  const NEW = `backend keep
  stick-table type string len 16 size 10 expire 1m store http_req_cnt,conn_cnt,http_req_rate(1m)
backend retyped
  stick-table type integer size 10 store gpc0
backend shrunk
  stick-table type string len 4 size 10 store gpc0
`;

  function dumpOld(): StickDump {
    const old = new ManualClock();
    const t = tablesOf(OLD, old);
    for (const name of ['keep', 'retyped', 'shrunk', 'gone']) {
      const key = name === 'retyped' || name === 'gone' ? '10.0.0.1' : 'abcdefgh';
      const e = t.get(name)!.get(key, 0)!;
      e.incGpc0(0);
      e.countHttpRequest(0);
    }
    return exportStickTables(t, 0);
  }

  it('skips tables that went or changed key type or shrank their key, without throwing', () => {
    const clock = newClock();
    const r = importStickTables(tablesOf(NEW, clock), dumpOld(), clock.now());
    assert.deepEqual(r.skipped.map((s) => [s.name, s.reason, s.entries]).sort(), [
      ['gone', 'gone', 1],
      ['retyped', 'type', 1],
      ['shrunk', 'len', 1],
    ]);
    assert.match(r.skipped.find((s) => s.name === 'retyped')!.message, /from ip to integer/);
    assert.deepEqual(
      r.tables.map((x) => x.name),
      ['keep'],
    );
  });

  it('restores the data types both store, drops the others, starts new ones and re-periodised rates at 0', () => {
    const clock = newClock();
    const n = tablesOf(NEW, clock);
    const r = importStickTables(n, dumpOld(), clock.now());
    assert.deepEqual(imported(r, 'keep')!.lostData, ['gpc0', 'http_req_rate(10000)']);
    const e = n.get('keep')!.lookup('abcdefgh', clock.now())!;
    const read = (k: string) => e.read(k, clock.now());
    assert.deepEqual(
      ['http_req_cnt', 'conn_cnt', 'http_req_rate', 'gpc0'].map(read),
      [1, 0, 0, undefined],
      'a longer string key keeps its entries',
    );
  });

  it('keeps the entries that expire last when the new table is smaller', () => {
    const old = new ManualClock();
    const t = tablesOf('backend be\n  stick-table type integer size 10 expire 1m store gpc0\n', old);
    for (let i = 0; i < 10; i++) t.get('be')!.get(i, 1000 * ((i * 7) % 10));
    old.advance(10_000);
    const clock = newClock();
    const n = tablesOf('backend be\n  stick-table type integer size 4 expire 1m store gpc0\n', clock);
    const r = importStickTables(n, exportStickTables(t, old.now()), clock.now());
    assert.equal(imported(r, 'be')!.dropped, 6);
    const be = n.get('be')!;
    assert.deepEqual(
      be
        .all()
        .map((e) => e.key)
        .sort(),
      [1, 4, 7, 8],
      'refreshed at 7, 8, 9 and 6 s: the latest four',
    );
    assert.deepEqual(
      be.all().map((e) => e.expireAt - clock.now()),
      [56_000, 57_000, 58_000, 59_000],
      'held in expiry order, as the sweep expects',
    );
    n.get('be')!.get(100, clock.now());
    assert.equal(be.lookup(8, clock.now()), undefined, 'a new key pushes out the one expiring first');
  });

  it('without expire, a smaller table keeps the most recently created entries', () => {
    const old = new ManualClock();
    const t = tablesOf('backend be\n  stick-table type integer size 10 store gpc0\n', old);
    for (let i = 0; i < 6; i++) t.get('be')!.get(i, i);
    const clock = newClock();
    const n = tablesOf('backend be\n  stick-table type integer size 3 store gpc0\n', clock);
    importStickTables(n, exportStickTables(t, 10), clock.now());
    assert.deepEqual(
      n
        .get('be')!
        .all()
        .map((e) => e.key),
      [3, 4, 5],
    );
  });

  it('refuses a dump of another version or shape, and leaves out what it cannot read', () => {
    const clock = newClock();
    const n = tablesOf('backend be\n  stick-table type ip size 10 expire 1m store gpc0\n', clock);
    const other = importStickTables(n, { version: 2, tables: [] } as unknown as StickDump, 0);
    assert.match(other.rejected ?? '', /version 2/);
    assert.ok(importStickTables(n, null as unknown as StickDump, 0).rejected);
    const r = importStickTables(
      n,
      {
        version: 1,
        tables: [
          {
            name: 'be',
            type: 'ip',
            len: 4,
            data: [{ name: 'gpc0', period: 0 }],
            entries: [
              { key: '10.0.0.1', expire: 1000, values: [3] },
              { key: 'not-an-ip', expire: 1000, values: [1] },
              { key: '10.0.0.2', expire: 0, values: [1] },
              { key: '10.0.0.3', expire: 1000, values: ['x'] },
            ],
          },
          { name: 42 },
        ],
      } as unknown as StickDump,
      clock.now(),
    );
    assert.deepEqual(r.skipped, [
      { name: '?', reason: 'format', message: 'malformed table in the dump', entries: 0 },
    ]);
    assert.deepEqual([imported(r, 'be')!.entries, imported(r, 'be')!.invalid], [2, 2]);
    assert.equal(n.get('be')!.lookup('10.0.0.1', clock.now())!.read('gpc0', clock.now()), 3);
    assert.equal(
      n.get('be')!.lookup('10.0.0.3', clock.now())!.read('gpc0', clock.now()),
      0,
      'a bad value is 0',
    );
  });
});

describe('stick-table handover: two old workers (nbthread 2)', () => {
  const CFG = `backend be
  stick-table type ip size 10 expire 1m store gpc0,conn_cur,conn_cnt,http_req_cnt,http_req_rate(10s),bytes_in_cnt
  stick on src
  server s1 127.0.0.1:1
  server s2 127.0.0.1:2
`;

  /** Two old workers' tables at 12 s: both saw 10.0.0.1 (a first, from 0 s; b from 4 s), b also 10.0.0.2. */
  function workers() {
    const old = new ManualClock();
    const a = tablesOf(CFG, old);
    const b = tablesOf(CFG, old);
    const ea = a.get('be')!.track('10.0.0.1', 0)!;
    for (let i = 0; i < 6; i++) ea.countHttpRequest(2000);
    ea.countBytes(100, 0, 2000);
    ea.storeServer(1, 's1', 2000);
    ea.release(2000);
    const eb = b.get('be')!.track('10.0.0.1', 4000)!;
    for (let i = 0; i < 3; i++) eb.countHttpRequest(11_000);
    eb.incGpc0(11_000);
    eb.countBytes(50, 0, 11_000);
    eb.storeServer(2, 's2', 11_000);
    eb.release(11_000);
    b.get('be')!.get('10.0.0.2', 11_000);
    old.advance(12_000);
    const now = old.now();
    const rates = (dt: number) => ea.read('http_req_rate', now + dt)! + eb.read('http_req_rate', now + dt)!;
    return { a, b, now, rates };
  }

  for (const order of ['ab', 'ba'] as const) {
    it(`adds counters and rates up, keeps the first server and the longest expiry (${order})`, () => {
      const w = workers();
      assert.equal(w.rates(0), 4 + 3, "a's period ended 2 s ago (6 × 0.8), b's is current");
      const clock = newClock();
      const n = tablesOf(CFG, clock);
      const [first, second] = order === 'ab' ? [w.a, w.b] : [w.b, w.a];
      const r1 = importStickTables(n, structuredClone(exportStickTables(first, w.now)), clock.now());
      const r2 = importStickTables(
        n,
        JSON.parse(JSON.stringify(exportStickTables(second, w.now))),
        clock.now(),
      );
      assert.deepEqual([imported(r1, 'be')!.merged, imported(r2, 'be')!.merged], [0, 1]);
      const at = clock.now();
      const e = n.get('be')!.lookup('10.0.0.1', at)!;
      const read = (k: string) => e.read(k, at);
      assert.deepEqual(
        ['gpc0', 'conn_cur', 'conn_cnt', 'http_req_cnt', 'bytes_in_cnt'].map(read),
        [1, 0, 2, 9, 150],
      );
      // b's period, the earlier, ends 2 s after the import: until then the sum reads as both did.
      for (const dt of [0, 1000, 1999]) {
        const merged = e.read('http_req_rate', at + dt)!;
        assert.ok(Math.abs(merged - w.rates(dt)) <= 1, `${dt} ms on: ${merged} vs ${w.rates(dt)}`);
      }
      assert.equal(e.read('http_req_rate', at + 20_000), 0, 'and it fades out like they do');
      const server = order === 'ab' ? [1, 's1'] : [2, 's2'];
      assert.deepEqual([e.serverId, e.serverKey], server, 'the first dump names the server');
      assert.equal(e.expireAt - at, 60_000 - 1000, 'the longest: b refreshed it at 11 s, now is 12 s');
      assert.ok(n.get('be')!.lookup('10.0.0.2', at), 'entries of either worker');
    });
  }
});

describe('stick-table handover between two engines', () => {
  let web: http.Server;
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    web = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
    [a, b] = await Promise.all([namedServer('a'), namedServer('b')]);
  });
  after(async () => {
    await new Promise<void>((r) => web.close(() => r()));
    await a.close();
    await b.close();
  });

  function get(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
  }

  /** Starts `text` on the real clock, importing `dump` before it serves. */
  function start(text: string, dump?: StickDump): Promise<ProxyEngine> {
    return startProxyEngine(loadText(text), {
      log: silentLogger,
      beforeServing: (e) => {
        if (dump) importStickTables(e.stickTables, dump, e.clock.now());
      },
    });
  }

  it('http-request track-sc0: the request count goes on in the next engine, and its deny rule with it', async () => {
    const [port] = (await freePorts(1)) as [number];
    const cfg = `frontend fe
  mode http
  bind 127.0.0.1:${port}
  stick-table type ip size 100 expire 1m store http_req_cnt,http_req_rate(10s),conn_cur
  http-request track-sc0 src
  http-request deny if { sc_http_req_cnt(0) gt 4 }
  default_backend be
backend be
  mode http
  server web 127.0.0.1:${(web.address() as AddressInfo).port}
`;
    const first = await start(cfg);
    let dump: StickDump;
    try {
      assert.deepEqual([await get(port), await get(port), await get(port)], [200, 200, 200]);
      const e = first.stickTables.get('fe')!.lookup('127.0.0.1', first.clock.now())!;
      assert.ok(await waitFor(() => e.read('conn_cur', first.clock.now()) === 0));
      dump = structuredClone(exportStickTables(first.stickTables, first.clock.now()));
    } finally {
      await first.stop();
    }
    const second = await start(cfg, dump);
    try {
      assert.deepEqual([await get(port), await get(port)], [200, 403], 'the 5th request overall is denied');
      const now = second.clock.now();
      const e = second.stickTables.get('fe')!.lookup('127.0.0.1', now)!;
      assert.equal(e.read('http_req_cnt', now), 5);
      assert.equal(e.read('http_req_rate', now), 5);
    } finally {
      await second.stop();
    }
  });

  it('stick on src: a client stays on its server in the next engine', async () => {
    const [port] = (await freePorts(1)) as [number];
    const cfg = `listen app
  bind 127.0.0.1:${port}
  balance roundrobin
  stick-table type ip size 100 expire 1m
  stick on src
  server a 127.0.0.1:${a.port}
  server b 127.0.0.1:${b.port}
`;
    const first = await start(cfg);
    let dump: StickDump;
    try {
      assert.equal((await fetchFrom(port, '127.0.0.1')).trim(), 'a');
      assert.equal((await fetchFrom(port, '127.0.0.2')).trim(), 'b');
      dump = JSON.parse(JSON.stringify(exportStickTables(first.stickTables, first.clock.now())));
    } finally {
      await first.stop();
    }
    const second = await start(cfg, dump);
    try {
      // Round robin alone would send the first client of this engine to a.
      assert.equal((await fetchFrom(port, '127.0.0.2')).trim(), 'b');
      assert.equal((await fetchFrom(port, '127.0.0.1')).trim(), 'a');
    } finally {
      await second.stop();
    }
  });
});
