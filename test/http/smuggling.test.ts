/**
 * Request smuggling at the parser level: for every case of cases.ts, where a
 * message ends must not depend on how TCP cut the stream, a refused head must
 * yield nothing to forward, and pipelined messages must come out one by one.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRequestHead } from '../../src/proxy/http/parser.js';
import { isRejected, pipelined, requestCases } from './cases.js';
import { assertRequestCase } from './expect.js';
import { bytewise, readRequests, splitAt } from './reader.js';

const smuggling = requestCases.filter((c) => c.group === 'smuggling');

describe('smuggling cases: exact status or exact framing', () => {
  for (const c of smuggling) {
    test(c.name, () => {
      const outcomes = readRequests([Buffer.from(c.input, 'latin1')]);
      assertRequestCase(outcomes, c.expect);
      if (isRejected(c.expect)) assert.equal(outcomes.length, 1, 'nothing after a refused head');
    });
  }
  test('there are at least 60 raw request cases', () => {
    assert.ok(requestCases.length >= 60, String(requestCases.length));
  });
});

/** Split points: all of them for short inputs, a spread for the 16 KB ones. */
function splitPoints(len: number): number[] {
  if (len <= 2048) return Array.from({ length: len + 1 }, (_, k) => k);
  const pts = new Set<number>([0, 1, len - 1, len]);
  for (let k = 0; k <= len; k += 251) pts.add(k);
  return [...pts];
}

describe('segmentation: every split point gives the same outcome', () => {
  for (const c of requestCases) {
    test(c.name, () => {
      const buf = Buffer.from(c.input, 'latin1');
      const whole = readRequests([buf]);
      for (const k of splitPoints(buf.length)) {
        assert.deepEqual(readRequests(splitAt(buf, k)), whole, `split at ${k}`);
      }
      if (buf.length <= 2048) assert.deepEqual(readRequests(bytewise(buf)), whole, 'one byte per segment');
    });
  }
});

describe('early verdicts', () => {
  test('a prefix of a refused request is incomplete or the same refusal', () => {
    for (const c of requestCases) {
      if (!isRejected(c.expect)) continue;
      const buf = Buffer.from(c.input, 'latin1');
      const final = parseRequestHead(buf);
      for (const k of splitPoints(buf.length)) {
        const r = parseRequestHead(buf.subarray(0, k));
        if (r.kind === 'done') assert.fail(`${c.name}: prefix ${k} parsed as a request`);
        if (r.kind === 'error' && final.kind === 'error')
          assert.equal(r.status, final.status, `${c.name} @${k}`);
      }
    }
  });

  test('the error is reported at the faulty byte, before the head is complete', () => {
    const r = parseRequestHead(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nX-A: \x00', 'latin1'));
    assert.equal(r.kind, 'error');
    assert.equal(r.kind === 'error' && r.at, 30);
  });
});

describe('pipelining', () => {
  const buf = Buffer.from(pipelined.input, 'latin1');

  function summary(chunks: Buffer[]) {
    return readRequests(chunks).map((o) => ({
      target: o.head?.target,
      body: o.head?.bodyKind,
      bodyBytes: o.bodyDone ? o.bodyBytes : -1,
    }));
  }

  test('four pipelined requests, split at every byte', () => {
    const expected = pipelined.messages.map((m) => ({ ...m }));
    assert.deepEqual(summary([buf]), expected);
    for (let k = 0; k <= buf.length; k++)
      assert.deepEqual(summary(splitAt(buf, k)), expected, `split at ${k}`);
    assert.deepEqual(summary(bytewise(buf)), expected);
  });

  test('three-segment cuts (seeded)', () => {
    let seed = 0x2545f491;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const expected = summary([buf]);
    for (let i = 0; i < 500; i++) {
      const [a, b] = [rand(buf.length + 1), rand(buf.length + 1)].sort((x, y) => x - y) as [number, number];
      const chunks = [buf.subarray(0, a), buf.subarray(a, b), buf.subarray(b)];
      assert.deepEqual(summary(chunks), expected, `cuts ${a}/${b}`);
    }
  });

  test('the byte left after a CL.TE body starts the next request, it is not body', () => {
    const attack =
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' +
      'GET /admin HTTP/1.1\r\nHost: a\r\n\r\n';
    const out = readRequests([Buffer.from(attack, 'latin1')]);
    assert.equal(out.length, 2);
    assert.equal(out[0]?.bodyBytes, 5);
    assert.equal(out[0]?.head?.keepAlive, false, 'close after a TE+CL request');
    assert.equal(out[1]?.head?.target, '/admin');
  });

  test('a refused request stops the stream: the next one is never parsed', () => {
    const s =
      'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n';
    const out = readRequests([Buffer.from(s, 'latin1')]);
    assert.equal(out.length, 1);
    assert.equal(out[0]?.error?.status, 400);
  });
});
