/**
 * Sample expressions `fetch(args),conv…` (configuration.txt 7.3): the
 * single value each L7 fetch returns, the argument syntax (quotes,
 * escapes), every converter with the examples of 7.3.1, type checks, the
 * request/response direction of `hdr()`, and the start-up errors with the
 * file:line of the directive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors.js';
import type { CompileOptions } from '../../src/proxy/acl/compile.js';
import type { SampleContext, SampleValue } from '../../src/proxy/acl/types.js';
import { compileExpr } from '../../src/proxy/sample/expr.js';
import { VarStore } from '../../src/proxy/sample/vars.js';
import { conn4, httpCtx, loc, respHead, tls13 } from './l7-context.js';

const REQ: CompileOptions = { maxLayer: 'l7', stage: 'http-request' };
const RES: CompileOptions = { maxLayer: 'l7', stage: 'http-response' };

const ev = (text: string, ctx: SampleContext, opts: CompileOptions = REQ): SampleValue | undefined =>
  compileExpr(text, loc, 'http-request set-var', opts).eval(ctx);

const text = (v: SampleValue | undefined) =>
  v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v;

function throwsCode(expr: string, code: string, why: RegExp, opts: CompileOptions = REQ): void {
  assert.throws(
    () => compileExpr(expr, loc, 'http-request set-var', opts),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, /^l7\.cfg:42: http-request set-var: /);
      assert.match(e.message, why);
      return true;
    },
  );
}

describe('L7 fetches as single values', () => {
  const ctx = httpCtx(
    [
      'POST /shop/cart.php?item=12&qty=3&item=14 HTTP/1.1',
      'Host: shop.example.com',
      'Via: 1.1 a, 1.0 b',
      'Accept: text/html, application/json',
      'Accept: */*',
      'Cookie: id=1; theme=dark',
      'Cookie: id=2',
      'Content-Length: 0',
    ].join('\n'),
  );

  it('request line: method, url, path, pathq, query, base, baseq, req.ver', () => {
    assert.equal(ev('method', ctx), 'POST');
    assert.equal(ev('url', ctx), '/shop/cart.php?item=12&qty=3&item=14');
    assert.equal(ev('path', ctx), '/shop/cart.php');
    assert.equal(ev('pathq', ctx), '/shop/cart.php?item=12&qty=3&item=14');
    assert.equal(ev('query', ctx), 'item=12&qty=3&item=14');
    assert.equal(ev('query(with_qm)', ctx), '?item=12&qty=3&item=14');
    assert.equal(ev('base', ctx), 'shop.example.com/shop/cart.php');
    assert.equal(ev('baseq', ctx), 'shop.example.com/shop/cart.php?item=12&qty=3&item=14');
    assert.equal(ev('req.ver', ctx), '1.1');
  });

  it('absolute, asterisk and authority targets; base without Host is the path', () => {
    const abs = httpCtx('GET https://h.example:8443/a/b?c=d HTTP/1.0');
    assert.equal(ev('path', abs), '/a/b');
    assert.equal(ev('url', abs), 'https://h.example:8443/a/b?c=d');
    assert.equal(ev('base', abs), '/a/b');
    assert.equal(ev('req.ver', abs), '1.0');
    assert.equal(ev('path', httpCtx('GET http://h.example HTTP/1.0')), undefined);
    assert.equal(ev('path', httpCtx('OPTIONS * HTTP/1.1\nHost: h')), undefined);
    assert.equal(ev('path', httpCtx('CONNECT h:443 HTTP/1.1\nHost: h:443')), undefined);
    assert.equal(ev('query', httpCtx('GET /x? HTTP/1.1\nHost: h')), '');
    assert.equal(ev('query', httpCtx('GET /x HTTP/1.1\nHost: h')), undefined);
  });

  it('url_param/urlp: the first occurrence; urlp_val converts', () => {
    assert.equal(ev('url_param(item)', ctx), '12');
    assert.equal(ev('urlp(qty)', ctx), '3');
    assert.equal(ev('urlp', ctx), '12');
    assert.equal(ev('urlp_val(qty)', ctx), 3);
    assert.equal(ev('urlp(nope)', ctx), undefined);
  });

  it('hdr: last comma-separated value by default, occurrences from the first or the last', () => {
    assert.equal(ev('hdr(accept)', ctx), '*/*');
    assert.equal(ev('req.hdr(Accept,1)', ctx), 'text/html');
    assert.equal(ev('hdr(accept,2)', ctx), 'application/json');
    assert.equal(ev('hdr(accept,-2)', ctx), 'application/json');
    assert.equal(ev('hdr(accept,-3)', ctx), 'text/html');
    assert.equal(ev('hdr(accept,4)', ctx), undefined);
    assert.equal(ev('hdr(accept,-4)', ctx), undefined);
    assert.equal(ev('req.fhdr(accept)', ctx), '*/*');
    assert.equal(ev('req.fhdr(accept,1)', ctx), 'text/html, application/json');
    assert.equal(ev('req.fhdr(via)', ctx), '1.1 a, 1.0 b');
    assert.equal(ev('hdr(via)', ctx), '1.0 b');
    assert.equal(ev('hdr_cnt(accept)', ctx), 3);
    assert.equal(ev('req.fhdr_cnt(accept)', ctx), 2);
    assert.equal(ev('hdr_val(content-length)', ctx), 0);
    assert.equal(ev('hdr(x-none)', ctx), undefined);
  });

  it('occurrences further back than ten are not found (MAX_HDR_HISTORY)', () => {
    const many = httpCtx(
      ['GET / HTTP/1.1', 'Host: h', ...Array.from({ length: 12 }, (_, i) => `X-N: ${i}`)].join('\n'),
    );
    assert.equal(ev('hdr(x-n,-10)', many), '2');
    assert.equal(ev('hdr(x-n,12)', many), '11');
    throwsCode('hdr(x-n,-11)', 'CFG_BAD_ARGS', /header occurrence must be >= -10/);
  });

  it('cook: last cookie of a name, the first cookie without a name; counts and values', () => {
    assert.equal(ev('cook(id)', ctx), '2');
    assert.equal(ev('req.cook(theme)', ctx), 'dark');
    assert.equal(ev('cook', ctx), '1');
    assert.equal(ev('cook_cnt(id)', ctx), 2);
    assert.equal(ev('req.cook_cnt', ctx), 3);
    assert.equal(ev('cook_val(id)', ctx), 2);
    assert.equal(ev('cook(ID)', ctx), undefined);
  });

  it('hdr() follows the stage direction; res.* and status read the response', () => {
    const resp = respHead('HTTP/1.1 404 Not Found\nX-Who: server\nSet-Cookie: SRV=b2; Path=/');
    const r = httpCtx('GET / HTTP/1.1\nHost: h\nX-Who: client', { resp });
    assert.equal(ev('hdr(x-who)', r), 'client');
    assert.equal(ev('hdr(x-who)', r, RES), 'server');
    assert.equal(ev('req.hdr(x-who)', r, RES), 'client');
    assert.equal(ev('res.hdr(x-who)', r, RES), 'server');
    assert.equal(ev('cookie(SRV)', r, RES), 'b2');
    assert.equal(ev('res.cook(SRV)', r, RES), 'b2');
    assert.equal(ev('status', r, RES), 404);
    assert.equal(ev('status', httpCtx('GET / HTTP/1.1\nHost: h', { resp, status: 302 }), RES), 302);
    assert.equal(ev('res.ver', r, RES), '1.1');
    assert.equal(ev('hdr(x-who)', r, { ...REQ, side: 'log' }), 'client');
    assert.equal(ev('status', r, { ...REQ, side: 'log' }), 404);
    throwsCode('status', 'CFG_CONFLICT', /'status' reads the response/);
    throwsCode('res.hdr(x)', 'CFG_CONFLICT', /reads the response/);
  });

  it('var() keeps the stored type; ssl_fc* read the TLS session; constants', () => {
    const vars = new VarStore(new Map());
    vars.set('txn', 'n', 41);
    vars.set('sess', 'who', 'alice');
    const c = { ...httpCtx('GET / HTTP/1.1\nHost: h', { vars }), tls: tls13 };
    const n = compileExpr('var(txn.n)', loc, 'x', REQ);
    assert.equal(n.anyType, true);
    assert.equal(n.eval(c), 41);
    assert.equal(ev('var(sess.who)', c), 'alice');
    assert.equal(ev('var(txn.none)', c), undefined);
    assert.equal(ev('var(txn.none,fallback)', c), 'fallback');
    assert.equal(ev('ssl_fc', c), true);
    assert.equal(ev('ssl_fc', { conn: conn4 }, { maxLayer: 'l5', stage: 'tcp-request session' }), false);
    assert.equal(ev('ssl_fc_sni', c), 'www.example.com');
    assert.equal(ev('ssl_fc_protocol', c), 'TLSv1.3');
    assert.equal(ev('ssl_fc_cipher', c), 'TLS_AES_128_GCM_SHA256');
    assert.equal(ev('ssl_fc_alpn', c), 'http/1.1');
    assert.equal(ev('int(-5)', c), -5);
    assert.equal(ev('bool(true)', c), true);
  });
});

describe('argument syntax', () => {
  const ctx = httpCtx('GET / HTTP/1.1\nHost: h\nX-Path: /////a///b/c/xzxyz/');

  it('quotes protect commas and parentheses; backslash escapes; () is one empty argument', () => {
    assert.equal(ev('str("a,b)c")', ctx), 'a,b)c');
    assert.equal(ev("str('it''s')", ctx), 'its');
    assert.equal(ev('str(a\\\\b)', ctx), 'a\\b');
    // An unknown escape keeps its backslash and the comma still ends the argument.
    throwsCode('str(a\\,b)', 'CFG_BAD_ARGS', /wrong number of arguments for 'str'/);
    assert.equal(ev('str("x\\"y")', ctx), 'x"y');
    assert.equal(ev('str(a\\ b)', ctx), 'a b');
    assert.equal(ev("str('a\\ b')", ctx), 'a\\ b');
    assert.equal(ev('str(x),,lower', ctx), 'x');
    assert.equal(ev('hdr()', ctx), '/////a///b/c/xzxyz/');
  });

  it('the configuration.txt regsub examples, flags g and i, \\N and \\xHH in the substitution', () => {
    assert.equal(ev("hdr(x-path),regsub('/+','/','g')", ctx), '/a/b/c/xzxyz/');
    assert.equal(ev("hdr(x-path),regsub('/+','/')", ctx), '/a///b/c/xzxyz/');
    assert.equal(ev('str(/Bar12/x),regsub("(foo|bar)([0-9]+)?","\\2\\1",i)', ctx), '/12Bar/x');
    assert.equal(ev('str(ab),regsub(b,\\x41)', ctx), 'aA');
    assert.equal(ev('str(ab),regsub("(a)","[\\1\\5]")', ctx), '[a]b');
    assert.equal(ev('str(aaa),regsub(x*,-,g)', ctx), '-a-a-a-');
  });
});

describe('converters', () => {
  const ctx = httpCtx('GET / HTTP/1.1\nHost: h');

  it('lower, upper (ASCII only), length, hex, base64 and b64dec', () => {
    assert.equal(ev('str(AbC\u00c9),lower', ctx), 'abc\u00c9');
    assert.equal(ev('str(aBc\u00e9),upper', ctx), 'ABC\u00e9');
    assert.equal(ev('str(hello),length', ctx), 5);
    assert.equal(ev('str(Hi!),hex', ctx), '486921');
    assert.equal(ev('str(hello),base64', ctx), 'aGVsbG8=');
    assert.equal(text(ev('str(aGVsbG8=),b64dec', ctx)), 'hello');
    assert.equal(ev('str(aGVsbG8),b64dec', ctx), undefined);
    assert.equal(ev('str(aGV$bG8=),b64dec', ctx), undefined);
    assert.equal(ev('int(258),hex', ctx), '0000000000000102');
  });

  it('field and word, with the examples of configuration.txt 7.3.1', () => {
    const cases: [string, string | undefined][] = [
      ['field(4,_)', ''],
      ['field(5,_)', 'f5'],
      ['field(2,_,0)', 'f2_f3__f5'],
      ['field(2,_,2)', 'f2_f3'],
      ['field(-2,_,3)', 'f2_f3_'],
      ['field(-3,_,0)', 'f1_f2_f3'],
      ['field(6,_)', undefined],
      ['word(4,_)', 'f5'],
      ['word(5,_)', undefined],
      ['word(2,_,0)', 'f2_f3__f5'],
      ['word(3,_,2)', 'f3__f5'],
      ['word(-2,_,3)', 'f1_f2_f3'],
      ['word(-3,_,0)', 'f1_f2'],
    ];
    for (const [conv, want] of cases) assert.equal(ev(`str(f1_f2_f3__f5),${conv}`, ctx), want, conv);
    assert.equal(ev('str(/f1/f2/f3/f4),word(1,/)', ctx), 'f1');
    assert.equal(ev('str(a.b-c),field(2,.-)', ctx), 'b');
  });

  it('json escapes quotes, backslashes, slashes and control characters; utf8 modes', () => {
    assert.equal(ev('str(\'Very "Ugly" UA 1/2\'),json', ctx), 'Very \\"Ugly\\" UA 1\\/2');
    assert.equal(ev('str(a\\tb),json', ctx), 'a\\tb');
    assert.equal(ev('str(\u00e9),json', ctx), '\\u00e9');
    // "é" sent as UTF-8 bytes reads as one code point in utf8 mode.
    assert.equal(ev('str(\u00c3\u00a9),json(utf8)', ctx), '\\u00e9');
    assert.equal(ev('str(a\u00ffb),json(utf8)', ctx), undefined);
    assert.equal(ev('str(a\u00ffb),json(utf8s)', ctx), 'ab');
  });

  it('bytes with numbers and variables; ipmask on IPv4, mapped and IPv6 addresses; concat', () => {
    const vars = new VarStore(new Map());
    vars.set('txn', 'start', 1);
    vars.set('txn', 'len', 3);
    vars.set('txn', 'who', 'bob');
    const c = httpCtx('GET / HTTP/1.1\nHost: h', {
      vars,
      conn: { ...conn4, srcAddr: '::ffff:192.0.2.77', family: 'ipv6' },
    });
    assert.equal(text(ev('str(012345),bytes(0)', c)), '012345');
    assert.equal(text(ev('str(012345),bytes(1,3)', c)), '123');
    assert.equal(text(ev('str(012345),bytes(txn.start,txn.len)', c)), '123');
    assert.equal(text(ev('str(012345),bytes(9)', c)), '');
    assert.equal(text(ev('str(012345),bytes(4,10)', c)), '45');
    assert.equal(ev('str(012345),bytes(txn.nothing)', c), undefined);
    assert.equal(ev('src,ipmask(24)', c), '192.0.2.0');
    assert.equal(ev('str(10.1.2.3),ipmask(255.255.0.0)', c), '10.1.0.0');
    assert.equal(ev('str(2001:db8:1:2::9),ipmask(24,64)', c), '2001:db8:1:2::');
    assert.equal(ev('str(2001:db8::9),ipmask(24)', c), undefined);
    assert.equal(ev('str(user=),concat(<,txn.who,>)', c), 'user=<bob>');
    assert.equal(ev('str(x),concat(-,txn.none,!)', c), 'x-!');
    assert.equal(ev('var(txn.len),concat(s)', c), '3s');
  });
});

describe('start-up errors', () => {
  it('unknown fetches and converters, wrong arguments, bad types and regexes', () => {
    throwsCode('nosuch', 'CFG_UNSUPPORTED', /unknown or unsupported sample fetch 'nosuch'/);
    throwsCode('path,nosuch', 'CFG_UNSUPPORTED', /unknown or unsupported converter 'nosuch'/);
    throwsCode('path,lower(1)', 'CFG_BAD_ARGS', /converter 'lower' does not support any args/);
    throwsCode('path,field(1)', 'CFG_BAD_ARGS', /wrong number of arguments for converter 'field'/);
    throwsCode('path,field(0,_)', 'CFG_BAD_ARGS', /index must not be 0/);
    throwsCode('path,field(x,_)', 'CFG_BAD_ARGS', /index must be an integer/);
    throwsCode('path,regsub("(",x)', 'CFG_BAD_ARGS', /invalid regular expression '\('/);
    throwsCode('path,regsub(a,b,gx)', 'CFG_BAD_ARGS', /invalid regex flag 'x'/);
    throwsCode('path,json(latin9)', 'CFG_BAD_ARGS', /unexpected input code type/);
    throwsCode('path,ipmask(33)', 'CFG_BAD_ARGS', /invalid IPv4 mask '33'/);
    throwsCode(
      'path,b64dec,ipmask(24)',
      'CFG_BAD_ARGS',
      /converter 'ipmask' cannot be applied to a bin sample/,
    );
    throwsCode('ssl_fc,ipmask(24)', 'CFG_BAD_ARGS', /cannot be applied to a bool sample/);
    throwsCode('int(x1)', 'CFG_BAD_ARGS', /'x1' is not an integer/);
    throwsCode('hdr(a,1,2)', 'CFG_BAD_ARGS', /wrong number of arguments for 'hdr'/);
    throwsCode('hdr(a', 'CFG_BAD_ARGS', /missing closing '\)'/);
    throwsCode('path lower', 'CFG_BAD_ARGS', /missing comma after fetch/);
    throwsCode(',lower', 'CFG_BAD_ARGS', /missing fetch method name/);
    throwsCode('path', 'CFG_CONFLICT', /'path' is not available in a 'tcp-request connection' rule/, {
      maxLayer: 'l4',
      stage: 'tcp-request connection',
    });
  });
});
