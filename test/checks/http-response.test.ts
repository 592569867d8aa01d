import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRequest, splitLegacyVersion } from '../../src/checks/http-check.js';
import { readResponse } from '../../src/checks/http-response.js';

const B = (s: string) => Buffer.from(s, 'latin1');
const read = (s: string, eof = false, noBody = false) => readResponse(B(s), { eof, noBody });

describe('strict HTTP response reader', () => {
  it('reads a Content-Length body and waits for the rest', () => {
    const partial = read('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel');
    assert.equal(partial.kind, 'response');
    assert.equal(partial.kind === 'response' && partial.complete, false);
    const full = read('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    assert.ok(full.kind === 'response' && full.complete && full.body.toString() === 'hello');
    assert.equal(read('HTTP/1.1 200 OK\r\nContent-Len').kind, 'incomplete');
  });

  it('decodes chunked bodies and skips interim 1xx responses', () => {
    const r = read(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
    );
    assert.ok(r.kind === 'response');
    assert.equal(r.head.status, 200);
    assert.equal(r.body.toString(), 'abcde');
    assert.equal(r.complete, true);
  });

  it('close-delimited bodies complete at EOF; HEAD, 204 and 304 have none', () => {
    const open = read('HTTP/1.0 200 OK\r\n\r\nabc');
    assert.ok(open.kind === 'response' && !open.complete);
    const closed = read('HTTP/1.0 200 OK\r\n\r\nabc', true);
    assert.ok(closed.kind === 'response' && closed.complete && closed.body.toString() === 'abc');
    const head = read('HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n', false, true);
    assert.ok(head.kind === 'response' && head.complete);
    assert.ok(read('HTTP/1.1 204 No Content\r\n\r\n').kind === 'response');
  });

  it('accepts an empty reason and bare LF line ends', () => {
    const r = read('HTTP/1.1 503\nContent-Length: 0\n\n');
    assert.ok(r.kind === 'response' && r.head.status === 503 && r.head.reason === '' && r.complete);
  });

  it('refuses malformed responses', () => {
    for (const [text, reason] of [
      ['HTTP/1.1 2000 OK\r\n\r\n', 'invalid status line'],
      ['ICY 200 OK\r\n\r\n', 'invalid status line'],
      ['HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n', 'obsolete header line folding'],
      ['HTTP/1.1 200 OK\r\nBad Name: a\r\n\r\n', 'invalid header name'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 'invalid Content-Length'],
      ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', 'invalid Content-Length'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'invalid chunk size'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n', 'missing CRLF after chunk data'],
    ] as const) {
      assert.deepEqual(read(text), { kind: 'error', reason }, text);
    }
    assert.deepEqual(read('HTTP/1.1 200 OK\r\nX: 1', true), {
      kind: 'error',
      reason: 'truncated response head',
    });
  });
});

describe('httpchk request building', () => {
  it('adds Connection: close and Content-Length, drops configured framing headers', () => {
    const req = buildRequest({
      method: 'POST',
      uri: '/x',
      version: 'HTTP/1.1',
      headers: [
        ['Host', 'h'],
        ['Content-Length', '99'],
      ],
      body: 'abc',
    });
    assert.equal(
      req.toString(),
      'POST /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc',
    );
    const keep = buildRequest({
      method: 'GET',
      uri: '/',
      version: 'HTTP/1.0',
      headers: [['connection', 'keep-alive']],
    });
    assert.equal(keep.toString(), 'GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n');
  });

  it('splits the legacy version form, with real or escaped CR LF', () => {
    assert.deepEqual(splitLegacyVersion('HTTP/1.1\r\nHost: www\r\nX-A: 1'), {
      version: 'HTTP/1.1',
      headers: [
        ['Host', 'www'],
        ['X-A', '1'],
      ],
    });
    assert.deepEqual(splitLegacyVersion('HTTP/1.1\\r\\nHost: www\\r\\n\\r\\nbody'), {
      version: 'HTTP/1.1',
      headers: [['Host', 'www']],
      body: 'body',
    });
    assert.deepEqual(splitLegacyVersion('HTTP/1.0'), { version: 'HTTP/1.0', headers: [] });
  });
});
