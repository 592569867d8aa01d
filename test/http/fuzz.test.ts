/**
 * Seeded random byte streams to a `mode http` frontend for a bounded time
 * (20 s by default; HAPAIR_FUZZ_SECONDS to run longer by hand): mutated
 * valid requests, random bytes and random segmentation. The proxy must not
 * crash, every connection must end within the configured timeouts, the
 * backend must only ever receive requests it can parse, and no file
 * descriptor may leak.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import { fdCount, type RunningEngine, runEngine, sleep, waitFor } from '../proxy/helpers.js';
import { type HttpBackend, httpBackend } from './servers.js';

const SECONDS = Number(process.env.HAPAIR_FUZZ_SECONDS ?? '') || 20;

/** mulberry32: a small deterministic PRNG, so a failing seed can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [
  'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
  'POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello',
  'POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
  'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
];

const ALPHABET = ' \r\n:;,="\t\x00\x7f\xffGETPOST/HTTP1.0chunkedContent-Length0123456789abcdef';

function mutate(r: () => number, input: string): Buffer {
  const b = Buffer.from(input, 'latin1');
  const out: number[] = [...b];
  const edits = Math.floor(r() * 6);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(r() * (out.length + 1));
    const op = r();
    const ch = ALPHABET.charCodeAt(Math.floor(r() * ALPHABET.length));
    if (op < 0.4) out.splice(at, 1);
    else if (op < 0.8) out.splice(at, 0, ch);
    else out[at] = ch;
  }
  return Buffer.from(out);
}

function streamFor(r: () => number): Buffer {
  if (r() < 0.15)
    return Buffer.from(Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256)));
  const parts: Buffer[] = [];
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) parts.push(mutate(r, SEEDS[Math.floor(r() * SEEDS.length)]!));
  return Buffer.concat(parts);
}

/** Sends `data` in random segments; resolves when the proxy closed (or after `limit` ms: a hang). */
function drive(port: number, data: Buffer, r: () => number, limit: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1' });
    const t = setTimeout(() => {
      c.destroy();
      resolve(false);
    }, limit);
    c.on('data', () => {});
    c.on('error', () => {});
    c.on('close', () => {
      clearTimeout(t);
      resolve(true);
    });
    let off = 0;
    const step = () => {
      if (c.destroyed) return;
      if (off >= data.length) {
        if (r() < 0.5) c.end();
        return;
      }
      const n = 1 + Math.floor(r() * 64);
      c.write(data.subarray(off, off + n));
      off += n;
      setImmediate(step);
    };
    c.on('connect', step);
  });
}

describe('fuzz: random request streams', () => {
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
          timeouts: { connect: 500, client: 400, server: 400, httpRequest: 300, httpKeepAlive: 200 },
        }),
      ]),
    );
  });
  after(async () => {
    await r.stop();
    await be.close();
  });

  it(`survives ${SECONDS} s of seeded random traffic without hangs or fd leaks`, async () => {
    const fds = fdCount();
    const end = performance.now() + SECONDS * 1000;
    let seed = 1;
    let runs = 0;
    while (performance.now() < end) {
      const batch = Array.from({ length: 16 }, () => seed++);
      const results = await Promise.all(
        batch.map((s) => {
          const rand = rng(s);
          return drive(r.port(), streamFor(rand), rand, 3000).then((ok) => ({ s, ok }));
        }),
      );
      for (const x of results) assert.ok(x.ok, `seed ${x.s}: the connection was still open after 3 s`);
      runs += batch.length;
    }
    assert.deepEqual(be.errors, [], 'the backend only received well-formed requests');
    assert.ok(runs > 100, `${runs} runs`);
    assert.ok(await waitFor(() => r.engine.currentConnections === 0, 3000), 'sessions left open');
    for (const sk of be.sockets) sk.destroy();
    await sleep(100);
    assert.ok(fdCount() <= fds + 2, `fds ${fds} → ${fdCount()}`);
  });
});
