/**
 * Balance algorithms through real sockets, and slowstart on the engine's
 * clock: the distribution seen by servers, least-connections avoiding a slow
 * server, `first` filling servers in id order, source stickiness, and the
 * weight ramp after a server comes back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProxyConfig } from '../../src/config/haproxy/model.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { ProxyEngine } from '../../src/proxy/engine.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import {
  exchange,
  namedServer,
  type RunningEngine,
  runEngine,
  startServer,
  type TestServer,
} from './helpers.js';

async function withEngine(p: Partial<ProxyConfig>, fn: (r: RunningEngine) => Promise<void>): Promise<void> {
  const r = await runEngine(makeConfig([makeProxy({ binds: [makeBind('127.0.0.1:0')], ...p })]));
  try {
    await fn(r);
  } finally {
    await r.stop();
  }
}

const tally = (answers: string[]) => {
  const m = new Map<string, number>();
  for (const a of answers) m.set(a.trim(), (m.get(a.trim()) ?? 0) + 1);
  return m;
};

describe('balancing through sockets', () => {
  it('roundrobin 1:3 over 400 connections', async () => {
    const [a, b] = await Promise.all([namedServer('a'), namedServer('b')]);
    try {
      await withEngine(
        {
          servers: [
            makeServer('a', `127.0.0.1:${a.port}`, { weight: 1 }),
            makeServer('b', `127.0.0.1:${b.port}`, { weight: 3 }),
          ],
        },
        async (r) => {
          const answers: string[] = [];
          for (let wave = 0; wave < 10; wave++) {
            const got = await Promise.all(Array.from({ length: 40 }, () => exchange(r.port())));
            answers.push(...got.map((g) => g.data));
          }
          const t = tally(answers);
          assert.equal(t.get('a'), 100);
          assert.equal(t.get('b'), 300);
        },
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('leastconn sends most connections to the fast server when the other is slow', async () => {
    const slow = await startServer((s) => setTimeout(() => s.end('slow'), 400));
    const fast = await startServer((s) => setTimeout(() => s.end('fast'), 5));
    try {
      await withEngine(
        {
          balance: { algorithm: 'leastconn' },
          servers: [
            makeServer('slow', `127.0.0.1:${slow.port}`),
            makeServer('fast', `127.0.0.1:${fast.port}`),
          ],
        },
        async (r) => {
          const pending: Promise<{ data: string }>[] = [];
          for (let i = 0; i < 60; i++) {
            pending.push(exchange(r.port()));
            await new Promise((res) => setTimeout(res, 5));
          }
          const t = tally((await Promise.all(pending)).map((x) => x.data));
          assert.ok((t.get('fast') ?? 0) >= 50, `fast got ${t.get('fast')}, slow ${t.get('slow')}`);
        },
      );
    } finally {
      await Promise.all([slow.close(), fast.close()]);
    }
  });

  it('first fills servers by id up to maxconn', async () => {
    const holders: TestServer[] = [];
    const release: (() => void)[] = [];
    for (let i = 0; i < 3; i++) holders.push(await startServer((s) => release.push(() => s.end())));
    try {
      await withEngine(
        {
          balance: { algorithm: 'first' },
          servers: [
            makeServer('third', `127.0.0.1:${holders[2]!.port}`, { id: 30, maxconn: 2 }),
            makeServer('first', `127.0.0.1:${holders[0]!.port}`, { id: 10, maxconn: 2 }),
            makeServer('second', `127.0.0.1:${holders[1]!.port}`, { id: 20, maxconn: 2 }),
          ],
        },
        async (r) => {
          const all = Array.from({ length: 3 }, () => exchange(r.port()));
          await new Promise((res) => setTimeout(res, 150));
          assert.deepEqual(
            holders.map((h) => h.current),
            [2, 1, 0],
          );
          while (release.length) release.shift()!();
          await Promise.all(all);
        },
      );
    } finally {
      await Promise.all(holders.map((h) => h.close()));
    }
  });

  it('source keeps each client address on one server', async () => {
    const servers = await Promise.all(['a', 'b', 'c'].map(namedServer));
    try {
      await withEngine(
        {
          balance: { algorithm: 'source' },
          servers: servers.map((s, i) => makeServer(`s${i}`, `127.0.0.1:${s.port}`)),
        },
        async (r) => {
          const seen = new Set<string>();
          for (let i = 1; i <= 6; i++) {
            const src = `127.0.${i}.${i * 3}`;
            const answers = await Promise.all(
              Array.from({ length: 5 }, () => exchange(r.port(), '', { localAddress: src })),
            );
            assert.equal(new Set(answers.map((x) => x.data)).size, 1, `${src} moved`);
            seen.add(answers[0]!.data);
          }
          assert.ok(seen.size >= 2, 'different clients reach different servers');
        },
      );
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});

describe('slowstart', () => {
  it('ramps the weight and the connection limit after a server comes back', () => {
    const clock = new ManualClock();
    const cfg = makeConfig([
      makeProxy({
        servers: [
          makeServer('s', '127.0.0.1:1', { weight: 2, maxconn: 100, slowstart: 10000 }),
          makeServer('t', '127.0.0.1:1'),
        ],
      }),
    ]);
    const engine = new ProxyEngine(cfg, { log: silentLogger, clock });
    const s = engine.backend('px')!.findServer('s')!;
    assert.equal(s.eweight, 32);
    engine.setServerHealth('px', 's', false, 'down');
    clock.advance(3000);
    engine.setServerHealth('px', 's', true, 'up');
    assert.equal(s.eweight, 2, 'starts at one sixteenth');
    assert.equal(s.dynamicMaxconn(clock.now()), 1);
    clock.advance(5000);
    assert.equal(s.eweight, 2 * 9, 'half-way: (16 × 5 + 10) / 10 = 9 steps');
    assert.equal(s.dynamicMaxconn(clock.now()), 50);
    const row = () => engine.stats().find((x) => x.svname === 's')!;
    assert.equal(row().throttle, 56);
    clock.advance(5000);
    assert.equal(s.eweight, 32);
    assert.equal(s.warming, false);
    assert.equal(row().throttle, undefined);
    assert.equal(clock.pending(), 0, 'the ramp timer stops when no server warms up');
    assert.equal(row().downtime, undefined, 'downtime is only reported with checks');
  });
});
