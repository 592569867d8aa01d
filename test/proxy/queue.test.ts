/**
 * Server connection limits and queues: the worked example from the seed
 * material (3 servers with maxconn 4, 40 concurrent clients holding their
 * connection ~100 ms: never more than 4 in flight per server, measured at the
 * servers, everyone served, the queue used), FIFO order, `timeout queue`,
 * `maxqueue`, and the dynamic limit between minconn and maxconn.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProxyConfig } from '../../src/config/haproxy/model.js';
import type { Session } from '../../src/proxy/session.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import {
  backendOf,
  exchange,
  type RunningEngine,
  runEngine,
  sleep,
  startServer,
  waitFor,
} from './helpers.js';

const stat = (r: RunningEngine, sv: string) => r.engine.stats().find((x) => x.svname === sv)!;

async function withEngine(p: Partial<ProxyConfig>, fn: (r: RunningEngine) => Promise<void>): Promise<void> {
  const r = await runEngine(makeConfig([makeProxy({ binds: [makeBind('127.0.0.1:0')], ...p })]));
  try {
    await fn(r);
  } finally {
    await r.stop();
  }
}

interface Busy {
  busy: number;
  peak: number;
}

/**
 * Holds each connection `ms`, then answers its name and closes. `busy` counts
 * connections between accept and the answer: the work a server does at once
 * (its socket's 'close' may be seen after the next accept, in the same process).
 */
async function slowServer(name: string, ms: number) {
  const load: Busy = { busy: 0, peak: 0 };
  const srv = await startServer((s) => {
    load.busy++;
    load.peak = Math.max(load.peak, load.busy);
    setTimeout(() => {
      load.busy--;
      s.end(`${name}\n`);
    }, ms);
  });
  return Object.assign(srv, { load });
}

describe('server maxconn and the queue', () => {
  it('worked example: 3 servers × maxconn 4, 40 clients at once', async () => {
    const servers = await Promise.all(['railsA', 'railsB', 'railsC'].map((n) => slowServer(n, 100)));
    try {
      await withEngine(
        {
          servers: servers.map((s, i) =>
            makeServer(['railsA', 'railsB', 'railsC'][i]!, `127.0.0.1:${s.port}`, { maxconn: 4 }),
          ),
          timeouts: { connect: 60000, client: 30000, server: 30000 },
        },
        async (r) => {
          const results = await Promise.all(Array.from({ length: 40 }, () => exchange(r.port())));
          const answered = results.map((x) => x.data.trim());
          assert.equal(answered.filter((a) => a.startsWith('rails')).length, 40, 'every client was served');
          for (const s of servers) {
            assert.ok(s.load.peak <= 4, `a server worked on ${s.load.peak} connections at once`);
            assert.equal(s.load.peak, 4, 'the limit is used fully');
          }
          assert.ok(Number(stat(r, 'BACKEND').qmax) > 0, 'connections waited in the queue');
          assert.equal(stat(r, 'BACKEND').qcur, 0);
          // 40 clients / 12 slots × 100 ms: at least 4 rounds.
          assert.ok(Math.max(...results.map((x) => x.ms)) >= 350);
        },
      );
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });

  it('serves queued connections in arrival order', async () => {
    const order: string[] = [];
    let busy = 0;
    let peak = 0;
    const srv = await startServer((s) => {
      busy++;
      peak = Math.max(peak, busy);
      s.once('data', (d) => {
        order.push(d.toString());
        setTimeout(() => {
          busy--;
          s.end();
        }, 30);
      });
    });
    try {
      await withEngine({ servers: [makeServer('s', `127.0.0.1:${srv.port}`, { maxconn: 1 })] }, async (r) => {
        const all: Promise<unknown>[] = [];
        for (let i = 0; i < 6; i++) {
          all.push(exchange(r.port(), `c${i}`));
          await sleep(10);
        }
        await Promise.all(all);
        assert.deepEqual(order, ['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
        assert.equal(peak, 1);
      });
    } finally {
      await srv.close();
    }
  });

  it('timeout queue closes a connection that waited too long (sQ, econ)', async () => {
    const srv = await slowServer('s', 600);
    try {
      await withEngine(
        {
          servers: [makeServer('s', `127.0.0.1:${srv.port}`, { maxconn: 1 })],
          timeouts: { connect: 5000, client: 5000, server: 5000, queue: 150 },
        },
        async (r) => {
          const fe = r.engine.frontend('px')!;
          const ends: string[] = [];
          const orig = fe.sessionClosed.bind(fe);
          fe.sessionClosed = (s: Session) => {
            ends.push(s.termState);
            orig(s);
          };
          const first = exchange(r.port());
          await sleep(30);
          const second = await exchange(r.port());
          assert.equal(second.data, '');
          assert.ok(second.ms >= 130 && second.ms < 500, `dropped after ${second.ms} ms`);
          assert.equal((await first).data, 's\n');
          await waitFor(() => ends.length === 2);
          assert.ok(ends.includes('sQ'), ends.join());
          assert.equal(stat(r, 'BACKEND').econ, 1);
        },
      );
    } finally {
      await srv.close();
    }
  });

  it('timeout queue defaults to timeout connect', async () => {
    const srv = await slowServer('s', 600);
    try {
      await withEngine(
        {
          servers: [makeServer('s', `127.0.0.1:${srv.port}`, { maxconn: 1 })],
          timeouts: { connect: 120, client: 5000, server: 5000 },
        },
        async (r) => {
          const first = exchange(r.port());
          await sleep(30);
          const second = await exchange(r.port());
          assert.ok(second.ms >= 100 && second.ms < 450, `dropped after ${second.ms} ms`);
          await first;
        },
      );
    } finally {
      await srv.close();
    }
  });

  it('maxqueue: a full server queue refuses more (the connection is closed at once)', async () => {
    const srv = await slowServer('s', 300);
    try {
      await withEngine(
        {
          balance: { algorithm: 'source' },
          servers: [makeServer('s', `127.0.0.1:${srv.port}`, { maxconn: 1, maxqueue: 1 })],
        },
        async (r) => {
          const a = exchange(r.port());
          await sleep(20);
          const b = exchange(r.port());
          await sleep(20);
          const c = await exchange(r.port());
          assert.equal(c.data, '');
          assert.ok(c.ms < 150, `refused after ${c.ms} ms`);
          assert.equal((await a).data, 's\n');
          assert.equal((await b).data, 's\n');
          assert.equal(stat(r, 's').econ, 1);
          assert.equal(stat(r, 's').qmax, 1);
          assert.equal(stat(r, 's').qlimit, 1);
        },
      );
    } finally {
      await srv.close();
    }
  });
});

describe('dynamic limit', () => {
  it('follows the backend load between minconn and maxconn (queue.c srv_dynamic_maxconn)', () => {
    const be = backendOf(
      makeProxy({ servers: [makeServer('s', '127.0.0.1:1', { minconn: 4, maxconn: 12 })] }),
    );
    be.fullconn = 100;
    const s = be.servers[0]!;
    const limitAt = (beconn: number) => {
      be.beconn = beconn;
      return s.dynamicMaxconn(0);
    };
    assert.equal(limitAt(0), 4);
    assert.equal(limitAt(30), 4);
    assert.equal(limitAt(50), 6);
    assert.equal(limitAt(99), 11);
    assert.equal(limitAt(100), 12);
    assert.equal(limitAt(5000), 12);
  });

  it('fullconn defaults to 10% of the maxconn of the frontends that reach the backend', async () => {
    const fe = makeProxy({
      kind: 'frontend',
      name: 'fe',
      maxconn: 1000,
      binds: [makeBind('127.0.0.1:0')],
      defaultBackend: 'be',
    });
    const be = makeProxy({ kind: 'backend', name: 'be', id: 3, servers: [makeServer('s', '127.0.0.1:1')] });
    const lst = makeProxy({ kind: 'listen', name: 'lst', id: 4, binds: [makeBind('127.0.0.1:0')] });
    const fixed = makeProxy({ kind: 'backend', name: 'fixed', id: 5, fullconn: 42 });
    const r = await runEngine(makeConfig([fe, be, lst, fixed], { maxconn: 3000 }));
    try {
      assert.equal(r.engine.backend('be')!.fullconn, 100);
      assert.equal(r.engine.backend('lst')!.fullconn, 300);
      assert.equal(r.engine.backend('fixed')!.fullconn, 42);
      assert.equal(r.engine.stats().find((x) => x.pxname === 'be' && x.svname === 'BACKEND')!.slim, 100);
    } finally {
      await r.stop();
    }
  });
});
