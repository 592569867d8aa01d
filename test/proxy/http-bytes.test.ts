/**
 * `bin` and `bout` in `mode http` (HAProxy stream_process_counters()): the
 * request bytes read from the client and the response bytes sent to it, on
 * the frontend, the backend and the server of each transaction, counted
 * against the bytes a real client put on and took off the wire. The log's %U
 * and %B of the same transactions add up to the same figures.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import type { ProxyConfig } from '../../src/config/haproxy/model.js';
import { silentLogger } from '../../src/core/logger.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';
import { Method } from '../../src/proxy/http/head.js';
import type { StatsHandler } from '../../src/proxy/mode.js';
import type { StatRow } from '../../src/proxy/stat-fields.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import { httpBackend, okResponse, RawClient, type Responder } from '../http/servers.js';
import { startServer, type TestServer, waitFor } from './helpers.js';

/** A client connection that counts every byte it sends and receives. */
class CountingClient extends RawClient {
  sent = 0;
  received = 0;

  constructor(port: number) {
    super(port);
    this.sock.on('data', (d: Buffer) => {
      this.received += d.length;
    });
  }

  override send(s: string | Buffer): void {
    this.sent += typeof s === 'string' ? Buffer.byteLength(s, 'latin1') : s.length;
    super.send(s);
  }
}

interface Running {
  readonly engine: ProxyEngine;
  readonly port: number;
  /** `%U %B` of each logged transaction. */
  readonly lines: string[];
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Frontend `fe` → backend `be` → server `s1` at `serverPort`, in mode http, logging `%U %B`. */
async function proxy(
  serverPort: number,
  opts: { fe?: Partial<ProxyConfig>; be?: Partial<ProxyConfig>; statsHandler?: StatsHandler } = {},
): Promise<Running> {
  const lines: string[] = [];
  const cfg = makeConfig([
    makeProxy({
      kind: 'frontend',
      name: 'fe',
      mode: 'http',
      binds: [makeBind('127.0.0.1:0')],
      defaultBackend: 'be',
      logFormat: '%U %B',
      ...opts.fe,
    }),
    makeProxy({
      kind: 'backend',
      name: 'be',
      id: 3,
      mode: 'http',
      servers: [makeServer('s1', `127.0.0.1:${serverPort}`)],
      ...opts.be,
    }),
  ]);
  const engine = await startProxyEngine(cfg, {
    log: silentLogger,
    logSink: (_fe, line) => lines.push(line),
    ...(opts.statsHandler ? { statsHandler: opts.statsHandler } : {}),
  });
  cleanups.push(() => engine.stop({ grace: 0 }));
  const port = (engine.frontend('fe')!.listeners[0]!.server.address() as net.AddressInfo).port;
  return { engine, port, lines };
}

async function backend(respond: Responder): Promise<TestServer> {
  const be = await httpBackend('s1', respond);
  cleanups.push(() => be.close());
  return be;
}

/** bin and bout of the frontend, backend and server rows. */
function bytes(engine: ProxyEngine): Record<'fe' | 'be' | 's1', [number, number]> {
  const rows = engine.stats();
  const of = (sv: string): [number, number] => {
    const r = rows.find((x: StatRow) => x.svname === sv) as StatRow;
    return [Number(r.bin), Number(r.bout)];
  };
  return { fe: of('FRONTEND'), be: of('BACKEND'), s1: of('s1') };
}

/** Sums of %U and %B over the log lines. */
function logged(lines: readonly string[]): [number, number] {
  let u = 0;
  let b = 0;
  for (const l of lines) {
    const [x, y] = l.split(' ').map(Number);
    u += x!;
    b += y!;
  }
  return [u, b];
}

const BIG = 'x'.repeat(200_000);

describe('mode http bin/bout', () => {
  it('a POST counts its head and body in, the whole response out, on frontend, backend and server', async () => {
    const be = await backend((req) => okResponse(BIG, `x-got: ${req.body.length}\r\n`));
    const r = await proxy(be.port);
    const c = new CountingClient(r.port);
    const body = 'field=value&other=0123456789';
    c.send(`POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const res = await c.response(Method.POST);
    assert.equal(res?.body.length, BIG.length);
    assert.ok(c.received > BIG.length, 'head and body received');
    const wire: [number, number] = [c.sent, c.received];
    assert.deepEqual(bytes(r.engine), { fe: wire, be: wire, s1: wire });
    assert.ok(await waitFor(() => r.lines.length === 1));
    assert.deepEqual(logged(r.lines), wire, '%U and %B');
    c.close();
  });

  it('keep-alive: every request of the connection adds its bytes', async () => {
    const be = await backend((req) =>
      req.head.path === '/echo'
        ? okResponse(req.body.toString('latin1'))
        : okResponse(`page ${req.head.path}`),
    );
    const r = await proxy(be.port);
    const c = new CountingClient(r.port);
    c.send('GET /one HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal((await c.response())?.body.toString(), 'page /one');
    c.send('POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello');
    assert.equal((await c.response(Method.POST))?.body.toString(), 'hello');
    c.send('GET /three HTTP/1.1\r\nHost: a\r\nUser-Agent: counting\r\n\r\n');
    assert.equal((await c.response())?.body.toString(), 'page /three');
    const wire: [number, number] = [c.sent, c.received];
    assert.deepEqual(bytes(r.engine), { fe: wire, be: wire, s1: wire });
    assert.ok(await waitFor(() => r.lines.length === 3));
    assert.deepEqual(logged(r.lines), wire);
    assert.equal(c.closed, false);
    c.close();
  });

  it('chunked request and response bodies count with their framing', async () => {
    const be = await backend(
      () => 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n',
    );
    const r = await proxy(be.port);
    const c = new CountingClient(r.port);
    c.send('POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n');
    c.send('3\r\nefg\r\n0\r\n\r\n');
    assert.equal((await c.response(Method.POST))?.body.toString(), '5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n');
    const wire: [number, number] = [c.sent, c.received];
    assert.deepEqual(bytes(r.engine), { fe: wire, be: wire, s1: wire });
    assert.ok(await waitFor(() => r.lines.length === 1));
    assert.deepEqual(logged(r.lines), wire);
    c.close();
  });

  it('a compressed response counts the bytes sent, not those the server sent', async () => {
    const page = 'compress me, '.repeat(5000);
    const be = await backend(() => okResponse(page, 'content-type: text/plain\r\n'));
    const r = await proxy(be.port, {
      be: { compression: { algos: ['gzip'], types: [], offload: false, loc: { file: 't.cfg', line: 1 } } },
    });
    const c = new CountingClient(r.port);
    c.send('GET /page HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n');
    const res = await c.response();
    assert.equal(res?.head.status, 200);
    assert.ok(c.received < page.length / 4, `compressed: ${c.received} bytes`);
    const wire: [number, number] = [c.sent, c.received];
    assert.ok(await waitFor(() => r.lines.length === 1));
    assert.deepEqual(bytes(r.engine), { fe: wire, be: wire, s1: wire });
    assert.deepEqual(logged(r.lines), wire);
    c.close();
  });

  it('an upgraded connection (101) goes on counting what the tunnel relays both ways', async () => {
    // Answers the upgrade, then echoes every byte back, twice.
    const ws = await startServer((s) => {
      let head = '';
      s.on('data', (d: Buffer) => {
        if (!head.includes('\r\n\r\n')) {
          head += d.toString('latin1');
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
          const rest = head.slice(end + 4);
          if (rest) s.write(rest + rest);
          return;
        }
        s.write(Buffer.concat([d, d]));
      });
    });
    cleanups.push(() => ws.close());
    const r = await proxy(ws.port);
    const c = new CountingClient(r.port);
    c.send('GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    assert.equal((await c.response())?.head.status, 101);
    const headBytes: [number, number] = [c.sent, c.received];
    assert.deepEqual(bytes(r.engine).fe, headBytes);
    for (const msg of ['ping', 'a longer frame of tunnel data']) {
      const want = c.received + 2 * msg.length;
      c.send(msg);
      assert.ok(await waitFor(() => c.received === want), `echo of ${msg}`);
    }
    const wire: [number, number] = [c.sent, c.received];
    assert.ok(wire[1] > headBytes[1]);
    assert.ok(
      await waitFor(() => bytes(r.engine).s1[1] === wire[1]),
      JSON.stringify([bytes(r.engine), wire]),
    );
    assert.deepEqual(bytes(r.engine), { fe: wire, be: wire, s1: wire });
    // Logged when the tunnel started: the upgrade request and the 101 head.
    assert.deepEqual(logged(r.lines), headBytes);
    c.close();
  });

  it('answers made by the proxy count on the frontend; an unparsable request counts nothing', async () => {
    const be = await backend(() => okResponse('unused'));
    const stats = {
      enabled: true,
      uri: '/stats',
      auth: [],
      hideVersion: false,
      showLegends: false,
      scope: [],
    };
    const r = await proxy(be.port, {
      fe: { monitorUri: '/health', stats },
      statsHandler: () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'the page' }),
    });
    const c = new CountingClient(r.port);
    // monitor-uri is answered before any backend is chosen (http_wait_for_request()).
    c.send('GET /health HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal((await c.response())?.head.status, 200);
    const monitor: [number, number] = [c.sent, c.received];
    assert.deepEqual(bytes(r.engine), { fe: monitor, be: [0, 0], s1: [0, 0] });
    // The frontend's stats page is served once the switching rules chose the backend, as HAProxy does.
    c.send('GET /stats HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal((await c.response())?.body.toString(), 'the page');
    const local: [number, number] = [c.sent, c.received];
    const page: [number, number] = [c.sent - monitor[0], c.received - monitor[1]];
    assert.deepEqual(bytes(r.engine), { fe: local, be: page, s1: [0, 0] });
    // HAProxy's H1 layer answers a request it cannot parse outside any stream: no bytes counted.
    c.send('GET /bad HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n');
    assert.equal((await c.response())?.head.status, 400);
    assert.deepEqual(bytes(r.engine).fe, local);
    c.close();
    assert.equal(be.accepted, 0);
  });
});
