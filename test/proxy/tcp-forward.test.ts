/**
 * `mode tcp` forwarding through real sockets: integrity under back-pressure,
 * half-close in both directions, the inactivity timeouts with HAProxy's
 * meanings, and resets — each with the counters and termination state that
 * explain why the session ended.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Session } from '../../src/proxy/session.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import {
  echoServer,
  exchange,
  type RunningEngine,
  runEngine,
  sleep,
  startServer,
  type TestServer,
  waitFor,
} from './helpers.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Captures the termination state of every session ending in the engine. */
function recordEnds(r: RunningEngine, fe = 'px'): string[] {
  const frontend = r.engine.frontend(fe)!;
  const ends: string[] = [];
  const orig = frontend.sessionClosed.bind(frontend);
  frontend.sessionClosed = (s: Session) => {
    ends.push(s.termState);
    orig(s);
  };
  return ends;
}

const stat = (r: RunningEngine, sv: string) => r.engine.stats().find((x) => x.svname === sv)!;

describe('tcp forwarding', () => {
  let echo: TestServer;
  let r: RunningEngine;
  before(async () => {
    echo = await echoServer();
    r = await runEngine(
      makeConfig([
        makeProxy({
          binds: [makeBind('127.0.0.1:0')],
          servers: [makeServer('echo', `127.0.0.1:${echo.port}`)],
        }),
      ]),
    );
  });
  after(async () => {
    await r.stop();
    await echo.close();
  });

  it('carries 8 MiB each way intact through a slow reader (back-pressure)', async () => {
    const payload = randomBytes(8 << 20);
    const got: Buffer[] = [];
    let n = 0;
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(r.port(), '127.0.0.1');
      c.on('data', (d) => {
        got.push(d);
        n += d.length;
        // Read slowly at first so the proxy's buffers fill and it must pause.
        if (n < 2 << 20) {
          c.pause();
          setTimeout(() => c.resume(), 2);
        }
        if (n === payload.length) c.end();
      });
      c.on('close', () => resolve());
      c.on('error', reject);
      c.write(payload);
    });
    assert.equal(sha(Buffer.concat(got)), sha(payload));
    const fe = stat(r, 'FRONTEND');
    assert.ok(Number(fe.bin) >= payload.length && Number(fe.bout) >= payload.length);
  });

  it('forwards the client FIN and keeps the other direction open', async () => {
    // The echo server answers after our FIN: the proxy must half-close, not close.
    const res = await exchange(r.port(), 'half-closed', { endAfter: true });
    assert.equal(res.how, 'end');
    assert.equal(res.data, 'half-closed');
  });
});

describe('half-close from the server side', () => {
  it('delivers the server data and FIN while the client keeps writing', async () => {
    const received: string[] = [];
    const srv = await startServer(
      (s) => {
        s.write('banner');
        s.end(); // server FIN first
        s.on('data', (d) => received.push(d.toString()));
      },
      { allowHalfOpen: true },
    );
    const r = await runEngine(
      makeConfig([
        makeProxy({ binds: [makeBind('127.0.0.1:0')], servers: [makeServer('s', `127.0.0.1:${srv.port}`)] }),
      ]),
    );
    try {
      const data = await new Promise<string>((resolve) => {
        let out = '';
        const c = net.connect({ port: r.port(), host: '127.0.0.1', allowHalfOpen: true });
        c.on('data', (d) => (out += d));
        c.on('end', () => {
          c.end('after-server-fin');
        });
        c.on('close', () => resolve(out));
      });
      assert.equal(data, 'banner');
      assert.ok(
        await waitFor(() => received.join('') === 'after-server-fin'),
        `server got ${received.join('')}`,
      );
    } finally {
      await r.stop();
      await srv.close();
    }
  });
});

describe('timeouts', () => {
  it('timeout client: a client that sends nothing is closed (cD, cli_abrt)', async () => {
    const srv = await startServer(() => {}); // waits for the client forever
    const r = await runEngine(
      makeConfig([
        makeProxy({
          binds: [makeBind('127.0.0.1:0')],
          servers: [makeServer('s', `127.0.0.1:${srv.port}`)],
          timeouts: { connect: 1000, client: 200, server: 5000 },
        }),
      ]),
    );
    const ends = recordEnds(r);
    try {
      const res = await exchange(r.port());
      assert.ok(res.ms >= 180 && res.ms < 1500, `closed after ${res.ms} ms`);
      await waitFor(() => ends.length === 1);
      assert.deepEqual(ends, ['cD']);
      assert.equal(stat(r, 'BACKEND').cli_abrt, 1);
      assert.equal(stat(r, 's').cli_abrt, 1);
      assert.equal(stat(r, 'BACKEND').srv_abrt, 0);
    } finally {
      await r.stop();
      await srv.close();
    }
  });

  it('timeout server: a server that accepts and never answers is cut (sD, srv_abrt)', async () => {
    const srv = await startServer(() => {});
    const r = await runEngine(
      makeConfig([
        makeProxy({
          binds: [makeBind('127.0.0.1:0')],
          servers: [makeServer('s', `127.0.0.1:${srv.port}`)],
          timeouts: { connect: 1000, client: 5000, server: 200 },
        }),
      ]),
    );
    const ends = recordEnds(r);
    try {
      const res = await exchange(r.port(), 'request');
      assert.ok(res.ms >= 180 && res.ms < 1500, `closed after ${res.ms} ms`);
      await waitFor(() => ends.length === 1);
      assert.deepEqual(ends, ['sD']);
      assert.equal(stat(r, 'BACKEND').srv_abrt, 1);
      assert.equal(stat(r, 'BACKEND').cli_abrt, 0);
    } finally {
      await r.stop();
      await srv.close();
    }
  });

  it('activity keeps a session alive past its timeouts', async () => {
    const echo = await echoServer();
    const r = await runEngine(
      makeConfig([
        makeProxy({
          binds: [makeBind('127.0.0.1:0')],
          servers: [makeServer('s', `127.0.0.1:${echo.port}`)],
          timeouts: { connect: 1000, client: 150, server: 150 },
        }),
      ]),
    );
    try {
      const c = net.connect(r.port(), '127.0.0.1');
      let echoed = '';
      c.on('data', (d) => (echoed += d));
      for (let i = 0; i < 6; i++) {
        c.write('x');
        await sleep(80);
      }
      assert.equal(echoed, 'xxxxxx', 'still open after 480 ms of 150 ms timeouts');
      const closed = new Promise((res) => c.on('close', res));
      await closed;
    } finally {
      await r.stop();
      await echo.close();
    }
  });

  it('timeout tunnel supersedes client and server timeouts once connected', async () => {
    const srv = await startServer(() => {});
    const r = await runEngine(
      makeConfig([
        makeProxy({
          binds: [makeBind('127.0.0.1:0')],
          servers: [makeServer('s', `127.0.0.1:${srv.port}`)],
          timeouts: { connect: 1000, client: 100, server: 100, tunnel: 600 },
        }),
      ]),
    );
    try {
      const res = await exchange(r.port());
      assert.ok(res.ms >= 550 && res.ms < 2000, `closed after ${res.ms} ms`);
    } finally {
      await r.stop();
      await srv.close();
    }
  });

  it('timeout client-fin applies once the client has half-closed', async () => {
    const srv = await startServer(() => {}, { allowHalfOpen: true });
    const r = await runEngine(
      makeConfig([
        makeProxy({
          binds: [makeBind('127.0.0.1:0')],
          servers: [makeServer('s', `127.0.0.1:${srv.port}`)],
          timeouts: { connect: 1000, client: 3000, server: 3000, clientFin: 150, serverFin: 150 },
        }),
      ]),
    );
    try {
      const res = await exchange(r.port(), 'bye', { endAfter: true });
      assert.ok(res.ms >= 130 && res.ms < 1500, `closed after ${res.ms} ms, not after timeout client`);
    } finally {
      await r.stop();
      await srv.close();
    }
  });
});

describe('resets', () => {
  it('a server reset mid-stream resets the client and counts eresp and srv_abrt (SD)', async () => {
    const srv = await startServer((s) => {
      s.write('partial');
      setTimeout(() => s.resetAndDestroy(), 50);
    });
    const r = await runEngine(
      makeConfig([
        makeProxy({ binds: [makeBind('127.0.0.1:0')], servers: [makeServer('s', `127.0.0.1:${srv.port}`)] }),
      ]),
    );
    const ends = recordEnds(r);
    try {
      const res = await exchange(r.port());
      assert.equal(res.data, 'partial');
      assert.equal(res.how, 'error');
      assert.equal(res.error?.code, 'ECONNRESET');
      await waitFor(() => ends.length === 1);
      assert.deepEqual(ends, ['SD']);
      const be = stat(r, 'BACKEND');
      assert.equal(be.eresp, 1);
      assert.equal(be.srv_abrt, 1);
      assert.equal(stat(r, 's').eresp, 1);
    } finally {
      await r.stop();
      await srv.close();
    }
  });

  it('a client reset mid-stream closes the server side and counts cli_abrt (CD)', async () => {
    let serverSaw: 'error' | 'end' | undefined;
    const srv = await startServer((s) => {
      s.write('hello');
      s.on('end', () => (serverSaw ??= 'end'));
      s.on('close', (hadError) => (serverSaw ??= hadError ? 'error' : 'end'));
    });
    const r = await runEngine(
      makeConfig([
        makeProxy({ binds: [makeBind('127.0.0.1:0')], servers: [makeServer('s', `127.0.0.1:${srv.port}`)] }),
      ]),
    );
    const ends = recordEnds(r);
    try {
      await new Promise<void>((resolve) => {
        const c = net.connect(r.port(), '127.0.0.1');
        c.on('data', () => c.resetAndDestroy());
        c.on('close', () => resolve());
        c.on('error', () => {});
      });
      await waitFor(() => ends.length === 1 && serverSaw !== undefined);
      assert.deepEqual(ends, ['CD']);
      assert.equal(stat(r, 'BACKEND').cli_abrt, 1);
      assert.equal(serverSaw, 'error', 'the reset is propagated to the server');
    } finally {
      await r.stop();
      await srv.close();
    }
  });
});
