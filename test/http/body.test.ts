/**
 * Body framers: Content-Length, read-until-close and chunked, fed in pieces.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ContentLengthBody, createBodyFramer, UntilCloseBody } from '../../src/proxy/http/body.js';
import { ChunkedBody } from '../../src/proxy/http/chunked.js';
import { DEFAULT_LIMITS } from '../../src/proxy/http/head.js';

const latin1 = (s: string) => Buffer.from(s, 'latin1');

describe('ContentLengthBody', () => {
  test('takes exactly its length across feeds and leaves the rest', () => {
    const f = new ContentLengthBody(7);
    const a = latin1('abcd');
    let r = f.feed(a, 0, a.length);
    assert.deepEqual({ ...r }, { used: 4, done: false, error: undefined });
    assert.equal(f.eof(), 'connection closed 3 bytes before the end of the body');
    const b = latin1('efgNEXT');
    r = f.feed(b, 0, b.length);
    assert.deepEqual({ ...r }, { used: 3, done: true, error: undefined });
    assert.equal(f.bodyBytes, 7);
    assert.equal(f.eof(), undefined);
  });

  test('a zero length is done before any byte', () => {
    const f = createBodyFramer('none', -1);
    assert.equal(f.done, true);
    const r = f.feed(latin1('GET'), 0, 3);
    assert.equal(r.used, 0);
    assert.equal(r.done, true);
  });
});

describe('UntilCloseBody', () => {
  test('takes everything until EOF', () => {
    const f = new UntilCloseBody();
    const r = f.feed(latin1('anything'), 2, 8);
    assert.equal(r.used, 6);
    assert.equal(r.done, false);
    assert.equal(f.eof(), undefined);
    assert.equal(f.done, true);
    assert.equal(f.bodyBytes, 6);
  });
});

describe('ChunkedBody', () => {
  const body = '4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n';

  test('every split of a valid body ends at the same byte, next bytes untouched', () => {
    const buf = latin1(`${body}GET`);
    for (let k = 0; k <= buf.length; k++) {
      const f = new ChunkedBody(DEFAULT_LIMITS);
      const r1 = f.feed(buf, 0, k);
      const used1 = r1.used;
      assert.equal(r1.error, undefined);
      const r2 = f.feed(buf, used1, buf.length);
      assert.equal(r2.error, undefined, `split ${k}`);
      assert.equal(used1 + r2.used, body.length, `split ${k}`);
      assert.equal(r2.done, true);
      assert.equal(f.bodyBytes, 23);
    }
  });

  test('EOF inside the body is a truncation', () => {
    const f = new ChunkedBody(DEFAULT_LIMITS);
    f.feed(latin1('5\r\nhel'), 0, 6);
    assert.equal(f.eof(), 'connection closed inside a chunked body');
  });

  test('after an error every feed reports it and uses nothing', () => {
    const f = new ChunkedBody(DEFAULT_LIMITS);
    const bad = latin1('5\r\nhelloX');
    const r = f.feed(bad, 0, bad.length);
    assert.equal(r.used, 8, 'the bytes before the faulty one');
    assert.equal(r.error, 'missing CRLF after chunk data');
    const again = f.feed(latin1('\r\n'), 0, 2);
    assert.equal(again.used, 0);
    assert.equal(again.error, 'missing CRLF after chunk data');
    assert.equal(f.eof(), 'missing CRLF after chunk data');
  });

  test('13 hex digits are accepted, the 14th is refused', () => {
    const ok = new ChunkedBody(DEFAULT_LIMITS);
    assert.equal(ok.feed(latin1('fffffffffffff\r\n'), 0, 15).error, undefined);
    const no = new ChunkedBody(DEFAULT_LIMITS);
    assert.equal(no.feed(latin1('10000000000000'), 0, 14).error, 'chunk size of 2^52 or more');
  });

  test('trailer section limits come from tune.http.maxhdr and tune.bufsize', () => {
    const limits = { bufsize: 64, maxrewrite: 0, maxhdr: 2 };
    const one = new ChunkedBody(limits);
    const a = latin1('0\r\nA: 1\r\n\r\n');
    assert.equal(one.feed(a, 0, a.length).done, true);
    const two = new ChunkedBody(limits);
    const b = latin1('0\r\nA: 1\r\nB: 2\r\n\r\n');
    assert.equal(two.feed(b, 0, b.length).error, 'too many trailer fields');
    const big = new ChunkedBody(limits);
    const c = latin1(`0\r\nA: ${'x'.repeat(64)}\r\n\r\n`);
    assert.equal(big.feed(c, 0, c.length).error, 'trailer section larger than the buffer');
  });

  test('control characters in a chunk extension are refused', () => {
    const f = new ChunkedBody(DEFAULT_LIMITS);
    assert.equal(f.feed(latin1('1;a\x00\r\n'), 0, 6).error, 'control character in chunk extension');
    const g = new ChunkedBody(DEFAULT_LIMITS);
    assert.equal(g.feed(latin1('1;a\\b\r\n'), 0, 7).error, 'backslash outside quotes in chunk extension');
  });
});
