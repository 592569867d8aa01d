/**
 * http-request / http-response / http-after-response rules and use_backend
 * through real sockets, from configuration text (configuration.txt 4.3 and
 * 4.2 "use_backend"). Each test watches what the server received or what the
 * client got, so removing the action (or its condition handling) fails it.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import tls from 'node:tls';
import { ConfigError, ConfigErrors } from '../../src/core/errors.js';
import { compileHttpRules } from '../../src/proxy/http/rules/compile.js';
import { TestPki } from '../proxy/tls-certs.js';
import { loadText, startText, type TextSetup } from './rules-helpers.js';
import { okResponse, RawClient, type Response } from './servers.js';

const open: TextSetup[] = [];
after(async () => {
  for (const s of open.splice(0)) await s.close();
});

const DEFAULTS = `
defaults
  mode http
  timeout connect 2s
  timeout client 5s
  timeout server 5s
`;

/** A frontend `fe` with `rules`, a backend `be` with `beRules` and server s1. */
function cfg(rules: string, beRules = '', extra = ''): string {
  return `${DEFAULTS}
frontend fe
  bind 127.0.0.1:0
${rules}
  default_backend be
backend be
${beRules}
  server s1 127.0.0.1:@S1@
${extra}`;
}

async function start(
  text: string,
  ...rest: Parameters<typeof startText> extends [unknown, ...infer R] ? R : never
) {
  const s = await startText(text, ...rest);
  open.push(s);
  return s;
}

async function get(s: TextSetup, req: string, fe = 'fe'): Promise<Response | undefined> {
  const c = new RawClient(s.r.port(fe));
  c.send(req);
  const res = await c.response();
  c.close();
  return res;
}

const GET = (path: string, extra = '', host = 'www.example.com') =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;

function header(res: Response | undefined, name: string): string | undefined {
  const h = res?.head;
  if (!h) return undefined;
  const i = h.names.indexOf(name);
  return i < 0 ? undefined : h.headers[2 * i + 1];
}

describe('http-request header actions', () => {
  it('set-header replaces every occurrence, add-header appends, with %[…] samples', async () => {
    const s = await start(
      cfg(`  http-request set-header X-Path %[path]
  http-request add-header X-Added "a %[method] b"
  http-request set-header X-Dup one`),
    );
    await get(s, GET('/p/q?x=1', 'X-Dup: 1\r\nX-Dup: 2\r\n'));
    const raw = s.bes[0]!.requests[0]!.rawHead;
    assert.match(raw, /\r\nX-Path: \/p\/q\r\n/);
    assert.match(raw, /\r\nX-Added: a GET b\r\n/);
    assert.equal(raw.match(/X-Dup/g)?.length, 1);
    assert.match(raw, /\r\nX-Dup: one\r\n/);
  });

  it('del-header by name and with -m beg / -m reg', async () => {
    const s = await start(
      cfg(`  http-request del-header X-Secret
  http-request del-header x-internal- -m beg
  http-request del-header ^x-re[0-9]$ -m reg`),
    );
    await get(s, GET('/', 'X-Secret: 1\r\nX-Internal-A: 2\r\nX-Internal-B: 3\r\nX-Re7: 4\r\nX-Keep: 5\r\n'));
    const raw = s.bes[0]!.requests[0]!.rawHead;
    assert.doesNotMatch(raw, /X-Secret|X-Internal|X-Re7/i);
    assert.match(raw, /X-Keep: 5/);
  });

  it('replace-header rewrites whole values with back-references; replace-value each value', async () => {
    const s = await start(
      cfg(`  http-request replace-header X-Cookie foo=([^;]*);(.*) foo=\\1;ip=%[src];\\2
  http-request replace-value X-Fwd ^10\\.(.*)$ net10-\\1`),
    );
    await get(s, GET('/', 'X-Cookie: foo=bar; path=/\r\nX-Fwd: 10.0.0.1, 192.0.2.1, 10.9.9.9\r\n'));
    const raw = s.bes[0]!.requests[0]!.rawHead;
    assert.match(raw, /\r\nX-Cookie: foo=bar;ip=127\.0\.0\.1; path=\/\r\n/);
    assert.match(raw, /\r\nX-Fwd: net10-0\.0\.1, 192\.0\.2\.1, net10-9\.9\.9\r\n/);
  });

  it('samples are %-encoded in header values, so a CR/LF from a sample cannot inject a field', async () => {
    const s = await start(cfg('  http-request set-header X-Q %[req.hdr(x-b64),b64dec]'));
    const evil = Buffer.from('a\r\nInjected: x').toString('base64');
    const res = await get(s, GET('/', `X-B64: ${evil}\r\n`));
    assert.equal(res?.head.status, 200);
    const raw = s.bes[0]!.requests[0]!.rawHead;
    assert.match(raw, /\r\nX-Q: a%0D%0AInjected: x\r\n/);
    assert.doesNotMatch(raw, /\r\nInjected:/);
  });

  it('a rewrite that cannot be applied answers 500 and counts wrew (strict mode)', async () => {
    const s = await start(cfg('  http-request set-method %[req.hdr(x-m)]'));
    assert.equal((await get(s, GET('/', 'X-M: PUT\r\n')))?.head.status, 200);
    assert.match(s.bes[0]!.requests[0]!.rawHead, /^PUT \/ HTTP\/1\.1/);
    assert.equal((await get(s, GET('/', 'X-M: GE T\r\n')))?.head.status, 500);
    assert.equal(s.bes[0]!.requests.length, 1);
    assert.equal(s.r.engine.frontend('fe')!.counters.failedRewrites, 1);
  });

  it('refuses rules that would rewrite the message framing', () => {
    for (const rule of [
      'http-request set-header Content-Length 0',
      'http-request del-header Transfer-Encoding',
      'http-request del-header content- -m beg',
      'http-response set-header Connection close',
    ]) {
      assert.throws(
        () => loadAndCompile(cfg(`  ${rule}`)),
        (e: unknown) => e instanceof ConfigError && /frames the message|data path owns/.test(e.message),
        rule,
      );
    }
  });
});

/** Loads and builds an engine without binding: rule compile errors surface. */
function loadAndCompile(text: string): void {
  const c = loadText(text.replaceAll('@S1@', '1').replaceAll('127.0.0.1:0\n', '127.0.0.1:8\n'));
  // Compile as the engine does.
  for (const p of c.proxies) if (p.mode === 'http') compileHttpRules(p, c);
}
describe('http-request request-line actions', () => {
  const cases: [string, string, RegExp][] = [
    ['http-request set-path /new%[path]', '/a?b=1', /^GET \/new\/a\?b=1 HTTP\/1\.1/],
    ['http-request set-pathq /only', '/a?b=1', /^GET \/only HTTP\/1\.1/],
    ['http-request set-query x=%[query]&y=2', '/a?b=1', /^GET \/a\?x=b=1&y=2 HTTP\/1\.1/],
    ['http-request set-uri /u?v', '/a?b=1', /^GET \/u\?v HTTP\/1\.1/],
    ['http-request set-method POST', '/a', /^POST \/a HTTP\/1\.1/],
    ['http-request replace-path /api/(.*) /v2/\\1', '/api/x/y?z', /^GET \/v2\/x\/y\?z HTTP\/1\.1/],
  ];
  for (const [rule, path, expect] of cases) {
    it(rule, async () => {
      const s = await start(cfg(`  ${rule}`));
      const res = await get(s, GET(path));
      assert.equal(res?.head.status, 200);
      assert.match(s.bes[0]!.requests[0]!.rawHead, expect);
    });
  }

  it('set-path keeps the scheme and authority of an absolute-form target', async () => {
    const s = await start(cfg('  http-request set-path /moved'));
    await get(s, 'GET http://www.example.com/old?k=v HTTP/1.1\r\nHost: www.example.com\r\n\r\n');
    assert.match(s.bes[0]!.requests[0]!.rawHead, /^GET http:\/\/www\.example\.com\/moved\?k=v HTTP\/1\.1/);
  });
});

describe('deny, return, redirect, allow', () => {
  it('deny answers 403, forwards nothing, counts dreq and closes', async () => {
    const s = await start(cfg('  http-request deny if { path_beg /admin }'));
    const c = new RawClient(s.r.port());
    c.send(GET('/admin/x'));
    const res = await c.response();
    assert.equal(res?.head.status, 403);
    assert.equal(await c.waitClosed(1000), true);
    c.close();
    assert.equal(s.bes[0]!.requests.length, 0);
    assert.equal(s.r.engine.frontend('fe')!.counters.deniedReq, 1);
    assert.equal((await get(s, GET('/public')))?.head.status, 200);
  });

  it('deny deny_status 429 and deny status … content-type … string … hdr …', async () => {
    const s = await start(
      cfg(`  http-request deny deny_status 429 if { path /slow }
  http-request deny status 418 content-type text/plain string "no tea" hdr X-Why %[path] if { path /tea }`),
    );
    assert.equal((await get(s, GET('/slow')))?.head.status, 429);
    const res = await get(s, GET('/tea'));
    assert.equal(res?.head.status, 418);
    assert.equal(res?.body.toString(), 'no tea');
    assert.equal(header(res, 'content-type'), 'text/plain');
    assert.equal(header(res, 'x-why'), '/tea');
  });

  it('return answers locally and keeps the connection; lf-string interpolates', async () => {
    const s = await start(
      cfg(
        `  http-request return status 200 content-type text/plain lf-string "hello %[req.hdr(x-name)]" if { path /hello }`,
      ),
    );
    const c = new RawClient(s.r.port());
    c.send(GET('/hello', 'X-Name: bob\r\n'));
    const r1 = await c.response();
    assert.equal(r1?.head.status, 200);
    assert.equal(r1?.body.toString(), 'hello bob');
    c.send(GET('/other'));
    const r2 = await c.response();
    assert.equal(r2?.body.toString(), 's1');
    c.close();
    assert.equal(s.bes[0]!.requests.length, 1);
  });

  it('return with an errorfile / file payload read at load time', async () => {
    const s = await start(
      cfg(`  http-request return status 503 errorfile @DIR@/503.http if { path /maint }
  http-request return status 200 content-type text/html file @DIR@/page.html if { path /page }`),
      ['s1'],
      {
        '503.http': 'HTTP/1.1 503 Service Unavailable\r\ncontent-length: 5\r\n\r\nmaint',
        'page.html': '<p>static</p>',
      },
    );
    const m = await get(s, GET('/maint'));
    assert.equal(m?.head.status, 503);
    assert.equal(m?.body.toString(), 'maint');
    const p = await get(s, GET('/page'));
    assert.equal(p?.body.toString(), '<p>static</p>');
    assert.equal(header(p, 'content-type'), 'text/html');
  });

  it('redirect location / prefix / scheme with code, drop-query, append-slash and set-cookie', async () => {
    const s = await start(
      cfg(`  http-request redirect location /login code 303 set-cookie SEEN=1 if { path /a }
  http-request redirect prefix https://new.example.com drop-query append-slash if { path_beg /dir }
  http-request redirect scheme https code 301 if { path_beg /s }`),
    );
    const a = await get(s, GET('/a'));
    assert.equal(a?.head.status, 303);
    assert.equal(header(a, 'location'), '/login');
    assert.match(header(a, 'set-cookie') ?? '', /^SEEN=1; path=\//);
    const b = await get(s, GET('/dir/x?q=1'));
    assert.equal(b?.head.status, 302);
    assert.equal(header(b, 'location'), 'https://new.example.com/dir/x/');
    const c = await get(s, GET('/s/p?k=v'));
    assert.equal(c?.head.status, 301);
    assert.equal(header(c, 'location'), 'https://www.example.com/s/p?k=v');
    assert.equal(s.bes[0]!.requests.length, 0);
  });

  it('allow stops the frontend rule set; the backend set still runs', async () => {
    const s = await start(
      cfg(
        `  http-request allow if { hdr(x-vip) yes }
  http-request deny`,
        '  http-request set-header X-Backend ran',
      ),
    );
    assert.equal((await get(s, GET('/')))?.head.status, 403);
    const res = await get(s, GET('/', 'X-Vip: yes\r\n'));
    assert.equal(res?.head.status, 200);
    assert.match(s.bes[0]!.requests[0]!.rawHead, /X-Backend: ran/);
  });
});

describe('conditions and use_backend', () => {
  const two = (rules: string) => `${DEFAULTS}
frontend fe
  bind 127.0.0.1:0
${rules}
  default_backend be1
backend be1
  server s1 127.0.0.1:@S1@
backend be2
  server s2 127.0.0.1:@S2@
`;

  it('use_backend by path_beg, by named ACLs with ||, ! and implicit AND', async () => {
    const s = await start(
      two(`  acl api path_beg /api
  acl img path_end .png .jpg
  acl internal src 127.0.0.0/8
  acl beta hdr(x-beta) -i yes
  use_backend be2 if api internal !beta || img`),
      ['s1', 's2'],
    );
    const body = async (p: string, extra = '') => (await get(s, GET(p, extra)))?.body.toString();
    assert.equal(await body('/api/x'), 's2');
    assert.equal(await body('/api/x', 'X-Beta: YES\r\n'), 's1');
    assert.equal(await body('/pic.png'), 's2');
    assert.equal(await body('/other'), 's1');
  });

  it('use_backend with a dynamic %[…] name; an unknown name falls back to default_backend', async () => {
    const s = await start(two('  use_backend %[req.hdr(x-target),lower]'), ['s1', 's2']);
    assert.equal((await get(s, GET('/', 'X-Target: BE2\r\n')))?.body.toString(), 's2');
    assert.equal((await get(s, GET('/', 'X-Target: nope\r\n')))?.body.toString(), 's1');
  });

  it('anonymous ACLs and unless', async () => {
    const s = await start(cfg('  http-request deny unless { method GET HEAD } { path_beg /ok }'));
    assert.equal((await get(s, GET('/ok/1')))?.head.status, 200);
    assert.equal((await get(s, GET('/no')))?.head.status, 403);
    assert.equal(
      (await get(s, 'POST /ok/1 HTTP/1.1\r\nHost: x\r\ncontent-length: 0\r\n\r\n'))?.head.status,
      403,
    );
  });

  it('set-var then var() in a later condition; txn variables do not leak to the next request', async () => {
    const s = await start(
      cfg(`  http-request set-var(txn.tier) str(gold) if { hdr(x-tier) gold }
  http-request set-header X-Tier %[var(txn.tier)] if { var(txn.tier) -m found }`),
    );
    const c = new RawClient(s.r.port());
    c.send(GET('/', 'X-Tier: gold\r\n'));
    await c.response();
    c.send(GET('/'));
    await c.response();
    c.close();
    assert.match(s.bes[0]!.requests[0]!.rawHead, /X-Tier: gold/);
    assert.doesNotMatch(s.bes[0]!.requests[1]!.rawHead, /X-Tier/);
  });
});

describe('http-response and http-after-response', () => {
  const server: [string, (req: { head: { path: string } }) => string] = [
    's1',
    (req) =>
      req.head.path === '/secret'
        ? okResponse('leak', 'X-Powered-By: php\r\nX-Debug: 1\r\n')
        : okResponse('fine', 'X-Powered-By: php\r\nVary: a, b\r\n'),
  ];

  it('set-header, del-header, replace-value and set-status on the server response', async () => {
    const s = await start(
      cfg(
        `  http-response set-header X-Frontend fe
  http-response del-header X-Powered-By`,
        `  http-response set-status 203 reason Rewritten
  http-response replace-value Vary ^a$ accept`,
      ),
      [server as never],
    );
    const res = await get(s, GET('/'));
    assert.equal(res?.head.status, 203);
    assert.equal(res?.head.reason, 'Rewritten');
    assert.equal(header(res, 'x-frontend'), 'fe');
    assert.equal(header(res, 'x-powered-by'), undefined);
    assert.equal(header(res, 'vary'), 'accept, b');
    assert.equal(res?.body.toString(), 'fine');
  });

  it('http-response deny replaces the response with 502 and counts dresp', async () => {
    const s = await start(cfg('  http-response deny if { res.hdr(x-debug) -m found }'), [server as never]);
    const res = await get(s, GET('/secret'));
    assert.equal(res?.head.status, 502);
    assert.doesNotMatch(res?.body.toString() ?? '', /leak/);
    assert.equal(s.r.engine.frontend('fe')!.counters.deniedResp, 1);
    assert.equal((await get(s, GET('/')))?.body.toString(), 'fine');
  });

  it('http-after-response applies to server responses and to the proxy’s own answers', async () => {
    const s = await start(
      cfg(`  http-request deny if { path /no }
  http-after-response set-header X-Served-By hapair
  http-after-response set-header X-Status %[status]`),
    );
    const ok = await get(s, GET('/'));
    assert.equal(header(ok, 'x-served-by'), 'hapair');
    assert.equal(header(ok, 'x-status'), '200');
    const no = await get(s, GET('/no'));
    assert.equal(no?.head.status, 403);
    assert.equal(header(no, 'x-served-by'), 'hapair');
    assert.equal(header(no, 'x-status'), '403');
  });
});

describe('rule errors at start', () => {
  it('an unknown ACL, a bad regex and an unknown fetch are ConfigErrors with the line', () => {
    const bads: [string, RegExp][] = [
      ['  http-request deny if nosuchacl', /no such ACL/],
      ['  http-request replace-path ([ /x', /invalid regex/],
      ['  http-request set-header X %[nosuchfetch]', /nosuchfetch/],
      ['  http-request return status 200 string hi', /content-type/],
    ];
    for (const [rule, re] of bads) {
      assert.throws(
        () => loadAndCompile(cfg(rule)),
        (e: unknown) => {
          const first = e instanceof ConfigErrors ? e.errors[0] : e;
          return first instanceof ConfigError && re.test(first.message) && first.loc?.line === 10;
        },
        rule,
      );
    }
  });
});

describe('stick persistence in mode http', () => {
  it('stick on a header keeps each user on one server; without it roundrobin alternates', async () => {
    const text = (stick: string) => `${DEFAULTS}
frontend fe
  bind 127.0.0.1:0
  default_backend be
backend be
  balance roundrobin
${stick}
  server s1 127.0.0.1:@S1@
  server s2 127.0.0.1:@S2@
`;
    const sticky = await start(
      text('  stick-table type string len 32 size 1k expire 1m\n  stick on req.hdr(x-user)'),
      ['s1', 's2'],
    );
    const served = async (s: TextSetup, user: string) =>
      (await get(s, GET('/', `X-User: ${user}\r\n`)))?.body.toString();
    const alice = await served(sticky, 'alice');
    const bob = await served(sticky, 'bob');
    assert.notEqual(alice, bob);
    for (let i = 0; i < 4; i++) {
      assert.equal(await served(sticky, 'alice'), alice);
      assert.equal(await served(sticky, 'bob'), bob);
    }
    const plain = await start(text(''), ['s1', 's2']);
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 4; i++) seen.add(await served(plain, 'alice'));
    assert.equal(seen.size, 2);
  });

  it('http-request track-sc0 + sc_http_req_rate denies a client over the rate with 429', async () => {
    const s = await start(
      cfg(
        `  http-request track-sc0 req.hdr(x-client) table be
  http-request deny deny_status 429 if { sc_http_req_rate(0) gt 3 }`,
        '  stick-table type string len 16 size 1k expire 10s store http_req_rate(10s)',
      ),
    );
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await get(s, GET('/', 'X-Client: fast\r\n')))?.head.status ?? 0);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
    assert.equal((await get(s, GET('/', 'X-Client: slow\r\n')))?.head.status, 200);
  });
});

describe('more actions', () => {
  it('unset-var removes a variable set earlier in the same transaction', async () => {
    const s = await start(
      cfg(`  http-request set-var(txn.who) req.hdr(x-who)
  http-request unset-var(txn.who) if { path /forget }
  http-request set-header X-Var %[var(txn.who)] if { var(txn.who) -m found }`),
    );
    await get(s, GET('/keep', 'X-Who: ann\r\n'));
    await get(s, GET('/forget', 'X-Who: bob\r\n'));
    assert.match(s.bes[0]!.requests[0]!.rawHead, /\r\nX-Var: ann\r\n/);
    assert.doesNotMatch(s.bes[0]!.requests[1]!.rawHead, /X-Var/);
  });

  it('http-response add-header appends and replace-header rewrites a response field', async () => {
    const s = await start(
      cfg(`  http-response add-header X-Extra one
  http-response add-header X-Extra two
  http-response replace-header Set-Cookie (.*) \\1;\\ Secure`),
      [['s1', () => okResponse('ok', 'Set-Cookie: a=1\r\n')] as never],
    );
    const res = await get(s, GET('/'));
    const h = res!.head;
    const extras = h.headers.filter((_v, i) => i % 2 === 1 && h.names[(i - 1) / 2] === 'x-extra');
    assert.deepEqual(extras, ['one', 'two']);
    assert.equal(header(res, 'set-cookie'), 'a=1; Secure');
  });

  it('track-sc1 and track-sc2 fill their own slots, read by sc_http_req_cnt(1) / sc2_http_req_cnt', async () => {
    const s = await start(
      cfg(
        `  http-request track-sc1 req.hdr(x-a) table t1
  http-request track-sc2 req.hdr(x-b) table t2
  http-request set-header X-C1 %[sc_http_req_cnt(1)]
  http-request set-header X-C2 %[sc2_http_req_cnt]`,
        '',
        `backend t1
  stick-table type string len 8 size 10 store http_req_cnt
backend t2
  stick-table type string len 8 size 10 store http_req_cnt
`,
      ),
    );
    await get(s, GET('/', 'X-A: a\r\nX-B: b\r\n'));
    await get(s, GET('/', 'X-A: a\r\nX-B: c\r\n'));
    const raw = s.bes[0]!.requests[1]!.rawHead;
    assert.match(raw, /X-C1: 2\r\n/);
    assert.match(raw, /X-C2: 1\r\n/);
  });
});

describe('rate limiting end to end', () => {
  it('http_err_rate: a client causing errors is denied, and the entry expires', async () => {
    const s = await start(
      cfg(
        `  http-request track-sc0 req.hdr(x-client) table be
  http-request deny deny_status 429 if { sc_http_err_rate(0) gt 1 }`,
        '  stick-table type string len 16 size 1k expire 1500ms store http_err_rate(10s)',
      ),
      [
        [
          's1',
          (q: { head: { path: string } }) =>
            q.head.path === '/missing'
              ? 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n'
              : okResponse('ok'),
        ] as never,
      ],
    );
    const st = async (path: string) => (await get(s, GET(path, 'X-Client: scanner\r\n')))?.head.status;
    assert.equal(await st('/missing'), 404);
    assert.equal(await st('/missing'), 404);
    assert.equal(await st('/'), 429, 'two errors in the period: denied');
    assert.equal((await get(s, GET('/', 'X-Client: other\r\n')))?.head.status, 200);
    // The entry expires 1.5 s after its last update (the denied request touched it).
    await new Promise((r) => setTimeout(r, 1800));
    assert.equal(await st('/'), 200, 'expired: a fresh entry');
  });

  it('return … lf-file: the file is a log-format template read at load time', async () => {
    const s = await start(
      cfg('  http-request return status 200 content-type text/plain lf-file @DIR@/tpl.txt'),
      ['s1'],
      { 'tpl.txt': 'path=%[path] method=%[method]' },
    );
    const res = await get(s, GET('/x/y'));
    assert.equal(res?.body.toString(), 'path=/x/y method=GET');
  });
});

describe('redirect scheme https if !{ ssl_fc }', () => {
  it('a plain request is redirected to https, the same request over TLS is served', async () => {
    const pki = new TestPki();
    const leaf = pki.leaf('site.pem', { cn: 'www.example.com' });
    const s = await start(
      `${DEFAULTS}
frontend fe
  bind 127.0.0.1:0
  bind 127.0.0.1:0 ssl crt ${leaf.pem}
  http-request redirect scheme https code 301 if !{ ssl_fc }
  default_backend be
backend be
  server s1 127.0.0.1:@S1@
`,
    );
    const plain = await get(s, GET('/a?b=1'));
    assert.equal(plain?.head.status, 301);
    assert.equal(header(plain, 'location'), 'https://www.example.com/a?b=1');
    const tlsPort = (s.r.engine.frontend('fe')!.listeners[1]!.server.address() as net.AddressInfo).port;
    const body = await new Promise<string>((resolve, reject) => {
      const c = tls.connect({
        port: tlsPort,
        host: '127.0.0.1',
        servername: 'www.example.com',
        rejectUnauthorized: false,
      });
      let out = '';
      c.on('data', (d) => {
        out += d.toString('latin1');
      });
      c.on('error', reject);
      c.on('end', () => resolve(out));
      c.write('GET /a HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n');
    });
    assert.match(body, /^HTTP\/1\.1 200 /);
    assert.ok(body.endsWith('s1'));
    rmSync(pki.dir, { recursive: true, force: true });
  });
});
