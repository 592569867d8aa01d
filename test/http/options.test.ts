/**
 * Proxy options of `mode http` through real sockets: the connection modes and
 * their frontend/backend precedence, the forwarding headers, `http-reuse`,
 * and balancing by content with HAProxy's hashes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import type { ProxyConfig, ProxyOptions } from '../../src/config/haproxy/model.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import { hashType, type RunningEngine, runEngine } from '../proxy/helpers.js';
import { type HttpBackend, httpBackend, RawClient } from './servers.js';

const GET = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: www.example.com\r\n${extra}\r\n`;

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(
  over: Omit<Partial<ProxyConfig>, 'options'> & { options?: Partial<ProxyOptions> },
  names = ['s1'],
): Promise<{ r: RunningEngine; bes: HttpBackend[] }> {
  const bes: HttpBackend[] = [];
  for (const n of names) {
    const b = await httpBackend(n);
    bes.push(b);
    cleanups.push(() => b.close());
  }
  const r = await runEngine(
    makeConfig([
      makeProxy({
        mode: 'http',
        binds: [makeBind('127.0.0.1:0')],
        servers: bes.map((b, i) => makeServer(names[i]!, `127.0.0.1:${b.port}`)),
        ...over,
      }),
    ]),
  );
  cleanups.push(() => r.stop());
  return { r, bes };
}

/** Sends requests one after another on one connection; returns the bodies and whether the proxy closed. */
async function run(
  port: number,
  reqs: string[],
): Promise<{ bodies: string[]; closed: boolean; c: RawClient }> {
  const c = new RawClient(port);
  const bodies: string[] = [];
  for (const q of reqs) {
    c.send(q);
    const res = await c.response();
    if (!res) break;
    bodies.push(res.body.toString());
  }
  const closed = await c.waitClosed(150);
  c.close();
  return { bodies, closed, c };
}

describe('connection modes', () => {
  it('http-keep-alive (default): one client and one server connection', async () => {
    const { r, bes } = await setup({});
    const out = await run(r.port(), [GET('/1'), GET('/2')]);
    assert.equal(out.bodies.length, 2);
    assert.equal(out.closed, false);
    assert.equal(bes[0]!.accepted, 1);
    assert.equal(bes[0]!.requests[0]!.head.keepAlive, true);
  });

  it('http-server-close: client kept, a server connection per request with Connection: close', async () => {
    const { r, bes } = await setup({ options: { httpServerClose: true } });
    const out = await run(r.port(), [GET('/1'), GET('/2')]);
    assert.equal(out.bodies.length, 2);
    assert.equal(out.closed, false);
    assert.equal(bes[0]!.accepted, 2);
    assert.match(bes[0]!.requests[0]!.rawHead, /\r\nConnection: close\r\n/);
  });

  it('httpclose: both sides closed after the response, and it wins over http-keep-alive', async () => {
    const { r, bes } = await setup({ options: { httpclose: true, httpKeepAlive: true } });
    const c = new RawClient(r.port());
    c.send(GET('/1'));
    const res = await c.response();
    assert.equal(res?.head.headers[res.head.names.indexOf('connection') * 2 + 1], 'close');
    assert.ok(await c.waitClosed());
    assert.match(bes[0]!.requests[0]!.rawHead, /\r\nConnection: close\r\n/);
    c.close();
  });

  it('HTTP/1.0 keep-alive clients get Connection: keep-alive', async () => {
    const { r } = await setup({});
    const c = new RawClient(r.port());
    c.send('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const res = await c.response();
    assert.equal(res?.head.headers[res.head.names.indexOf('connection') * 2 + 1], 'keep-alive');
    c.send('GET / HTTP/1.0\r\n\r\n');
    assert.equal((await c.response())?.head.status, 200);
    assert.ok(await c.waitClosed());
    c.close();
  });
});

describe('forwarding headers', () => {
  it('option forwardfor adds X-Forwarded-For with the client address', async () => {
    const { r, bes } = await setup({ options: { forwardfor: { header: 'X-Forwarded-For', ifNone: false } } });
    await run(r.port(), [GET('/', 'X-Forwarded-For: 10.0.0.1\r\n')]);
    const h = bes[0]!.requests[0]!.head;
    const vals = h.headers.filter((_, i) => i % 2 === 1 && h.names[(i - 1) / 2] === 'x-forwarded-for');
    assert.deepEqual(vals, ['10.0.0.1', '127.0.0.1']);
  });

  it('option forwardfor except NET skips matching clients (seed: except 192.168.1.1 does not match)', async () => {
    const skip = await setup({
      options: { forwardfor: { header: 'X-Forwarded-For', ifNone: false, except: '127.0.0.0/8' } },
    });
    await run(skip.r.port(), [GET('/')]);
    assert.equal(skip.bes[0]!.requests[0]!.head.names.includes('x-forwarded-for'), false);
    const seed = await setup({
      options: { forwardfor: { header: 'X-Forwarded-For', ifNone: false, except: '192.168.1.1' } },
    });
    await run(seed.r.port(), [GET('/')]);
    assert.equal(seed.bes[0]!.requests[0]!.head.names.includes('x-forwarded-for'), true);
  });

  it('option forwardfor header NAME if-none keeps a client-sent header alone', async () => {
    const { r, bes } = await setup({ options: { forwardfor: { header: 'X-Client', ifNone: true } } });
    await run(r.port(), [GET('/a', 'X-Client: 1.2.3.4\r\n'), GET('/b')]);
    const [a, b] = bes[0]!.requests;
    assert.equal(a!.head.names.filter((n) => n === 'x-client').length, 1);
    assert.match(b!.rawHead, /\r\nX-Client: 127\.0\.0\.1\r\n/);
  });

  it('option forwarded (RFC 7239) and option originalto', async () => {
    const { r, bes } = await setup({
      options: { forwarded: true, originalto: { header: 'X-Original-To' } },
    });
    await run(r.port(), [GET('/')]);
    const raw = bes[0]!.requests[0]!.rawHead;
    assert.match(raw, /\r\nforwarded: proto=http;for=127\.0\.0\.1\r\n/);
    assert.match(raw, /\r\nX-Original-To: 127\.0\.0\.1\r\n/);
  });
});

describe('http-reuse', () => {
  async function twoClients(reuse: ProxyConfig['httpReuse']): Promise<number> {
    const { r, bes } = await setup({ httpReuse: reuse });
    await run(r.port(), [GET('/1')]);
    const c2 = new RawClient(r.port());
    c2.send(GET('/2'));
    await c2.response();
    c2.send(GET('/3'));
    await c2.response();
    c2.close();
    return bes[0]!.accepted;
  }

  it('safe: a second client reuses the idle connection, but not for its first request', async () => {
    assert.equal(await twoClients('safe'), 2);
  });

  it('always: even the first request of a client reuses an idle connection', async () => {
    assert.equal(await twoClients('always'), 1);
  });

  it('never: connections stay private to their client', async () => {
    assert.equal(await twoClients('never'), 2);
  });
});

describe('balance by content', () => {
  const fixture = JSON.parse(
    readFileSync(new URL('../../../test/fixtures/hash/uri.json', import.meta.url), 'utf8'),
  ) as { cases: { hashType: string; weights?: number[]; expected: Record<string, string> }[] };

  it('balance uri routes as HAProxy 2.6 recorded (map-based)', async () => {
    const c = fixture.cases.find((x) => x.hashType === 'map-based')!;
    const names = ['a', 'b', 'c', 'd'];
    const bes: HttpBackend[] = [];
    for (const n of names) {
      const b = await httpBackend(n);
      bes.push(b);
      cleanups.push(() => b.close());
    }
    const r = await runEngine(
      makeConfig([
        makeProxy({
          mode: 'http',
          binds: [makeBind('127.0.0.1:0')],
          balance: { algorithm: 'uri', whole: false, pathOnly: false, len: 0, depth: 0 },
          hashType: hashType('map-based'),
          servers: names.map((n, i) => makeServer(n, `127.0.0.1:${bes[i]!.port}`, { weight: i + 1 })),
        }),
      ]),
    );
    cleanups.push(() => r.stop());
    const uris = Object.keys(c.expected).slice(0, 24);
    const out = await run(
      r.port(),
      uris.map((u) => GET(u)),
    );
    assert.deepEqual(
      out.bodies,
      uris.map((u) => c.expected[u]),
    );
  });

  it('balance uri depth 1 and whole: same key, same server', async () => {
    const { r } = await setup(
      { balance: { algorithm: 'uri', whole: false, pathOnly: false, len: 0, depth: 1 } },
      ['a', 'b', 'c', 'd'],
    );
    const out = await run(r.port(), [GET('/x/1'), GET('/x/2?q=1'), GET('/x/3/4')]);
    assert.equal(new Set(out.bodies).size, 1);
  });

  it('balance url_param and hdr(Host) use_domain_only', async () => {
    const up = await setup({ balance: { algorithm: 'url_param', param: 'user', checkPost: false } }, [
      'a',
      'b',
      'c',
      'd',
    ]);
    const seen = new Map<string, Set<string>>();
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin']) {
      const out = await run(up.r.port(), [GET(`/p?x=1&user=${u}`), GET(`/q?user=${u}&z=2`)]);
      seen.set(u, new Set(out.bodies));
    }
    for (const s of seen.values()) assert.equal(s.size, 1);
    const hd = await setup({ balance: { algorithm: 'hdr', header: 'Host', useDomainOnly: true } }, [
      'a',
      'b',
      'c',
      'd',
    ]);
    const c = new RawClient(hd.r.port());
    const bodies: string[] = [];
    for (const host of ['www.example.com', 'api.example.com', 'example.com', 'static.example.com']) {
      c.send(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      bodies.push((await c.response())!.body.toString());
    }
    c.close();
    assert.equal(new Set(bodies).size, 1, bodies.join(','));
  });
});

describe('error messages', () => {
  it('errorfile is sent raw, errorloc302 redirects, the backend settings win', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'errf-'));
    const file = join(dir, '503.http');
    writeFileSync(file, 'HTTP/1.0 503 Busy\r\nX-Custom: 1\r\n\r\ncustom page\n');
    const a = await setup({ servers: [], errorfiles: new Map([[503, file]]) }, []);
    const c = new RawClient(a.r.port());
    c.send(GET('/'));
    await c.waitClosed();
    assert.equal(c.rest.toString(), 'HTTP/1.0 503 Busy\r\nX-Custom: 1\r\n\r\ncustom page\n');
    c.close();
    const b = await setup(
      { servers: [], errorlocs: new Map([[503, { code: 302 as const, url: 'http://sorry.example/' }]]) },
      [],
    );
    const d = new RawClient(b.r.port());
    d.send(GET('/'));
    const res = await d.response();
    assert.equal(res?.head.status, 302);
    assert.equal(res.head.headers[res.head.names.indexOf('location') * 2 + 1], 'http://sorry.example/');
    d.close();
  });
});
