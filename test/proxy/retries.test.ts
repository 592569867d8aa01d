/**
 * Connection failures: `retries` attempts with HAProxy's turn-around wait of
 * min(timeout connect, 1 s) on the same server, `option redispatch` moving to
 * another server (at once for round-robin algorithms, on the last retry by
 * default for the others), connect timeouts, and what the counters say. The
 * expected figures were checked against HAProxy 2.6.12: with a refusing
 * server, `retries 3` and `timeout connect 300ms`, the client is closed after
 * about 900 ms and `show stat` reports connect=4 wretr=3 econ=1 for the server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProxyConfig } from '../../src/config/haproxy/model.js';
import type { Session } from '../../src/proxy/session.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import {
  backendOf,
  exchange,
  hashType,
  namedServer,
  pickCtx,
  type RunningEngine,
  refusedPort,
  runEngine,
  waitFor,
} from './helpers.js';

const stat = (r: RunningEngine, sv: string) => r.engine.stats().find((x) => x.svname === sv)!;

function recordEnds(r: RunningEngine): string[] {
  const fe = r.engine.frontend('px')!;
  const ends: string[] = [];
  const orig = fe.sessionClosed.bind(fe);
  fe.sessionClosed = (s: Session) => {
    ends.push(s.termState);
    orig(s);
  };
  return ends;
}

async function withEngine(p: Partial<ProxyConfig>, fn: (r: RunningEngine) => Promise<void>): Promise<void> {
  const r = await runEngine(makeConfig([makeProxy({ binds: [makeBind('127.0.0.1:0')], ...p })]));
  try {
    await fn(r);
  } finally {
    await r.stop();
  }
}

describe('retries', () => {
  it('a refusing server gets retries+1 attempts, min(timeout connect, 1 s) apart, then the client is closed', async () => {
    const dead = await refusedPort();
    await withEngine(
      {
        retries: 3,
        servers: [makeServer('s1', `127.0.0.1:${dead}`)],
        timeouts: { connect: 200, client: 5000, server: 5000 },
      },
      async (r) => {
        const ends = recordEnds(r);
        const res = await exchange(r.port());
        assert.equal(res.data, '');
        assert.ok(res.ms >= 570 && res.ms < 1200, `closed after ${res.ms} ms (3 waits of 200 ms)`);
        const s1 = stat(r, 's1');
        assert.equal(s1.connect, 4, 'four connection attempts');
        assert.equal(s1.wretr, 3);
        assert.equal(s1.econ, 1);
        assert.equal(s1.stot, 4, 'HAProxy counts each attempt as a server session');
        assert.equal(stat(r, 'BACKEND').econ, 1);
        assert.equal(stat(r, 'BACKEND').stot, 1);
        await waitFor(() => ends.length === 1);
        assert.deepEqual(ends, ['SC']);
      },
    );
  });

  it('the turn-around wait is capped at one second', async () => {
    const dead = await refusedPort();
    await withEngine(
      {
        retries: 1,
        servers: [makeServer('s1', `127.0.0.1:${dead}`)],
        timeouts: { connect: 5000, client: 5000, server: 5000 },
      },
      async (r) => {
        const res = await exchange(r.port());
        assert.ok(res.ms >= 950 && res.ms < 1800, `closed after ${res.ms} ms`);
        assert.equal(stat(r, 's1').connect, 2);
      },
    );
  });

  it('retries 0 fails at the first refusal, without waiting', async () => {
    const dead = await refusedPort();
    await withEngine(
      { retries: 0, servers: [makeServer('s1', `127.0.0.1:${dead}`)], timeouts: { connect: 1000 } },
      async (r) => {
        const res = await exchange(r.port());
        assert.ok(res.ms < 300, `closed after ${res.ms} ms`);
        assert.equal(stat(r, 's1').connect, 1);
      },
    );
  });

  it('without option redispatch every retry stays on the same server', async () => {
    const dead = await refusedPort();
    const alive = await namedServer('alive');
    try {
      await withEngine(
        {
          retries: 2,
          servers: [makeServer('dead', `127.0.0.1:${dead}`), makeServer('alive', `127.0.0.1:${alive.port}`)],
          timeouts: { connect: 100 },
        },
        async (r) => {
          const res = await exchange(r.port());
          assert.equal(res.data, '', 'the first connection was assigned to the dead server and stays there');
          assert.equal(stat(r, 'dead').connect, 3);
          assert.equal(stat(r, 'alive').connect, 0);
        },
      );
    } finally {
      await alive.close();
    }
  });
});

describe('option redispatch', () => {
  it('roundrobin with several servers moves to another server at once, without turn-around', async () => {
    const dead = await refusedPort();
    const alive = await namedServer('alive');
    try {
      await withEngine(
        {
          retries: 3,
          redispatch: -1,
          servers: [makeServer('dead', `127.0.0.1:${dead}`), makeServer('alive', `127.0.0.1:${alive.port}`)],
          timeouts: { connect: 1000 },
        },
        async (r) => {
          const res = await exchange(r.port());
          assert.equal(res.data, 'alive\n');
          assert.ok(res.ms < 500, `served after ${res.ms} ms: no one-second wait`);
          assert.equal(stat(r, 'dead').wredis, 1);
          assert.equal(stat(r, 'BACKEND').wredis, 1);
          assert.equal(stat(r, 'dead').econ, 0);
        },
      );
    } finally {
      await alive.close();
    }
  });

  /** The server `127.0.0.1` hashes to under `balance source` + consistent hashing with servers a, b. */
  function ownerOfLoopback(): string {
    const be = backendOf(
      makeProxy({
        balance: { algorithm: 'source' },
        hashType: hashType('consistent'),
        servers: [makeServer('a', '127.0.0.1:1', { id: 1 }), makeServer('b', '127.0.0.1:1', { id: 2 })],
      }),
    );
    const p = be.balancer.pick(pickCtx({ srcAddr: '127.0.0.1' }));
    return p.kind === 'server' ? p.server.name : '';
  }

  for (const [interval, deadAttempts] of [
    [-1, 3],
    [1, 1],
  ] as const) {
    it(`a hash algorithm with option redispatch ${interval} leaves the server after ${deadAttempts} attempt(s)`, async () => {
      const dead = await refusedPort();
      const alive = await namedServer('alive');
      const owner = ownerOfLoopback();
      const port = (name: string) => (name === owner ? dead : alive.port);
      try {
        await withEngine(
          {
            balance: { algorithm: 'source' },
            hashType: hashType('consistent'),
            retries: 3,
            redispatch: interval,
            servers: [
              makeServer('a', `127.0.0.1:${port('a')}`, { id: 1 }),
              makeServer('b', `127.0.0.1:${port('b')}`, { id: 2 }),
            ],
            timeouts: { connect: 100 },
          },
          async (r) => {
            const res = await exchange(r.port());
            assert.equal(res.data, 'alive\n');
            const d = stat(r, owner);
            assert.equal(d.connect, deadAttempts);
            assert.equal(d.wretr, deadAttempts - 1);
            assert.equal(d.wredis, 1);
            // Each failed attempt waits 100 ms: a hash is not a round-robin algorithm.
            assert.ok(res.ms >= deadAttempts * 95, `served after ${res.ms} ms`);
          },
        );
      } finally {
        await alive.close();
      }
    });
  }
});
