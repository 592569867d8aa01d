/**
 * Dated persistence cookies (`cookie … insert maxidle T maxlife T`,
 * configuration.txt 4 "cookie", http_ana.c): the inserted value is
 * `SRV|LAST|FIRST` (UNIX seconds / 4 in five base64 characters), an idle or too
 * old cookie is ignored (log flag E / O) and a due one is refreshed (flag U).
 * Dates are produced by the test independently of the proxy's encoder.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';
import { b64ToS30, cookieDates, s30ToB64 } from '../../src/proxy/http/cookie-date.js';
import { waitFor } from '../proxy/helpers.js';
import { freePort, loadText } from './rules-helpers.js';
import { type HttpBackend, httpBackend, okResponse, sendRaw } from './servers.js';

/** s30tob64 through Node's base64: the top 30 bits of a 32-bit word, five characters. */
function stamp(seconds: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE((Math.floor(seconds / 4) << 2) >>> 0);
  return b.toString('base64').slice(0, 5);
}

const nowSec = () => Math.floor(Date.now() / 1000);

describe('cookie date encoding', () => {
  it('s30ToB64 and b64ToS30 agree with base64 of the 30-bit value', () => {
    for (const v of [1, 63, 64, 0x3fffffff, 437_500_000, 1_000_000]) {
      const enc = s30ToB64(v);
      assert.equal(enc, stamp(v * 4));
      assert.equal(b64ToS30(enc, 0), v);
    }
    assert.equal(b64ToS30('AB*CD', 0), -1);
  });
  it('cookieDates reads LAST and FIRST, ignoring short or bad dates', () => {
    const t = 1_700_000_000;
    assert.deepEqual(cookieDates(`s1|${stamp(t)}|${stamp(t - 400)}`, 2), { last: t, first: t - 400 });
    assert.deepEqual(cookieDates(`s1|${stamp(t)}`, 2), { last: t, first: 0 });
    assert.deepEqual(cookieDates('s1|ABC', 2), { last: 0, first: 0 });
    assert.deepEqual(cookieDates('s1|*****|AAAAB', 2), { last: 0, first: 4 });
  });
});

describe('cookie insert maxidle/maxlife', () => {
  let engine: ProxyEngine;
  let port: number;
  const bes: HttpBackend[] = [];
  const lines: string[] = [];
  before(async () => {
    for (const name of ['s1', 's2']) bes.push(await httpBackend(name, () => okResponse(name)));
    const text = `
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind 127.0.0.1:${await freePort()}
  log-format "%tsc %s"
  default_backend app
backend app
  balance first
  cookie SRV insert indirect maxidle 30s maxlife 10m
  server s1 127.0.0.1:${bes[0]!.port} cookie a maxconn 100
  server s2 127.0.0.1:${bes[1]!.port} cookie b maxconn 100
`;
    const cfg = loadText(text);
    engine = await startProxyEngine(cfg, { log: silentLogger, logSink: (_fe, line) => lines.push(line) });
    port = (engine.frontend('fe')!.listeners[0]!.server.address() as net.AddressInfo).port;
  });
  after(async () => {
    await engine.stop({ grace: 0 });
    for (const b of bes) await b.close();
  });

  /** Sends one request with `cookie` (if any); returns the served body, Set-Cookie value and log state. */
  async function get(
    cookie?: string,
  ): Promise<{ body: string; setCookie: string | undefined; state: string }> {
    const before = lines.length;
    const out = await sendRaw(
      port,
      `GET / HTTP/1.1\r\nhost: x\r\n${cookie ? `cookie: ${cookie}\r\n` : ''}\r\n`,
    );
    assert.ok(await waitFor(() => lines.length > before), 'log line');
    const sc = /\r\nset-cookie: ([^\r]*)\r\n/i.exec(out);
    return {
      body: out.slice(out.indexOf('\r\n\r\n') + 4),
      setCookie: sc?.[1],
      state: lines.at(-1)!.split(' ')[0]!,
    };
  }

  it('inserts SRV|LAST|FIRST dated now', async () => {
    const t0 = nowSec();
    const r = await get();
    assert.equal(r.body, 's1');
    const m = /^SRV=a\|([A-Za-z0-9+/]{5})\|([A-Za-z0-9+/]{5}); path=\/$/.exec(r.setCookie ?? '');
    assert.ok(m, r.setCookie);
    assert.equal(m[1], m[2]);
    const ok = [t0, t0 + 1, t0 + 2].map((t) => stamp(t + 3));
    assert.ok(ok.includes(m[1]!), `${m[1]} not in ${ok}`);
    assert.equal(r.state, '--NI');
  });

  it('a fresh cookie is followed and not re-sent', async () => {
    const t = nowSec() + 8;
    const r = await get(`SRV=b|${stamp(t)}|${stamp(t - 60)}`);
    assert.equal(r.body, 's2');
    assert.equal(r.setCookie, undefined);
    assert.equal(r.state, '--VN');
  });

  it('a due cookie is followed and refreshed, keeping FIRST (flag U)', async () => {
    const first = nowSec() - 120;
    const r = await get(`SRV=b|${stamp(nowSec() - 12)}|${stamp(first)}`);
    assert.equal(r.body, 's2');
    const m = /^SRV=b\|([A-Za-z0-9+/]{5})\|([A-Za-z0-9+/]{5}); path=\/$/.exec(r.setCookie ?? '');
    assert.ok(m, r.setCookie);
    assert.equal(m[2], stamp(first));
    assert.notEqual(m[1], stamp(nowSec() - 12));
    assert.equal(r.state, '--VU');
  });

  it('a cookie without FIRST is re-sent with one (maxlife)', async () => {
    const t = nowSec() + 8;
    const r = await get(`SRV=b|${stamp(t)}`);
    assert.equal(r.body, 's2');
    assert.match(r.setCookie ?? '', /^SRV=b\|[A-Za-z0-9+/]{5}\|[A-Za-z0-9+/]{5}; path=\/$/);
    assert.equal(r.state, '--VU');
  });

  it('an idle cookie (LAST older than maxidle) is ignored: E, load balanced, new cookie', async () => {
    const r = await get(`SRV=b|${stamp(nowSec() - 120)}|${stamp(nowSec() - 120)}`);
    assert.equal(r.body, 's1');
    assert.match(r.setCookie ?? '', /^SRV=a\|/);
    assert.equal(r.state, '--EI');
  });

  it('an old cookie (FIRST older than maxlife) is ignored: O', async () => {
    const r = await get(`SRV=b|${stamp(nowSec())}|${stamp(nowSec() - 3600)}`);
    assert.equal(r.body, 's1');
    assert.equal(r.state, '--OI');
  });

  it('a FIRST date more than a day ahead is ignored as old', async () => {
    const r = await get(`SRV=b|${stamp(nowSec())}|${stamp(nowSec() + 2 * 86400)}`);
    assert.equal(r.body, 's1');
    assert.equal(r.state, '--OI');
  });

  it('the indirect cookie never reaches the server', async () => {
    await get(`SRV=b|${stamp(nowSec() + 8)}|${stamp(nowSec())}; other=1`);
    const last = bes[1]!.requests.at(-1)!;
    assert.doesNotMatch(last.rawHead, /SRV=/);
    assert.match(last.rawHead, /other=1/);
  });
});
