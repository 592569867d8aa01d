/**
 * `monitor fail if|unless <cond>` with `monitor-uri` (configuration.txt 4):
 * the monitor URI answers 200 while the condition does not hold and HAProxy's
 * default 503 page (then closes) once it does, here with the canonical
 * `nbsrv(<backend>) lt 1` after the backend's only server is put in maintenance.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clearCurrentBackends, setCurrentBackends } from '../../src/proxy/acl/fetches-proxy.js';
import { startText, type TextSetup } from './rules-helpers.js';
import { sendRaw } from './servers.js';

const CFG = `
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind 127.0.0.1:0
  monitor-uri /alive
  acl site_dead nbsrv(app) lt 1
  acl maint_file hdr(x-maint) -m found
  monitor fail if site_dead
  monitor fail unless { src 127.0.0.1 }
  monitor fail if maint_file
  default_backend app
backend app
  server s1 127.0.0.1:@S1@
`;

describe('monitor fail', () => {
  let t: TextSetup;
  let lookup: (name: string) => ReturnType<TextSetup['r']['engine']['backend']>;
  before(async () => {
    t = await startText(CFG);
    lookup = (name) => t.r.engine.backend(name);
    setCurrentBackends(lookup);
  });
  after(async () => {
    clearCurrentBackends(lookup);
    await t.close();
  });

  const get = (extra = '') => sendRaw(t.r.port('fe'), `GET /alive HTTP/1.1\r\nhost: x\r\n${extra}\r\n`);

  it('answers 200 while no condition holds, without reaching the server', async () => {
    const out = await get();
    assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(t.bes[0]!.requests.length, 0);
  });

  it('answers 503 when an `if` condition on the request holds', async () => {
    const out = await get('x-maint: 1\r\n');
    assert.match(out, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(out, /<h1>503 Service Unavailable<\/h1>/);
  });

  it('answers 503 when nbsrv(app) drops below 1, 200 again once the server is back', async () => {
    const be = t.r.engine.backend('app')!;
    be.setAdmin(be.findServer('s1')!, 'maint', 'maint');
    try {
      assert.match(await get(), /^HTTP\/1\.1 503 /);
    } finally {
      be.setAdmin(be.findServer('s1')!, 'ready', 'ready');
    }
    assert.match(await get(), /^HTTP\/1\.1 200 /);
  });
});

describe('monitor fail unless', () => {
  it('answers 503 when an `unless` condition does not hold', async () => {
    const t = await startText(`
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind 127.0.0.1:0
  monitor-uri /alive
  monitor fail unless { hdr(x-ok) -m found }
  default_backend app
backend app
  server s1 127.0.0.1:@S1@
`);
    try {
      const port = t.r.port('fe');
      assert.match(await sendRaw(port, 'GET /alive HTTP/1.1\r\nhost: x\r\n\r\n'), /^HTTP\/1\.1 503 /);
      assert.match(
        await sendRaw(port, 'GET /alive HTTP/1.1\r\nhost: x\r\nx-ok: 1\r\n\r\n'),
        /^HTTP\/1\.1 200 /,
      );
    } finally {
      await t.close();
    }
  });
});
