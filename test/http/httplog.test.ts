/**
 * `option httplog` lines compared field by field with a line HAProxy 2.6
 * wrote for the same scenario (test/fixtures/http/haproxy-httplog.txt; the
 * recipe is in its comments). Timers, byte counts, ports and dates differ
 * from run to run and are checked for shape only.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import { refusedPort, waitFor } from '../proxy/helpers.js';
import { httpBackend, sendRaw } from './servers.js';

const reference = readFileSync(
  new URL('../../../test/fixtures/http/haproxy-httplog.txt', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'));

/** Splits a line into its fields, keeping the quoted request line whole. */
function fields(line: string): string[] {
  const q = line.indexOf('"');
  return [...line.slice(0, q).trim().split(' '), line.slice(q)];
}

const TIMERS = /^-?\d+\/-?\d+\/-?\d+\/-?\d+\/-?\d+$/;

function assertLike(got: string, want: string): void {
  const g = fields(got);
  const w = fields(want);
  assert.equal(g.length, w.length, `${got}\n${want}`);
  assert.match(g[0]!, /^127\.0\.0\.1:\d+$/);
  assert.match(g[1]!, /^\[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\]$/);
  assert.match(g[4]!, TIMERS);
  assert.equal(
    g[4]!
      .split('/')
      .map((t) => t === '-1')
      .join(),
    w[4]!
      .split('/')
      .map((t) => t === '-1')
      .join(),
  );
  assert.match(g[6]!, /^\d+$/);
  for (const i of [2, 3, 5, 7, 8, 9, 10, 11, 12]) assert.equal(g[i], w[i], `field ${i} of\n${got}\n${want}`);
}

describe('option httplog', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('matches HAProxy 2.6 field by field (cookie insert, cookie valid, bad request)', async () => {
    const be = await httpBackend('s1', () => 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    cleanups.push(() => be.close());
    const lines: string[] = [];
    const cfg = makeConfig([
      makeProxy({
        kind: 'frontend',
        name: 'fe',
        mode: 'http',
        binds: [makeBind('127.0.0.1:0')],
        defaultBackend: 'be',
        options: { httplog: true },
      }),
      makeProxy({
        kind: 'backend',
        name: 'be',
        id: 3,
        mode: 'http',
        cookie: {
          name: 'SERVERID',
          mode: 'insert',
          indirect: true,
          nocache: true,
          postonly: false,
          preserve: false,
          httponly: false,
          secure: false,
          domains: [],
          maxidle: 0,
          maxlife: 0,
          dynamic: false,
        },
        servers: [makeServer('s1', `127.0.0.1:${be.port}`, { cookie: 'A' })],
      }),
    ]);
    const engine: ProxyEngine = await startProxyEngine(cfg, {
      log: silentLogger,
      logSink: (_fe, line) => lines.push(line),
    });
    cleanups.push(() => engine.stop({ grace: 0 }));
    const port = (engine.frontend('fe')!.listeners[0]!.server.address() as net.AddressInfo).port;
    await sendRaw(port, 'GET /x?y=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    await sendRaw(port, 'GET /z HTTP/1.1\r\nHost: a\r\nCookie: SERVERID=A\r\nConnection: close\r\n\r\n');
    await sendRaw(port, 'GET /bad HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n');
    assert.ok(await waitFor(() => lines.length === 3), lines.join('\n'));
    for (const [i, want] of reference.entries()) assertLike(lines[i]!, want);
  });
});

describe('redispatch marker', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it("a request moved to another server after a failed connect logs '+N' retries (SF_REDISP)", async () => {
    const be = await httpBackend('alive');
    cleanups.push(() => be.close());
    const dead = await refusedPort();
    const lines: string[] = [];
    const cfg = makeConfig([
      makeProxy({
        name: 'px',
        mode: 'http',
        binds: [makeBind('127.0.0.1:0')],
        options: { httplog: true },
        retries: 3,
        redispatch: -1,
        timeouts: { connect: 1000, client: 5000, server: 5000 },
        servers: [makeServer('dead', `127.0.0.1:${dead}`), makeServer('alive', `127.0.0.1:${be.port}`)],
      }),
    ]);
    const engine = await startProxyEngine(cfg, {
      log: silentLogger,
      logSink: (_fe, line) => lines.push(line),
    });
    cleanups.push(() => engine.stop({ grace: 0 }));
    const port = (engine.frontend('px')!.listeners[0]!.server.address() as net.AddressInfo).port;
    const answer = await sendRaw(port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.match(answer, /alive$/);
    assert.ok(await waitFor(() => lines.length === 1), lines.join('\n'));
    // %ac/%fc/%bc/%sc/%rc: the retries field reads "+1" after a redispatch.
    assert.match(lines[0]!, / px\/alive \S+ 200 \S+ - - ---- \d+\/\d+\/\d+\/\d+\/\+1 /);
  });
});

describe('log-format %ST for a request that never parsed', () => {
  it('prints the status the client got (400), as HAProxy', async () => {
    const lines: string[] = [];
    const cfg = makeConfig([
      makeProxy({
        name: 'px',
        mode: 'http',
        binds: [makeBind('127.0.0.1:0')],
        logFormat: 'st=%ST',
        timeouts: { connect: 1000, client: 2000, server: 2000 },
        servers: [makeServer('s', '127.0.0.1:1')],
      }),
    ]);
    const engine = await startProxyEngine(cfg, {
      log: silentLogger,
      logSink: (_fe, line) => lines.push(line),
    });
    try {
      const port = (engine.frontend('px')!.listeners[0]!.server.address() as net.AddressInfo).port;
      await sendRaw(port, 'GET /bad HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n');
      assert.ok(await waitFor(() => lines.length === 1));
      assert.equal(lines[0], 'st=400');
    } finally {
      await engine.stop({ grace: 0 });
    }
  });
});
