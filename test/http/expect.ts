/**
 * Assertions of one case of cases.ts against what the reference reader saw.
 */
import assert from 'node:assert/strict';
import type { RequestHead, ResponseHead } from '../../src/proxy/http/head.js';
import type { Forwarded, ForwardedResponse, Rejected } from './cases.js';
import { isRejected } from './cases.js';
import type { Outcome } from './reader.js';

function versionText(v: number): string {
  return v === 10 ? '1.0' : '1.1';
}

function assertRejected(o: Outcome<RequestHead | ResponseHead> | undefined, e: Rejected): void {
  assert.ok(o?.error, `expected ${e.status}, got ${o?.head ? 'a parsed head' : 'nothing'}`);
  assert.equal(o.error.status, e.status, o.error.reason);
  assert.ok(o.error.reason.includes(e.reason), `reason "${o.error.reason}" lacks "${e.reason}"`);
}

function assertBody(o: Outcome<RequestHead | ResponseHead>, e: Forwarded | ForwardedResponse): void {
  if ('bodyError' in e && e.bodyError !== undefined) {
    assert.ok(o.bodyError?.includes(e.bodyError), `body error "${o.bodyError}" lacks "${e.bodyError}"`);
    return;
  }
  assert.equal(o.bodyError, undefined, o.bodyError);
  if (e.bodyBytes !== undefined) {
    assert.equal(o.bodyDone, true, 'body not complete');
    assert.equal(o.bodyBytes, e.bodyBytes, 'body length');
  }
}

/** The first outcome of a request stream matches the case. */
export function assertRequestCase(outcomes: Outcome<RequestHead>[], e: Rejected | Forwarded): void {
  const o = outcomes[0];
  if (isRejected(e)) {
    assertRejected(o, e);
    return;
  }
  assert.ok(o?.head, o?.error ? `refused: ${o.error.status} ${o.error.reason}` : 'incomplete');
  const h = o.head;
  assert.equal(h.method, e.method);
  assert.equal(h.target, e.target);
  assert.equal(versionText(h.version), e.version);
  assert.equal(h.bodyKind, e.body);
  assert.equal(h.contentLength, e.contentLength ?? -1);
  assert.equal(h.keepAlive, e.keepAlive, 'keepAlive');
  if (e.headers) assert.deepEqual(h.headers, e.headers);
  if (e.form !== undefined) assert.equal(h.form, e.form);
  if (e.host !== undefined) assert.equal(h.host, e.host);
  if (e.path !== undefined) assert.equal(h.path, e.path);
  if (e.upgrade !== undefined) assert.equal(h.upgrade, e.upgrade);
  if (e.expectContinue !== undefined) assert.equal(h.expectContinue, e.expectContinue);
  assertBody(o, e);
}

/** The response outcome matches the case. */
export function assertResponseCase(outcomes: Outcome<ResponseHead>[], e: Rejected | ForwardedResponse): void {
  const o = outcomes[0];
  if (isRejected(e)) {
    assertRejected(o, e);
    return;
  }
  assert.ok(o?.head, o?.error ? `refused: ${o.error.status} ${o.error.reason}` : 'incomplete');
  const h = o.head;
  assert.equal(h.status, e.status);
  assert.equal(versionText(h.version), e.version);
  assert.equal(h.bodyKind, e.body);
  assert.equal(h.contentLength, e.contentLength ?? -1);
  assert.equal(h.keepAlive, e.keepAlive, 'keepAlive');
  if (e.headers) assert.deepEqual(h.headers, e.headers);
  assertBody(o, e);
}
