/**
 * `option tcplog` lines of `mode tcp` sessions compared field by field with
 * the lines HAProxy 2.6 wrote for the same sessions
 * (test/fixtures/proxy/haproxy-tcplog.txt; the recipe is in its comments):
 * a normal close, a refused server (SC), a client timeout (cD), and
 * `option dontlognull`. Ports, dates and timer values differ from run to run
 * and are checked for shape only (and which timers are -1).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import { echoServer, refusedPort, waitFor } from './helpers.js';

const reference = readFileSync(
  new URL('../../../test/fixtures/proxy/haproxy-tcplog.txt', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'));

const DATE = /^\[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\]$/;

function assertLike(got: string, want: string): void {
  const g = got.split(' ');
  const w = want.split(' ');
  assert.equal(g.length, w.length, `${got}\n${want}`);
  assert.match(g[0]!, /^127\.0\.0\.1:\d+$/);
  assert.match(g[1]!, DATE);
  assert.match(g[4]!, /^-?\d+\/-?\d+\/\d+$/);
  const unset = (t: string) => t.split('/').map((v) => v === '-1');
  assert.deepEqual(unset(g[4]!), unset(w[4]!), `timers of\n${got}\n${want}`);
  for (const i of [2, 3, 5, 6, 7, 8]) assert.equal(g[i], w[i], `field ${i} of\n${got}\n${want}`);
}

/** Connects, lets `act` drive the socket, resolves when it is closed. */
function session(port: number, act: (c: net.Socket) => void): Promise<void> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => act(c));
    c.on('error', () => {});
    c.on('close', () => resolve());
    c.resume();
  });
}

const portOf = (e: ProxyEngine, fe: string) =>
  (e.frontend(fe)!.listeners[0]!.server.address() as net.AddressInfo).port;

describe('option tcplog in mode tcp', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('matches HAProxy 2.6 field by field (close, SC, cD, dontlognull)', async () => {
    const echo = await echoServer();
    cleanups.push(() => echo.close());
    const dead = await refusedPort();
    const timeouts = { connect: 2000, client: 300, server: 5000 };
    const fe = (name: string, id: number, backend: string, dontlognull: boolean) =>
      makeProxy({
        kind: 'frontend',
        name,
        id,
        binds: [makeBind('127.0.0.1:0')],
        defaultBackend: backend,
        timeouts,
        options: { tcplog: true, dontlognull },
      });
    const cfg = makeConfig([
      fe('fe', 2, 'be', false),
      makeProxy({
        kind: 'backend',
        name: 'be',
        id: 3,
        timeouts,
        servers: [makeServer('s1', `127.0.0.1:${echo.port}`)],
      }),
      fe('fe2', 4, 'be2', false),
      makeProxy({
        kind: 'backend',
        name: 'be2',
        id: 5,
        retries: 1,
        timeouts,
        servers: [makeServer('s1', `127.0.0.1:${dead}`)],
      }),
      fe('fe3', 6, 'be', true),
    ]);
    const lines: string[] = [];
    const engine = await startProxyEngine(cfg, {
      log: silentLogger,
      logSink: (_fe, line) => lines.push(line),
    });
    cleanups.push(() => engine.stop({ grace: 0 }));
    const before = Date.now();

    await session(portOf(engine, 'fe'), (c) => {
      c.write('hello\n');
      c.once('data', () => c.end());
    });
    await session(portOf(engine, 'fe2'), (c) => c.write('x'));
    await session(portOf(engine, 'fe'), (c) => c.write('hi'));
    await session(portOf(engine, 'fe3'), (c) => c.end());
    await session(portOf(engine, 'fe3'), (c) => {
      c.write('abc');
      c.once('data', () => c.end());
    });
    await session(portOf(engine, 'fe'), (c) => c.end());

    assert.ok(await waitFor(() => lines.length >= reference.length), lines.join('\n'));
    assert.equal(
      lines.length,
      reference.length,
      `the null session on fe3 is not logged:\n${lines.join('\n')}`,
    );
    for (const [i, want] of reference.entries()) assertLike(lines[i]!, want);
    // The refused server was retried once (1s turnaround) and the idle client timed out after 300ms.
    const total = (line: string) => Number(line.split(' ')[4]!.split('/')[2]);
    assert.ok(total(lines[1]!) >= 900, lines[1]);
    assert.ok(total(lines[2]!) >= 290, lines[2]);
    const d = lines[0]!.split(' ')[1]!;
    const [day, mon, rest] = d.slice(1, -1).split('/');
    const [year, hh, mm, ss] = rest!.split(':');
    const months = 'JanFebMarAprMayJunJulAugSepOctNovDec';
    const when = new Date(
      Number(year),
      months.indexOf(mon!) / 3,
      Number(day),
      Number(hh),
      Number(mm),
      Number(ss),
    );
    assert.ok(Math.abs(when.getTime() - before) < 2000, `accept date ${d}`);
  });
});
