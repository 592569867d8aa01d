/**
 * `compression algo|type|offload` (configuration.txt §4.2, HAProxy 2.8
 * flt_http_comp.c) through real sockets: compressed bodies decode to what the
 * server sent, heads are rewritten as HAProxy does, responses that must not
 * be compressed pass byte for byte, streaming and back-pressure hold, aborts
 * leave nothing behind; then the algorithm choice and the config keyword.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import type { CompressionConfig, ProxyConfig } from '../../src/config/haproxy/model.js';
import { ConfigErrors } from '../../src/core/errors.js';
import { requestCompression } from '../../src/proxy/http/compression.js';
import { DEFAULT_LIMITS, Method, type MethodId, type RequestHead } from '../../src/proxy/http/head.js';
import { parseRequestHead } from '../../src/proxy/http/parser.js';
import { serializeResponseHead } from '../../src/proxy/http/serialize.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import { type RunningEngine, runEngine, sleep, waitFor } from '../proxy/helpers.js';
import { type HttpBackend, httpBackend, RawClient, type Responder, sendRaw } from './servers.js';

const loc = { file: 'test.cfg', line: 1 };
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function comp(over: Partial<CompressionConfig> = {}): CompressionConfig {
  return { algos: ['gzip'], types: [], offload: false, loc, ...over };
}

interface Farm {
  r: RunningEngine;
  be: HttpBackend;
}

async function farm(respond: Responder, compression: CompressionConfig | undefined = comp()): Promise<Farm> {
  const be = await httpBackend('s1', respond);
  cleanups.push(() => be.close());
  const r = await runEngine(
    makeConfig([
      makeProxy({
        mode: 'http',
        binds: [makeBind('127.0.0.1:0')],
        servers: [makeServer('s1', `127.0.0.1:${be.port}`)],
        ...(compression && { compression }),
      }),
    ]),
  );
  cleanups.push(() => r.stop());
  return { r, be };
}

const GET = (extra = 'Accept-Encoding: gzip\r\n', method = 'GET') =>
  `${method} / HTTP/1.1\r\nHost: example.com\r\n${extra}\r\n`;

/** Deterministic text of `n` bytes that compresses, but not to nothing. */
function text(n: number, seed = 1): Buffer {
  const words = ['haproxy', 'gzip', 'deflate', 'stream', 'chunk', 'vary', 'etag', 'q=0.5', '\n', '42'];
  const out = Buffer.alloc(n);
  let x = seed;
  let p = 0;
  while (p < n) {
    x = (x * 1103515245 + 12345) >>> 0;
    p += out.write(`${words[x % words.length]} `, p, 'latin1');
  }
  return out;
}

/** The payload and trailer section of a chunked body as it came off the wire. */
function dechunk(raw: Buffer): { data: Buffer; trailer: string; chunks: number } {
  const parts: Buffer[] = [];
  let p = 0;
  for (let guard = 0; guard < 100_000; guard++) {
    const eol = raw.indexOf('\r\n', p, 'latin1');
    assert.ok(eol > 0, 'chunk size line');
    const size = Number.parseInt(raw.toString('latin1', p, eol).split(';')[0]!, 16);
    p = eol + 2;
    if (size === 0)
      return { data: Buffer.concat(parts), trailer: raw.toString('latin1', p), chunks: parts.length };
    parts.push(raw.subarray(p, p + size));
    p += size + 2;
  }
  throw new Error('too many chunks');
}

const field = (names: string[], headers: string[], lname: string): string[] =>
  names.flatMap((n, i) => (n === lname ? [headers[2 * i + 1]!] : []));

/** Writes `pieces` to `sock` one by one, `ms` apart (each its own server read at the proxy). */
async function dribble(sock: net.Socket, pieces: (string | Buffer)[], ms = 15): Promise<void> {
  for (const piece of pieces) {
    if (sock.destroyed) return;
    sock.write(piece);
    await sleep(ms);
  }
}

async function oneResponse(port: number, req: string, method: MethodId = Method.GET, ms = 5000) {
  const c = new RawClient(port);
  cleanups.push(() => c.close());
  c.send(req);
  const res = await c.response(method, ms);
  assert.ok(res, 'a response');
  return { res, c };
}

describe('compressed responses', () => {
  it('gzip: a body arriving in several reads decodes byte-identical, head rewritten', async () => {
    const body = text(3000);
    const f = await farm((_q, sock) => {
      const head = `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\netag: "v1"\r\n\r\n`;
      void dribble(sock, [head, body.subarray(0, 1000), body.subarray(1000, 2000), body.subarray(2000)]);
      return undefined;
    });
    const { res } = await oneResponse(f.r.port(), GET());
    const h = res.head;
    assert.equal(h.bodyKind, 'chunked');
    assert.deepEqual(field(h.names, h.headers, 'content-encoding'), ['gzip']);
    assert.deepEqual(field(h.names, h.headers, 'vary'), ['Accept-Encoding']);
    assert.deepEqual(field(h.names, h.headers, 'content-length'), []);
    assert.deepEqual(field(h.names, h.headers, 'transfer-encoding'), ['chunked']);
    assert.deepEqual(field(h.names, h.headers, 'etag'), ['W/"v1"'], 'a strong ETag becomes weak');
    const { data, chunks } = dechunk(res.body);
    assert.ok(chunks >= 2, `one chunk per server read at least (${chunks})`);
    assert.deepEqual(zlib.gunzipSync(data), body);
  });

  it('deflate and raw-deflate answer "deflate" with the zlib and the raw format', async () => {
    const body = text(5000, 7);
    const respond: Responder = () =>
      Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`), body]);
    const z = await farm(respond, comp({ algos: ['deflate'] }));
    const a = await oneResponse(z.r.port(), GET('Accept-Encoding: deflate\r\n'));
    assert.deepEqual(field(a.res.head.names, a.res.head.headers, 'content-encoding'), ['deflate']);
    assert.deepEqual(zlib.inflateSync(dechunk(a.res.body).data), body);
    const raw = await farm(respond, comp({ algos: ['raw-deflate'] }));
    const b = await oneResponse(raw.r.port(), GET('Accept-Encoding: deflate\r\n'));
    assert.deepEqual(field(b.res.head.names, b.res.head.headers, 'content-encoding'), ['deflate']);
    assert.deepEqual(zlib.inflateRawSync(dechunk(b.res.body).data), body);
  });

  it('streams a 1 MiB body sent in 16 KiB pieces', async () => {
    const body = text(1024 * 1024, 3);
    const f = await farm((_q, sock) => {
      void (async () => {
        sock.write(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n`);
        for (let off = 0; off < body.length && !sock.destroyed; off += 16384) {
          if (!sock.write(body.subarray(off, off + 16384))) await new Promise((r) => sock.once('drain', r));
          if (off % (128 * 1024) === 0) await sleep(1);
        }
      })();
      return undefined;
    });
    const { res } = await oneResponse(f.r.port(), GET(), Method.GET, 15000);
    const { data, chunks } = dechunk(res.body);
    assert.ok(chunks > 4, `streamed in many chunks (${chunks})`);
    assert.ok(data.length < body.length / 2, 'actually compressed');
    assert.deepEqual(zlib.gunzipSync(data), body);
  });

  it('a client that stops reading stops the server read (back-pressure through zlib)', async () => {
    const total = 48 * 1024 * 1024;
    const payload = randomBytes(total);
    let sent = 0;
    const f = await farm((_q, sock) => {
      void (async () => {
        sock.write(`HTTP/1.1 200 OK\r\ncontent-length: ${total}\r\n\r\n`);
        for (let off = 0; off < total && !sock.destroyed; off += 65536) {
          const ok = sock.write(payload.subarray(off, off + 65536));
          if (!ok) await new Promise((r) => sock.once('drain', r));
          sent = off + 65536;
        }
      })();
      return undefined;
    });
    const sock = net.connect({ port: f.r.port(), host: '127.0.0.1' });
    cleanups.push(() => {
      sock.destroy();
    });
    const parts: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      let tail = '';
      sock.on('data', (d: Buffer) => {
        parts.push(d);
        tail = (tail + d.toString('latin1', Math.max(0, d.length - 8))).slice(-8);
        if (tail.endsWith('\r\n0\r\n\r\n')) resolve();
      });
    });
    sock.pause();
    sock.write(GET());
    await sleep(1000);
    const stalled = sent;
    sock.resume();
    await done;
    assert.ok(stalled < total / 2, `the server was held back (${stalled} of ${total} bytes sent)`);
    const raw = Buffer.concat(parts);
    const body = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
    assert.ok(zlib.gunzipSync(dechunk(body).data).equals(payload));
  });

  it('a chunked server body: payload decoded, recompressed, trailers kept after the last chunk', async () => {
    const f = await farm(() =>
      [
        'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-type: text/plain\r\ntrailer: x-sum\r\n\r\n',
        '5;ext=1\r\nhello\r\n',
        '7\r\n, world\r\n',
        '0\r\nx-sum: 1234\r\n\r\n',
      ].join(''),
    );
    const { res } = await oneResponse(f.r.port(), GET());
    assert.deepEqual(field(res.head.names, res.head.headers, 'transfer-encoding'), ['chunked']);
    const { data, trailer } = dechunk(res.body);
    assert.equal(zlib.gunzipSync(data).toString(), 'hello, world');
    assert.equal(trailer, 'x-sum: 1234\r\n\r\n');
  });

  it('flushes each server read: the first part decodes before the server sends the rest', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const f = await farm((_q, sock) => {
      sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n9\r\npart one;\r\n');
      void released.then(() => sock.write('8\r\npart two\r\n0\r\n\r\n'));
      return undefined;
    });
    const c = new RawClient(f.r.port());
    cleanups.push(() => c.close());
    c.send(GET());
    const seen = await waitFor(() => {
      const start = c.rest.indexOf('\r\n\r\n');
      if (start < 0) return false;
      try {
        const part = dechunkComplete(c.rest.subarray(start + 4));
        return zlib.gunzipSync(part, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString() === 'part one;';
      } catch {
        return false;
      }
    }, 3000);
    assert.ok(seen, 'the first part reached the client compressed and flushed');
    release();
    const res = await c.response();
    assert.ok(res);
    assert.equal(zlib.gunzipSync(dechunk(res.body).data).toString(), 'part one;part two');
  });

  it('keep-alive: the next request on the connection is served after a compressed response', async () => {
    let n = 0;
    const f = await farm(() => {
      const b = `response number ${++n} `.repeat(20);
      return `HTTP/1.1 200 OK\r\ncontent-length: ${b.length}\r\n\r\n${b}`;
    });
    const c = new RawClient(f.r.port());
    cleanups.push(() => c.close());
    for (let i = 1; i <= 3; i++) {
      c.send(GET());
      const res = await c.response();
      assert.ok(res, `response ${i}`);
      assert.equal(zlib.gunzipSync(dechunk(res.body).data).toString(), `response number ${i} `.repeat(20));
    }
    assert.equal(c.closed || c.ended, false, 'the client connection stays open');
    assert.equal(new Set(f.be.requests.map((q) => q.connIndex)).size, 1, 'the server connection is reused');
  });

  it('identity: re-chunked with Vary, no Content-Encoding, body unchanged', async () => {
    const f = await farm(
      () => `HTTP/1.1 200 OK\r\ncontent-length: 44\r\nvary: Origin\r\n\r\n${'hello world'.repeat(4)}`,
      comp({
        algos: ['identity'],
      }),
    );
    const { res } = await oneResponse(f.r.port(), GET(''));
    assert.deepEqual(field(res.head.names, res.head.headers, 'content-encoding'), []);
    assert.deepEqual(field(res.head.names, res.head.headers, 'vary'), ['Origin,Accept-Encoding']);
    assert.equal(dechunk(res.body).data.toString(), 'hello world'.repeat(4));
  });

  it('compression type: matched by prefix, parameters ignored; other types and no type pass', async () => {
    const types = new Map([
      ['/html', 'content-type: Text/HTML; charset=utf-8\r\n'],
      ['/png', 'content-type: image/png\r\n'],
      ['/none', ''],
    ]);
    const f = await farm(
      (q) =>
        `HTTP/1.1 200 OK\r\n${types.get(q.head.path)}content-length: 40\r\n\r\n${'0123456789'.repeat(4)}`,
      comp({ types: ['text/html', 'text/plain'] }),
    );
    const c = new RawClient(f.r.port());
    cleanups.push(() => c.close());
    const coding: Record<string, string[]> = {};
    for (const path of types.keys()) {
      c.send(`GET ${path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n`);
      const res = await c.response();
      assert.ok(res);
      coding[path] = field(res.head.names, res.head.headers, 'content-encoding');
    }
    assert.deepEqual(coding, { '/html': ['gzip'], '/png': [], '/none': [] });
  });
});

describe('responses passed byte for byte', () => {
  const body = 'x'.repeat(500);
  const plain = (extra: string, status = '200 OK') =>
    `HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\n${extra}content-length: ${body.length}\r\n\r\n${body}`;
  const cases: [string, string, string, MethodId?][] = [
    ['already encoded', GET(), plain('content-encoding: br\r\n')],
    ['Cache-Control: no-transform', GET(), plain('cache-control: public, no-transform\r\n')],
    ['no Accept-Encoding', GET(''), plain('')],
    ['Accept-Encoding: gzip;q=0', GET('Accept-Encoding: gzip;q=0, br\r\n'), plain('')],
    ['a status other than 200-203', GET(), plain('', '206 Partial Content')],
    ['an invalid ETag', GET(), plain('etag: abc\r\n')],
    ['multipart', GET(), plain('').replace('text/plain', 'multipart/mixed; boundary=x')],
    ['an empty body', GET(), 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'],
    [
      'a small body (under 32 bytes: it would only grow)',
      GET(),
      'HTTP/1.1 200 OK\r\ncontent-length: 31\r\n\r\n' + 'x'.repeat(31),
    ],
    ['304', GET(), 'HTTP/1.1 304 Not Modified\r\netag: "a"\r\n\r\n'],
    ['HEAD', GET(undefined, 'HEAD'), plain('').slice(0, -body.length), Method.HEAD],
  ];
  for (const [name, req, resp, method] of cases) {
    it(name, async () => {
      const f = await farm(() => resp);
      const { res } = await oneResponse(f.r.port(), req, method ?? Method.GET);
      assert.equal(Buffer.concat([serializeResponseHead(res.head), res.body]).toString('latin1'), resp);
    });
  }

  it('an HTTP/1.0 client (HAProxy compresses for HTTP/1.1 only)', async () => {
    const f = await farm(() => plain(''));
    const out = await sendRaw(f.r.port(), 'GET / HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n');
    assert.doesNotMatch(out, /content-encoding/i);
    assert.ok(out.endsWith(`\r\n\r\n${body}`));
    assert.match(out, /content-length: 500\r\n/);
  });
});

describe('compression offload', () => {
  it('removes Accept-Encoding towards the server when an algorithm is accepted', async () => {
    const f = await farm(
      () => `HTTP/1.1 200 OK\r\ncontent-length: 40\r\n\r\n${'a'.repeat(40)}`,
      comp({ offload: true }),
    );
    const { res } = await oneResponse(
      f.r.port(),
      GET('Accept-Encoding: br, gzip\r\nAccept-Encoding: zstd\r\n'),
    );
    assert.equal(f.be.requests[0]!.head.names.includes('accept-encoding'), false);
    assert.equal(zlib.gunzipSync(dechunk(res.body).data).toString(), 'a'.repeat(40));
    await oneResponse(f.r.port(), GET('Accept-Encoding: br\r\n'));
    assert.deepEqual(
      field(f.be.requests[1]!.head.names, f.be.requests[1]!.head.headers, 'accept-encoding'),
      ['br'],
      'kept when no configured algorithm is accepted (HAProxy strips only then)',
    );
  });

  it('without offload the server sees Accept-Encoding, and its compressed answer is not compressed again', async () => {
    const f = await farm(() => 'HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: 3\r\n\r\nabc');
    const { res } = await oneResponse(f.r.port(), GET());
    assert.deepEqual(field(f.be.requests[0]!.head.names, f.be.requests[0]!.head.headers, 'accept-encoding'), [
      'gzip',
    ]);
    assert.equal(res.body.toString(), 'abc');
  });
});

describe('aborts', () => {
  it('a client leaving mid-body frees the session and the server connection', async () => {
    let serverClosed = false;
    const f = await farm((q, sock) => {
      if (q.head.path === '/small') return 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
      sock.on('close', () => {
        serverClosed = true;
      });
      void (async () => {
        sock.write(`HTTP/1.1 200 OK\r\ncontent-length: ${64 * 1024 * 1024}\r\n\r\n`);
        for (let i = 0; i < 4000 && !sock.destroyed; i++) {
          if (!sock.write(text(16384, i))) await new Promise((r) => setTimeout(r, 2));
          await sleep(1);
        }
      })();
      return undefined;
    });
    const sock = net.connect({ port: f.r.port(), host: '127.0.0.1' });
    sock.on('error', () => {});
    let got = 0;
    await new Promise<void>((resolve) => {
      sock.on('data', (d: Buffer) => {
        got += d.length;
        if (got > 20000) resolve();
      });
      sock.write(GET());
    });
    sock.destroy();
    const fe = f.r.engine.frontend('px')!;
    assert.ok(await waitFor(() => fe.sessions.size === 0, 3000), 'no session left');
    assert.ok(await waitFor(() => serverClosed, 3000), 'server connection closed');
    const again = await oneResponse(f.r.port(), 'GET /small HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(again.res.body.toString(), 'ok', 'the proxy still serves');
  });

  it('a server closing mid-body cuts the client, nothing stays open', async () => {
    const f = await farm((_q, sock) => {
      sock.write(`HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n${'y'.repeat(3000)}`);
      setTimeout(() => sock.destroy(), 30);
      return undefined;
    });
    const c = new RawClient(f.r.port());
    cleanups.push(() => c.close());
    c.send(GET());
    assert.ok(await c.waitClosed(3000), 'the client connection is closed');
    assert.ok(!c.rest.includes('\r\n0\r\n\r\n'), 'no last chunk: the truncation shows');
    const fe = f.r.engine.frontend('px')!;
    assert.ok(await waitFor(() => fe.sessions.size === 0, 3000));
  });
});

/** The payload of the complete chunks at the start of `body` (a partial body). */
function dechunkComplete(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let p = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', p, 'latin1');
    if (eol < 0) break;
    const size = Number.parseInt(body.toString('latin1', p, eol), 16);
    if (!(size > 0) || eol + 2 + size + 2 > body.length) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    p = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

describe('algorithm choice (select_compression_request_header)', () => {
  const reqOf = (ae: string[], ua?: string): RequestHead => {
    const lines = ae.map((v) => `Accept-Encoding: ${v}\r\n`).join('');
    const r = parseRequestHead(
      Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\n${ua ? `User-Agent: ${ua}\r\n` : ''}${lines}\r\n`),
      0,
      DEFAULT_LIMITS,
    );
    assert.equal(r.kind, 'done');
    return r.head;
  };
  const px = (c?: CompressionConfig): ProxyConfig => makeProxy(c ? { compression: c } : {});
  const pick = (ae: string[], algos: CompressionConfig['algos'], ua?: string) =>
    requestCompression(reqOf(ae, ua), px(comp({ algos })), px());

  it('highest q wins, the first on a tie, q=0 never', () => {
    assert.equal(pick(['deflate;q=0.5, gzip'], ['gzip', 'deflate']), 'gzip');
    assert.equal(pick(['gzip;q=0.5, deflate;q=0.8'], ['gzip', 'deflate']), 'deflate');
    assert.equal(pick(['deflate, gzip'], ['gzip', 'deflate']), 'deflate');
    assert.equal(pick(['GZIP ; Q=1'], ['gzip']), 'gzip', 'codings are case-insensitive; "Q=" is not "q="');
    assert.equal(pick(['gzip;q=0'], ['gzip']), undefined);
    assert.equal(pick(['gzip;q=0.000', 'br'], ['gzip']), undefined);
    assert.equal(pick(['br'], ['gzip']), undefined);
  });

  it('"*" takes the last declared algorithm; identity is the fallback when configured', () => {
    assert.equal(pick(['*'], ['gzip', 'deflate']), 'deflate');
    assert.equal(pick(['br'], ['gzip', 'identity']), 'identity');
    assert.equal(pick([], ['identity', 'gzip']), 'identity');
  });

  it('deflate and raw-deflate: the last declared answers "deflate"', () => {
    assert.equal(pick(['deflate'], ['deflate', 'raw-deflate']), 'raw-deflate');
    assert.equal(pick(['deflate'], ['raw-deflate', 'deflate']), 'deflate');
  });

  it('old "Mozilla/4" agents get nothing, MSIE 7 and MSIE 6 SV1 do', () => {
    assert.equal(pick(['gzip'], ['gzip'], 'Mozilla/4.0 (compatible; Netscape)'), undefined);
    assert.equal(pick(['gzip'], ['gzip'], 'Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)'), 'gzip');
    assert.equal(pick(['gzip'], ['gzip'], 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)'), 'gzip');
    assert.equal(pick(['gzip'], ['gzip'], 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)'), undefined);
    assert.equal(pick(['gzip'], ['gzip'], 'Mozilla/5.0'), 'gzip');
  });

  it("the backend's algorithms win over the frontend's", () => {
    const req = reqOf(['gzip, deflate']);
    assert.equal(
      requestCompression(req, px(comp({ algos: ['gzip'] })), px(comp({ algos: ['deflate'] }))),
      'deflate',
    );
    assert.equal(requestCompression(req, px(comp({ algos: ['gzip'] })), px(comp({ algos: [] }))), 'gzip');
  });
});

describe('compression keyword', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hapair-comp-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const load = (text: string) => {
    const file = join(dir, `c${n++}.cfg`);
    writeFileSync(file, text);
    return { file, cfg: () => loadHaproxyConfig([file], { env: {} }) };
  };
  const errorOf = (text: string): string => {
    const { file, cfg } = load(text);
    try {
      cfg();
    } catch (err) {
      assert.ok(err instanceof ConfigErrors);
      return `${err.errors[0]!.code} ${err.message.replace(file, 'F')}`;
    }
    return 'no error';
  };

  it('lines accumulate, and add to what the defaults section gave', () => {
    const { cfg } = load(
      [
        'defaults',
        '  mode http',
        '  compression algo gzip',
        '  compression type text/html',
        'listen app',
        '  bind 127.0.0.1:18080',
        '  compression algo deflate raw-deflate',
        '  compression type Text/Plain application/json',
        '  compression offload',
        '  compression direction response',
        '  server s 127.0.0.1:1',
        'backend plain',
        '  server s 127.0.0.1:1',
      ].join('\n'),
    );
    const c = cfg();
    const app = c.proxies.find((p) => p.name === 'app')!;
    assert.deepEqual(app.compression?.algos, ['gzip', 'deflate', 'raw-deflate']);
    assert.deepEqual(app.compression?.types, ['text/html', 'text/plain', 'application/json']);
    assert.equal(app.compression?.offload, true);
    const plain = c.proxies.find((p) => p.name === 'plain')!;
    assert.deepEqual(plain.compression?.algos, ['gzip']);
    assert.equal(plain.compression?.offload, false);
  });

  it("'offload' in defaults is ignored with a warning", () => {
    const { cfg } = load('defaults\n  mode http\n  compression offload\nbackend b\n  server s 127.0.0.1:1\n');
    const c = cfg();
    assert.equal(c.proxies[0]!.compression?.offload, false);
    assert.ok(
      c.warnings.some((w) => /compression.*offload.*ignored in 'defaults'/.test(w)),
      c.warnings.join('\n'),
    );
  });

  it('errors name the file, the line and the keyword', () => {
    const head = 'backend b\n  mode http\n';
    assert.equal(
      errorOf(`${head}  compression algo gzip br\n`),
      "CFG_BAD_ARGS F:3: compression: 'br' is not a supported algorithm (identity, gzip, deflate, raw-deflate)",
    );
    assert.match(errorOf(`${head}  compression algo\n`), /^CFG_BAD_ARGS F:3: compression: 'algo' expects/);
    assert.match(errorOf(`${head}  compression type\n`), /^CFG_BAD_ARGS F:3: compression: 'type' expects/);
    assert.match(errorOf(`${head}  compression\n`), /^CFG_BAD_ARGS F:3: compression: expects 'algo'/);
    assert.match(errorOf(`${head}  compression gzip\n`), /^CFG_BAD_ARGS F:3:/);
    assert.match(errorOf(`${head}  compression offload now\n`), /^CFG_BAD_ARGS F:3:/);
    assert.match(
      errorOf(`${head}  compression algo-req gzip\n`),
      /^CFG_UNSUPPORTED F:3: compression: 'algo-req'/,
    );
    assert.match(errorOf(`${head}  compression direction both\n`), /^CFG_UNSUPPORTED F:3:/);
    assert.match(errorOf(`${head}  compression direction sideways\n`), /^CFG_BAD_ARGS F:3:/);
  });
});
