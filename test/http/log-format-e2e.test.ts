/**
 * Traffic log lines from `log-format` (configuration.txt 8.2.4, 8.2.6), header
 * captures in the default httplog line, `option httplog clf`, the unique id
 * (unique-id-format / unique-id-header, %ID, the `unique-id` fetch) and
 * `mode tcp` log-format lines, through the real loader and engine on
 * loopback sockets. Timers, ports and dates change from run to run: they are
 * checked by shape.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, ConfigErrors } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';
import { echoServer, sleep, waitFor } from '../proxy/helpers.js';
import { freePort, loadText as loadInto } from './rules-helpers.js';
import { type HttpBackend, httpBackend, RawClient, type Responder, sendRaw } from './servers.js';

/** Loads haproxy.cfg text from a temporary directory, removed when the tests end. */
const dirs: string[] = [];
function loadText(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hapair-logfmt-'));
  dirs.push(dir);
  return loadInto(text, dir);
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const DEFAULTS = `defaults
  mode http
  timeout connect 2s
  timeout client 5s
  timeout server 5s
`;

interface Logged {
  readonly engine: ProxyEngine;
  readonly lines: string[];
  readonly bes: HttpBackend[];
  port(fe?: string): number;
  close(): Promise<void>;
}

/** Starts `text` (`@S1@` … = the backends' ports, each `bind 127.0.0.1:0` a free port) collecting log lines. */
async function startLogged(
  text: string,
  responders: (Responder | undefined)[] = [undefined],
): Promise<Logged> {
  const bes: HttpBackend[] = [];
  for (const [i, r] of responders.entries()) bes.push(await httpBackend(`s${i + 1}`, r));
  let t = text;
  bes.forEach((b, i) => {
    t = t.replaceAll(`@S${i + 1}@`, String(b.port));
  });
  while (t.includes('bind 127.0.0.1:0\n'))
    t = t.replace('bind 127.0.0.1:0\n', `bind 127.0.0.1:${await freePort()}\n`);
  const lines: string[] = [];
  const cfg = loadText(t);
  const engine = await startProxyEngine(cfg, { log: silentLogger, logSink: (_fe, line) => lines.push(line) });
  return {
    engine,
    lines,
    bes,
    port: (fe = cfg.proxies[0]!.name) =>
      (engine.frontend(fe)!.listeners[0]!.server.address() as net.AddressInfo).port,
    close: async () => {
      await engine.stop({ grace: 0 });
      for (const b of bes) await b.close();
    },
  };
}

const DATE = String.raw`\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}`;
const N = String.raw`-?\d+`;
const UID = '7F000001:[0-9A-F]{4}_7F000001:[0-9A-F]{4}_[0-9A-F]{8}_[0-9A-F]{4,}:[0-9A-F]{4,}';

/** A backend answering 200 with a header worth capturing (a '|' and braces to escape). */
const withSrvHeader: Responder = () =>
  'HTTP/1.1 200 OK\r\ncontent-length: 2\r\nX-Srv: alpha|beta{x}\r\n\r\nok';

/** The timers of a line whose fields 4 and 5 are %TR/%Tw/%Tc/%Tr/%Ta and %Th/%Ti/%Tq/%Tt/%Tu/%Td. */
function timers(line: string) {
  const f = line.split(' ');
  const [TR, Tw, Tc, Tr, Ta] = f[4]!.split('/').map(Number) as number[];
  const [Th, Ti, Tq, Tt, Tu, Td] = f[5]!.split('/').map(Number) as number[];
  return {
    TR: TR!,
    Tw: Tw!,
    Tc: Tc!,
    Tr: Tr!,
    Ta: Ta!,
    Th: Th!,
    Ti: Ti!,
    Tq: Tq!,
    Tt: Tt!,
    Tu: Tu!,
    Td: Td!,
  };
}

const REQ =
  'GET /p?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl "x" {y}\r\nX-Tag: a\r\nX-Tag: b\r\n\r\n';

describe('log-format', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('prints timers, status, bytes, captures, sample expressions and the unique id', async () => {
    const s = await startLogged(
      `${DEFAULTS}
frontend fe
  bind 127.0.0.1:0
  capture request header Host len 5
  capture request header User-Agent len 20
  capture request header X-Tag len 10
  capture response header X-Srv len 10
  capture response header X-None len 4
  unique-id-format "%{+X}o %ci:%cp_%fi:%fp_%Ts_%rt:%pid"
  unique-id-header X-Unique-ID
  http-request set-header X-Seen-Id %[unique-id]
  log-format "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %Th/%Ti/%Tq/%Tt/%Tu/%Td %ST %B %U %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs|%hrl|%hsl| host=%[req.hdr(host)] st=%[status] id=%ID %{+Q}r %HM %si:%sp %bi:%bp rt=%rt lc=%lc %{+Q}CC"
  default_backend be
backend be
  server s1 127.0.0.1:@S1@
`,
      [withSrvHeader],
    );
    cleanups.push(() => s.close());
    const c = new RawClient(s.port());
    c.send(REQ);
    assert.equal((await c.response())?.head.status, 200);
    await sleep(150);
    c.send('GET /two HTTP/1.1\r\nHost: h2\r\n\r\n');
    assert.equal((await c.response())?.head.status, 200);
    c.close();
    assert.ok(await waitFor(() => s.lines.length === 2), s.lines.join('\n'));

    const srvPort = s.bes[0]!.port;
    const re = new RegExp(
      String.raw`^127\.0\.0\.1:(\d+) \[${DATE}\] fe be/s1 ${N}/\d+/\d+/\d+/\d+ \d+/\d+/\d+/\d+/\d+/\d+ 200 (\d+) (\d+) ---- ` +
        String.raw`1/1/0/0/0 0/0 \{examp\|curl #22x#22 #7By#7D\|b\} \{alpha#7Cbeta\|\}\|examp curl #22x#22 #7By#7D b\|alpha#7Cbeta -\| ` +
        String.raw`host=example\.com st=200 id=(${UID}) "GET /p\?q=1 HTTP/1\.1" GET 127\.0\.0\.1:${srvPort} 127\.0\.0\.1:(\d+) rt=(\d+) lc=0 ""$`,
    );
    const m = re.exec(s.lines[0]!);
    assert.ok(m, s.lines[0]);
    const [, clientPort, bytes, bytesIn, id1, , rt1] = m;
    assert.ok(Number(bytes) > 2, bytes);
    assert.equal(Number(bytesIn), REQ.length);
    // The id is the format's: client address:port, frontend address:port, date, request counter, pid.
    const [cli, fe, ts, counter] = id1!.split('_');
    assert.equal(cli, `7F000001:${Number(clientPort).toString(16).toUpperCase().padStart(4, '0')}`);
    assert.equal(fe, `7F000001:${s.port().toString(16).toUpperCase().padStart(4, '0')}`);
    assert.ok(Math.abs(Number.parseInt(ts!, 16) - Date.now() / 1000) < 60, ts);
    assert.equal(
      counter,
      `${Number(rt1).toString(16).toUpperCase().padStart(4, '0')}:${process.pid.toString(16).toUpperCase().padStart(4, '0')}`,
    );

    // The second request on the connection: no capture of its own headers left over, a new id.
    const m2 =
      /\{h2\|\|\} \{alpha#7Cbeta\|\}\|h2 - -\|alpha#7Cbeta -\| host=h2 .* id=(\S+) "GET \/two HTTP\/1\.1" .* rt=(\d+) lc=1 ""$/.exec(
        s.lines[1]!,
      );
    assert.ok(m2, s.lines[1]);
    assert.notEqual(m2[1], id1);
    assert.equal(Number(m2[2]), Number(rt1) + 1);

    // Timers (8.4): Tq = Th + Ti + TR, Tu = Tt - Ti; a keep-alive request starts when the previous
    // response ended, so its idle wait is Ti, and its handshake time is 0.
    const [t1, t2] = s.lines.map(timers);
    for (const t of [t1!, t2!]) {
      assert.ok(Math.abs(t.Tq - (t.Th + t.Ti + t.TR)) <= 2, JSON.stringify(t));
      assert.ok(Math.abs(t.Tu - (t.Tt - t.Ti)) <= 1, JSON.stringify(t));
      assert.ok(t.Ta <= t.Tt && t.Tw >= 0 && t.Tc >= 0 && t.Tr >= 0 && t.Td >= 0, JSON.stringify(t));
    }
    assert.equal(t2!.Th, 0);
    assert.ok(t2!.Ti >= 140 && t2!.Tt >= t2!.Ti && t2!.Ta < 140, JSON.stringify(t2));

    // The header reached the server, with the same id as the log line; rules saw it too.
    const got = s.bes[0]!.requests.map((r) => {
      const h = r.head;
      const v = (n: string) => h.headers[2 * h.names.indexOf(n) + 1];
      return [v('x-unique-id'), v('x-seen-id')];
    });
    assert.deepEqual(got, [
      [id1, id1],
      [m2[1], m2[1]],
    ]);
  });

  it('the default httplog line places captures as HAProxy does, same as the equivalent log-format', async () => {
    const caps = `  capture request header Host len 5
  capture request header User-Agent len 20
  capture response header X-Srv len 10
`;
    const s = await startLogged(
      `${DEFAULTS}
frontend fe
  bind 127.0.0.1:0
  option httplog
${caps}  http-request deny if { path /deny }
  default_backend be
frontend fe2
  bind 127.0.0.1:0
${caps}  log-format "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r"
  default_backend be
frontend fe3
  bind 127.0.0.1:0
  option httplog
  default_backend be
backend be
  server s1 127.0.0.1:@S1@
`,
      [withSrvHeader],
    );
    cleanups.push(() => s.close());
    const ask = async (fe: string, req: string, n: number) => {
      await sendRaw(s.port(fe), req);
      assert.ok(await waitFor(() => s.lines.length === n), s.lines.join('\n'));
      return s.lines[n - 1]!;
    };
    const close = REQ.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n');
    const a = await ask('fe', close, 1);
    const b = await ask('fe2', close, 2);
    const fixed = String.raw`\] fe be/s1 \d+/\d+/\d+/\d+/\d+ 200 \d+ - - ---- 1/1/0/0/0 0/0 `;
    const tail = String.raw`\{examp\|curl #22x#22 #7By#7D\} \{alpha#7Cbeta\} "GET /p\?q=1 HTTP/1\.1"$`;
    assert.match(a, new RegExp(String.raw`^127\.0\.0\.1:\d+ \[${DATE}${fixed}${tail}`));
    assert.match(
      b,
      new RegExp(String.raw`^127\.0\.0\.1:\d+ \[${DATE}${fixed.replace(' fe ', ' fe2 ')}${tail}`),
    );
    // A denied request: response captures are empty; a bad request: no capture block at all.
    const denied = await ask('fe', 'GET /deny HTTP/1.1\r\nHost: example.org\r\n\r\n', 3);
    assert.match(denied, / 403 \d+ - - PR-- 1\/1\/0\/0\/0 0\/0 \{examp\|\} \{\} "GET \/deny HTTP\/1\.1"$/);
    const bad = await ask('fe', 'GET /x HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n', 4);
    assert.match(bad, / 400 \d+ - - PR-- 1\/1\/0\/0\/0 0\/0 "<BADREQ>"$/);
    // Without captures the line is the plain httplog one (no empty blocks).
    const plain = await ask('fe3', close, 5);
    assert.match(plain, / 1\/1\/0\/0\/0 0\/0 "GET \/p\?q=1 HTTP\/1\.1"$/);
  });

  it('option httplog clf is the CLF log-format string', async () => {
    const s = await startLogged(
      `${DEFAULTS}
frontend fe
  bind 127.0.0.1:0
  option httplog clf
  capture request header Host len 32
  capture response header X-None len 5
  default_backend be
backend be
  server s1 127.0.0.1:@S1@
`,
      [withSrvHeader],
    );
    cleanups.push(() => s.close());
    await sendRaw(s.port(), 'GET /c HTTP/1.0\r\nHost: example.com\r\n\r\n');
    assert.ok(await waitFor(() => s.lines.length === 1));
    const gmt = String.raw`\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000`;
    assert.match(
      s.lines[0]!,
      new RegExp(
        String.raw`^127\.0\.0\.1 - - \[${gmt}\] "GET /c HTTP/1\.0" 200 \d+ "" "" \d+ \d{3} "fe" "be" "s1" ` +
          String.raw`\d+ \d+ \d+ \d+ \d+ ---- 1 1 0 0 0 0 0 "" "" "example\.com" ""$`,
      ),
    );
  });

  it('mode tcp proxies use their log-format for the session line', async () => {
    const echo = await echoServer();
    const s = await startLogged(
      `defaults
  mode tcp
  timeout connect 2s
  timeout client 5s
  timeout server 5s
frontend ft
  bind 127.0.0.1:0
  unique-id-format "%{+X}o %ci:%cp_%rt"
  log-format "%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %Th/%Td %B %U %ts %ac/%fc/%bc/%sc/%rc %sq/%bq %T %ID %[src] %{+Q}f %Ts.%ms"
  default_backend be
backend be
  server s1 127.0.0.1:${echo.port}
`,
      [],
    );
    cleanups.push(async () => {
      await s.close();
      await echo.close();
    });
    await new Promise<void>((resolve) => {
      const c = net.connect(s.port(), '127.0.0.1', () => c.write('hello\n'));
      c.on('data', () => c.end());
      c.on('close', () => resolve());
    });
    assert.ok(await waitFor(() => s.lines.length === 1));
    const gmt = String.raw`\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000`;
    assert.match(
      s.lines[0]!,
      new RegExp(
        String.raw`^127\.0\.0\.1:\d+ \[${DATE}\] ft be/s1 \d+/\d+/\d+ 0/\d+ 6 6 -- 1/1/0/0/0 0/0 ${gmt} ` +
          String.raw`7F000001:[0-9A-F]{4}_[0-9A-F]{4,} 127\.0\.0\.1 "ft" \d{10}\.\d{3}$`,
      ),
    );
  });
});

describe('log-format configuration errors', () => {
  /** Starts `text`; resolves to the first ConfigError thrown. */
  async function startError(text: string): Promise<ConfigError> {
    try {
      const engine = await startProxyEngine(loadText(text), { log: silentLogger });
      await engine.stop({ grace: 0 });
    } catch (e) {
      const first = e instanceof ConfigErrors ? e.errors[0] : e;
      if (first instanceof ConfigError) return first;
      throw e;
    }
    assert.fail(`no error for:\n${text}`);
  }
  const fe = (body: string, mode = 'http') =>
    `${DEFAULTS.replace('mode http', `mode ${mode}`)}frontend fe\n  bind 127.0.0.1:8\n${body}\n  default_backend be\nbackend be\n  server s1 127.0.0.1:9\n`;

  it('names the directive, the variable and file:line', async () => {
    const cases: [string, string, string, RegExp][] = [
      [
        '  log-format "%ci %Zz"',
        'http',
        'CFG_UNSUPPORTED',
        /:6: log-format: .*no such format variable '%Zz'/,
      ],
      ['  log-format "%[nosuch]"', 'http', 'CFG_UNSUPPORTED', /:6: log-format: .*'nosuch'/],
      [
        '  http-request set-header X-T %Tt',
        'http',
        'CFG_CONFLICT',
        /:8: .*'%Tt' is only available in log-format/,
      ],
      ['  unique-id-format %B', 'http', 'CFG_CONFLICT', /:6: unique-id-format: .*'%B' is only available/],
      [
        '  log-format "%ci %TR"',
        'tcp',
        'CFG_CONFLICT',
        /:6: log-format: .*'%TR' is not available in a 'mode tcp/,
      ],
      ['  log-format "%HM"', 'tcp', 'CFG_CONFLICT', /'%HM' is not available in a 'mode tcp log-format'/],
      ['  log-format "%si:%sp"', 'tcp', 'CFG_CONFLICT', /'%si' is not available in a 'mode tcp/],
      ['  log-format "%[req.hdr(host)]"', 'tcp', 'CFG_CONFLICT', /req\.hdr/],
      ['  log-format "%{+Y}t"', 'http', 'CFG_BAD_ARGS', /unknown flag '\+Y'/],
    ];
    for (const [body, mode, code, re] of cases) {
      const text = fe(body, mode);
      const e = await startError(text);
      assert.equal(e.code, code, `${body}: ${e.message}`);
      assert.match(e.message, /haproxy\.cfg:\d+: /, body);
      // Errors found at start point at the frontend (line 6), a rule's at its own line.
      assert.match(e.message, re, `${body}: ${e.message}`);
    }
  });

  it('capture needs len, and only in frontends', () => {
    for (const [text, re] of [
      [fe('  capture request header Host'), /haproxy\.cfg:8: capture request header: .*len/],
      [fe('  capture response header Host size 3'), /haproxy\.cfg:8: capture response header: .*'len'/],
      [
        `${DEFAULTS}frontend fe\n  bind 127.0.0.1:8\n  default_backend be\nbackend be\n  capture request header Host len 3\n`,
        /haproxy\.cfg:10: capture request header: /,
      ],
    ] as const) {
      assert.throws(
        () => loadText(text),
        (e: unknown) => {
          const first = e instanceof ConfigErrors ? e.errors[0] : e;
          assert.ok(first instanceof ConfigError, String(e));
          assert.match(first.message, re);
          return true;
        },
      );
    }
  });
});
