/**
 * HTTP ACLs (configuration.txt 7.3.6 and 7.4) written as in haproxy.cfg and
 * parsed by the loader: URL and header fetches, their ACL keywords
 * (path_beg …), every match method on L7 samples, "any occurrence" matching
 * of headers, cookies and URL parameters, predefined ACLs, the response
 * side, TLS fetches, and the start-up errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAclDef, parseCondition } from '../../src/config/haproxy/acl.js';
import { ConfigError } from '../../src/core/errors.js';
import { AclCompiler, type AclTest, type CompileOptions } from '../../src/proxy/acl/compile.js';
import type { SampleContext } from '../../src/proxy/acl/types.js';
import { VarStore } from '../../src/proxy/sample/vars.js';
import { conn4, httpCtx, loc, respHead, tls13 } from './l7-context.js';

const REQ: CompileOptions = { maxLayer: 'l7', stage: 'http-request' };
const RES: CompileOptions = { maxLayer: 'l7', stage: 'http-response' };

/** `acl t <text>` then `if t`, compiled for `opts`. */
function acl(text: string, opts: CompileOptions = REQ): AclTest {
  const def = parseAclDef('t', text.split(/\s+/), loc, 'acl');
  return new AclCompiler(new Map([['t', [def]]])).condition(parseCondition(['if', 't'], loc, 'acl'), opts);
}

/** A condition on predefined or named ACLs: `if <words>`. */
function cond(words: string, opts: CompileOptions = REQ): AclTest {
  return new AclCompiler(new Map()).condition(parseCondition(['if', ...words.split(' ')], loc, 'acl'), opts);
}

function check(ctx: SampleContext, yes: string[], no: string[], opts: CompileOptions = REQ): void {
  for (const t of yes) assert.equal(acl(t, opts)(ctx), true, `should match: ${t}`);
  for (const t of no) assert.equal(acl(t, opts)(ctx), false, `should not match: ${t}`);
}

function throwsCode(fn: () => unknown, code: string, text: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, /^l7\.cfg:42: acl: /);
    assert.match(e.message, text);
    return true;
  });
}

describe('URL fetches and their ACL keywords', () => {
  const ctx = httpCtx('GET /api/v1/users.json?id=7&lang=fr&id=9 HTTP/1.1\nHost: www.example.com');

  it('path excludes the query string; the path_* keywords imply their match', () => {
    check(
      ctx,
      [
        'path /api/v1/users.json',
        'path_beg /static /api',
        'path_end .json',
        'path_sub v1/us',
        'path_reg ^/api/v[0-9]+/',
        'path_dir v1',
        'path_dir /api/v1',
        'path_dom users',
        'path_len 18',
        'path -m beg /api',
      ],
      [
        'path /api/v1/users.json?id=7&lang=fr&id=9',
        'path_beg /v1',
        'path_end fr',
        'path_dir users',
        'path_dom sers',
      ],
    );
  });

  it('url is the target as received; base is Host followed by the path', () => {
    check(
      ctx,
      [
        'url /api/v1/users.json?id=7&lang=fr&id=9',
        'url_beg /api/v1',
        'url_end id=9',
        'url_sub lang=fr',
        'url_reg [?&]lang=',
        'url_dir api',
        'url_dom json',
        'url_len 36',
        'base www.example.com/api/v1/users.json',
        'base_beg www.example.com/api',
        'base_end users.json',
        'base_sub example.com/api',
        'base_dom example',
        'query id=7&lang=fr&id=9',
        'query -m found',
      ],
      ['url_end .json', 'base www.example.com', 'base_sub id=7'],
    );
  });

  it('url_param and urlp: every occurrence for ACLs, custom delimiter, case-insensitive names', () => {
    check(
      ctx,
      [
        'urlp(id) 7',
        'urlp(id) 9',
        'url_param(lang) fr',
        'urlp_beg(lang) f',
        'urlp(id) -m int gt 8',
        'urlp_val(id) 9',
        'urlp(LANG,,i) fr',
      ],
      ['urlp(id) 8', 'urlp(LANG) fr', 'urlp(missing) -m found', 'urlp_val(id) gt 9'],
    );
    const semi = httpCtx('GET /app;jsessionid=abc123 HTTP/1.1\nHost: h');
    check(semi, ['urlp(jsessionid,;) abc123'], ['urlp(jsessionid) abc123']);
    check(httpCtx('GET /nothing HTTP/1.1\nHost: h'), [], ['query -m found', 'urlp(a) -m found']);
  });
});

describe('header fetches: any occurrence matches, occurrence numbers pick one', () => {
  const ctx = httpCtx(
    [
      'GET / HTTP/1.1',
      'Host: WWW.Example.com',
      'X-Forwarded-For: 10.0.0.1, 10.0.0.2',
      'X-Forwarded-For: 10.0.0.3',
      'User-Agent: Mozilla/5.0 (X11, Linux)',
      'X-Num: 150',
      'X-Real: 192.0.2.1:8080',
      'X-V6: [2001:db8::1]',
      'Content-Length: 0',
    ].join('\n'),
  );

  it('hdr splits values on commas and tries each; occurrences count from the first or the last', () => {
    check(
      ctx,
      [
        'hdr(x-forwarded-for) 10.0.0.1',
        'hdr(x-forwarded-for) 10.0.0.2',
        'hdr(X-Forwarded-For) 10.0.0.3',
        'hdr(x-forwarded-for,1) 10.0.0.1',
        'hdr(x-forwarded-for,2) 10.0.0.2',
        'hdr(x-forwarded-for,-1) 10.0.0.3',
        'hdr(x-forwarded-for,-3) 10.0.0.1',
        'req.hdr(user-agent) Linux)',
        'hdr(x-forwarded-for) -m found',
      ],
      [
        'hdr(x-forwarded-for) 10.0.0.1,',
        'hdr(x-forwarded-for,1) 10.0.0.3',
        'hdr(x-forwarded-for,-1) 10.0.0.1',
        'hdr(x-forwarded-for,-4) -m found',
        'hdr(x-missing) -m found',
      ],
    );
  });

  it('req.fhdr keeps commas; counts of values and of lines differ', () => {
    check(
      ctx,
      [
        'req.fhdr(x-forwarded-for) -m beg 10.0.0.1,',
        'req.fhdr(x-forwarded-for) -m sub 0.1,',
        'req.fhdr(user-agent) -m sub (X11,',
        'req.fhdr(user-agent) -m end Linux)',
        'hdr_cnt(x-forwarded-for) eq 3',
        'req.hdr_cnt(x-forwarded-for) 3',
        'req.fhdr_cnt(x-forwarded-for) eq 2',
        'hdr_cnt(x-missing) eq 0',
        'hdr_cnt ge 9',
      ],
      ['req.fhdr(user-agent) Linux)', 'req.fhdr(x-forwarded-for) 10.0.0.2', 'hdr_cnt(x-forwarded-for) eq 2'],
    );
  });

  it('hdr_* keywords, -i, and -m str|beg|end|sub|reg|dom|dir|len|int|ip on headers', () => {
    check(
      ctx,
      [
        'hdr(host) -i www.example.com',
        'hdr_beg(host) -i www.',
        'hdr_end(host) .com',
        'hdr_sub(host) Example',
        'hdr_reg(host) ^WWW\\.',
        'hdr_dom(host) Example',
        'hdr_dir(user-agent) Mozilla',
        'hdr_len(host) 15',
        'hdr(host) -m len 10:20',
        'hdr(x-num) -m int ge 100',
        'hdr(x-num) -m int 100:200',
        'hdr(x-num) -m int 100-200',
        'hdr(x-num) -m int lt 151',
        'hdr(x-forwarded-for) -m ip 10.0.0.0/30',
        'hdr(host) -n -i -m beg www',
        'hdr(host) -m str WWW.Example.com',
        'hdr(host) -m reg -i ^www\\.example\\.',
        'hdr(host) -m dom -i example',
        'hdr(user-agent) -m dir Mozilla',
        'hdr(user-agent) -m end Linux)',
        'hdr(user-agent) -m sub (X1',
      ],
      [
        'hdr(host) www.example.com',
        'hdr_beg(host) www.',
        'hdr_dom(host) xample',
        'hdr(x-num) -m int gt 150',
        'hdr(x-num) -m int 300-400',
        'hdr(x-forwarded-for) -m ip 10.0.0.4',
        'hdr_len(host) 14',
        'hdr(host) -m reg ^www',
        'hdr(host) -m dir Example',
      ],
    );
  });

  it('hdr_val and hdr_ip convert each value; HTTP_CONTENT is content-length > 0', () => {
    check(
      ctx,
      [
        'hdr_val(x-num) gt 149',
        'req.hdr_val(x-num) 150',
        'hdr_ip(x-forwarded-for) 10.0.0.2',
        'hdr_ip(x-real) 192.0.2.1',
        'req.hdr_ip(x-v6) 2001:db8::/32',
      ],
      ['hdr_val(x-num) gt 150', 'hdr_ip(user-agent) 0.0.0.0/0'],
    );
    assert.equal(cond('HTTP_CONTENT')(ctx), false);
    assert.equal(cond('HTTP_CONTENT')(httpCtx('POST / HTTP/1.1\nHost: h\nContent-Length: 12')), true);
  });

  it('-f files and converters after a header apply to every value', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'acl-l7-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const f = join(dir, 'hosts.lst');
    writeFileSync(f, '# our sites\napi.example.com\nwww.example.com\n');
    check(
      ctx,
      [`hdr(host) -i -f ${f}`, 'hdr(host),lower www.example.com', 'hdr(x-forwarded-for),ipmask(16) 10.0.0.0'],
      [`hdr(host) -f ${f}`, 'hdr(host),lower WWW.Example.com'],
    );
  });
});

describe('cookies', () => {
  const ctx = httpCtx(
    'GET / HTTP/1.1\nHost: h\nCookie: SESSION=abc; lang = en ; $Path=/; n=42\nCookie: SESSION=def; flag',
  );

  it('every cookie of a name is tried; names are case-sensitive; $ attributes and bare words are skipped', () => {
    check(
      ctx,
      [
        'cook(SESSION) abc',
        'cook(SESSION) def',
        'req.cook(lang) en',
        'cook_beg(SESSION) de',
        'cook_sub(SESSION) b',
        'cook_len(SESSION) 3',
        'cook(lang) -m found',
        'cook_cnt(SESSION) eq 2',
        'req.cook_cnt eq 4',
        'cook_val(n) gt 40',
      ],
      ['cook(session) abc', 'cook($Path) /', 'cook(flag) -m found', 'cook_cnt(SESSION) eq 1'],
    );
  });

  it('response cookies: only the first name=value of each Set-Cookie is a cookie', () => {
    const resp = respHead('HTTP/1.1 200 OK\nSet-Cookie: SRV=s1; Path=/; HttpOnly\nSet-Cookie: TRK=x9');
    const rctx = httpCtx('GET / HTTP/1.1\nHost: h', { resp });
    check(
      rctx,
      [
        'res.cook(SRV) s1',
        'scook(TRK) x9',
        'scook_beg(SRV) s',
        'res.cook_cnt(TRK) eq 1',
        'scook_cnt(SRV) eq 1',
      ],
      ['res.cook(Path) -m found', 'scook(SRV) x9'],
      RES,
    );
  });
});

describe('methods, versions and predefined HTTP ACLs', () => {
  it('METH_* and method: known methods match exactly, others as strings (-i allowed)', () => {
    const get = httpCtx('GET / HTTP/1.1\nHost: h');
    const head = httpCtx('HEAD / HTTP/1.1\nHost: h');
    const purge = httpCtx('PURGE /x HTTP/1.1\nHost: h');
    assert.equal(cond('METH_GET')(get), true);
    assert.equal(cond('METH_GET')(head), true);
    assert.equal(cond('METH_HEAD')(get), false);
    assert.equal(cond('METH_POST')(get), false);
    assert.equal(cond('METH_POST')(httpCtx('POST / HTTP/1.1\nHost: h\nContent-Length: 0')), true);
    assert.equal(cond('METH_DELETE')(httpCtx('DELETE / HTTP/1.1\nHost: h')), true);
    assert.equal(cond('METH_PUT')(httpCtx('PUT / HTTP/1.1\nHost: h\nContent-Length: 0')), true);
    assert.equal(cond('METH_OPTIONS')(httpCtx('OPTIONS * HTTP/1.1\nHost: h')), true);
    assert.equal(cond('METH_TRACE')(httpCtx('TRACE / HTTP/1.1\nHost: h')), true);
    assert.equal(cond('METH_CONNECT')(httpCtx('CONNECT h:443 HTTP/1.1\nHost: h:443')), true);
    check(get, ['method GET', 'method POST GET'], ['method get', 'method -i get']);
    check(purge, ['method PURGE', 'method -i purge', 'method -m beg PU'], ['method purge', 'method GET']);
  });

  it('HTTP, HTTP_1.0, HTTP_1.1 and the URL forms', () => {
    const v10 = httpCtx('GET http://h/x HTTP/1.0');
    const v11 = httpCtx('OPTIONS * HTTP/1.1\nHost: h');
    assert.equal(cond('HTTP')(v10), true);
    assert.equal(cond('HTTP')({ conn: conn4 }), false);
    assert.equal(cond('HTTP_1.0')(v10), true);
    assert.equal(cond('HTTP_1.1')(v10), false);
    assert.equal(cond('HTTP_1.1')(v11), true);
    assert.equal(cond('HTTP_URL_ABS')(v10), true);
    assert.equal(cond('HTTP_URL_SLASH')(v10), false);
    assert.equal(cond('HTTP_URL_STAR')(v11), true);
    assert.equal(cond('HTTP_URL_SLASH')(httpCtx('GET /a HTTP/1.1\nHost: h')), true);
    check(v10, ['req.ver 1.0', 'req_ver 1.0', 'path /x'], ['req.ver 1.1']);
    // A '*' or authority-form target has no path.
    check(v11, ['url *'], ['path -m found']);
  });

  it('predefined ACLs hapair cannot evaluate are configuration errors', () => {
    for (const name of ['HTTP_2.0', 'HTTP_3.0', 'RDP_COOKIE', 'REQ_CONTENT', 'WAIT_END']) {
      throwsCode(
        () => cond(name),
        'CFG_UNSUPPORTED',
        new RegExp(`predefined ACL '${name.replace('.', '\\.')}'`),
      );
    }
  });
});

describe('response side', () => {
  const resp = respHead(
    'HTTP/1.0 503 Service Unavailable\nContent-Type: text/html; charset=utf-8\nX-Side: res',
  );
  const ctx = httpCtx('GET / HTTP/1.1\nHost: h\nX-Side: req', { resp });

  it('status, res.hdr/shdr, res.ver; hdr ACLs stay on the request as in HAProxy', () => {
    check(
      ctx,
      [
        'status 500:599',
        'status eq 503',
        'res.hdr(content-type) -m beg text/html',
        'shdr_beg(content-type) text/',
        'shdr_sub(content-type) charset',
        'res.hdr_cnt(content-type) eq 1',
        'res.ver 1.0',
        'resp_ver 1.0',
        'hdr(x-side) req',
        'shdr(x-side) res',
      ],
      ['status 200:399', 'hdr(x-side) res', 'res.ver 1.1'],
      RES,
    );
  });

  it('status is the one the client gets: a rule-set status wins over the server response', () => {
    check(httpCtx('GET / HTTP/1.1\nHost: h', { resp, status: 403 }), ['status 403'], ['status 503'], RES);
    const noResp = httpCtx('GET / HTTP/1.1\nHost: h', { status: 429 });
    check(noResp, ['status 429'], [], { maxLayer: 'l7', stage: 'http-after-response' });
  });

  it('response fetches are refused in request rules', () => {
    throwsCode(() => acl('status 200'), 'CFG_CONFLICT', /'status' reads the response/);
    throwsCode(() => acl('res.hdr(x) y'), 'CFG_CONFLICT', /'res\.hdr' reads the response/);
    throwsCode(() => acl('shdr_beg(x) y'), 'CFG_CONFLICT', /reads the response/);
  });
});

describe('variables and TLS', () => {
  it('var() needs -m and matches with the stored value', () => {
    const vars = new VarStore(new Map());
    vars.set('txn', 'user', 'bob');
    vars.set('txn', 'n', 7);
    const ctx = httpCtx('GET / HTTP/1.1\nHost: h', { vars });
    check(
      ctx,
      ['var(txn.user) -m str bob', 'var(txn.n) -m int gt 3', 'var(txn.user) -m found'],
      ['var(txn.none) -m found', 'var(txn.n) -m int gt 7'],
    );
    throwsCode(() => acl('var(txn.user) bob'), 'CFG_BAD_ARGS', /must be given with '-m'/);
    throwsCode(() => acl('var(nope) -m str x'), 'CFG_BAD_ARGS', /invalid variable name 'nope'/);
  });

  it('ssl_fc* read the TLS session and are usable from layer 5', () => {
    const L5: CompileOptions = { maxLayer: 'l5', stage: 'tcp-request session' };
    const tls = { conn: conn4, tls: tls13 };
    check(
      tls,
      [
        'ssl_fc',
        'ssl_fc_sni -i WWW.EXAMPLE.COM',
        'ssl_fc_sni -m end .example.com',
        'ssl_fc_protocol TLSv1.3',
        'ssl_fc_cipher -m beg TLS_AES',
        'ssl_fc_alpn http/1.1',
      ],
      ['ssl_fc_sni www.example.org'],
      L5,
    );
    check({ conn: conn4 }, [], ['ssl_fc', 'ssl_fc_sni -m found'], L5);
    throwsCode(
      () => acl('ssl_fc', { maxLayer: 'l4', stage: 'tcp-request connection' }),
      'CFG_CONFLICT',
      /ssl_fc/,
    );
    throwsCode(() => acl('hdr(host) x', L5), 'CFG_CONFLICT', /not available in a 'tcp-request session' rule/);
  });
});

describe('ACL keyword rules and errors', () => {
  const ctx = httpCtx('GET /API/x HTTP/1.1\nHost: h');

  it('a plain keyword takes -m and converters; a derived one refuses both', () => {
    check(ctx, ['path -m beg /API', 'path,lower -m beg /api', 'path,lower /api/x'], ['path_beg /api']);
    throwsCode(
      () => acl('path_beg -m sub /api'),
      'CFG_CONFLICT',
      /'path_beg' implies '-m beg'.*'path -m sub'/,
    );
    throwsCode(() => acl('path_beg,lower /api'), 'CFG_CONFLICT', /cannot be followed by converters/);
  });

  it('binary samples need -m; -m bin compares hex blocks', () => {
    const c = httpCtx('GET / HTTP/1.1\nHost: h\nCookie: t=YWJj');
    check(
      c,
      ['req.cook(t),b64dec -m bin 616263', 'req.cook(t),b64dec -m sub bc'],
      ['req.cook(t),b64dec -m bin 6162'],
    );
    throwsCode(() => acl('req.cook(t),b64dec abc'), 'CFG_BAD_ARGS', /must be given with '-m'.*bin sample/);
    throwsCode(() => acl('req.cook(t),b64dec -m int 1'), 'CFG_BAD_ARGS', /'int' cannot be used/);
  });

  it('fetch arguments, occurrences, patterns and stages are checked at start-up', () => {
    throwsCode(() => acl('hdr(x,abc) y'), 'CFG_BAD_ARGS', /occurrence 'abc' is not an integer/);
    throwsCode(() => acl('hdr(x,-11) y'), 'CFG_BAD_ARGS', /occurrence must be >= -10/);
    throwsCode(() => acl('hdr(a,1,2) y'), 'CFG_BAD_ARGS', /wrong number of arguments for 'hdr'/);
    throwsCode(() => acl('query(bad) x'), 'CFG_BAD_ARGS', /unknown option 'bad'/);
    throwsCode(() => acl('path_reg ([a'), 'CFG_BAD_ARGS', /invalid regular expression/);
    throwsCode(() => acl('hdr_val(x) 1:abc'), 'CFG_BAD_ARGS', /not an integer or range/);
    throwsCode(() => acl('hdr_val(x) 9:1'), 'CFG_BAD_ARGS', /not a valid number range/);
    throwsCode(() => acl('path,nosuch x'), 'CFG_UNSUPPORTED', /unknown or unsupported converter 'nosuch'/);
    throwsCode(
      () => acl('path /x', { maxLayer: 'l4', stage: 'tcp-request connection' }),
      'CFG_CONFLICT',
      /fetch 'path' is not available in a 'tcp-request connection' rule/,
    );
  });
});
