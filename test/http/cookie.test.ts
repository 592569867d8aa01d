/**
 * Cookie persistence through real sockets, reproducing the "Flows" of the
 * architecture seed (/work/shared/seeds/003: `cookie JSESSIONID prefix` and
 * `cookie SERVERID insert indirect nocache`), then a down server's cookie
 * redispatched and rewritten, and `option persist`.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { CookieConfig, ProxyConfig, ProxyOptions } from '../../src/config/haproxy/model.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import { type RunningEngine, runEngine } from '../proxy/helpers.js';
import { type HttpBackend, httpBackend, okResponse, sendRaw } from './servers.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function cookieCfg(over: Partial<CookieConfig>): CookieConfig {
  return {
    name: 'SERVERID',
    mode: 'insert',
    indirect: false,
    nocache: false,
    postonly: false,
    preserve: false,
    httponly: false,
    secure: false,
    domains: [],
    maxidle: 0,
    maxlife: 0,
    dynamic: false,
    ...over,
  };
}

interface Farm {
  r: RunningEngine;
  a: HttpBackend;
  b: HttpBackend;
}

async function farm(
  cookie: CookieConfig,
  over: Omit<Partial<ProxyConfig>, 'options'> & { options?: Partial<ProxyOptions> } = {},
): Promise<Farm> {
  const respond = (name: string) => (req: { head: { path: string } }) =>
    req.head.path.startsWith('/set') ? okResponse(name, 'Set-Cookie: JSESSIONID=123\r\n') : okResponse(name);
  const a = await httpBackend('A', respond('A'));
  const b = await httpBackend('B', respond('B'));
  cleanups.push(
    () => a.close(),
    () => b.close(),
  );
  const r = await runEngine(
    makeConfig([
      makeProxy({
        mode: 'http',
        binds: [makeBind('127.0.0.1:0')],
        cookie,
        servers: [
          makeServer('webA', `127.0.0.1:${a.port}`, { cookie: 'A' }),
          makeServer('webB', `127.0.0.1:${b.port}`, { cookie: 'B' }),
        ],
        ...over,
      }),
    ]),
  );
  cleanups.push(() => r.stop());
  return { r, a, b };
}

const field = (resp: string, name: string): string[] =>
  resp
    .split('\r\n\r\n')[0]!
    .split('\r\n')
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.slice(name.length + 1).trim());

const bodyOf = (resp: string) => resp.split('\r\n\r\n')[1] ?? '';

describe('cookie JSESSIONID prefix (seed flow 2.1)', () => {
  it('prefixes the server cookie with the server name, and strips it on the way back', async () => {
    const f = await farm(cookieCfg({ name: 'JSESSIONID', mode: 'prefix' }), {
      options: { forwardfor: { header: 'X-Forwarded-For', ifNone: false, except: '192.168.1.1' } },
    });
    // GET /URI1: no cookie either way, nothing changed.
    const r1 = await sendRaw(f.r.port(), 'GET /URI1 HTTP/1.0\r\n\r\n');
    assert.deepEqual(field(r1, 'set-cookie'), []);
    // GET /URI2: the server sets JSESSIONID=123, the client sees <server>~123.
    const r2 = await sendRaw(f.r.port(), 'GET /set/URI2 HTTP/1.0\r\n\r\n');
    const served = bodyOf(r2);
    assert.deepEqual(field(r2, 'set-cookie'), [`JSESSIONID=${served}~123`]);
    // GET /URI3 with the prefixed cookie: same server, which sees its own cookie.
    const target = served === 'A' ? f.a : f.b;
    const before = target.requests.length;
    for (let i = 0; i < 4; i++) {
      const r3 = await sendRaw(f.r.port(), `GET /URI3 HTTP/1.0\r\nCookie: JSESSIONID=${served}~123\r\n\r\n`);
      assert.equal(bodyOf(r3), served);
      assert.deepEqual(field(r3, 'set-cookie'), []);
    }
    const seen = target.requests[before]!.head;
    assert.equal(seen.headers[seen.names.indexOf('cookie') * 2 + 1], 'JSESSIONID=123');
    assert.equal(seen.headers[seen.names.indexOf('x-forwarded-for') * 2 + 1], '127.0.0.1');
  });
});

describe('cookie SERVERID insert indirect nocache (seed flow 3)', () => {
  it('inserts the server cookie with Cache-control: private, then routes on it and hides it', async () => {
    const f = await farm(cookieCfg({ indirect: true, nocache: true }));
    const r1 = await sendRaw(f.r.port(), 'GET /URI1 HTTP/1.0\r\n\r\n');
    const served = bodyOf(r1);
    assert.deepEqual(field(r1, 'set-cookie'), [`SERVERID=${served}; path=/`]);
    assert.deepEqual(field(r1, 'cache-control'), ['private']);
    const target = served === 'A' ? f.a : f.b;
    for (let i = 0; i < 4; i++) {
      const before = target.requests.length;
      const r2 = await sendRaw(f.r.port(), `GET /URI2 HTTP/1.0\r\nCookie: SERVERID=${served}\r\n\r\n`);
      assert.equal(bodyOf(r2), served);
      assert.deepEqual(field(r2, 'set-cookie'), [], 'the client knows the cookie');
      assert.equal(target.requests[before]!.head.names.includes('cookie'), false, 'the server never sees it');
    }
  });

  it('redispatches a down server cookie to a healthy server and rewrites it', async () => {
    const f = await farm(cookieCfg({ indirect: true }));
    f.r.engine.setServerHealth('px', 'webA', false, 'test');
    const r = await sendRaw(f.r.port(), 'GET / HTTP/1.0\r\nCookie: SERVERID=A\r\n\r\n');
    assert.equal(bodyOf(r), 'B');
    assert.deepEqual(field(r, 'set-cookie'), ['SERVERID=B; path=/']);
  });

  it('option persist sends to the down server anyway', async () => {
    const f = await farm(cookieCfg({ indirect: true }), { options: { persist: true } });
    f.r.engine.setServerHealth('px', 'webA', false, 'test');
    const r = await sendRaw(f.r.port(), 'GET / HTTP/1.0\r\nCookie: SERVERID=A\r\n\r\n');
    assert.equal(bodyOf(r), 'A');
  });

  it('insert without indirect forwards the cookie; httponly, secure and domain attributes', async () => {
    const f = await farm(cookieCfg({ httponly: true, secure: true, domains: ['.example.com'] }));
    const r1 = await sendRaw(f.r.port(), 'GET / HTTP/1.0\r\n\r\n');
    const served = bodyOf(r1);
    assert.deepEqual(field(r1, 'set-cookie'), [
      `SERVERID=${served}; path=/; domain=.example.com; HttpOnly; Secure`,
    ]);
    const target = served === 'A' ? f.a : f.b;
    const before = target.requests.length;
    await sendRaw(f.r.port(), `GET / HTTP/1.0\r\nCookie: x=1; SERVERID=${served}\r\n\r\n`);
    const h = target.requests[before]!.head;
    assert.equal(h.headers[h.names.indexOf('cookie') * 2 + 1], `x=1; SERVERID=${served}`);
  });

  it('rewrite mode replaces the value of the server cookie', async () => {
    const f = await farm(cookieCfg({ name: 'JSESSIONID', mode: 'rewrite' }));
    const r = await sendRaw(f.r.port(), 'GET /set HTTP/1.0\r\n\r\n');
    assert.deepEqual(field(r, 'set-cookie'), [`JSESSIONID=${bodyOf(r)}`]);
  });
});
