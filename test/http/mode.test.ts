/**
 * `mode http` end to end through real sockets: keep-alive on both sides,
 * pipelining, bodies both ways, interim and bodiless responses, upgrades,
 * and every error the proxy answers itself (400, 408, 502, 503, 504) with
 * what the backend did or did not receive.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ProxyConfig } from '../../src/config/haproxy/model.js';
import { silentLogger } from '../../src/core/logger.js';
import { startProxyEngine } from '../../src/proxy/engine.js';
import { Method } from '../../src/proxy/http/head.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import { exchange, type RunningEngine, refusedPort, runEngine, sleep, waitFor } from '../proxy/helpers.js';
import { type HttpBackend, httpBackend, okResponse, RawClient } from './servers.js';

const GET = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: example.com\r\n${extra}\r\n`;

function httpProxy(port: number, over: Partial<ProxyConfig> = {}): ProxyConfig {
  return makeProxy({
    mode: 'http',
    binds: [makeBind('127.0.0.1:0')],
    servers: [makeServer('s1', `127.0.0.1:${port}`)],
    ...over,
  });
}

describe('mode http: forwarding and keep-alive', () => {
  let be: HttpBackend;
  let r: RunningEngine;
  before(async () => {
    be = await httpBackend('s1', (req) => {
      const p = req.head.path;
      if (p === '/head') return 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n';
      if (p === '/204') return 'HTTP/1.1 204 No Content\r\n\r\n';
      if (p === '/304') return 'HTTP/1.1 304 Not Modified\r\netag: "x"\r\n\r\n';
      if (p === '/echo') return okResponse(req.body.toString('latin1'));
      if (p === '/chunked')
        return 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
      return okResponse(`s1 ${p}`);
    });
    r = await runEngine(makeConfig([httpProxy(be.port)]));
  });
  after(async () => {
    await r.stop();
    await be.close();
  });

  it('keeps both connections alive across requests', async () => {
    const before = be.accepted;
    const c = new RawClient(r.port());
    for (const p of ['/a', '/b', '/c']) {
      c.send(GET(p));
      const res = await c.response();
      assert.equal(res?.head.status, 200);
      assert.equal(res.body.toString(), `s1 ${p}`);
    }
    assert.equal(be.accepted - before, 1, 'one server connection for three requests');
    assert.equal(c.closed, false);
    c.close();
  });

  it('answers pipelined requests in order', async () => {
    const c = new RawClient(r.port());
    c.send(GET('/p1') + GET('/p2') + GET('/p3'));
    for (const p of ['/p1', '/p2', '/p3']) {
      const res = await c.response();
      assert.equal(res?.body.toString(), `s1 ${p}`);
    }
    c.close();
  });

  it('streams request bodies (length and chunked) and chunked responses', async () => {
    const c = new RawClient(r.port());
    c.send('POST /echo HTTP/1.1\r\nHost: x\r\ncontent-length: 5\r\n\r\nhello');
    assert.equal((await c.response())?.body.toString(), 'hello');
    c.send('POST /echo HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n');
    assert.equal((await c.response())?.body.toString(), '2\r\nhi\r\n0\r\n\r\n');
    c.send(GET('/chunked'));
    const res = await c.response();
    assert.equal(res?.head.bodyKind, 'chunked');
    assert.equal(res.body.toString(), '3\r\nabc\r\n0\r\n\r\n');
    c.close();
  });

  it('sends no body for HEAD, 204 and 304, and keeps the connection', async () => {
    const c = new RawClient(r.port());
    c.send('HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n');
    const h = await c.response(Method.HEAD);
    assert.equal(h?.head.status, 200);
    assert.equal(h.head.headers[h.head.names.indexOf('content-length') * 2 + 1], '5');
    c.send(GET('/204'));
    assert.equal((await c.response())?.head.status, 204);
    c.send(GET('/304'));
    assert.equal((await c.response())?.head.status, 304);
    c.send(GET('/after'));
    assert.equal((await c.response())?.body.toString(), 's1 /after');
    assert.equal(c.rest.length, 0);
    c.close();
  });

  it('refuses an invalid request with 400, forwarding nothing, and closes', async () => {
    const n = be.requests.length;
    const x = await exchange(r.port(), 'GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n');
    assert.match(x.data, /^HTTP\/1\.1 400 Bad request\r\n/);
    await sleep(50);
    assert.equal(be.requests.length, n);
  });

  it('answers a request larger than the buffer with 431', async () => {
    const big = `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20000)}\r\n\r\n`;
    const x = await exchange(r.port(), big);
    assert.match(x.data, /^HTTP\/1\.1 431 /);
  });

  it('closes after the response when the client asks for it', async () => {
    const c = new RawClient(r.port());
    c.send(GET('/x', 'Connection: close\r\n'));
    const res = await c.response();
    assert.equal(res?.head.status, 200);
    assert.ok(await c.waitClosed());
  });
});

describe('mode http: proxy-made errors', () => {
  const stops: (() => Promise<void>)[] = [];
  after(async () => {
    for (const s of stops) await s();
  });

  it('503 when the backend has no usable server', async () => {
    const r = await runEngine(makeConfig([httpProxy(1, { servers: [] })]));
    stops.push(() => r.stop());
    const x = await exchange(r.port(), GET('/'));
    assert.match(x.data, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
  });

  it('503 when the server refuses connections after the retries', async () => {
    const port = await refusedPort();
    const r = await runEngine(
      makeConfig([httpProxy(port, { retries: 1, timeouts: { connect: 100, client: 5000, server: 5000 } })]),
    );
    stops.push(() => r.stop());
    const x = await exchange(r.port(), GET('/'));
    assert.match(x.data, /^HTTP\/1\.1 503 /);
  });

  it('502 for an invalid response, and the server connection is closed', async () => {
    const be = await httpBackend(
      'bad',
      () => 'HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nx',
    );
    stops.push(() => be.close());
    const r = await runEngine(makeConfig([httpProxy(be.port)]));
    stops.push(() => r.stop());
    const x = await exchange(r.port(), GET('/'));
    assert.match(x.data, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
    assert.ok(await waitFor(() => be.current === 0), 'server connection closed');
  });

  it('502 when the server closes without answering', async () => {
    const be = await httpBackend('mute', (_req, sock) => {
      sock.destroy();
      return undefined;
    });
    stops.push(() => be.close());
    const r = await runEngine(makeConfig([httpProxy(be.port)]));
    stops.push(() => r.stop());
    const x = await exchange(r.port(), GET('/'));
    assert.match(x.data, /^HTTP\/1\.1 502 /);
  });

  it('504 when the server does not answer within timeout server', async () => {
    const be = await httpBackend('slow', () => undefined);
    stops.push(() => be.close());
    const r = await runEngine(
      makeConfig([httpProxy(be.port, { timeouts: { connect: 1000, client: 5000, server: 150 } })]),
    );
    stops.push(() => r.stop());
    const x = await exchange(r.port(), GET('/'));
    assert.match(x.data, /^HTTP\/1\.1 504 Gateway Time-out\r\n/);
    assert.ok(x.ms >= 140 && x.ms < 2000, `${x.ms} ms`);
  });

  it('408 when the head is not complete within timeout http-request (slowloris)', async () => {
    const be = await httpBackend('s', undefined);
    stops.push(() => be.close());
    const r = await runEngine(
      makeConfig([
        httpProxy(be.port, { timeouts: { connect: 1000, client: 5000, server: 5000, httpRequest: 200 } }),
      ]),
    );
    stops.push(() => r.stop());
    const c = new RawClient(r.port());
    const started = performance.now();
    c.send('GET / HTTP/1.1\r\n');
    for (let i = 0; i < 10 && !c.ended; i++) {
      await sleep(50);
      if (!c.ended) c.send('X-Slow: 1\r\n');
    }
    assert.ok(await c.waitClosed());
    assert.match(c.rest.toString(), /^HTTP\/1\.1 408 Request Time-out\r\n/);
    assert.ok(performance.now() - started < 1000);
    assert.equal(be.requests.length, 0);
  });

  it('closes an idle keep-alive connection silently after timeout http-keep-alive', async () => {
    const be = await httpBackend('s', undefined);
    stops.push(() => be.close());
    const r = await runEngine(
      makeConfig([
        httpProxy(be.port, {
          timeouts: { connect: 1000, client: 5000, server: 5000, httpKeepAlive: 150 },
        }),
      ]),
    );
    stops.push(() => r.stop());
    const c = new RawClient(r.port());
    c.send(GET('/'));
    assert.equal((await c.response())?.head.status, 200);
    assert.ok(await c.waitClosed(2000));
    assert.equal(c.rest.length, 0, 'nothing sent on the idle close');
  });
});

describe('mode http: interim responses and upgrades', () => {
  let be: HttpBackend;
  let r: RunningEngine;
  before(async () => {
    be = await httpBackend('s1', (req, sock) => {
      if (req.head.upgrade === 'websocket') {
        sock.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
        sock.removeAllListeners('data');
        sock.on('data', (d: Buffer) => sock.write(Buffer.concat([Buffer.from('echo:'), d])));
        return undefined;
      }
      return okResponse(`got ${req.body.length}`);
    });
    r = await runEngine(makeConfig([httpProxy(be.port)]));
  });
  after(async () => {
    await r.stop();
    await be.close();
  });

  it('relays 100-continue, then the body and the final response', async () => {
    const slow = await httpBackend('c', (req) => okResponse(`got ${req.body.toString()}`));
    const r2 = await runEngine(makeConfig([httpProxy(slow.port)]));
    try {
      // A server that sends 100 Continue as soon as the head arrives.
      slow.server.removeAllListeners('connection');
      slow.server.on('connection', (sock) => {
        let seen = '';
        sock.on('data', (d: Buffer) => {
          seen += d.toString('latin1');
          if (seen.includes('\r\n\r\n') && !seen.includes('body!')) {
            sock.write('HTTP/1.1 100 Continue\r\n\r\n');
          } else if (seen.endsWith('body!')) {
            sock.write(okResponse('done'));
          }
        });
      });
      const c = new RawClient(r2.port());
      c.send('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\ncontent-length: 5\r\n\r\n');
      const interim = await c.response(Method.POST, 3000, true);
      assert.equal(interim?.head.status, 100);
      c.send('body!');
      const fin = await c.response(Method.POST);
      assert.equal(fin?.body.toString(), 'done');
      c.close();
    } finally {
      await r2.stop();
      await slow.close();
    }
  });

  it('switches to a tunnel after 101 (WebSocket)', async () => {
    const c = new RawClient(r.port());
    c.send(GET('/ws', 'Connection: Upgrade\r\nUpgrade: websocket\r\n'));
    const res = await c.response();
    assert.equal(res?.head.status, 101);
    c.send('ping');
    assert.ok(await waitFor(() => c.rest.toString() === 'echo:ping'));
    c.close();
  });
});

describe('mode http: configuration refused at start', () => {
  it('refuses a rule family no stage evaluates, naming the rule', async () => {
    const p = httpProxy(1, {
      rules: [
        { family: 'tcp-response content', action: 'accept', args: [], loc: { file: 't.cfg', line: 7 } },
      ],
    });
    await assert.rejects(runEngine(makeConfig([p])), /tcp-response content accept/);
  });
});

describe('mode http: monitoring', () => {
  const stops: (() => Promise<void>)[] = [];
  after(async () => {
    for (const s of stops) await s();
  });

  it('monitor-uri answers 200 itself and never forwards; the connection stays usable', async () => {
    const be = await httpBackend('s1');
    stops.push(() => be.close());
    const r = await runEngine(makeConfig([httpProxy(be.port, { monitorUri: '/health' })]));
    stops.push(() => r.stop());
    const c = new RawClient(r.port());
    c.send(GET('/health'));
    const res = await c.response();
    assert.equal(res?.head.status, 200);
    assert.match(res.body.toString(), /Service ready/);
    c.send(GET('/other'));
    assert.equal((await c.response())?.body.toString(), 's1');
    assert.deepEqual(
      be.requests.map((q) => q.head.path),
      ['/other'],
    );
    c.close();
  });

  it('monitor-net answers HTTP/1.0 200 at once to a listed network', async () => {
    const be = await httpBackend('s1');
    stops.push(() => be.close());
    const r = await runEngine(makeConfig([httpProxy(be.port, { monitorNets: ['127.0.0.0/8'] })]));
    stops.push(() => r.stop());
    const x = await exchange(r.port(), '');
    assert.equal(x.data, 'HTTP/1.0 200 OK\r\n\r\n');
    assert.equal(be.accepted, 0);
  });

  it('refuses settings not served yet (url_param … check_post) at start', async () => {
    const p = httpProxy(1, { balance: { algorithm: 'url_param', param: 'id', checkPost: true } as never });
    await assert.rejects(runEngine(makeConfig([p])), /check_post/);
  });
});

describe('mode http: statistics page hook', () => {
  it('answers stats uri requests through the engine statsHandler, never forwarding them', async () => {
    const be = await httpBackend('s1');
    const stats = {
      enabled: true,
      uri: '/haproxy?stats',
      auth: [],
      hideVersion: false,
      showLegends: false,
      scope: [],
    };
    const seen: string[] = [];
    const engine = await startProxyEngine(makeConfig([httpProxy(be.port, { stats })]), {
      log: silentLogger,
      statsHandler: (req) => {
        seen.push(`${req.method} ${req.path} ${req.query} ${req.proxy.name}`);
        return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'stats page' };
      },
    });
    try {
      const port = (engine.frontend('px')!.listeners[0]!.server.address() as net.AddressInfo).port;
      const c = new RawClient(port);
      c.send(GET('/haproxy?stats;csv'));
      const res = await c.response();
      assert.equal(res?.head.status, 200);
      assert.equal(res.body.toString(), 'stats page');
      c.send(GET('/app'));
      assert.equal((await c.response())?.body.toString(), 's1');
      c.close();
      assert.deepEqual(seen, ['GET /haproxy stats;csv px']);
      assert.deepEqual(
        be.requests.map((q) => q.head.path),
        ['/app'],
      );
    } finally {
      await engine.stop({ grace: 0 });
      await be.close();
    }
  });
});
