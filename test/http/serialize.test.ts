/**
 * Re-serialising heads, the header helpers, and HAProxy's default error
 * responses byte for byte.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_LIMITS,
  Method,
  type MethodId,
  type RequestHead,
  type ResponseHead,
} from '../../src/proxy/http/head.js';
import {
  addHeader,
  deleteHeader,
  getHeader,
  getHeaderValues,
  setHeader,
} from '../../src/proxy/http/headers.js';
import { parseRequestHead, parseResponseHead } from '../../src/proxy/http/parser.js';
import { serializeRequestHead, serializeResponseHead } from '../../src/proxy/http/serialize.js';
import { ERROR_STATUSES, errorResponse, reasonPhrase } from '../../src/proxy/http/status.js';

const latin1 = (s: string) => Buffer.from(s, 'latin1');

function request(s: string): RequestHead {
  const r = parseRequestHead(latin1(s));
  assert.ok(r.kind === 'done', r.kind === 'error' ? r.reason : r.kind);
  return r.head;
}

function response(s: string, method: MethodId = Method.GET): ResponseHead {
  const r = parseResponseHead(latin1(s), 0, DEFAULT_LIMITS, method);
  assert.ok(r.kind === 'done', r.kind === 'error' ? r.reason : r.kind);
  return r.head;
}

describe('serialize', () => {
  test('tolerated variants are re-emitted in canonical form', () => {
    const head = request(
      '\nGET  /p?q  HTTP/1.1\nHost:example.com  \nX-Fold: a\n\t b\nContent-Length: 00\n\n',
    );
    assert.equal(
      serializeRequestHead(head).toString('latin1'),
      'GET /p?q HTTP/1.1\r\nHost: example.com\r\nX-Fold: a b\r\nContent-Length: 0\r\n\r\n',
    );
  });

  test('HTTP/1.2 goes out as HTTP/1.1, obs-text survives', () => {
    const head = request('GET / HTTP/1.2\r\nHost: h\r\nX-N: caf\xe9\r\n\r\n');
    assert.deepEqual(serializeRequestHead(head), latin1('GET / HTTP/1.1\r\nHost: h\r\nX-N: caf\xe9\r\n\r\n'));
  });

  test("a response without reason gets HAProxy's phrase", () => {
    const head = response('HTTP/1.0 404\r\nContent-Length: 0\r\n\r\n');
    assert.equal(
      serializeResponseHead(head).toString('latin1'),
      'HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n',
    );
  });
});

describe('header helpers', () => {
  test('add, set, get and delete keep names and lower-case names in step', () => {
    const head = request('GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\nAccept: */*\r\n\r\n');
    assert.equal(getHeader(head, 'x-a'), '1');
    assert.deepEqual(getHeaderValues(head, 'x-a'), ['1', '2']);
    setHeader(head, 'X-A', '3');
    assert.deepEqual(head.headers, ['Host', 'h', 'X-A', '3', 'Accept', '*/*']);
    addHeader(head, 'X-Forwarded-For', '127.0.0.1');
    assert.deepEqual(head.names, ['host', 'x-a', 'accept', 'x-forwarded-for']);
    assert.equal(deleteHeader(head, 'accept'), 1);
    assert.equal(deleteHeader(head, 'accept'), 0);
    setHeader(head, 'Via', '1.1 hapair');
    assert.equal(
      serializeRequestHead(head).toString('latin1'),
      'GET / HTTP/1.1\r\nHost: h\r\nX-A: 3\r\nX-Forwarded-For: 127.0.0.1\r\nVia: 1.1 hapair\r\n\r\n',
    );
  });

  test('names that are not tokens and values that could inject lines are refused', () => {
    const head = request('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    assert.throws(() => addHeader(head, 'Bad Name', 'v'), RangeError);
    assert.throws(() => addHeader(head, 'X-A', 'v\r\nInjected: 1'), RangeError);
    assert.throws(() => setHeader(head, 'X-A', ' padded'), RangeError);
    assert.throws(() => setHeader(head, 'X-A', 'snow\u2603'), RangeError);
    assert.deepEqual(head.headers, ['Host', 'h']);
  });
});

describe('default error responses', () => {
  test("503 is HAProxy's bytes, header names lower-cased as HAProxy emits them", () => {
    const body =
      '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n';
    assert.equal(
      errorResponse(503).toString('latin1'),
      'HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\n' +
        `content-type: text/html\r\n\r\n${body}`,
    );
  });

  test('400 and 408 close the connection, as in http_err_msgs', () => {
    assert.equal(
      errorResponse(400).toString('latin1'),
      'HTTP/1.1 400 Bad request\r\ncontent-length: 90\r\ncache-control: no-cache\r\nconnection: close\r\n' +
        'content-type: text/html\r\n\r\n' +
        '<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n',
    );
    assert.match(
      errorResponse(408).toString('latin1'),
      /^HTTP\/1\.1 408 Request Time-out\r\n.*connection: close\r\n/s,
    );
  });

  test('every Content-Length is the one HAProxy declares, and matches the body', () => {
    const haproxy: Record<number, number> = {
      200: 58,
      400: 90,
      401: 112,
      403: 93,
      404: 83,
      405: 147,
      407: 112,
      408: 110,
      410: 114,
      413: 106,
      414: 110,
      421: 104,
      422: 116,
      425: 80,
      429: 117,
      431: 105,
      500: 97,
      501: 135,
      502: 107,
      503: 107,
      504: 92,
    };
    for (const status of ERROR_STATUSES) {
      const text = errorResponse(status).toString('latin1');
      const [head, body] = text.split('\r\n\r\n') as [string, string];
      const declared = Number(/content-length: (\d+)/.exec(head)?.[1]);
      assert.equal(declared, Buffer.byteLength(body, 'latin1'), String(status));
      if (status in haproxy) assert.equal(declared, haproxy[status], String(status));
      const parsed = parseResponseHead(errorResponse(status), 0, DEFAULT_LIMITS, Method.GET);
      assert.ok(parsed.kind === 'done', `${status} parses`);
      assert.equal(parsed.head.status, status);
    }
  });

  test('a status without a message gets the 500 one', () => {
    assert.equal(errorResponse(418), errorResponse(500));
  });

  test("reason phrases are HAProxy's, with class fallbacks", () => {
    assert.equal(reasonPhrase(413), 'Request Entity Too Large');
    assert.equal(reasonPhrase(502), 'Bad Gateway or Proxy Error');
    assert.equal(reasonPhrase(299), 'Success');
    assert.equal(reasonPhrase(700), 'Other');
  });
});
