/**
 * Stick counters in mode http: `http-request track-sc0` counts requests and
 * 4xx answers on the entry, `http-request sc-inc-gpc0` marks it, and a rate
 * condition denies the request over the limit. Each request tracks and
 * releases the entry (conn_cur back to 0 between requests).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ProxyEngine } from '../../src/proxy/engine.js';
import { waitFor } from './helpers.js';
import { freePorts, startText } from './stick-helpers.js';

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

describe('http-request track-sc0 and sc-inc-gpc0', () => {
  let web: http.Server;
  let engine: ProxyEngine;
  let port: number;
  before(async () => {
    web = http.createServer((req, res) => {
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end('ok');
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
    [port] = (await freePorts(1)) as [number];
    engine = await startText(`frontend fe
  mode http
  bind 127.0.0.1:${port}
  stick-table type ip size 100 expire 1m store http_req_cnt,http_req_rate(10s),http_err_cnt,http_err_rate(10s),gpc0,conn_cur,conn_cnt
  http-request track-sc0 src
  http-request sc-inc-gpc0(0) if { path /mark }
  http-request deny if { sc_http_req_rate(0) gt 3 }
  default_backend be
backend be
  mode http
  server web 127.0.0.1:${(web.address() as AddressInfo).port}
`);
  });
  after(async () => {
    await engine.stop();
    await new Promise<void>((r) => web.close(() => r()));
  });

  it('counts requests and errors, marks with gpc0, denies over the rate', async () => {
    const statuses: number[] = [];
    for (const path of ['/', '/missing', '/mark', '/', '/']) statuses.push(await get(port, path));
    assert.deepEqual(statuses, [200, 404, 200, 403, 403]);
    const e = engine.stickTables.get('fe')!.lookup('127.0.0.1', engine.clock.now())!;
    const r = (d: string) => e.read(d, engine.clock.now());
    // The client has its answer before the transaction ends and releases the entry.
    assert.ok(await waitFor(() => r('conn_cur') === 0));
    assert.equal(r('http_req_cnt'), 5);
    assert.equal(r('http_req_rate'), 5);
    assert.equal(r('http_err_cnt'), 3, 'the 404 and both denials');
    assert.equal(r('http_err_rate'), 3);
    assert.equal(r('gpc0'), 1);
    assert.equal(r('conn_cnt'), 5, 'each request tracked the entry once, and released it');
  });
});
