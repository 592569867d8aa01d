/**
 * Balance algorithms at the pick() level: weights, run-time weight changes,
 * fill order, stickiness and how much a consistent ring moves when a server
 * leaves. Slots are taken through Backend.assign() so limits apply as at run
 * time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BalanceConfig, ServerConfig } from '../../src/config/haproxy/model.js';
import type { SlotWaiter } from '../../src/proxy/backend.js';
import { RandomDraws } from '../../src/proxy/lb/random.js';
import type { Server } from '../../src/proxy/server.js';
import { makeProxy, makeServer } from '../helpers/model.js';
import { backendOf, hashType, pickCtx } from './helpers.js';

function servers(weights: number[], over: Partial<ServerConfig> = {}): ServerConfig[] {
  return weights.map((w, i) => makeServer(`s${i + 1}`, '127.0.0.1:1', { id: i + 1, weight: w, ...over }));
}

function counts(be: ReturnType<typeof backendOf>, n: number, ctx = pickCtx()): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const p = be.balancer.pick(ctx);
    assert.equal(p.kind, 'server');
    if (p.kind === 'server') out.set(p.server.name, (out.get(p.server.name) ?? 0) + 1);
  }
  return out;
}

function assertShares(c: Map<string, number>, weights: number[], n: number, tolerance = 0.02): void {
  const total = weights.reduce((a, b) => a + b, 0);
  weights.forEach((w, i) => {
    const share = (c.get(`s${i + 1}`) ?? 0) / n;
    assert.ok(Math.abs(share - w / total) <= tolerance, `s${i + 1}: share ${share} vs ${w / total}`);
  });
}

/** A waiter that never gets a slot (queued picks stay queued). */
function waiter(): SlotWaiter {
  return { qPrev: null, qNext: null, qOwner: null, qSeq: 0, slotGranted() {}, reassign() {} };
}

const rr: BalanceConfig = { algorithm: 'roundrobin' };

describe('roundrobin', () => {
  it('spreads 10,000 picks by weight within 2%', () => {
    const w = [1, 2, 3, 4];
    const be = backendOf(makeProxy({ balance: rr, servers: servers(w) }));
    assertShares(counts(be, 10000), w, 10000);
  });

  it('interleaves equal weights strictly (smooth, no bursts)', () => {
    const be = backendOf(makeProxy({ balance: rr, servers: servers([1, 1, 1]) }));
    const seq = Array.from({ length: 9 }, () => {
      const p = be.balancer.pick(pickCtx());
      return p.kind === 'server' ? p.server.name : '?';
    });
    assert.deepEqual(seq, ['s1', 's2', 's3', 's1', 's2', 's3', 's1', 's2', 's3']);
  });

  it('applies a weight change on the next picks, without restart', () => {
    const be = backendOf(makeProxy({ balance: rr, servers: servers([1, 1]) }));
    assertShares(counts(be, 1000), [1, 1], 1000);
    assert.equal(be.setWeight(be.findServer('s2')!, 3), undefined);
    assertShares(counts(be, 4000), [1, 3], 4000);
    be.setWeight(be.findServer('s1')!, 0);
    assertShares(counts(be, 100), [0, 1], 100, 0);
  });

  it('skips full servers and asks to queue when all are full', () => {
    const be = backendOf(makeProxy({ balance: rr, servers: servers([1, 1], { maxconn: 1 }) }));
    const a = be.assign(waiter(), pickCtx());
    const b = be.assign(waiter(), pickCtx());
    assert.equal(a.kind, 'slot');
    assert.equal(b.kind, 'slot');
    assert.notEqual(a.kind === 'slot' && a.server, b.kind === 'slot' && b.server);
    assert.equal(be.balancer.pick(pickCtx()).kind, 'queue');
    assert.equal(be.assign(waiter(), pickCtx()).kind, 'queued');
    assert.equal(be.queue.length, 1);
  });
});

describe('static-rr', () => {
  it('spreads by weight within 2% and refuses weights other than 0 or the configured one', () => {
    const w = [2, 3, 5];
    const be = backendOf(makeProxy({ balance: { algorithm: 'static-rr' }, servers: servers(w) }));
    assertShares(counts(be, 10000), w, 10000);
    assert.match(be.setWeight(be.findServer('s1')!, 7) ?? '', /static LB algorithm/);
    assert.equal(be.setWeight(be.findServer('s1')!, 0), undefined);
    assertShares(counts(be, 800), [0, 3, 5], 800, 0.01);
  });
});

describe('leastconn', () => {
  it('picks the server with the fewest connections, counting queued ones, weights applied', () => {
    const be = backendOf(makeProxy({ balance: { algorithm: 'leastconn' }, servers: servers([1, 1, 2]) }));
    const [s1, s2, s3] = be.servers as [Server, Server, Server];
    s1.served = 3;
    s2.served = 1;
    s3.served = 2; // weight 2: (2+1)/2 = 1.5 per weight unit vs s2's (1+1)/1 = 2
    let p = be.balancer.pick(pickCtx());
    assert.equal(p.kind === 'server' && p.server.name, 's3');
    s3.served = 5;
    p = be.balancer.pick(pickCtx());
    assert.equal(p.kind === 'server' && p.server.name, 's2');
    s3.served = 9;
    s2.queue.push(waiter(), 1);
    s2.queue.push(waiter(), 2);
    s2.queue.push(waiter(), 3);
    p = be.balancer.pick(pickCtx());
    assert.equal(p.kind === 'server' && p.server.name, 's1', 'queued connections count as load');
  });

  it('rotates between equally loaded servers', () => {
    const be = backendOf(makeProxy({ balance: { algorithm: 'leastconn' }, servers: servers([1, 1, 1]) }));
    const names = Array.from({ length: 6 }, () => {
      const p = be.balancer.pick(pickCtx());
      return p.kind === 'server' ? p.server.name : '';
    });
    assert.deepEqual(names, ['s1', 's2', 's3', 's1', 's2', 's3']);
  });
});

describe('first', () => {
  it('fills servers in id order up to their maxconn, then queues', () => {
    const cfgs = [
      makeServer('late', '127.0.0.1:1', { id: 3, maxconn: 2 }),
      makeServer('early', '127.0.0.1:1', { id: 1, maxconn: 2 }),
      makeServer('mid', '127.0.0.1:1', { id: 2, maxconn: 2 }),
    ];
    const be = backendOf(makeProxy({ balance: { algorithm: 'first' }, servers: cfgs }));
    const order = Array.from({ length: 6 }, () => {
      const a = be.assign(waiter(), pickCtx());
      return a.kind === 'slot' ? a.server.name : a.kind;
    });
    assert.deepEqual(order, ['early', 'early', 'mid', 'mid', 'late', 'late']);
    assert.equal(be.assign(waiter(), pickCtx()).kind, 'queued');
    be.release(be.findServer('mid')!);
    assert.equal(be.findServer('mid')!.served, 2, 'the freed slot went to the queued connection');
    assert.equal(be.queue.length, 0);
  });
});

describe('source', () => {
  it('keeps one client on one server and spreads clients', () => {
    const be = backendOf(makeProxy({ balance: { algorithm: 'source' }, servers: servers([1, 1, 1, 1]) }));
    const seen = new Set<string>();
    for (let i = 1; i < 200; i++) {
      const ctx = pickCtx({ srcAddr: `10.0.${i % 7}.${i}` });
      const a = be.balancer.pick(ctx);
      const b = be.balancer.pick(ctx);
      assert.equal(a.kind === 'server' && a.server, b.kind === 'server' && b.server);
      if (a.kind === 'server') seen.add(a.server.name);
    }
    assert.equal(seen.size, 4);
    assert.equal(be.balancer.pick(pickCtx({ srcAddr: undefined })).kind, 'none');
  });

  it('consistent hashing moves only the leaving server keys, about 1/N of them', () => {
    const n = 5;
    const be = backendOf(
      makeProxy({
        balance: { algorithm: 'source' },
        hashType: hashType('consistent'),
        servers: servers(Array(n).fill(1)),
      }),
    );
    const keys = Array.from({ length: 4000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.${(i * 7) % 251}`);
    const owner = (k: string) => {
      const p = be.balancer.pick(pickCtx({ srcAddr: k }));
      return p.kind === 'server' ? p.server.name : '';
    };
    const before = keys.map(owner);
    be.setHealth(be.findServer('s3')!, false, 'test');
    const after = keys.map(owner);
    let moved = 0;
    keys.forEach((_, i) => {
      if (before[i] !== after[i]) {
        moved++;
        assert.equal(before[i], 's3', 'only keys of the server that left move');
      }
    });
    const share = moved / keys.length;
    assert.ok(share > 0.1 && share < 0.3, `moved ${share}, expected about ${1 / n}`);
    be.setHealth(be.findServer('s3')!, true, 'test');
    assert.deepEqual(keys.map(owner), before, 'the server coming back gets exactly its keys back');
  });

  it('map-based hashing redistributes most keys when a server leaves', () => {
    const be = backendOf(makeProxy({ balance: { algorithm: 'source' }, servers: servers([1, 1, 1, 1, 1]) }));
    const keys = Array.from({ length: 2000 }, (_, i) => `10.1.${i >> 8}.${i & 255}`);
    const owner = (k: string) => {
      const p = be.balancer.pick(pickCtx({ srcAddr: k }));
      return p.kind === 'server' ? p.server.name : '';
    };
    const before = keys.map(owner);
    be.setHealth(be.findServer('s3')!, false, 'test');
    const moved = keys.filter((k, i) => owner(k) !== before[i]).length / keys.length;
    assert.ok(moved > 0.5, `map-based moved ${moved}`);
  });
});

describe('random', () => {
  it('with two draws keeps the less loaded of the two servers drawn', () => {
    const be = backendOf(makeProxy({ balance: { algorithm: 'random', draws: 2 }, servers: servers([1, 1]) }));
    const [s1, s2] = be.servers as [Server, Server];
    s1.served = 10;
    s2.served = 0;
    // Draws land on both servers often; the loaded one must lose every time both are drawn.
    const c = counts(be, 2000);
    assert.ok((c.get('s2') ?? 0) / 2000 > 0.7, `s2 got ${c.get('s2')}`);
  });

  it('with one draw follows the weights', () => {
    const be = backendOf(makeProxy({ balance: { algorithm: 'random', draws: 1 }, servers: servers([1, 3]) }));
    const r = new RandomDraws(1);
    r.update(be.lbGroup());
    const c = new Map<string, number>();
    for (let i = 0; i < 10000; i++) {
      const p = r.pick(pickCtx());
      if (p.kind === 'server') c.set(p.server.name, (c.get(p.server.name) ?? 0) + 1);
    }
    assertShares(c, [1, 3], 10000, 0.05);
  });
});

describe('backup servers', () => {
  const cfgs = () => [
    makeServer('a1', '127.0.0.1:1', { id: 1 }),
    makeServer('a2', '127.0.0.1:1', { id: 2 }),
    makeServer('b1', '127.0.0.1:1', { id: 3, backup: true }),
    makeServer('b2', '127.0.0.1:1', { id: 4, backup: true }),
  ];

  it('are used only when no active server is usable, first backup only', () => {
    const be = backendOf(makeProxy({ balance: rr, servers: cfgs() }));
    assert.deepEqual([...counts(be, 20).keys()].sort(), ['a1', 'a2']);
    be.setHealth(be.findServer('a1')!, false, 'down');
    be.setAdmin(be.findServer('a2')!, 'maint', 'maint');
    assert.deepEqual([...counts(be, 20).keys()], ['b1']);
    be.setHealth(be.findServer('b1')!, false, 'down');
    assert.deepEqual([...counts(be, 20).keys()], ['b2']);
    be.setHealth(be.findServer('a1')!, true, 'up');
    assert.deepEqual([...counts(be, 20).keys()], ['a1']);
  });

  it('with option allbackups, all usable backups share the load', () => {
    const be = backendOf(makeProxy({ balance: rr, servers: cfgs(), options: { allbackups: true } }));
    be.setHealth(be.findServer('a1')!, false, 'down');
    be.setHealth(be.findServer('a2')!, false, 'down');
    assert.deepEqual([...counts(be, 20).keys()].sort(), ['b1', 'b2']);
  });

  it('drain removes a server from balancing but not from the backend', () => {
    const be = backendOf(makeProxy({ balance: rr, servers: cfgs() }));
    be.setAdmin(be.findServer('a1')!, 'drain', 'drain');
    assert.deepEqual([...counts(be, 20).keys()], ['a2']);
    assert.equal(be.findServer('a1')!.status(), 'DRAIN');
  });

  it('no usable server at all gives no-server', () => {
    const be = backendOf(makeProxy({ balance: rr, servers: cfgs().slice(0, 2) }));
    for (const s of be.servers) be.setHealth(s, false, 'down');
    assert.equal(be.assign(waiter(), pickCtx()).kind, 'no-server');
  });
});
