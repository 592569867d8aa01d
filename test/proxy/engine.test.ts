/**
 * The engine's run-time controls and wiring: health and admin changes with
 * their events, weights, all servers down, dispatch, source addresses,
 * PROXY protocol on binds and toward servers, and that nothing leaks.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import type { ProxyConfig } from '../../src/config/haproxy/model.js';
import type { ServerStateEvent } from '../../src/proxy/engine.js';
import { encodeProxyV1, encodeProxyV2, parseProxyHeader } from '../../src/proxy/proxy-protocol.js';
import { addr, makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import {
  echoServer,
  exchange,
  fdCount,
  namedServer,
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

describe('server state at run time', () => {
  it('health and admin changes steer traffic and are emitted as server-state events', async () => {
    const [a, b] = await Promise.all([namedServer('a'), namedServer('b')]);
    try {
      await withEngine(
        { servers: [makeServer('a', `127.0.0.1:${a.port}`), makeServer('b', `127.0.0.1:${b.port}`)] },
        async (r) => {
          const events: ServerStateEvent[] = [];
          r.engine.on('server-state', (ev) => events.push(ev));
          assert.deepEqual(r.engine.setServerHealth('px', 'a', false, 'Layer4 connection problem'), {
            ok: true,
          });
          for (let i = 0; i < 4; i++) assert.equal((await exchange(r.port())).data, 'b\n');
          assert.equal(stat(r, 'a').status, 'DOWN');
          r.engine.setServerHealth('px', 'a', true, 'Layer4 check passed');
          r.engine.setServerAdminState('px', 'b', 'maint');
          for (let i = 0; i < 4; i++) assert.equal((await exchange(r.port())).data, 'a\n');
          assert.equal(stat(r, 'b').status, 'MAINT');
          assert.deepEqual(
            events.map((e) => [e.server, e.health, e.admin, e.usable]),
            [
              ['a', 'down', 'ready', false],
              ['a', 'up', 'ready', true],
              ['b', 'up', 'maint', false],
            ],
          );
          assert.equal(events[0]!.reason, 'Layer4 connection problem');
          assert.deepEqual(r.engine.setServerHealth('px', 'zz', true, ''), {
            ok: false,
            reason: 'no such server px/zz',
          });
        },
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('set weight takes effect on live traffic; static algorithms refuse other weights', async () => {
    const [a, b] = await Promise.all([namedServer('a'), namedServer('b')]);
    try {
      await withEngine(
        { servers: [makeServer('a', `127.0.0.1:${a.port}`), makeServer('b', `127.0.0.1:${b.port}`)] },
        async (r) => {
          assert.deepEqual(r.engine.setServerWeight('px', 'a', 3), { ok: true });
          const got = await Promise.all(
            Array.from({ length: 40 }, () => exchange(r.port()).then((x) => x.data)),
          );
          const share = got.filter((x) => x === 'a\n').length / 40;
          assert.ok(share >= 0.7 && share <= 0.8, `a got ${share}`);
          assert.equal(stat(r, 'a').weight, 3);
        },
      );
      await withEngine(
        { balance: { algorithm: 'static-rr' }, servers: [makeServer('a', `127.0.0.1:${a.port}`)] },
        async (r) => {
          const res = r.engine.setServerWeight('px', 'a', 5);
          assert.equal(res.ok, false);
        },
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('with all servers down a tcp connection is closed at once (econ on the backend)', async () => {
    const a = await namedServer('a');
    try {
      await withEngine({ servers: [makeServer('a', `127.0.0.1:${a.port}`)] }, async (r) => {
        r.engine.setServerHealth('px', 'a', false, 'down');
        const res = await exchange(r.port());
        assert.equal(res.data, '');
        assert.ok(res.ms < 200);
        assert.equal(stat(r, 'BACKEND').econ, 1);
        assert.equal(stat(r, 'BACKEND').status, 'DOWN');
        assert.equal(stat(r, 'a').econ, 0);
        assert.equal(a.accepted, 0);
      });
    } finally {
      await a.close();
    }
  });

  it('queued connections go to a backup server once all actives are down', async () => {
    const release: (() => void)[] = [];
    const active = await startServer((s) => release.push(() => s.end('active')));
    const backup = await namedServer('backup');
    try {
      await withEngine(
        {
          redispatch: -1,
          servers: [
            makeServer('act', `127.0.0.1:${active.port}`, { maxconn: 1 }),
            makeServer('bck', `127.0.0.1:${backup.port}`, { backup: true }),
          ],
        },
        async (r) => {
          const first = exchange(r.port());
          await waitFor(() => release.length === 1);
          const second = exchange(r.port());
          await waitFor(() => Number(stat(r, 'BACKEND').qcur) === 1);
          r.engine.setServerHealth('px', 'act', false, 'down');
          assert.equal((await second).data, 'backup\n');
          release.shift()!();
          assert.equal((await first).data, 'active');
        },
      );
    } finally {
      await Promise.all([active.close(), backup.close()]);
    }
  });
});

describe('on-marked-down / on-marked-up', () => {
  it('shutdown-sessions closes the sessions of a server marked down; backups are shut when an active comes back', async () => {
    const srv = await echoServer();
    const bck = await echoServer();
    const check = {
      enabled: true,
      inter: 2000,
      rise: 2,
      fall: 3,
      ssl: false,
      sendProxy: false,
      errorLimit: 10,
      onError: 'fastinter',
    } as const;
    try {
      await withEngine(
        {
          servers: [
            makeServer('a', `127.0.0.1:${srv.port}`, {
              check: { ...check, onMarkedDown: 'shutdown-sessions', onMarkedUp: 'shutdown-backup-sessions' },
            }),
            makeServer('b', `127.0.0.1:${bck.port}`, { backup: true }),
          ],
        },
        async (r) => {
          const open = exchange(r.port());
          await waitFor(() => srv.current === 1);
          r.engine.setServerHealth('px', 'a', false, 'Layer4 timeout');
          const res = await open;
          assert.ok(res.ms < 1000);
          await waitFor(() => srv.current === 0);
          assert.equal(srv.current, 0);
          const onBackup = exchange(r.port());
          await waitFor(() => bck.current === 1);
          r.engine.setServerHealth('px', 'a', true, 'Layer4 check passed');
          await onBackup;
          assert.ok(await waitFor(() => bck.current === 0), 'the backup session was shut');
        },
      );
    } finally {
      await Promise.all([srv.close(), bck.close()]);
    }
  });
});

describe('connection options', () => {
  it('dispatch sends a server-less backend to a fixed address', async () => {
    const d = await namedServer('dispatched');
    try {
      await withEngine({ dispatch: addr(`127.0.0.1:${d.port}`) }, async (r) => {
        assert.equal((await exchange(r.port())).data, 'dispatched\n');
      });
    } finally {
      await d.close();
    }
  });

  it('source sets the local address of server connections (server beats backend)', async () => {
    const peers: string[] = [];
    const srv = await startServer((s) => {
      peers.push(s.remoteAddress ?? '');
      s.end();
    });
    try {
      await withEngine(
        {
          source: addr('127.0.0.7:0'),
          servers: [
            makeServer('plain', `127.0.0.1:${srv.port}`),
            makeServer('own', `127.0.0.1:${srv.port}`, { source: addr('127.0.0.9:0') }),
          ],
        },
        async (r) => {
          await exchange(r.port());
          await exchange(r.port());
          assert.deepEqual(peers.sort(), ['127.0.0.7', '127.0.0.9']);
        },
      );
    } finally {
      await srv.close();
    }
  });

  it('a server port written +N follows the port the client connected to', async () => {
    // The proxy listens just below the server's port; another test may take that
    // port in between (the HTTP fuzz test opens many connections in parallel and
    // takes neighbouring ephemeral ports), so up to 21 pairs are tried.
    for (let attempt = 0; ; attempt++) {
      const srv = await namedServer('mapped');
      const bindPort = srv.port - 1;
      try {
        const r = await runEngine(
          makeConfig([
            makeProxy({
              binds: [makeBind(`127.0.0.1:${bindPort}`)],
              servers: [makeServer('m', '127.0.0.1:+1')],
            }),
          ]),
        );
        try {
          assert.equal((await exchange(bindPort)).data, 'mapped\n');
        } finally {
          await r.stop();
        }
        return;
      } catch (e) {
        if (attempt >= 20 || (e as { code?: string }).code !== 'ERR_BIND_FAILED') throw e;
      } finally {
        await srv.close();
      }
    }
  });
});

describe('PROXY protocol end to end', () => {
  /** A server that reports the PROXY header it received, then echoes the rest. */
  const headerServer = () =>
    startServer((s) => {
      let buf = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const r = parseProxyHeader(buf);
        if (r.kind === 'need-more') return;
        s.removeAllListeners('data');
        s.end(
          JSON.stringify({
            conn: r.kind === 'done' ? r.header.conn : r.reason,
            version: r.kind === 'done' ? r.header.version : 0,
            rest: buf.subarray(r.kind === 'done' ? r.length : 0).toString(),
          }),
        );
      });
    });

  for (const version of [1, 2] as const) {
    it(`accept-proxy on the bind, send-proxy${version === 2 ? '-v2' : ''} to the server: addresses flow through`, async () => {
      const srv = await headerServer();
      try {
        await withEngine(
          {
            binds: [makeBind('127.0.0.1:0', { acceptProxy: true })],
            servers: [makeServer('s', `127.0.0.1:${srv.port}`, { sendProxy: version })],
          },
          async (r) => {
            const header = encodeProxyV1({
              family: 'ipv4',
              srcAddr: '203.0.113.9',
              srcPort: 5555,
              dstAddr: '198.51.100.1',
              dstPort: 443,
            });
            // Header split across two writes, followed by payload in the second one.
            const res = await new Promise<string>((resolve) => {
              let out = '';
              const c = net.connect({ port: r.port(), host: '127.0.0.1', noDelay: true });
              c.on('data', (d) => (out += d));
              c.on('close', () => resolve(out));
              c.write(header.subarray(0, 9));
              setTimeout(() => c.write(Buffer.concat([header.subarray(9), Buffer.from('payload')])), 30);
            });
            const got = JSON.parse(res);
            assert.equal(got.version, version);
            assert.deepEqual(got.conn, {
              family: 'ipv4',
              srcAddr: '203.0.113.9',
              srcPort: 5555,
              dstAddr: '198.51.100.1',
              dstPort: 443,
            });
            assert.equal(got.rest, 'payload');
            assert.equal(stat(r, 'FRONTEND').stot, 1);
          },
        );
      } finally {
        await srv.close();
      }
    });
  }

  it('accept-proxy: a v2 header from the client sets the source used by balance source', async () => {
    const [a, b] = await Promise.all([namedServer('a'), namedServer('b')]);
    try {
      await withEngine(
        {
          binds: [makeBind('127.0.0.1:0', { acceptProxy: true })],
          balance: { algorithm: 'source' },
          servers: [makeServer('a', `127.0.0.1:${a.port}`), makeServer('b', `127.0.0.1:${b.port}`)],
        },
        async (r) => {
          // map-based, 2 servers of weight 1: the server is map[address % 2].
          const ask = (src: string) =>
            new Promise<string>((resolve) => {
              let out = '';
              const c = net.connect(r.port(), '127.0.0.1');
              c.on('data', (d) => (out += d));
              c.on('close', () => resolve(out));
              c.write(
                encodeProxyV2({ family: 'ipv4', srcAddr: src, srcPort: 1, dstAddr: '10.0.0.1', dstPort: 80 }),
              );
            });
          assert.equal(await ask('10.0.0.2'), 'a\n');
          const viaOdd = await ask('10.0.0.3');
          assert.equal(viaOdd, 'b\n');
        },
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  for (const [what, bytes] of [
    ['malformed', Buffer.from('PROXY TCP4 1.2.3.4 nope 1 2\r\n')],
    ['too long', Buffer.from(`PROXY UNKNOWN ${'x'.repeat(120)}`)],
    ['not a PROXY header', Buffer.from('GET / HTTP/1.1\r\n\r\n')],
  ] as const) {
    it(`accept-proxy closes the connection on a ${what} header, before any server connection`, async () => {
      const srv = await echoServer();
      try {
        await withEngine(
          {
            binds: [makeBind('127.0.0.1:0', { acceptProxy: true })],
            servers: [makeServer('s', `127.0.0.1:${srv.port}`)],
          },
          async (r) => {
            const res = await exchange(r.port(), bytes.toString('latin1'));
            assert.equal(res.data, '');
            assert.equal(srv.accepted, 0);
            assert.equal(stat(r, 'FRONTEND').stot, 0, 'a failed handshake is not a session');
            assert.equal(stat(r, 'FRONTEND').conn_tot, 1);
          },
        );
      } finally {
        await srv.close();
      }
    });
  }

  it('accept-proxy gives up after timeout client when the header never completes', async () => {
    const srv = await echoServer();
    try {
      await withEngine(
        {
          binds: [makeBind('127.0.0.1:0', { acceptProxy: true })],
          servers: [makeServer('s', `127.0.0.1:${srv.port}`)],
          timeouts: { connect: 1000, client: 150, server: 1000 },
        },
        async (r) => {
          const res = await exchange(r.port(), 'PROXY TCP4 ');
          assert.ok(res.ms >= 130 && res.ms < 1000, `closed after ${res.ms} ms`);
        },
      );
    } finally {
      await srv.close();
    }
  });
});

describe('resources', () => {
  it('leaves no socket, timer or fd behind after traffic, failures and stop', async () => {
    const srv = await echoServer();
    const before = fdCount();
    const handlesBefore = process.getActiveResourcesInfo().filter((x) => x !== 'TTYWrap').length;
    const r = await runEngine(
      makeConfig([
        makeProxy({
          binds: [makeBind('127.0.0.1:0')],
          servers: [makeServer('s', `127.0.0.1:${srv.port}`), makeServer('dead', '127.0.0.1:1')],
          retries: 1,
          redispatch: 1,
          timeouts: { connect: 100, client: 500, server: 500 },
        }),
      ]),
    );
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => exchange(r.port(), `msg${i}`, { endAfter: true })),
    );
    // And sessions still open when the engine stops.
    const open = Array.from({ length: 5 }, () => net.connect(r.port(), '127.0.0.1').on('error', () => {}));
    await waitFor(() => r.engine.currentConnections === 5);
    await r.stop();
    for (const c of open) c.destroy();
    await sleep(50);
    assert.equal(fdCount(), before, 'file descriptors');
    const handlesAfter = process.getActiveResourcesInfo().filter((x) => x !== 'TTYWrap').length;
    assert.ok(handlesAfter <= handlesBefore, `active resources ${handlesBefore} → ${handlesAfter}`);
    await srv.close();
  });
});
