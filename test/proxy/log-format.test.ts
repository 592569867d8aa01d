/**
 * Log-format strings (configuration.txt 8.2.6): literal text and `%%`,
 * `%[expr]` with converters, the variables computable from a sample
 * context, item flags (+Q, +X, +E, +M) and `%o` defaults, the log-line mode
 * ('-' for empty items, merged spaces) versus the HTTP mode (control bytes
 * %-encoded), variables registered by other modules, and the errors.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors.js';
import type { SampleContext } from '../../src/proxy/acl/types.js';
import {
  compileFormat,
  type FormatOptions,
  registerFormatVar,
  renderText,
} from '../../src/proxy/sample/format.js';
import { VarStore } from '../../src/proxy/sample/vars.js';
import { conn4, httpCtx, loc, respHead, tls13 } from './l7-context.js';

const HTTP: FormatOptions = { maxLayer: 'l7', stage: 'http-request' };
const LOG: FormatOptions = { maxLayer: 'l7', stage: 'log-format', mode: 'log' };

const fmt = (text: string, ctx: SampleContext, opts: FormatOptions = HTTP) =>
  compileFormat(text, loc, 'http-request set-header', opts)(ctx);

function throwsCode(text: string, code: string, why: RegExp, opts: FormatOptions = HTTP): void {
  assert.throws(
    () => compileFormat(text, loc, 'http-request set-header', opts),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, /^l7\.cfg:42: http-request set-header: /);
      assert.match(e.message, why);
      return true;
    },
  );
}

const resp = respHead('HTTP/1.1 201 Created\nLocation: /x');
const ctx = httpCtx(
  'GET /shop/item.php?id=9&x=%22 HTTP/1.0\nHost: Shop.Example.com\nUser-Agent: curl/8 "beta"',
  { resp, backend: 'be_app' },
);

describe('text, %% and variables', () => {
  it('literal text and %% are copied; variables computable from the context', () => {
    assert.equal(fmt('plain text, 100%% sure', ctx), 'plain text, 100% sure');
    assert.equal(fmt('%ci:%cp -> %fi:%fp', ctx), '192.0.2.10:51000 -> 198.51.100.1:8443');
    assert.equal(fmt('%f %ft %b', ctx), 'fe_web fe_web be_app');
    assert.equal(fmt('%ft', { ...ctx, tls: tls13 }), 'fe_web~');
    assert.equal(fmt('%b', httpCtx('GET / HTTP/1.1\nHost: h')), 'fe_web');
    assert.equal(fmt('%H', ctx), os.hostname());
    assert.equal(fmt('%pid', ctx), String(process.pid));
    assert.equal(fmt('%sslv %sslc', { ...ctx, tls: tls13 }), 'TLSv1.3 TLS_AES_128_GCM_SHA256');
  });

  it('request-line variables and the status', () => {
    assert.equal(
      fmt('%HM|%HU|%HP|%HPO|%HQ|%HV', ctx),
      'GET|/shop/item.php?id=9&x=%22|/shop/item.php|/shop/item.php|?id=9&x=%22|HTTP/1.0',
    );
    const abs = httpCtx('GET http://h.example/a?b HTTP/1.1\nHost: h.example');
    assert.equal(fmt('%HP %HPO %HQ', abs), 'http://h.example/a /a ?b');
    assert.equal(fmt('%HQ.', httpCtx('GET /a HTTP/1.1\nHost: h')), '.');
    assert.equal(fmt('%ST', ctx), '201');
    assert.equal(fmt('%ST', httpCtx('GET / HTTP/1.1\nHost: h', { resp, status: 403 })), '403');
    assert.equal(fmt('%ST', httpCtx('GET / HTTP/1.1\nHost: h')), '-1');
    assert.equal(fmt('%ST %HM', { conn: conn4 }, { maxLayer: 'l7', stage: 'log-format' }), '0 <BADREQ>');
  });

  it("request-line items encode '\"', '#' and control bytes as #XX", () => {
    const c = httpCtx('GET /a HTTP/1.1\nHost: h');
    c.http!.req.target = '/a"b#c\td';
    assert.equal(fmt('%HU', c), '/a#22b#23c#09d');
    assert.equal(fmt('%{+Q}HU', c), '"/a#22b#23c#09d"');
  });
});

describe('sample expressions', () => {
  it('%[expr] with converters, several per string, next to text', () => {
    assert.equal(
      fmt('host=%[req.hdr(host),lower,regsub(\\.,_,g)] id=%[urlp(id)]/%[urlp(id),length]', ctx),
      'host=shop_example_com id=9/1',
    );
    assert.equal(fmt('%[status]', ctx, { maxLayer: 'l7', stage: 'http-response' }), '201');
    assert.equal(fmt('%[ssl_fc]', ctx), '0');
    assert.equal(fmt('%[str(x)]%[str(y)]', ctx), 'xy');
  });

  it('HTTP mode: a missing sample is empty, control bytes are %-encoded, +Q does not quote', () => {
    const vars = new VarStore(new Map());
    vars.set('txn', 'v', 'a\r\nb\tc\u007f');
    const c = httpCtx('GET / HTTP/1.1\nHost: h', { vars });
    assert.equal(fmt('[%[hdr(x-none)]]', c), '[]');
    assert.equal(fmt('%[var(txn.v)]', c), 'a%0D%0Ab\tc%7F');
    assert.equal(fmt('%{+Q}[str(q)]', c), 'q');
    assert.equal(fmt("%{+E}[str('a\"b\\c]')]", c), 'a\\"b\\\\c\\]');
  });

  it('log mode: empty items print "-", +Q quotes text but not numbers, runs of spaces are one', () => {
    assert.equal(fmt('%[hdr(x-none)] %{+Q}[hdr(x-none)]', ctx, LOG), '- ""');
    assert.equal(fmt('%{+Q}[req.hdr(user-agent)]', ctx, LOG), '"curl/8 "beta""');
    assert.equal(fmt('%{+Q,+E}[req.hdr(user-agent)]', ctx, LOG), '"curl/8 \\"beta\\""');
    assert.equal(fmt('%{+Q}ci %{+Q}cp %{+Q}ST %{+Q}b', ctx, LOG), '"192.0.2.10" 51000 201 "be_app"');
    assert.equal(fmt('  a    b  %[hdr(x-none)]   c ', ctx, LOG), 'a b - c ');
    assert.equal(fmt('  a    b', ctx), '  a    b');
    // A log line sees the request and the response.
    assert.equal(fmt('%[status] %[hdr(host)] %[res.hdr(location)]', ctx, LOG), '201 Shop.Example.com /x');
    assert.equal(fmt('%{-M}[hdr(x-none)]|%[str()]|', ctx, LOG), '|-|');
  });

  it('%o sets flags for the items after it; an item can take one back', () => {
    assert.equal(fmt('%f %{+Q}o %f %b %{-Q}f', ctx, LOG), 'fe_web "fe_web" "be_app" fe_web');
    assert.equal(fmt('%(name)f %(n2:str)[str(v)]', ctx), 'fe_web v');
  });

  it('+X prints addresses, ports and the pid in hexadecimal', () => {
    assert.equal(fmt('%{+X}ci:%{+X}cp %{+X}fp', ctx), 'C000020A:C738 20FB');
    assert.equal(fmt('%{+X}pid', ctx), process.pid.toString(16).toUpperCase().padStart(4, '0'));
    const v6 = httpCtx('GET / HTTP/1.1\nHost: h', {
      conn: { ...conn4, srcAddr: '2001:db8::1', family: 'ipv6' },
    });
    assert.equal(fmt('%{+X}ci', v6), '20010DB8000000000000000000000001');
    assert.equal(fmt('%ci', v6), '2001:db8::1');
  });

  it("HAProxy drops a '%' followed by a character that starts nothing", () => {
    assert.equal(fmt('50%-off', ctx), '50-off');
  });
});

describe('variables registered by other modules', () => {
  interface LogCtx extends SampleContext {
    readonly tr: number;
  }
  registerFormatVar('Tzz', (c, f) => renderText(String((c as LogCtx).tr), f), { layer: 'l4', logOnly: true });

  it('a log-only variable works in log lines and is refused elsewhere', () => {
    const c: LogCtx = { ...ctx, tr: 17 };
    assert.equal(fmt('Tzz=%Tzz %{+Q}Tzz', c, LOG), 'Tzz=17 "17"');
    throwsCode('%Tzz', 'CFG_CONFLICT', /'%Tzz' is only available in log-format lines/);
    assert.throws(() => registerFormatVar('Tzz', () => '', 'l4'), /registered twice/);
  });
});

describe('errors', () => {
  it('unknown or unavailable variables and fetches are named, with file:line', () => {
    throwsCode('x %Zq y', 'CFG_UNSUPPORTED', /no such format variable '%Zq'/);
    throwsCode('%HM', 'CFG_CONFLICT', /'%HM' is not available in a 'tcp-request connection' format/, {
      maxLayer: 'l4',
      stage: 'tcp-request connection',
    });
    throwsCode(
      '%[nosuch]',
      'CFG_UNSUPPORTED',
      /in '%\[nosuch\]': unknown or unsupported sample fetch 'nosuch'/,
    );
    throwsCode('%[res.hdr(x)]', 'CFG_CONFLICT', /reads the response/);
    throwsCode('%[path,nosuch]', 'CFG_UNSUPPORTED', /unknown or unsupported converter 'nosuch'/);
    throwsCode('%[path,regsub((,x)]', 'CFG_BAD_ARGS', /invalid regular expression/);
  });

  it('syntax: truncated items, digits after %, missing ], bad flags', () => {
    throwsCode('abc%', 'CFG_BAD_ARGS', /truncated line after '%'/);
    throwsCode('%{+Q', 'CFG_BAD_ARGS', /truncated line after '%\{'/);
    throwsCode('100%5', 'CFG_BAD_ARGS', /unexpected '5' after '%'; write '%%'/);
    throwsCode('%[src', 'CFG_BAD_ARGS', /missing '\]' after '%\[src'/);
    throwsCode('%[src x]', 'CFG_BAD_ARGS', /missing '\]'/);
    throwsCode('%{+Q} x', 'CFG_BAD_ARGS', /flags '%\{\+Q\}' are not followed by a variable/);
    throwsCode('%{+Y}ci', 'CFG_BAD_ARGS', /unknown flag '\+Y'/);
    throwsCode('%{Q}ci', 'CFG_BAD_ARGS', /flag 'Q' must start with '\+' or '-'/);
    throwsCode('%{+json}o', 'CFG_UNSUPPORTED', /'json' encoding flag is not supported/);
    throwsCode('%(a:float)ci', 'CFG_BAD_ARGS', /unexpected item type 'float'/);
  });
});
