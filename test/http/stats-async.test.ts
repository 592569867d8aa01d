/**
 * A statsHandler that answers with a promise (a -W worker gathers the other
 * workers' counters first): the stream waits for the answer without reading
 * further, keeps pipelined requests in order, bounds the wait by `timeout
 * client`, and drops an answer that comes after the client is gone.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import type { ProxyConfig } from '../../src/config/haproxy/model.js';
import { realClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';
import { DEFAULT_LIMITS, Method, type RequestHead } from '../../src/proxy/http/head.js';
import { parseRequestHead } from '../../src/proxy/http/parser.js';
import { AppletCall } from '../../src/proxy/http/rules/actions-service.js';
import { statsResponse } from '../../src/proxy/http/stats-hook.js';
import {
  isPromise,
  type ModeContext,
  type StatsHandler,
  type StatsHttpRequest,
  type StatsHttpResponse,
} from '../../src/proxy/mode.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import { sleep, waitFor } from '../proxy/helpers.js';
import { freePort, loadText } from './rules-helpers.js';
import { type HttpBackend, httpBackend, RawClient } from './servers.js';

const STATS = { enabled: true, uri: '/stats', auth: [], hideVersion: false, showLegends: false, scope: [] };

/** A handler whose answers the test releases: each call waits in `calls` until resolved. */
class Deferred {
  readonly calls: { req: StatsHttpRequest; resolve: (r: StatsHttpResponse) => void }[] = [];
  readonly handler: StatsHandler = (req) =>
    new Promise((resolve) => {
      this.calls.push({ req, resolve });
    });

  /** Answers call `i` with a page naming its path and query. */
  answer(i: number, status = 200): void {
    const c = this.calls[i]!;
    c.resolve({
      status,
      headers: { 'content-type': 'text/plain' },
      body: `page ${c.req.path}${c.req.query}`,
    });
  }
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

let failures = 0;
const onUncaught = () => {
  failures++;
};
process.on('uncaughtException', onUncaught);
process.on('unhandledRejection', onUncaught);
cleanups.unshift(async () => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
});

async function start(
  handler: StatsHandler,
  over: Partial<ProxyConfig> = {},
): Promise<{ engine: ProxyEngine; port: number; be: HttpBackend }> {
  const be = await httpBackend('s1');
  cleanups.push(() => be.close());
  const cfg = makeConfig([
    makeProxy({
      mode: 'http',
      binds: [makeBind('127.0.0.1:0')],
      servers: [makeServer('s1', `127.0.0.1:${be.port}`)],
      stats: STATS,
      ...over,
    }),
  ]);
  const engine = await startProxyEngine(cfg, { log: silentLogger, statsHandler: handler });
  cleanups.push(() => engine.stop({ grace: 0 }));
  const port = (engine.frontend('px')!.listeners[0]!.server.address() as net.AddressInfo).port;
  return { engine, port, be };
}

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`;

describe('asynchronous statsHandler', () => {
  it('sends the page when the answer comes; pipelined requests after it keep their order', async () => {
    const d = new Deferred();
    const { port, be } = await start(d.handler);
    const c = new RawClient(port);
    c.send(GET('/stats') + GET('/app') + GET('/stats;csv'));
    assert.ok(await waitFor(() => d.calls.length === 1));
    await sleep(50);
    assert.equal(c.rest.length, 0, 'nothing is sent before the answer');
    assert.equal(be.requests.length, 0, 'the next request waits its turn');
    d.answer(0);
    assert.equal((await c.response())?.body.toString(), 'page /stats');
    assert.equal((await c.response())?.body.toString(), 's1');
    assert.ok(await waitFor(() => d.calls.length === 2));
    d.answer(1);
    const third = await c.response();
    assert.equal(third?.body.toString(), 'page /stats;csv');
    assert.equal(third.head.keepAlive, true);
    assert.equal(c.closed, false, 'the connection stays open');
    c.close();
  });

  it("a POST to the page (the admin form) is answered once its body is read and the handler's answer came", async () => {
    const d = new Deferred();
    const { port } = await start(d.handler);
    const c = new RawClient(port);
    const body = 'b=px&s=s1&action=maint';
    c.send(`POST /stats HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    assert.ok(await waitFor(() => d.calls.length === 1));
    assert.equal(d.calls[0]!.req.body, body);
    d.calls[0]!.resolve({ status: 303, headers: { location: '/stats' }, body: '' });
    const res = await c.response(Method.POST);
    assert.equal(res?.head.status, 303);
    c.close();
  });

  it('timeout client bounds the wait: a 504, and the late answer is dropped', async () => {
    const d = new Deferred();
    const { port, engine } = await start(d.handler, {
      timeouts: { connect: 1000, client: 150, server: 5000 },
    });
    const c = new RawClient(port);
    const t0 = performance.now();
    c.send(GET('/stats'));
    const res = await c.response();
    assert.equal(res?.head.status, 504);
    assert.ok(performance.now() - t0 >= 140, 'not before timeout client');
    assert.ok(await c.waitClosed());
    d.answer(0);
    await sleep(20);
    assert.equal(c.rest.length, 0, 'nothing after the 504');
    assert.ok(await waitFor(() => engine.currentConnections === 0));
    assert.equal(failures, 0);
  });

  it('the session closed meanwhile (engine stop): the answer comes to nothing, nothing is thrown', async () => {
    const d = new Deferred();
    const { port, engine } = await start(d.handler);
    const c = new RawClient(port);
    c.send(GET('/stats'));
    assert.ok(await waitFor(() => d.calls.length === 1));
    await engine.stop({ grace: 0 });
    assert.ok(await c.waitClosed());
    d.answer(0);
    await sleep(20);
    assert.equal(c.rest.length, 0);
    assert.equal(failures, 0);
  });

  it('the client gone before the answer: the session still ends once it comes', async () => {
    const d = new Deferred();
    const { port, engine } = await start(d.handler);
    const c = new RawClient(port);
    c.send(GET('/stats'));
    assert.ok(await waitFor(() => d.calls.length === 1));
    c.close();
    await sleep(20);
    d.answer(0);
    assert.ok(await waitFor(() => engine.currentConnections === 0));
    assert.equal(failures, 0);
  });

  it('a handler that fails answers 500 and closes', async () => {
    const { port } = await start(() => Promise.reject(new Error('boom')));
    const c = new RawClient(port);
    c.send(GET('/stats'));
    assert.equal((await c.response())?.head.status, 500);
    assert.ok(await c.waitClosed());
  });

  it('use-service prometheus-exporter waits for the answer too', async () => {
    const d = new Deferred();
    const port = await freePort();
    const cfg = loadText(
      `defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n` +
        `frontend fe\n    bind 127.0.0.1:${port}\n` +
        `    http-request use-service prometheus-exporter if { path /metrics }\n`,
    );
    const engine = await startProxyEngine(cfg, { log: silentLogger, statsHandler: d.handler });
    cleanups.push(() => engine.stop({ grace: 0 }));
    const c = new RawClient(port);
    c.send(GET('/metrics') + GET('/metrics?scope=global'));
    assert.ok(await waitFor(() => d.calls.length === 1));
    assert.equal(d.calls[0]!.req.service, 'prometheus-exporter');
    d.answer(0);
    assert.equal((await c.response())?.body.toString(), 'page /metrics');
    assert.ok(await waitFor(() => d.calls.length === 2));
    d.answer(1);
    assert.equal((await c.response())?.body.toString(), 'page /metricsscope=global');
    c.close();
  });

  it('a handler that answers at once is answered at once: no promise, no extra turn', async () => {
    const proxy = makeProxy({ mode: 'http', stats: STATS });
    const parsed = parseRequestHead(Buffer.from(GET('/stats'), 'latin1'), 0, DEFAULT_LIMITS);
    assert.equal(parsed.kind, 'done');
    const head = (parsed as { head: RequestHead }).head;
    const sync: StatsHandler = () => ({ status: 200, headers: {}, body: 'now' });
    const ctx = { clock: realClock, bufsize: 16384, statsHandler: sync } as ModeContext;
    const page = statsResponse(head, proxy, '127.0.0.1', ctx);
    assert.ok(Buffer.isBuffer(page), 'the page bytes themselves');
    assert.match(page.toString('latin1'), /now$/);
    const reply = new AppletCall(proxy, 'prometheus-exporter', 16384).answer(head, '127.0.0.1', sync);
    assert.equal(isPromise(reply), false);
    const later = statsResponse(head, proxy, '127.0.0.1', {
      ...ctx,
      statsHandler: async (req) => sync(req),
    });
    assert.ok(isPromise(later));
    assert.match((await later).toString('latin1'), /now$/);
  });
});
