import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HealthCheckRunner } from '../../src/checks/runner.js';
import type { HttpCheckStep } from '../../src/config/haproxy/model.js';
import { backend, checkParams, config, RecordingSink, server, step } from './helpers.js';

const norm = (s: string) => s.replace(/check duration: \d+ms/g, 'check duration: Nms');
const INTER = 100;

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An HTTP backend whose handler can change while it runs; records every request. */
async function httpBackend(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const state = { handler };
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      state.handler(req, res);
    });
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as AddressInfo).port;
  return {
    srv,
    port,
    seen,
    state,
    close: () => {
      srv.closeAllConnections();
      return new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

function httpProxy(
  name: string,
  port: number,
  method: string,
  uri: string,
  version: string,
  steps: HttpCheckStep[] = [],
) {
  return backend(name, [server('s1', port, { check: checkParams({ inter: INTER, rise: 2, fall: 2 }) })], {
    mode: 'http',
    checkKind: 'http',
    httpCheck: { method, uri, version, steps },
    timeouts: { connect: 1000, check: 300 },
  });
}

describe('option httpchk', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
  });

  function start(px: ReturnType<typeof backend>) {
    const sink = new RecordingSink();
    const runner = new HealthCheckRunner({ config: config([px]), sink, onLog: sink.onLog });
    runner.start();
    closers.push(() => runner.stop());
    return { sink, runner };
  }

  it('soft stop: HEAD /running goes DOWN when the file disappears and UP when it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hapair-running-'));
    const flag = join(dir, 'running');
    writeFileSync(flag, '');
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const b = await httpBackend((req, res) => {
      res.statusCode = req.url === '/running' && existsSync(flag) ? 200 : 404;
      res.end(req.method === 'HEAD' ? undefined : 'body');
    });
    closers.push(b.close);
    const { sink, runner } = start(httpProxy('web', b.port, 'HEAD', '/running', 'HTTP/1.0'));
    await sink.until(() => runner.status('web', 's1')?.check?.health === 3, 3000, 'fully up');
    assert.equal(b.seen[0]?.method, 'HEAD');
    assert.equal(b.seen[0]?.url, '/running');
    assert.equal(b.seen[0]?.headers.connection, 'close');

    const t0 = performance.now();
    rmSync(flag);
    await sink.until(() => sink.count('down') === 1, 3000, 'DOWN');
    // fall (2) × inter, plus one interval of phase, plus slack.
    assert.ok(sink.events[0]!.at - t0 <= 2 * INTER + 150, `DOWN after ${sink.events[0]!.at - t0} ms`);
    assert.equal(
      norm(sink.lines[0]!.message),
      'Server web/s1 is DOWN, reason: Layer7 wrong status, code: 404, info: "Not Found", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    );

    writeFileSync(flag, '');
    await sink.until(() => sink.count('up') === 1, 3000, 'UP');
    assert.equal(
      norm(sink.lines.find((l) => l.message.includes('is UP'))!.message),
      'Server web/s1 is UP, reason: Layer7 check passed, code: 200, check duration: Nms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    );
  });

  it('a 500 answer is L7STS with the reason phrase', async () => {
    const b = await httpBackend((_req, res) => {
      res.statusCode = 500;
      res.end('oops');
    });
    closers.push(b.close);
    const { sink } = start(httpProxy('e500', b.port, '', '', ''));
    await sink.until(() => sink.count('down') === 1, 3000, 'DOWN');
    assert.match(
      sink.lines[0]!.message,
      /reason: Layer7 wrong status, code: 500, info: "Internal Server Error"/,
    );
    // Defaults: OPTIONS / HTTP/1.0.
    assert.equal(b.seen[0]?.method, 'OPTIONS');
    assert.equal(b.seen[0]?.url, '/');
  });

  it('a slow answer past `timeout check` is L7TOUT after `fall` timeouts; fixed, it comes back', async () => {
    let delay = 0;
    const b = await httpBackend((_req, res) => {
      setTimeout(() => res.end('ok'), delay).unref();
    });
    closers.push(b.close);
    const px = httpProxy('slow', b.port, 'GET', '/', 'HTTP/1.0');
    const { sink, runner } = start({ ...px, options: { ...px.options, logHealthChecks: true } });
    await sink.until(() => runner.status('slow', 's1')?.check?.health === 3, 3000, 'fully up');
    const t0 = performance.now();
    delay = 1000;
    await sink.until(() => sink.count('down') === 1, 3000, 'DOWN');
    const took = sink.events[0]!.at - t0;
    // Up to one interval of phase, then fall (2) checks each bounded by timeout check (300 ms),
    // separated by one interval.
    assert.ok(
      took >= 2 * 300 - 5 && took <= INTER + 2 * 300 + INTER + 150,
      `DOWN after ${took.toFixed(0)} ms`,
    );
    const failures = sink.lines.filter((l) => l.message.includes('Health check for server slow/s1 failed'));
    assert.equal(failures.length, 2, 'exactly `fall` failed checks');
    assert.match(
      failures[0]!.message,
      /reason: Layer7 timeout, check duration: (29\d|3\d\d)ms, status: 1\/2 UP\.$/,
    );
    delay = 0;
    await sink.until(() => sink.count('up') === 1, 3000, 'UP');
  });

  it('http-check expect string on a chunked body; the wrong string is L7RSP', async () => {
    let word = 'NOPE';
    const b = await httpBackend((_req, res) => {
      res.setHeader('transfer-encoding', 'chunked');
      res.write('status: ');
      res.end(word);
    });
    closers.push(b.close);
    const px = httpProxy('str', b.port, 'GET', '/health', 'HTTP/1.1', [
      step('send', 'hdr', 'Host', 'backend.test'),
      step('expect', 'string', 'ALIVE'),
    ]);
    const { sink } = start(px);
    await sink.until(() => sink.count('down') === 1, 3000, 'DOWN');
    // L7RSP is below HAProxy's L57DATA statuses, so no code is printed.
    assert.match(
      sink.lines[0]!.message,
      /reason: Layer7 invalid response, info: "HTTP content check did not match"/,
    );
    word = 'ALIVE';
    await sink.until(() => sink.count('up') === 1, 3000, 'UP');
  });

  it('legacy `option httpchk GET / HTTP/1.1\\r\\nHost:\\ www` sends the hidden headers', async () => {
    const b = await httpBackend((_req, res) => res.end('ok'));
    closers.push(b.close);
    const { sink, runner } = start(httpProxy('legacy', b.port, 'GET', '/', 'HTTP/1.1\r\nHost: www.example'));
    await sink.until(
      () => b.seen.length >= 1 && runner.status('legacy', 's1')?.check?.status === 'L7OK',
      3000,
      'check',
    );
    assert.equal(b.seen[0]?.headers.host, 'www.example');
    assert.equal(b.seen[0]?.headers.connection, 'close');
  });

  it('http-check send merges with the option line; expect status list, rstatus and hdr', async () => {
    const b = await httpBackend((req, res) => {
      res.statusCode = req.headers['x-probe'] === 'yes' && req.method === 'POST' ? 204 : 400;
      res.setHeader('x-state', 'green, ready');
      res.end();
    });
    closers.push(b.close);
    const steps = [
      step('send', 'meth', 'POST', 'hdr', 'Host', 'backend.test', 'hdr', 'X-Probe', 'yes', 'body', 'ping'),
      step('expect', 'status', '200,204-206'),
      step('expect', '!', 'rstatus', '^5'),
      step('expect', 'hdr', 'name', 'x-state', 'value', '-m', 'beg', 'ready'),
    ];
    const { sink, runner } = start(httpProxy('send', b.port, 'GET', '/probe', 'HTTP/1.1', steps));
    await sink.until(() => runner.status('send', 's1')?.check?.health === 3, 3000, 'fully up');
    assert.equal(b.seen[0]?.method, 'POST', 'meth overrides the option line');
    assert.equal(b.seen[0]?.url, '/probe', 'the option line supplies the uri');
    assert.equal(b.seen[0]?.body, 'ping');
    assert.equal(b.seen[0]?.headers['content-length'], '4');
    assert.equal(sink.count('down'), 0);
  });

  it('a stopped backend is L4CON', async () => {
    const b = await httpBackend((_req, res) => res.end('ok'));
    const { sink, runner } = start(httpProxy('stop', b.port, 'GET', '/', 'HTTP/1.0'));
    await sink.until(() => runner.status('stop', 's1')?.check?.health === 3, 3000, 'fully up');
    await b.close();
    await sink.until(() => sink.count('down') === 1, 3000, 'DOWN');
    assert.match(sink.lines[0]!.message, /reason: Layer4 connection problem, info: "Connection refused"/);
  });
});
