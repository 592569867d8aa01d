/**
 * TLS on binds (termination, SNI, ALPN, handshake failures) and toward
 * servers (`ssl`, `verify`, `ca-file`, `sni`), through the engine on real
 * sockets. Certificates are made with the openssl CLI at test time
 * (tls-certs.ts): ECDSA P-256 and RSA-2048, private CAs, exact and wildcard
 * names.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { pino } from 'pino';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import type { HaproxyConfig } from '../../src/config/haproxy/model.js';
import { ConfigError, ConfigErrors } from '../../src/core/errors.js';
import { type Logger, silentLogger } from '../../src/core/logger.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';
import { createBodyFramer } from '../../src/proxy/http/body.js';
import { DEFAULT_LIMITS, Method } from '../../src/proxy/http/head.js';
import { parseRequestHead, parseResponseHead } from '../../src/proxy/http/parser.js';
import { HttpStream } from '../../src/proxy/http/stream.js';
import { encodeProxyV1 } from '../../src/proxy/proxy-protocol.js';
import { compileSni } from '../../src/proxy/tls/sni-expr.js';
import { namedServer, startServer, type TestServer, waitFor } from './helpers.js';
import { type Ca, type Leaf, TestPki } from './tls-certs.js';

const pki = new TestPki();
let ca: Ca;
let otherCa: Ca;
const ec: Record<string, Leaf> = {};
const rsa: Record<string, Leaf> = {};
let selfSigned: Leaf;
let cfgCount = 0;

before(() => {
  ca = pki.ca('hapair-test-ca');
  otherCa = pki.ca('hapair-other-ca');
  // A directory loaded in name order: 00-default first, a key kept apart, a wildcard.
  mkdirSync(pki.path('ec'));
  ec.def = pki.leaf('ec/00-default.pem', { cn: 'default.test', ca });
  ec.a = pki.leaf('ec/a.pem', { cn: 'a.example.test', sans: ['a.example.test', 'alias.example.test'], ca });
  ec.wild = pki.leaf('ec/wild.pem', { cn: 'wild', sans: ['*.w.example.test'], ca, keyApart: true });
  rsa.def = pki.leaf('rsa-default.pem', { cn: 'rsa-default.test', type: 'rsa', ca });
  rsa.a = pki.leaf('rsa-a.pem', { cn: 'a.example.test', type: 'rsa', ca });
  rsa.wild = pki.leaf('rsa-wild.pem', { cn: '*.r.example.test', sans: [], type: 'rsa', ca });
  ec.backend = pki.leaf('backend.pem', { cn: 'backend.test', sans: ['backend.test', 'b2.test'], ca });
  selfSigned = pki.leaf('self.pem', { cn: 'self.test' });
});
after(() => pki.remove());

interface Running {
  readonly engine: ProxyEngine;
  port(fe?: string): number;
  stop(): Promise<void>;
}

/**
 * Writes a configuration; `bind 127.0.0.1:0` lines are written with port 1,
 * as the loader refuses port 0 like HAProxy, and start() listens on an
 * ephemeral port instead.
 */
function configFile(text: string): string {
  const file = pki.path(`c${cfgCount++}.cfg`);
  writeFileSync(file, text.replaceAll('bind 127.0.0.1:0', 'bind 127.0.0.1:1'));
  return file;
}

function onEphemeralPorts(cfg: HaproxyConfig): HaproxyConfig {
  const proxies = cfg.proxies.map((p) => ({
    ...p,
    binds: p.binds.map((b) => ({ ...b, addr: { ...b.addr, port: 0, portEnd: 0 } })),
  }));
  return { ...cfg, proxies };
}

async function start(text: string, log: Logger = silentLogger): Promise<Running> {
  const cfg = onEphemeralPorts(loadHaproxyConfig([configFile(text)], { env: {} }));
  const engine = await startProxyEngine(cfg, { log, acceptsPerTurn: 1 });
  return {
    engine,
    port: (fe = 'fe') => (engine.frontend(fe)!.listeners[0]!.server.address() as net.AddressInfo).port,
    stop: () => engine.stop({ grace: 0 }),
  };
}

const DEFAULTS = `defaults
    timeout connect 1s
    timeout client 2s
    timeout server 2s
`;

/** Opens a TLS connection to the proxy; resolves once the handshake is done. */
async function connectTls(port: number, opts: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  const sock = tls.connect({ host: '127.0.0.1', port, ca: [readPem(ca.cert)], ...opts });
  await once(sock, 'secureConnect');
  return sock;
}

const readPem = (file: string) => readFileSync(file, 'utf8');

/** The certificate the proxy presented: CN and key type. */
function presented(sock: tls.TLSSocket): { cn: string; type: 'ec' | 'rsa' } {
  const c = sock.getPeerCertificate();
  sock.destroy();
  return { cn: String(c.subject.CN), type: c.asn1Curve ? 'ec' : 'rsa' };
}

async function certFor(port: number, servername?: string, extra: tls.ConnectionOptions = {}) {
  return presented(
    await connectTls(port, { ...(servername && { servername }), rejectUnauthorized: false, ...extra }),
  );
}

/** Reads HTTP/1.1 responses in order off one connection (any socket). */
class ResponseReader {
  private buf = Buffer.alloc(0);
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    sock.on('error', () => {});
  }

  async next(ms = 3000): Promise<{ status: number; body: string; headers: string[] } | undefined> {
    const deadline = performance.now() + ms;
    for (;;) {
      const r = parseResponseHead(this.buf, 0, DEFAULT_LIMITS, Method.GET);
      if (r.kind === 'error') throw new Error(r.reason);
      if (r.kind === 'done') {
        const kind = r.head.bodyKind;
        const res =
          kind === 'none' || kind === 'tunnel'
            ? { done: true, used: 0 }
            : createBodyFramer(kind, r.head.contentLength).feed(this.buf, r.consumed, this.buf.length);
        if (res.done) {
          const body = this.buf.toString('latin1', r.consumed, r.consumed + res.used);
          this.buf = this.buf.subarray(r.consumed + res.used);
          return { status: r.head.status, body, headers: r.head.headers };
        }
      }
      if (this.closed || performance.now() > deadline) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - performance.now()));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }
}

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.splice(0)) await c();
});

/** An HTTP/1.1 backend answering each request with its path (and the Host it got). */
async function httpEcho(): Promise<TestServer> {
  const srv = await startServer((s) => {
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let end = buf.indexOf('\r\n\r\n');
      while (end >= 0) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const path = head.split(' ')[1] ?? '';
        const body = `path=${path}`;
        s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
        end = buf.indexOf('\r\n\r\n');
      }
    });
  });
  closers.push(() => srv.close());
  return srv;
}

/** An HTTPS backend answering with the SNI it received. */
async function httpsBackend(leaf: Leaf): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  const srv = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    hits++;
    const sn = (req.socket as tls.TLSSocket).servername;
    res.end(`sni=${sn || '-'}`);
  });
  srv.on('tlsClientError', () => {});
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  closers.push(
    () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  );
  return { port: (srv.address() as net.AddressInfo).port, hits: () => hits };
}

describe('TLS termination: SNI selects the certificate', () => {
  it('ECDSA certificates from a directory: exact name, alias, wildcard, default for unknown and absent SNI', async () => {
    const be = await httpEcho();
    const r = await start(`${DEFAULTS}
frontend fe
    mode tcp
    bind 127.0.0.1:0 ssl crt ${pki.path('ec')}
    default_backend be
backend be
    mode tcp
    server s 127.0.0.1:${be.port}
`);
    try {
      const p = r.port();
      assert.deepEqual(await certFor(p, 'a.example.test'), { cn: 'a.example.test', type: 'ec' });
      assert.deepEqual(await certFor(p, 'ALIAS.example.test'), { cn: 'a.example.test', type: 'ec' });
      assert.deepEqual(await certFor(p, 'x.w.example.test'), { cn: 'wild', type: 'ec' });
      // A wildcard covers one label only.
      assert.deepEqual(await certFor(p, 'y.x.w.example.test'), { cn: 'default.test', type: 'ec' });
      assert.deepEqual(await certFor(p, 'unknown.test'), { cn: 'default.test', type: 'ec' });
      assert.deepEqual(await certFor(p), { cn: 'default.test', type: 'ec' });
      const raw = net.connect(p, '127.0.0.1');
      await once(raw, 'connect');
      const split = tls.connect({
        socket: new SplitHello(raw),
        servername: 'x.w.example.test',
        ca: [readPem(ca.cert)],
      });
      await once(split, 'secureConnect');
      assert.deepEqual(presented(split), { cn: 'wild', type: 'ec' }, 'a split ClientHello: chosen by name');
      raw.destroy();
    } finally {
      await r.stop();
    }
  });

  it('RSA certificates from several crt: the first is the default; one name with both key types follows the client', async () => {
    const be = await httpEcho();
    const r = await start(`${DEFAULTS}
frontend fe
    mode tcp
    bind 127.0.0.1:0 ssl crt ${rsa.def!.pem} crt ${rsa.a!.pem} crt ${rsa.wild!.pem} crt ${ec.a!.pem}
    default_backend be
backend be
    mode tcp
    server s 127.0.0.1:${be.port}
`);
    try {
      const p = r.port();
      assert.deepEqual(await certFor(p, 'q.r.example.test'), { cn: '*.r.example.test', type: 'rsa' });
      assert.deepEqual(await certFor(p, 'nothing.test'), { cn: 'rsa-default.test', type: 'rsa' });
      assert.deepEqual(await certFor(p), { cn: 'rsa-default.test', type: 'rsa' });
      // a.example.test has an RSA and an ECDSA certificate: the client's signature algorithms choose.
      const onlyRsa = { sigalgs: 'rsa_pss_rsae_sha256:rsa_pkcs1_sha256' };
      assert.deepEqual(await certFor(p, 'a.example.test', onlyRsa), { cn: 'a.example.test', type: 'rsa' });
      const onlyEc = { sigalgs: 'ecdsa_secp256r1_sha256' };
      assert.deepEqual(await certFor(p, 'a.example.test', onlyEc), { cn: 'a.example.test', type: 'ec' });
    } finally {
      await r.stop();
    }
  });
});

/**
 * A client transport that splits the ClientHello over two TLS records
 * (RFC 8446 §5.1 allows it): the proxy cannot read it ahead and OpenSSL
 * selects the certificate by name alone.
 */
class SplitHello extends Duplex {
  private first = true;
  constructor(private readonly inner: net.Socket) {
    super();
    inner.on('data', (d: Buffer) => this.push(d));
    inner.on('end', () => this.push(null));
    inner.on('error', (e) => this.destroy(e));
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.first && chunk[0] === 0x16) {
      this.first = false;
      const len = chunk.readUInt16BE(3);
      const payload = chunk.subarray(5, 5 + len);
      const record = (body: Buffer) =>
        Buffer.concat([Buffer.from([0x16, 0x03, 0x01, body.length >> 8, body.length & 0xff]), body]);
      chunk = Buffer.concat([
        record(payload.subarray(0, 40)),
        record(payload.subarray(40)),
        chunk.subarray(5 + len),
      ]);
    }
    this.inner.write(chunk, cb);
  }
  override _final(cb: () => void): void {
    this.inner.end(cb);
  }
}

describe('TLS termination: traffic after the handshake', () => {
  it('mode tcp: bytes both ways, half-close, and Session.tls filled from the handshake', async () => {
    const echo = await startServer((s) => s.pipe(s), { allowHalfOpen: true });
    closers.push(() => echo.close());
    const r = await start(`${DEFAULTS}
frontend fe
    mode tcp
    bind 127.0.0.1:0 ssl crt ${pki.path('ec')} alpn x-test,http/1.1
    default_backend be
backend be
    mode tcp
    server s 127.0.0.1:${echo.port}
`);
    try {
      const c = await connectTls(r.port(), { servername: 'a.example.test', ALPNProtocols: ['http/1.1'] });
      assert.equal(c.alpnProtocol, 'http/1.1');
      const got: Buffer[] = [];
      c.on('data', (d: Buffer) => got.push(d));
      const big = Buffer.alloc(3 * 1024 * 1024, 'x');
      c.write(big);
      c.end('!');
      await once(c, 'end');
      assert.equal(Buffer.concat(got).length, big.length + 1, 'every byte echoed before the FIN');
      const fe = r.engine.frontend('fe')!;
      assert.equal(fe.tls!.counters.sslSess, 1);
      c.destroy();
      const c2 = await connectTls(r.port(), { servername: 'a.example.test', ALPNProtocols: ['x-test'] });
      await waitFor(() => [...fe.sessions].some((s) => s.tls !== undefined));
      const s = [...fe.sessions].find((x) => x.tls)!;
      assert.equal(s.tls!.sni, 'a.example.test');
      assert.equal(s.tls!.alpn, 'x-test');
      assert.equal(s.tls!.protocol, 'TLSv1.3');
      assert.match(s.tls!.cipher, /^TLS_/);
      c2.destroy();
    } finally {
      await r.stop();
    }
  });

  it('mode http: keep-alive requests and a pipelined pair on one TLS connection', async () => {
    const be = await httpEcho();
    const r = await start(`${DEFAULTS}
frontend fe
    mode http
    option http-keep-alive
    bind 127.0.0.1:0 ssl crt ${ec.def!.pem} alpn http/1.1
    default_backend be
backend be
    mode http
    server s 127.0.0.1:${be.port}
`);
    try {
      const c = await connectTls(r.port(), { servername: 'default.test', ALPNProtocols: ['http/1.1'] });
      const rd = new ResponseReader(c);
      for (const path of ['/one', '/two', '/three']) {
        c.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
        const res = await rd.next();
        assert.equal(res?.status, 200);
        assert.equal(res?.body, `path=${path}`);
      }
      c.write('GET /p1 HTTP/1.1\r\nhost: x\r\n\r\nGET /p2 HTTP/1.1\r\nhost: x\r\n\r\n');
      assert.equal((await rd.next())?.body, 'path=/p1');
      assert.equal((await rd.next())?.body, 'path=/p2');
      assert.equal(r.engine.frontend('fe')!.tls!.counters.sslSess, 1, 'one handshake for five requests');
      c.destroy();
    } finally {
      await r.stop();
    }
  });

  it('ssl_fc and ssl_fc_sni drive use_backend in mode http', async () => {
    const one = await httpEcho();
    const two = await httpEcho();
    const r = await start(`${DEFAULTS}
frontend fe
    mode http
    bind 127.0.0.1:0 ssl crt ${pki.path('ec')}
    use_backend b2 if { ssl_fc_sni -i alias.example.test }
    use_backend b1 if { ssl_fc }
backend b1
    mode http
    http-request set-path /b1%[path]
    server s 127.0.0.1:${one.port}
backend b2
    mode http
    http-request set-path /b2%[path]
    server s 127.0.0.1:${two.port}
`);
    try {
      for (const [sn, want] of [
        ['alias.example.test', 'path=/b2/x'],
        ['a.example.test', 'path=/b1/x'],
      ] as const) {
        const c = await connectTls(r.port(), { servername: sn });
        const rd = new ResponseReader(c);
        c.write('GET /x HTTP/1.1\r\nhost: x\r\n\r\n');
        assert.equal((await rd.next())?.body, want, sn);
        c.destroy();
      }
    } finally {
      await r.stop();
    }
  });
  it('ssl_fc_sni drives use_backend in mode tcp', async () => {
    const one = await namedServer('one');
    const two = await namedServer('two');
    closers.push(
      () => one.close(),
      () => two.close(),
    );
    const r = await start(`${DEFAULTS}
frontend fe
    mode tcp
    bind 127.0.0.1:0 ssl crt ${pki.path('ec')}
    use_backend b2 if { ssl_fc_sni -i alias.example.test }
    default_backend b1
backend b1
    mode tcp
    server s 127.0.0.1:${one.port}
backend b2
    mode tcp
    server s 127.0.0.1:${two.port}
`);
    try {
      for (const [sn, want] of [
        ['alias.example.test', 'two\n'],
        ['a.example.test', 'one\n'],
      ] as const) {
        const c = await connectTls(r.port(), { servername: sn });
        const chunks: Buffer[] = [];
        c.on('data', (d: Buffer) => chunks.push(d));
        await once(c, 'end');
        assert.equal(Buffer.concat(chunks).toString(), want, sn);
        c.destroy();
      }
    } finally {
      await r.stop();
    }
  });
});

describe('TLS termination: failed handshakes', () => {
  it('a garbage ClientHello closes that connection only; another client keeps working', async () => {
    const be = await httpEcho();
    const records: Record<string, unknown>[] = [];
    const log = pino({ level: 'debug' }, { write: (s: string) => void records.push(JSON.parse(s)) });
    const r = await start(
      `${DEFAULTS}
frontend fe
    mode http
    bind 127.0.0.1:0 ssl crt ${ec.def!.pem}
    default_backend be
backend be
    mode http
    server s 127.0.0.1:${be.port}
`,
      log,
    );
    try {
      const good = await connectTls(r.port(), { servername: 'default.test' });
      const rd = new ResponseReader(good);
      good.write('GET /before HTTP/1.1\r\nhost: x\r\n\r\n');
      assert.equal((await rd.next())?.body, 'path=/before');
      const bad = net.connect(r.port(), '127.0.0.1');
      bad.on('error', () => {});
      bad.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
      const closed = await Promise.race([
        once(bad, 'close').then(() => true),
        new Promise((res) => setTimeout(() => res(false), 2000)),
      ]);
      assert.ok(closed, 'the garbage connection is closed');
      const fe = r.engine.frontend('fe')!;
      assert.equal(fe.tls!.counters.sslFailedHandshake, 1);
      assert.ok(
        records.some((x) => x.msg === 'TLS handshake failed' && String(x.reason).includes('http request')),
      );
      good.write('GET /after HTTP/1.1\r\nhost: x\r\n\r\n');
      assert.equal((await rd.next())?.body, 'path=/after');
      good.destroy();
      await waitFor(() => fe.sessions.size === 0);
      assert.equal(fe.sessions.size, 0, 'no session left behind');
    } finally {
      await r.stop();
    }
  });

  it('a client that never finishes the handshake is closed at timeout client', async () => {
    const r = await start(`${DEFAULTS}
frontend fe
    mode tcp
    timeout client 300ms
    bind 127.0.0.1:0 ssl crt ${ec.def!.pem}
    default_backend be
backend be
    mode tcp
    server s 127.0.0.1:1
`);
    try {
      const t0 = performance.now();
      const c = net.connect(r.port(), '127.0.0.1');
      c.on('error', () => {});
      await once(c, 'close');
      const ms = performance.now() - t0;
      assert.ok(ms >= 250 && ms < 1500, `closed after ${ms} ms`);
      const fe = r.engine.frontend('fe')!;
      assert.equal(fe.counters.connTot, 1);
      assert.equal(fe.counters.stot, 0, 'a failed handshake never becomes a session');
    } finally {
      await r.stop();
    }
  });

  it('accept-proxy then TLS: the PROXY header is read in clear, the addresses come from it', async () => {
    const echo = await startServer((s) => s.pipe(s));
    closers.push(() => echo.close());
    const r = await start(`${DEFAULTS}
frontend fe
    mode tcp
    bind 127.0.0.1:0 accept-proxy ssl crt ${ec.def!.pem}
    default_backend be
backend be
    mode tcp
    server s 127.0.0.1:${echo.port}
`);
    try {
      const raw = net.connect(r.port(), '127.0.0.1');
      await once(raw, 'connect');
      const hdr = encodeProxyV1({
        family: 'ipv4',
        srcAddr: '192.0.2.7',
        srcPort: 4242,
        dstAddr: '198.51.100.1',
        dstPort: 443,
      });
      raw.write(hdr);
      const c = tls.connect({ socket: raw, servername: 'default.test', ca: [readPem(ca.cert)] });
      await once(c, 'secureConnect');
      c.write('ping');
      const [d] = await once(c, 'data');
      assert.equal(String(d), 'ping');
      const s = [...r.engine.frontend('fe')!.sessions][0]!;
      assert.equal(s.conn.srcAddr, '192.0.2.7');
      assert.equal(s.tls?.sni, 'default.test');
      c.destroy();
    } finally {
      await r.stop();
    }
  });
});

describe('TLS to servers', () => {
  async function proxyTo(serverLine: string, extra = '', log: Logger = silentLogger): Promise<Running> {
    return start(
      `${DEFAULTS}
frontend fe
    mode http
    bind 127.0.0.1:0
    default_backend be
backend be
    mode http
    retries 1
${extra}    ${serverLine}
`,
      log,
    );
  }

  async function get(port: number, host = 'x'): Promise<{ status: number; body: string } | undefined> {
    const c = net.connect(port, '127.0.0.1');
    const rd = new ResponseReader(c);
    c.write(`GET / HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`);
    const res = await rd.next();
    c.destroy();
    return res;
  }

  it('verify required with the right CA and sni str(): the request goes through with that SNI', async () => {
    const b = await httpsBackend(ec.backend!);
    const r = await proxyTo(
      `server s 127.0.0.1:${b.port} ssl verify required ca-file ${ca.cert} sni str(b2.test)`,
    );
    try {
      const res = await get(r.port());
      assert.equal(res?.status, 200);
      assert.equal(res?.body, 'sni=b2.test');
    } finally {
      await r.stop();
    }
  });

  // The HTTP stream must offer its transaction to the connector (UpstreamClient.sample) for req.hdr().
  const streamOffersRequest = Object.getOwnPropertyDescriptor(HttpStream.prototype, 'sample') !== undefined;
  it('sni req.hdr(host) sends the request Host, checked against the certificate', {
    skip: streamOffersRequest ? false : 'HttpStream does not expose its transaction as `sample` yet',
  }, async () => {
    const b = await httpsBackend(ec.backend!);
    const r = await proxyTo(`server s 127.0.0.1:${b.port} ssl ca-file ${ca.cert} sni req.hdr(host)`);
    try {
      const res = await get(r.port(), 'backend.test');
      assert.equal(res?.status, 200);
      assert.equal(res?.body, 'sni=backend.test');
    } finally {
      await r.stop();
    }
  });

  it('a certificate from another CA fails the connection: retries, 503, reason logged', async () => {
    const b = await httpsBackend(ec.backend!);
    const records: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void records.push(JSON.parse(s)) });
    const r = await proxyTo(
      `server s 127.0.0.1:${b.port} ssl verify required ca-file ${otherCa.cert}`,
      '',
      log,
    );
    try {
      const res = await get(r.port());
      assert.equal(res?.status, 503);
      assert.equal(b.hits(), 0);
      const srv = r.engine.stats().find((x) => x.svname === 's')!;
      assert.equal(srv.connect, 2, 'the first attempt and one retry');
      const reasons = records.filter((x) => x.msg === 'TLS connection to server failed').map((x) => x.reason);
      assert.equal(reasons.length, 2);
      assert.match(
        String(reasons[0]),
        /^TLS: unable to (verify the first certificate|get local issuer certificate)/,
      );
    } finally {
      await r.stop();
    }
  });

  it('a name that the certificate does not carry fails verification', async () => {
    const b = await httpsBackend(ec.backend!);
    const records: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void records.push(JSON.parse(s)) });
    const r = await proxyTo(
      `server s 127.0.0.1:${b.port} ssl ca-file ${ca.cert} sni str(other.test)`,
      '',
      log,
    );
    try {
      assert.equal((await get(r.port()))?.status, 503);
      assert.ok(records.some((x) => /does not match certificate/.test(String(x.reason))));
    } finally {
      await r.stop();
    }
  });

  it('verify none accepts a self-signed server', async () => {
    const b = await httpsBackend(selfSigned);
    const r = await proxyTo(`server s 127.0.0.1:${b.port} ssl verify none`);
    try {
      const res = await get(r.port());
      assert.equal(res?.status, 200);
      assert.equal(res?.body, 'sni=-');
    } finally {
      await r.stop();
    }
  });

  it('an idle server connection is reused only for a request that wants the same SNI', async () => {
    const b = await httpsBackend(ec.backend!);
    const r = await start(`${DEFAULTS}
frontend fe
    mode http
    bind 127.0.0.1:0 ssl crt ${pki.path('ec')}
    default_backend be
backend be
    mode http
    http-reuse always
    server s 127.0.0.1:${b.port} ssl verify none sni ssl_fc_sni
`);
    try {
      const ask = async (sn: string) => {
        const c = await connectTls(r.port(), { servername: sn });
        const rd = new ResponseReader(c);
        c.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
        const res = await rd.next();
        c.destroy();
        return res?.body;
      };
      assert.equal(await ask('a.example.test'), 'sni=a.example.test');
      assert.equal(await ask('a.example.test'), 'sni=a.example.test');
      assert.equal(await ask('alias.example.test'), 'sni=alias.example.test');
      const srv = r.engine.stats().find((x) => x.svname === 's')!;
      assert.equal(srv.connect, 2, 'the second request reused the first connection, the third did not');
    } finally {
      await r.stop();
    }
  });

  it('mode tcp re-encryption: sni ssl_fc_sni passes the client SNI on; a server reset resets the TLS client', async () => {
    const seen: string[] = [];
    const srv = tls.createServer({ cert: ec.backend!.certPem, key: ec.backend!.keyPem }, (s) => {
      seen.push(String(s.servername));
      s.on('data', (d: Buffer) => {
        if (String(d) === 'reset') (s as unknown as { _parent: net.Socket })._parent.resetAndDestroy();
        else s.write(d);
      });
      s.on('error', () => {});
    });
    srv.on('tlsClientError', () => {});
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    closers.push(() => new Promise((res) => srv.close(() => res())));
    const port = (srv.address() as net.AddressInfo).port;
    const r = await start(`${DEFAULTS}
frontend fe
    mode tcp
    bind 127.0.0.1:0 ssl crt ${pki.path('ec')}
    default_backend be
backend be
    mode tcp
    server s 127.0.0.1:${port} ssl verify none sni ssl_fc_sni
`);
    try {
      const c = await connectTls(r.port(), { servername: 'alias.example.test' });
      c.write('hello');
      const [d] = await once(c, 'data');
      assert.equal(String(d), 'hello');
      assert.deepEqual(seen, ['alias.example.test']);
      const ended = new Promise<string>((res) => {
        c.on('error', (e: NodeJS.ErrnoException) => res(e.code ?? 'error'));
        c.on('close', () => res('close'));
      });
      c.write('reset');
      assert.match(await ended, /ECONNRESET|close/);
      await waitFor(() => r.engine.frontend('fe')!.sessions.size === 0);
      assert.equal(r.engine.frontend('fe')!.sessions.size, 0);
    } finally {
      await r.stop();
    }
  });
});

describe('server sni expressions', () => {
  it('str(), req.hdr() (last occurrence, comma-separated values), ssl_fc_sni, converters', () => {
    const loc = { file: 'x.cfg', line: 1 };
    const head = parseRequestHead(
      Buffer.from('GET / HTTP/1.1\r\nhost: Backend.Test\r\nx-n: a, b\r\nx-n: c\r\n\r\n'),
      0,
      DEFAULT_LIMITS,
    );
    assert.equal(head.kind, 'done');
    const req = head.kind === 'done' ? head.head : undefined;
    const conn = {
      family: 'ipv4',
      srcAddr: '127.0.0.1',
      srcPort: 1,
      dstAddr: '127.0.0.1',
      dstPort: 2,
    } as const;
    const http = { req: req!, resp: undefined, status: 0, frontend: 'fe', backend: undefined };
    const tlsInfo = {
      sni: 'client.test',
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_128_GCM_SHA256',
      alpn: undefined,
    };
    const ctx = { conn, http, tls: tlsInfo };
    assert.equal(compileSni('str(fixed.test)', loc)(ctx), 'fixed.test');
    assert.equal(compileSni('req.hdr(host)', loc)(ctx), 'Backend.Test');
    assert.equal(compileSni('req.hdr(host),lower', loc)(ctx), 'backend.test');
    assert.equal(compileSni('req.hdr(x-n)', loc)(ctx), 'c');
    assert.equal(compileSni('req.hdr(x-n,1)', loc)(ctx), 'a');
    assert.equal(compileSni('ssl_fc_sni', loc)(ctx), 'client.test');
    assert.equal(compileSni('req.hdr(host)', loc)({ conn }), undefined, 'no request: no name');
  });
});

describe('TLS configuration errors', () => {
  function loadError(text: string): ConfigError {
    try {
      loadHaproxyConfig([configFile(text)], { env: {} });
    } catch (e) {
      if (e instanceof ConfigErrors) return e.errors[0]!;
      throw e;
    }
    assert.fail('the configuration loaded');
  }

  async function startError(text: string): Promise<ConfigError> {
    try {
      const r = await start(text);
      await r.stop();
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    }
    assert.fail('the engine started');
  }

  const fe = (bind: string) => `${DEFAULTS}
frontend fe
    mode http
    bind 127.0.0.1:0 ${bind}
    default_backend be
backend be
    mode http
    server s 127.0.0.1:1
`;

  it('a missing crt file, a bad cipher list, SSLv3, an unsupported option: refused by the loader at file:line', () => {
    const missing = loadError(fe(`ssl crt ${pki.path('nope.pem')}`));
    assert.equal(missing.code, 'CFG_IO');
    assert.equal(missing.loc?.line, 8);
    assert.match(missing.message, /:8: crt: cannot read .*nope\.pem/);
    const ciphers = loadError(fe(`ssl crt ${ec.def!.pem} ciphers NOT-A-CIPHER`));
    assert.equal(ciphers.code, 'CFG_BAD_ARGS');
    assert.match(ciphers.message, /:8: ciphers: invalid cipher list 'NOT-A-CIPHER'/);
    const v3 = loadError(fe(`ssl crt ${ec.def!.pem} ssl-min-ver SSLv3`));
    assert.equal(v3.code, 'CFG_UNSUPPORTED');
    const maxVer = loadError(fe(`ssl crt ${ec.def!.pem} no-tlsv10`));
    assert.equal(maxVer.code, 'CFG_UNSUPPORTED');
    assert.match(maxVer.message, /no-tlsv10/);
  });

  it('a server sni expression that cannot be evaluated is refused with the server line', () => {
    const server = (sni: string) => `${DEFAULTS}
backend be
    mode http
    server s 127.0.0.1:443 ssl verify none sni ${sni}
`;
    const unknown = loadError(server('nosuchfetch(x)'));
    assert.equal(unknown.code, 'CFG_UNSUPPORTED');
    assert.equal(unknown.loc?.line, 8);
    assert.match(unknown.message, /:8: sni: .*'nosuchfetch'/);
    const response = loadError(server('res.hdr(x)'));
    assert.match(response.message, /:8: sni: .*res\.hdr/);
  });

  it('h2 in alpn (mode http), a file without key, an empty directory: refused at start with the bind line', async () => {
    const h2 = await startError(fe(`ssl crt ${ec.def!.pem} alpn h2,http/1.1`));
    assert.equal(h2.code, 'CFG_UNSUPPORTED');
    assert.match(h2.message, /:8: alpn: 'h2' is not supported in mode http/);
    const keyless = pki.path('keyless.pem');
    writeFileSync(keyless, ec.a!.certPem);
    const nokey = await startError(fe(`ssl crt ${keyless}`));
    assert.equal(nokey.code, 'CFG_IO');
    assert.match(nokey.message, /:8: crt: cannot load .*no private key found/);
    mkdirSync(pki.path('empty'));
    const empty = await startError(fe(`ssl crt ${pki.path('empty')}`));
    assert.match(empty.message, /holds no certificate/);
  });
});
