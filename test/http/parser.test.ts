/**
 * The head parser: the request cases of cases.ts outside the smuggling group,
 * the response cases, and the parser's API contract (incremental calls,
 * offsets, limits, error positions).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_LIMITS, INCOMPLETE, Method, maxHeadBytes, methodId } from '../../src/proxy/http/head.js';
import { parseRequestHead, parseResponseHead } from '../../src/proxy/http/parser.js';
import { requestCases, responseCases } from './cases.js';
import { assertRequestCase, assertResponseCase } from './expect.js';
import { readRequests, readResponse, splitAt } from './reader.js';

const latin1 = (s: string) => Buffer.from(s, 'latin1');

for (const group of ['syntax', 'target', 'semantics', 'limits'] as const) {
  describe(`request cases: ${group}`, () => {
    for (const c of requestCases.filter((x) => x.group === group)) {
      test(c.name, () => assertRequestCase(readRequests([latin1(c.input)]), c.expect));
    }
  });
}

describe('response cases', () => {
  for (const c of responseCases) {
    test(c.name, () => {
      const buf = latin1(c.input);
      const whole = readResponse([buf], methodId(c.requestMethod));
      assertResponseCase(whole, c.expect);
      for (let k = 0; k <= buf.length; k++) {
        assert.deepEqual(readResponse(splitAt(buf, k), methodId(c.requestMethod)), whole, `split at ${k}`);
      }
    });
  }
});

describe('parser API', () => {
  const req = 'GET /a HTTP/1.1\r\nHost: h\r\n\r\n';

  test('an incomplete head returns the shared INCOMPLETE value', () => {
    for (let k = 0; k < req.length; k++) {
      assert.equal(parseRequestHead(latin1(req.slice(0, k))), INCOMPLETE, `prefix ${k}`);
    }
  });

  test('parses at an offset; consumed counts from the offset, leading empty lines included', () => {
    const buf = latin1(`XXXX\r\n${req}BODY`);
    const r = parseRequestHead(buf, 4, DEFAULT_LIMITS);
    assert.equal(r.kind, 'done');
    assert.equal(r.kind === 'done' && r.consumed, req.length + 2);
    assert.equal(r.kind === 'done' && r.head.target, '/a');
  });

  test('the head keeps names as sent and their lower-case form', () => {
    const r = parseRequestHead(latin1('GET / HTTP/1.1\r\nHOST: h\r\nX-Mixed-Case: v\r\n\r\n'));
    assert.ok(r.kind === 'done');
    assert.deepEqual(r.head.headers, ['HOST', 'h', 'X-Mixed-Case', 'v']);
    assert.deepEqual(r.head.names, ['host', 'x-mixed-case']);
    assert.equal(r.head.methodId, Method.GET);
  });

  test('error positions point at the faulty byte', () => {
    const r = parseRequestHead(latin1('GET /a\x01 HTTP/1.1\r\n\r\n'));
    assert.ok(r.kind === 'error');
    assert.equal(r.at, 6);
    const s = parseRequestHead(latin1('\r\nGET / HTTP/1.1\r\n\r\n'));
    assert.ok(s.kind === 'error');
    assert.equal(s.status, 400);
    assert.equal(s.reason, 'missing Host header');
    assert.equal(s.at, 2, 'semantic errors point at the request line');
  });

  test('limits: bufsize - maxrewrite bounds the head, maxhdr bounds the lines', () => {
    const limits = { bufsize: 64, maxrewrite: 16, maxhdr: 3 };
    assert.equal(maxHeadBytes(limits), 48);
    assert.equal(
      maxHeadBytes({ bufsize: 64, maxrewrite: 1000, maxhdr: 3 }),
      32,
      'maxrewrite capped at bufsize/2',
    );
    const head48 = `GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ${'p'.repeat(12)}\r\n\r\n`;
    assert.equal(head48.length, 48);
    assert.equal(
      parseRequestHead(latin1(head48), 0, limits).kind,
      'done',
      'a head of exactly the limit fits',
    );
    const over = parseRequestHead(latin1(head48.replace('X-Pad: ', 'X-Pad: p')), 0, limits);
    assert.ok(over.kind === 'error');
    assert.equal(over.status, 431);
    const longLine = parseRequestHead(latin1(`GET /${'a'.repeat(60)} HTTP/1.1\r\n`), 0, limits);
    assert.ok(longLine.kind === 'error');
    assert.equal(longLine.status, 414, 'no need to wait for the end of an oversized line');
    const many = parseRequestHead(latin1('GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n'), 0, limits);
    assert.ok(many.kind === 'error');
    assert.equal(many.status, 400);
  });

  test('an oversized or invalid response is a 502', () => {
    const limits = { bufsize: 64, maxrewrite: 0, maxhdr: 101 };
    const big = parseResponseHead(
      latin1(`HTTP/1.1 200 OK\r\nX: ${'v'.repeat(64)}\r\n\r\n`),
      0,
      limits,
      Method.GET,
    );
    assert.ok(big.kind === 'error');
    assert.equal(big.status, 502);
    const ws = parseResponseHead(latin1('HTTP/1.1 200 OK\r\nX : v\r\n\r\n'), 0, DEFAULT_LIMITS, Method.GET);
    assert.ok(ws.kind === 'error');
    assert.equal(ws.status, 502);
  });

  test('methodId knows HAProxy methods, case-sensitively', () => {
    assert.equal(methodId('CONNECT'), Method.CONNECT);
    assert.equal(methodId('HEAD'), Method.HEAD);
    assert.equal(methodId('head'), Method.OTHER);
    assert.equal(methodId('PATCH'), Method.OTHER);
  });
});
