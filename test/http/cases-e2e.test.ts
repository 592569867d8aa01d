/**
 * Every request case of cases.ts sent through a real `mode http` frontend to
 * a real backend: a refused case must get its status and reach no server; a
 * forwarded case must reach the server once, with the framing, target and
 * fields the case names (fields the proxy adds come after them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import { type RunningEngine, runEngine, sleep } from '../proxy/helpers.js';
import { type Forwarded, isRejected, requestCases } from './cases.js';
import { type HttpBackend, httpBackend, sendRaw } from './servers.js';

const totalBytes = (b: HttpBackend) => b.raw.reduce((n, x) => n + x.length, 0);

function checkForwarded(be: HttpBackend, first: number, e: Forwarded): void {
  const got = be.requests[first];
  assert.ok(got, 'the backend received no request');
  const h = got.head;
  assert.equal(h.method, e.method);
  assert.equal(h.target, e.target);
  assert.equal(h.version === 10 ? '1.0' : '1.1', e.version);
  assert.equal(h.bodyKind, e.body);
  assert.equal(h.contentLength, e.contentLength ?? -1);
  assert.equal(h.keepAlive, e.keepAlive, 'keepAlive as the server sees it');
  if (e.headers) assert.deepEqual(h.headers.slice(0, e.headers.length), e.headers);
  if (e.host !== undefined) assert.equal(h.host, e.host);
  if (e.upgrade !== undefined) assert.equal(h.upgrade, e.upgrade);
  if (e.expectContinue !== undefined) assert.equal(h.expectContinue, e.expectContinue);
  if (e.bodyError === undefined && e.bodyBytes !== undefined) assert.equal(got.body.length, e.bodyBytes);
  if (e.bodyError !== undefined) assert.ok(got.body.length <= 65536);
}

describe('request cases end to end', () => {
  let be: HttpBackend;
  let r: RunningEngine;
  before(async () => {
    be = await httpBackend('s1');
    r = await runEngine(
      makeConfig([
        makeProxy({
          mode: 'http',
          binds: [makeBind('127.0.0.1:0')],
          servers: [makeServer('s1', `127.0.0.1:${be.port}`)],
          timeouts: { connect: 1000, client: 2000, server: 2000 },
        }),
      ]),
    );
  });
  after(async () => {
    await r.stop();
    await be.close();
  });

  for (const c of requestCases) {
    it(`${c.group}: ${c.name}`, async () => {
      const firstReq = be.requests.length;
      const bytesBefore = totalBytes(be);
      const data = await sendRaw(r.port(), c.input);
      const e = c.expect;
      if (isRejected(e)) {
        assert.match(data, new RegExp(`^HTTP/1\\.1 ${e.status} `), data.slice(0, 60));
        await sleep(5);
        assert.equal(totalBytes(be), bytesBefore, 'nothing reached the server');
        return;
      }
      await sleep(5);
      assert.deepEqual(be.errors, [], 'the server could parse what it received');
      checkForwarded(be, firstReq, e);
      // A complete request gets the server's answer (a body still expected is cut by the half-close).
      if (e.bodyError === undefined && (e.body === 'none' || e.bodyBytes !== undefined)) {
        assert.match(data, /^HTTP\/1\.1 200 /);
      }
    });
  }
});
