/**
 * Dynamic server cookies (`cookie … dynamic` + `dynamic-cookie-key`): XXH64
 * test vectors, values checked against HAProxy 2.6 (captured from a real
 * haproxy's Set-Cookie for the same key, address and port), then persistence
 * through real sockets with the derived values.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dynamicCookie } from '../../src/proxy/http/cookie-dynamic.js';
import { xxh64 } from '../../src/proxy/http/xxh64.js';
import { startText, type TextSetup } from './rules-helpers.js';
import { okResponse, sendRaw } from './servers.js';

describe('xxh64', () => {
  it('matches the reference vectors (seed 0)', () => {
    const h = (s: string) => xxh64(Buffer.from(s)).toString(16);
    assert.equal(h(''), 'ef46db3751d8e999');
    assert.equal(h('a'), 'd24ec4f1a98c6e5b');
    assert.equal(h('abc'), '44bc2cf5ad770999');
    assert.equal(h('Nobody inspects the spammish repetition'), 'fbcea83c8a378bf1');
  });
});

describe('dynamicCookie', () => {
  it("equals haproxy 2.6's value for key s3cr3t, IPv4 and IPv6", () => {
    assert.equal(dynamicCookie('s3cr3t', '127.0.0.1', 18081), 'e978473fb6271ef8');
    assert.equal(dynamicCookie('s3cr3t', '::1', 18081), '8dcb132bc2b380de');
  });
  it('is undefined for a host name', () => {
    assert.equal(dynamicCookie('k', 'example.org', 80), undefined);
  });
});

describe('cookie insert dynamic', () => {
  let t: TextSetup;
  before(async () => {
    t = await startText(
      `
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind 127.0.0.1:0
  default_backend app
backend app
  balance first
  cookie SRV insert indirect dynamic
  dynamic-cookie-key s3cr3t
  server s1 127.0.0.1:@S1@ maxconn 100
  server s2 127.0.0.1:@S2@ maxconn 100
  server s3 127.0.0.1:@S3@ maxconn 100 cookie fixed
`,
      [
        ['s1', () => okResponse('s1')],
        ['s2', () => okResponse('s2')],
        ['s3', () => okResponse('s3')],
      ],
    );
  });
  after(() => t.close());

  const get = (cookie?: string) =>
    sendRaw(t.r.port('fe'), `GET / HTTP/1.1\r\nhost: x\r\n${cookie ? `cookie: SRV=${cookie}\r\n` : ''}\r\n`);

  it('inserts the derived value of the chosen server', async () => {
    const out = await get();
    const want = dynamicCookie('s3cr3t', '127.0.0.1', t.bes[0]!.port)!;
    assert.match(out, new RegExp(`\\r\\nset-cookie: SRV=${want}; path=/\\r\\n`, 'i'));
    assert.ok(out.endsWith('s1'));
  });

  it('a derived value brings the client back to its server', async () => {
    const out = await get(dynamicCookie('s3cr3t', '127.0.0.1', t.bes[1]!.port));
    assert.ok(out.endsWith('s2'), out);
    assert.doesNotMatch(out, /set-cookie/i);
  });

  it("a server's own cookie value wins over the dynamic one", async () => {
    assert.ok((await get('fixed')).endsWith('s3'));
    const other = await get(dynamicCookie('s3cr3t', '127.0.0.1', t.bes[2]!.port));
    assert.ok(other.endsWith('s1'), other);
  });
});
