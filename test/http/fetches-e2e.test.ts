/**
 * HTTP sample fetches through real sockets (configuration.txt 7.3.3, 7.3.4,
 * 7.3.6, 7.4): each fetch as a sample (`%[…]` in a header the server then
 * receives) and as an ACL (a header set only `if { … }` matches), checked
 * against what the document says the fetch returns — last value versus any
 * value, occurrences, comma splitting, absolute-form URIs, predefined ACLs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Method, type MethodId } from '../../src/proxy/http/head.js';
import { DEFAULTS, exchange, field, lineOf, responseField, startError } from './acl-e2e-helpers.js';
import { startText, type TextSetup } from './rules-helpers.js';
import type { Received } from './servers.js';

const open: TextSetup[] = [];
after(async () => {
  for (const s of open.splice(0)) await s.close();
});

/** Frontends `name` → rule lines, all forwarding to backend `be`. */
function frontends(fes: Readonly<Record<string, string>>, beRules = ''): string {
  let text = DEFAULTS;
  for (const [name, rules] of Object.entries(fes)) {
    text += `frontend ${name}\n  bind 127.0.0.1:0\n${rules}\n  default_backend be\n`;
  }
  return `${text}backend be\n${beRules}\n  server s1 127.0.0.1:@S1@\n`;
}

/** `http-request set-header X-F-<name> %[<expr>]` for each pair. */
const sampleRules = (pairs: readonly (readonly [string, string])[]) =>
  pairs.map(([name, expr]) => `  http-request set-header X-F-${name} %[${expr}]`).join('\n');

/** Sends `raw` to frontend `fe` and returns what the server received for it. */
async function forwarded(s: TextSetup, fe: string, raw: string, method: MethodId = Method.GET) {
  const before = s.bes[0]!.requests.length;
  const res = await exchange(s.r.port(fe), raw, method);
  assert.equal(res?.head.status, 200, `${fe}: ${raw.split('\r\n')[0]}`);
  assert.equal(s.bes[0]!.requests.length, before + 1);
  return s.bes[0]!.requests.at(-1)!;
}

/** Asserts the X-F-<name> fields the server received; '' is an empty field. */
function expectSamples(req: Received, want: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(want)) {
    assert.equal(field(req.head, `x-f-${name}`), value, `%[…] for X-F-${name}`);
  }
}

// Origin-form request with list headers, repeated fields and cookies.
const ORIGIN = [
  'GET /a/b.html?ax=0&x=1&y=2&x=3 HTTP/1.1',
  'Host: www.example.com',
  'X-List: a, b',
  'X-Q: "a,b", c',
  'X-List: c,d',
  'User-Agent: Mozilla/5.0 (X11, Linux)',
  'X-Num: 12abc',
  'Cookie: a=1; b=2',
  'Cookie:  c = 4 ;a=3',
  '',
  '',
].join('\r\n');
// Absolute-form request (a proxy client): path and base leave the scheme and authority out.
const ABSOLUTE =
  'GET http://Other.Example.org:8080/img/logo.PNG?k=v HTTP/1.1\r\nHost: other.example.org:8080\r\n\r\n';
// HTTP/1.0 without Host, with `x=1` and `;jsessionid=` in the path but no '?'.
const NO_QUERY = 'GET /x=1/img;jsessionid=abc HTTP/1.0\r\n\r\n';

describe('fetches as samples in http-request set-header', () => {
  let s: TextSetup;
  before(async () => {
    s = await startText(
      frontends({
        line: sampleRules([
          ['path', 'path'],
          ['url', 'url'],
          ['query', 'query'],
          ['method', 'method'],
          ['base', 'base'],
          ['urlp-x', 'url_param(x)'],
          ['urlp-y', 'url_param(y)'],
          ['urlp-k', 'url_param(k)'],
          ['urlp-any', 'url_param'],
          ['urlp-jsid', 'url_param(jsessionid,;)'],
        ]),
        hdrs: sampleRules([
          ['hdr', 'hdr(x-list)'],
          ['hdr-1', 'hdr(x-list,1)'],
          ['hdr-2', 'hdr(x-list,2)'],
          ['hdr-m1', 'hdr(x-list,-1)'],
          ['hdr-m2', 'hdr(x-list,-2)'],
          ['hdr-9', 'hdr(x-list,9)'],
          ['req.hdr', 'req.hdr(x-list)'],
          ['fhdr', 'req.fhdr(x-list)'],
          ['fhdr-1', 'req.fhdr(x-list,1)'],
          ['hdr-ua', 'hdr(user-agent)'],
          ['fhdr-ua', 'req.fhdr(user-agent)'],
          ['hdr-q', 'hdr(x-q)'],
          ['hdr-q-1', 'hdr(x-q,1)'],
          ['hdr-NAME', 'hdr(X-LIST)'],
          ['hdr_cnt', 'hdr_cnt(x-list)'],
          ['hdr_cnt-none', 'hdr_cnt(x-none)'],
          ['fhdr_cnt', 'req.fhdr_cnt(x-list)'],
          ['hdr_val', 'hdr_val(x-num)'],
        ]),
        misc: sampleRules([
          ['cook-a', 'cook(a)'],
          ['cook-b', 'cook(b)'],
          ['cook-c', 'cook(c)'],
          ['cook-any', 'cook()'],
          ['cook-upper', 'cook(A)'],
          ['cook_cnt', 'cook_cnt(a)'],
          ['src', 'src'],
          ['dst', 'dst'],
          ['dst_port', 'dst_port'],
          ['ssl_fc', 'ssl_fc'],
        ]),
        vars: `  http-request set-var(txn.m) method
  http-request set-var(txn.p) path,upper
${sampleRules([
  ['var', 'var(txn.m)'],
  ['var-conv', 'var(txn.p)'],
  ['var-none', 'var(txn.none)'],
  ['var-default', 'var(txn.none,dflt)'],
])}`,
      }),
    );
    open.push(s);
  });

  it('path, url, query, method, base and url_param on an origin-form target', async () => {
    const req = await forwarded(s, 'line', ORIGIN);
    expectSamples(req, {
      path: '/a/b.html',
      url: '/a/b.html?ax=0&x=1&y=2&x=3',
      query: 'ax=0&x=1&y=2&x=3',
      method: 'GET',
      base: 'www.example.com/a/b.html',
      // The first x (not the one inside "ax"); without a name, the first parameter.
      'urlp-x': '1',
      'urlp-y': '2',
      'urlp-k': '',
      'urlp-any': '0',
      'urlp-jsid': '',
    });
  });

  it('an absolute-form target: path and base without scheme and authority, url as received', async () => {
    const req = await forwarded(s, 'line', ABSOLUTE);
    expectSamples(req, {
      path: '/img/logo.PNG',
      url: 'http://Other.Example.org:8080/img/logo.PNG?k=v',
      query: 'k=v',
      base: 'other.example.org:8080/img/logo.PNG',
      'urlp-k': 'v',
    });
  });

  it('without "?": no url_param, url_param(n,;) reads ";" parameters, base is the bare path', async () => {
    const req = await forwarded(s, 'line', NO_QUERY);
    expectSamples(req, {
      path: '/x=1/img;jsessionid=abc',
      query: '',
      'urlp-x': '',
      'urlp-any': '',
      'urlp-jsid': 'abc',
      base: '/x=1/img;jsessionid=abc',
    });
  });

  it('hdr(): the last comma-separated value, occurrences count values; req.fhdr(): whole lines', async () => {
    const req = await forwarded(s, 'hdrs', ORIGIN);
    expectSamples(req, {
      hdr: 'd',
      'hdr-1': 'a',
      'hdr-2': 'b',
      'hdr-m1': 'd',
      'hdr-m2': 'c',
      'hdr-9': '',
      'req.hdr': 'd',
      fhdr: 'c,d',
      'fhdr-1': 'a, b',
      'hdr-ua': 'Linux)',
      'fhdr-ua': 'Mozilla/5.0 (X11, Linux)',
      // A comma inside a quoted-string does not split the value.
      'hdr-q': 'c',
      'hdr-q-1': '"a,b"',
      'hdr-NAME': 'd',
      hdr_cnt: '4',
      'hdr_cnt-none': '0',
      fhdr_cnt: '2',
      // hdr_val converts the leading integer.
      hdr_val: '12',
    });
  });

  it('cook(): the last cookie of that name in any Cookie field; the first cookie without a name', async () => {
    const req = await forwarded(s, 'misc', ORIGIN);
    expectSamples(req, {
      'cook-a': '3',
      'cook-b': '2',
      'cook-c': '4',
      'cook-any': '1',
      'cook-upper': '',
      cook_cnt: '2',
    });
  });

  it('src, dst, dst_port of the client connection; ssl_fc is false (0) on a clear bind', async () => {
    const req = await forwarded(s, 'misc', ORIGIN);
    expectSamples(req, {
      src: '127.0.0.1',
      dst: '127.0.0.1',
      dst_port: String(s.r.port('misc')),
      ssl_fc: '0',
    });
  });

  it('var() returns what set-var stored, its default, or an empty field', async () => {
    const req = await forwarded(s, 'vars', ORIGIN);
    expectSamples(req, { var: 'GET', 'var-conv': '/A/B.HTML', 'var-none': '', 'var-default': 'dflt' });
  });
});

describe('fetches in http-response rules', () => {
  let s: TextSetup;
  before(async () => {
    const text = frontends(
      {
        fe: `  http-request set-var(txn.path) path
  http-response set-header X-R-status %[status]
  http-response set-header X-R-res.hdr %[res.hdr(x-s)]
  http-response set-header X-R-res.hdr-1 %[res.hdr(x-s,1)]
  http-response set-header X-R-hdr %[hdr(x-s)]
  http-response set-header X-R-shdr_cnt %[shdr_cnt(x-s)]
  http-response set-header X-R-var %[var(txn.path)]
  http-response set-header X-RA-status 1 if { status 203 }
  http-response set-header X-RA-range 1 if { status 200:299 }
  http-response set-header X-RA-not 1 if { status 200 }
  http-response set-header X-RA-any 1 if { res.hdr(x-s) one }
  http-response set-header X-RA-occ 1 if { res.hdr(x-s,1) two }
  http-response set-header X-RA-shdr 1 if { shdr_beg(x-s) tw }
  http-response set-header X-RA-var 1 if { var(txn.path) -m beg /r }`,
      },
      '  http-response set-header X-R-be-status %[status]',
    );
    s = await startText(text, [
      ['s1', () => 'HTTP/1.1 203 Partial\r\nX-S: one, two\r\ncontent-length: 2\r\n\r\nok'],
    ]);
    open.push(s);
  });

  it('status, res.hdr, hdr (the response side), shdr_cnt and var() as samples and in ACLs', async () => {
    const res = await exchange(s.r.port('fe'), 'GET /r HTTP/1.1\r\nHost: h\r\nX-S: request-side\r\n\r\n');
    assert.equal(res?.head.status, 203);
    const want: Record<string, string | undefined> = {
      'x-r-status': '203',
      'x-r-be-status': '203',
      'x-r-res.hdr': 'two',
      'x-r-res.hdr-1': 'one',
      'x-r-hdr': 'two',
      'x-r-shdr_cnt': '2',
      'x-r-var': '/r',
      'x-ra-status': '1',
      'x-ra-range': '1',
      'x-ra-not': undefined,
      'x-ra-any': '1',
      'x-ra-occ': undefined,
      'x-ra-shdr': '1',
      'x-ra-var': '1',
    };
    for (const [name, value] of Object.entries(want)) assert.equal(responseField(res, name), value, name);
  });
});

/**
 * The ACL table: requests R1…R8, and for each condition the requests it
 * must match. A condition sets `X-A-<n>` when it matches; every condition
 * is checked on every request, so a fetch that matches too much fails as
 * surely as one that matches too little.
 */
const REQUESTS: readonly (readonly [string, MethodId?])[] = [
  [ORIGIN],
  [
    'POST http://Other.Example.org:8080/img/logo.PNG HTTP/1.1\r\nHost: other.example.org:8080\r\nContent-Length: 3\r\n\r\nabc',
  ],
  ['GET /x=1/img;jsessionid=abc HTTP/1.0\r\nX-Num: 7\r\n\r\n'],
  ['OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n'],
  ['GET /q? HTTP/1.1\r\nHost: h\r\n\r\n'],
  ['HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n', Method.HEAD],
  ['PURGE /p HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
  ['PUT /p HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
];
const ALL = '1 2 3 4 5 6 7 8';

const ACL_CASES: readonly (readonly [condition: string, matches: string])[] = [
  // path excludes the query string and the authority of an absolute URI; none for '*'.
  ['{ path /a/b.html }', '1'],
  ['{ path_beg /a/b.html? }', ''],
  ['{ path /img/logo.PNG }', '2'],
  ['{ path_beg /img }', '2'],
  ['{ path_beg /x=1/img }', '3'],
  ['{ path_end .html }', '1'],
  ['{ path_end .png }', ''],
  ['{ path_end -i .png }', '2'],
  ['{ path_sub logo }', '2'],
  ['{ path_reg ^/a/[a-z]+\\.html$ }', '1'],
  ['{ path_dir img }', '2'],
  ['{ path_dir a/b.html }', '1'],
  ['{ path_dir b }', ''],
  ['{ path -m found }', '1 2 3 5 6 7 8'],
  // url is the target as received.
  ['{ url /a/b.html?ax=0&x=1&y=2&x=3 }', '1'],
  ['{ url_beg http:// }', '2'],
  ['{ url * }', '4'],
  ['{ url_end ? }', '5'],
  ['{ url_sub jsessionid }', '3'],
  ['{ url_dom other }', ''],
  ['{ url_dom -i other }', '2'],
  ['{ url_dom 8080 }', '2'],
  ['{ url_reg ^/q\\?$ }', '5'],
  ['{ url_len 1 }', '4'],
  // url_param: ACLs see every occurrence; only after '?' (or the given delimiter).
  ['{ url_param(x) 3 }', '1'],
  ['{ url_param(x) 1 }', '1'],
  ['{ url_param(x) 0 }', ''],
  ['{ url_param(x) -m found }', '1'],
  ['{ url_param(X) 1 }', ''],
  ['{ url_param(X,?,i) 1 }', '1'],
  ['{ url_param(jsessionid,;) abc }', '3'],
  ['{ urlp_beg(y) 2 }', '1'],
  ['{ url_param -m found }', '1'],
  // query: found even when empty.
  ['{ query -m found }', '1 5'],
  ['{ query -m len 0 }', '5'],
  ['{ query ax=0&x=1&y=2&x=3 }', '1'],
  // method: known methods by identity, others as strings (-i for case).
  ['{ method GET }', '1 3 5'],
  ['{ method GET HEAD }', '1 3 5 6'],
  ['{ method POST }', '2'],
  ['{ method OPTIONS }', '4'],
  ['{ method PURGE }', '7'],
  ['{ method purge }', ''],
  ['{ method -i purge }', '7'],
  // hdr(): any comma-separated value of any occurrence, unless an occurrence is given.
  ['{ hdr(x-list) a }', '1'],
  ['{ hdr(x-list) b }', '1'],
  ['{ hdr(x-list) "a, b" }', ''],
  ['{ hdr(x-list,1) b }', ''],
  ['{ hdr(x-list,1) a }', '1'],
  ['{ hdr(x-list,-1) d }', '1'],
  ['{ hdr(x-list,-1) c }', ''],
  ['{ hdr(x-list,-2) c }', '1'],
  ['{ req.hdr(x-list) c }', '1'],
  ['{ req.fhdr(x-list) "a, b" }', '1'],
  ['{ req.fhdr(x-list) c }', ''],
  ['{ req.fhdr(x-list,-1) c,d }', '1'],
  ['{ hdr(user-agent) "Mozilla/5.0 (X11, Linux)" }', ''],
  ['{ req.fhdr(user-agent) "Mozilla/5.0 (X11, Linux)" }', '1'],
  [`{ hdr(x-q) '"a,b"' }`, '1'],
  ['{ hdr(host) www.example.com }', '1'],
  ['{ hdr(HOST) -i WWW.EXAMPLE.COM }', '1'],
  ['{ hdr(host) WWW.EXAMPLE.COM }', ''],
  ['{ hdr(host) -m found }', '1 2 4 5 6 7 8'],
  ['{ hdr(x-none) -m found }', ''],
  ['{ hdr_beg(host) www. }', '1'],
  ['{ hdr_beg(host) -i OTHER. }', '2'],
  ['{ hdr_end(host) :8080 }', '2'],
  ['{ hdr_sub(user-agent) X11 }', '1'],
  ['{ hdr_reg(x-num) ^[0-9]+$ }', '3'],
  ['{ hdr_len(host) 15 }', '1'],
  ['{ hdr_cnt(x-list) 4 }', '1'],
  ['{ hdr_cnt(x-list) eq 0 }', '2 3 4 5 6 7 8'],
  ['{ req.fhdr_cnt(x-list) 2 }', '1'],
  ['{ hdr_val(x-num) gt 10 }', '1'],
  ['{ hdr_val(x-num) 1:9 }', '3'],
  // cook(): every cookie of that name in every Cookie field; names are case-sensitive.
  ['{ cook(a) 1 }', '1'],
  ['{ cook(a) 3 }', '1'],
  ['{ cook(a) 2 }', ''],
  ['{ cook(b) 2 }', '1'],
  ['{ cook(c) 4 }', '1'],
  ['{ cook(a) -m found }', '1'],
  ['{ cook(A) -m found }', ''],
  ['{ cook_cnt(a) 2 }', '1'],
  // base: first Host value + path; the path alone without Host.
  ['{ base www.example.com/a/b.html }', '1'],
  ['{ base other.example.org:8080/img/logo.PNG }', '2'],
  ['{ base /x=1/img;jsessionid=abc }', '3'],
  ['{ base_beg www.example.com/a/ }', '1'],
  ['{ base h/q }', '5'],
  // Connection fetches.
  ['{ src 127.0.0.1 }', ALL],
  ['{ src 10.0.0.0/8 }', ''],
  ['{ dst 127.0.0.0/8 }', ALL],
  ['{ dst_port 1024:65535 }', ALL],
  ['{ dst_port 1:1023 }', ''],
  ['{ ssl_fc }', ''],
  ['! { ssl_fc }', ALL],
  ['{ ssl_fc -m int 0 }', ALL],
  // A variable set by an earlier rule.
  ['{ var(txn.m) -m str GET }', '1 3 5'],
  ['{ var(txn.m) -m beg P }', '2 7 8'],
  // Predefined ACLs (7.4).
  ['HTTP', ALL],
  ['HTTP_1.0', '3'],
  ['HTTP_1.1', '1 2 4 5 6 7 8'],
  ['HTTP_CONTENT', '2'],
  ['HTTP_URL_ABS', '2'],
  ['HTTP_URL_SLASH', '1 3 5 6 7 8'],
  ['HTTP_URL_STAR', '4'],
  ['METH_GET', '1 3 5 6'],
  ['METH_HEAD', '6'],
  ['METH_POST', '2'],
  ['METH_PUT', '8'],
  ['METH_OPTIONS', '4'],
  ['METH_DELETE', ''],
  ['METH_TRACE', ''],
  ['METH_CONNECT', ''],
  ['TRUE', ALL],
  ['FALSE', ''],
  ['LOCALHOST', ALL],
];

/**
 * Cases per frontend: a request then gains at most this many fields, well
 * inside the rewrite reserve (tune.maxrewrite, 1024 bytes) and the field
 * count limit (tune.http.maxhdr, 101) that HAProxy applies.
 */
const CASES_PER_FRONTEND = 30;

describe('fetches as ACLs', () => {
  it('every condition matches exactly the requests the document says it does', async () => {
    const fes: Record<string, string> = {};
    ACL_CASES.forEach(([cond], i) => {
      const fe = `acl${Math.floor(i / CASES_PER_FRONTEND)}`;
      fes[fe] ??= '  http-request set-var(txn.m) method';
      fes[fe] += `\n  http-request set-header X-A-${i} 1 if ${cond}`;
    });
    const s = await startText(frontends(fes));
    open.push(s);
    const failures: string[] = [];
    for (const [f, fe] of Object.keys(fes).entries()) {
      const cases = ACL_CASES.slice(f * CASES_PER_FRONTEND, (f + 1) * CASES_PER_FRONTEND);
      for (const [r, [raw, method]] of REQUESTS.entries()) {
        const req = await forwarded(s, fe, raw, method);
        cases.forEach(([cond, matches], k) => {
          const want = matches.split(' ').includes(String(r + 1));
          const got = field(req.head, `x-a-${f * CASES_PER_FRONTEND + k}`) === '1';
          if (want !== got) failures.push(`R${r + 1} ${want ? 'should' : 'should not'} match: if ${cond}`);
        });
      }
    }
    assert.deepEqual(failures, []);
    // The rules only add fields: the body and the absolute-form target pass unchanged.
    const post = s.bes[0]!.requests.find((q) => q.head.method === 'POST')!;
    assert.equal(post.body.toString(), 'abc');
    assert.match(post.rawHead, /^POST http:\/\/Other\.Example\.org:8080\/img\/logo\.PNG HTTP\/1\.1\r\n/);
  });
});

describe('converters in %[…] (7.3.1)', () => {
  const MIXED = 'MiXeD Case';
  let s: TextSetup;
  before(async () => {
    s = await startText(
      frontends({
        text: sampleRules([
          ['lower', 'req.fhdr(x-s),lower'],
          ['upper', 'req.fhdr(x-s),upper'],
          ['base64', 'req.fhdr(x-s),base64'],
          ['hex', 'req.fhdr(x-s),hex'],
          ['length', 'req.fhdr(x-s),length'],
          ['chain', 'req.fhdr(x-s),lower,base64'],
          ['bytes-1-3', 'req.fhdr(x-s),bytes(1,3)'],
          ['bytes-2', 'req.fhdr(x-s),bytes(2)'],
          ['bytes-20', 'req.fhdr(x-s),bytes(20)'],
          ['json', 'req.fhdr(user-agent),json'],
          ['json-ascii', 'req.fhdr(x-latin),json(ascii)'],
          ['json-utf8s', 'req.fhdr(x-latin),json(utf8s)'],
          ['json-utf8', 'req.fhdr(x-latin),json(utf8)'],
          ['json-utf8-ok', 'req.fhdr(x-utf8),json(utf8)'],
        ]),
        // The examples of the field and word converters in 7.3.1, verbatim.
        words: sampleRules([
          ['field-4', 'str(f1_f2_f3__f5),field(4,_)'],
          ['field-5', 'str(f1_f2_f3__f5),field(5,_)'],
          ['field-2-0', 'str(f1_f2_f3__f5),field(2,_,0)'],
          ['field-2-2', 'str(f1_f2_f3__f5),field(2,_,2)'],
          ['field-m2-3', 'str(f1_f2_f3__f5),field(-2,_,3)'],
          ['field-m3-0', 'str(f1_f2_f3__f5),field(-3,_,0)'],
          ['word-4', 'str(f1_f2_f3__f5),word(4,_)'],
          ['word-5', 'str(f1_f2_f3__f5),word(5,_)'],
          ['word-2-0', 'str(f1_f2_f3__f5),word(2,_,0)'],
          ['word-3-2', 'str(f1_f2_f3__f5),word(3,_,2)'],
          ['word-m2-3', 'str(f1_f2_f3__f5),word(-2,_,3)'],
          ['word-m3-0', 'str(f1_f2_f3__f5),word(-3,_,0)'],
          ['word-slash', 'str(/f1/f2/f3/f4),word(1,/)'],
        ]),
        // The regsub examples of 7.3.1, quoted as the document quotes them.
        regsub: `  http-request set-header X-F-regsub-g "%[hdr(x-path),regsub('/+','/','g')]"
  http-request set-header X-F-regsub-1 "%[hdr(x-path),regsub('/+','/')]"
  http-request set-header X-F-regsub-q "%[query,regsub([?;&]*,'')]"
  http-request set-header X-F-regsub-ref1 %[url,'regsub("(foo|bar)([0-9]+)?","\\2\\1",i)']
  http-request set-header X-F-regsub-ref2 %[url,regsub(\\"(foo|bar)([0-9]+)?\\",\\"\\2\\1\\",i)]
  http-request set-header X-F-regsub-case "%[req.fhdr(x-s),regsub(mixed,M)]"
  http-request set-header X-F-regsub-i "%[req.fhdr(x-s),regsub(mixed,M,i)]"
  http-request set-header X-F-regsub-gi "%[req.fhdr(x-s),regsub('[a-e]','.',gi)]"`,
        ip: sampleRules([
          ['src-24', 'src,ipmask(24)'],
          ['src-dotted', 'src,ipmask(255.255.0.0)'],
          ['v4-24', 'req.hdr_ip(x-ip4),ipmask(24)'],
          ['v6-64', 'req.hdr_ip(x-ip6),ipmask(24,64)'],
          ['v6-no-mask6', 'req.hdr_ip(x-ip6),ipmask(24)'],
        ]),
        acl: `  http-request set-header X-A-lower 1 if { req.fhdr(x-s),lower -m str "mixed case" }
  http-request set-header X-A-lower-no 1 if { req.fhdr(x-s),lower -m str "MiXeD Case" }
  http-request set-header X-A-length 1 if { req.fhdr(x-s),length gt 9 }
  http-request set-header X-A-length-no 1 if { req.fhdr(x-s),length gt 10 }
  http-request set-header X-A-ipmask 1 if { src,ipmask(8) 127.0.0.0 }
  http-request set-header X-A-field 1 if { path,field(3,/) b.html }
  http-request set-header X-A-upper 1 if { req.fhdr(x-s),upper -m beg MIXED }`,
      }),
    );
    open.push(s);
  });

  const request = (path: string, fields: string) => `GET ${path} HTTP/1.1\r\nHost: h\r\n${fields}\r\n`;

  it('lower, upper, base64, hex, length, bytes and a chain of converters', async () => {
    const req = await forwarded(s, 'text', request('/', `X-S: ${MIXED}\r\n`));
    expectSamples(req, {
      lower: 'mixed case',
      upper: 'MIXED CASE',
      base64: Buffer.from(MIXED).toString('base64'),
      hex: Buffer.from(MIXED).toString('hex').toUpperCase(),
      length: '10',
      chain: Buffer.from(MIXED.toLowerCase()).toString('base64'),
      'bytes-1-3': 'iXe',
      'bytes-2': 'XeD Case',
      'bytes-20': '',
    });
  });

  it('json escapes for a JSON string; its input codes decide what happens to bad UTF-8', async () => {
    const latin = Buffer.from('caf\xe9', 'latin1').toString('latin1');
    const utf8 = Buffer.from('café', 'utf8').toString('latin1');
    const req = await forwarded(
      s,
      'text',
      request('/', `User-Agent: Very "Ugly" UA 1/2\r\nX-Latin: ${latin}\r\nX-UTF8: ${utf8}\r\n`),
    );
    expectSamples(req, {
      // The example of the json converter in 7.3.1.
      json: 'Very \\"Ugly\\" UA 1\\/2',
      'json-ascii': 'caf\\u00e9',
      'json-utf8s': 'caf',
      'json-utf8': '',
      'json-utf8-ok': 'caf\\u00e9',
    });
  });

  it('field and word give the results of the examples in the document', async () => {
    const req = await forwarded(s, 'words', request('/', ''));
    expectSamples(req, {
      'field-4': '',
      'field-5': 'f5',
      'field-2-0': 'f2_f3__f5',
      'field-2-2': 'f2_f3',
      'field-m2-3': 'f2_f3_',
      'field-m3-0': 'f1_f2_f3',
      'word-4': 'f5',
      'word-5': '',
      'word-2-0': 'f2_f3__f5',
      'word-3-2': 'f3__f5',
      'word-m2-3': 'f1_f2_f3',
      'word-m3-0': 'f1_f2',
      'word-slash': 'f1',
    });
  });

  it('regsub: first match or all with g, case with i, back-references', async () => {
    const req = await forwarded(
      s,
      'regsub',
      request('/x/FOO12/y?;&a=1', `X-Path: /////a///b/c/xzxyz/\r\nX-S: ${MIXED}\r\n`),
    );
    expectSamples(req, {
      'regsub-g': '/a/b/c/xzxyz/',
      'regsub-1': '/a///b/c/xzxyz/',
      'regsub-q': 'a=1',
      'regsub-ref1': '/x/12FOO/y?;&a=1',
      'regsub-ref2': '/x/12FOO/y?;&a=1',
      'regsub-case': MIXED,
      'regsub-i': 'M Case',
      'regsub-gi': 'MiX.. ..s.',
    });
  });

  it('ipmask with a prefix length, a dotted mask, and an IPv6 mask (none given: no sample)', async () => {
    const req = await forwarded(s, 'ip', request('/', 'X-IP4: 10.1.2.3\r\nX-IP6: 2001:db8:1:2:3:4:5:6\r\n'));
    expectSamples(req, {
      'src-24': '127.0.0.0',
      'src-dotted': '127.0.0.0',
      'v4-24': '10.1.2.0',
      'v6-64': '2001:db8:1:2::',
      'v6-no-mask6': '',
    });
  });

  it('in ACLs, the match follows the type of the last converter', async () => {
    const req = await forwarded(s, 'acl', request('/a/b.html', `X-S: ${MIXED}\r\n`));
    const names = ['lower', 'lower-no', 'length', 'length-no', 'ipmask', 'field', 'upper'];
    const matched = names.filter((n) => field(req.head, `x-a-${n}`) === '1');
    assert.deepEqual(matched, ['lower', 'length', 'ipmask', 'field', 'upper']);
  });
});

describe('fetch errors at start', () => {
  const one = (rule: string) => frontends({ fe: `  ${rule}` });
  const cases: readonly (readonly [string, RegExp])[] = [
    // ACL derivatives are not sample fetches (7.3.6: "ACL derivatives").
    ['http-request set-header X %[path_beg]', /path_beg/],
    ['http-request set-header X 1 if { hdr_beg(host),lower www }', /converter/],
    ['http-request set-header X 1 if { path_beg -m sub /a }', /-m/],
    ['http-request set-header X %[status]', /status/],
    ['http-request set-header X %[hdr(x,-11)]', /occurrence/],
    ['http-request set-header X %[url_param(a,b,c,d)]', /url_param/],
  ];
  for (const [rule, reason] of cases) {
    it(rule, async () => {
      const text = one(rule);
      const err = await startError(text);
      assert.match(err.message, reason);
      assert.equal(err.loc?.line, lineOf(text, rule));
      assert.match(err.loc?.file ?? '', /haproxy\.cfg$/);
    });
  }
});
