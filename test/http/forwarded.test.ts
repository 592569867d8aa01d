/**
 * `option forwarded` (RFC 7239; configuration.txt 4 "option forwarded",
 * HAProxy 2.8 http_ext.c) through the real loader and real sockets: the
 * default `proto for`, each parameter and its `-expr` form, HAProxy's quoting
 * (host always, a node with a port, IPv6 always), `unknown` nodes, `_`
 * obfuscated values, appending to a valid existing header and adding a new
 * one after an invalid one; then the value checker alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, ConfigErrors } from '../../src/core/errors.js';
import { validForwardedValue } from '../../src/proxy/http/forwarded.js';
import { loadText, startText, type TextSetup } from './rules-helpers.js';
import { sendRaw } from './servers.js';

const HEAD = `
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind 127.0.0.1:0
  use_backend %[req.hdr(x-be)]
  default_backend plain
`;

const BACKENDS: Record<string, string> = {
  plain: 'option forwarded',
  explicit: 'option forwarded proto for',
  all: 'option forwarded proto host by by_port for for_port',
  exprs: 'option forwarded host-expr str(host.com) by-expr str(_haproxy) for for_port-expr int(10)',
  obfs: 'option forwarded for-expr str(abc-12) for_port-expr str(x.y)',
  v6expr: 'option forwarded for-expr str([::1]) by-expr req.hdr(x-bad)',
  badhost: 'option forwarded host',
  off: 'option forwarded\n  no option forwarded',
};

function configText(): string {
  let t = HEAD;
  for (const [name, line] of Object.entries(BACKENDS))
    t += `backend ${name}\n  ${line}\n  server s1 127.0.0.1:@S1@\n`;
  return t;
}

describe('option forwarded', () => {
  let t: TextSetup;
  before(async () => {
    t = await startText(configText());
  });
  after(() => t.close());

  /** The Forwarded field values the server received for one request to backend `be`. */
  async function forwarded(be: string, extra = '', host = 'www.example.com'): Promise<string[]> {
    const before = t.bes[0]!.requests.length;
    await sendRaw(t.r.port('fe'), `GET / HTTP/1.1\r\nhost: ${host}\r\nx-be: ${be}\r\n${extra}\r\n`);
    assert.equal(t.bes[0]!.requests.length, before + 1);
    const head = t.bes[0]!.requests.at(-1)!.head;
    return head.names.flatMap((n, i) => (n === 'forwarded' ? [head.headers[2 * i + 1]!] : []));
  }

  it('defaults to proto and for', async () => {
    assert.deepEqual(await forwarded('plain'), ['proto=http;for=127.0.0.1']);
    assert.deepEqual(await forwarded('explicit'), ['proto=http;for=127.0.0.1']);
  });

  it('writes proto, host, by and for in that order, ports quoted', async () => {
    const [v] = await forwarded('all');
    const port = t.r.port('fe');
    assert.match(
      v!,
      new RegExp(
        `^proto=http;host="www\\.example\\.com";by="127\\.0\\.0\\.1:${port}";for="127\\.0\\.0\\.1:\\d+"$`,
      ),
    );
  });

  it("uses the expressions' values (the documented www_custom example)", async () => {
    assert.deepEqual(await forwarded('exprs'), ['host="host.com";by=_haproxy;for="127.0.0.1:10"']);
  });

  it('prefixes values made of obfuscation characters with _', async () => {
    assert.deepEqual(await forwarded('obfs'), ['for="_abc-12:_x.y"']);
  });

  it('quotes and brackets an IPv6 node; an unusable node is unknown', async () => {
    assert.deepEqual(await forwarded('v6expr', 'x-bad: a b\r\n'), ['by=unknown;for="[::1]"']);
  });

  it('leaves a non-compliant host empty', async () => {
    assert.deepEqual(await forwarded('badhost', '', 'my-host'), ['host=""']);
  });

  it('appends to a valid existing header, adds a new one after an invalid one', async () => {
    assert.deepEqual(await forwarded('plain', 'Forwarded: for=10.0.0.1;proto=https\r\n'), [
      'for=10.0.0.1;proto=https,proto=http;for=127.0.0.1',
    ]);
    assert.deepEqual(await forwarded('plain', 'Forwarded: for=10.0.0.1, secret=1\r\n'), [
      'for=10.0.0.1, secret=1',
      'proto=http;for=127.0.0.1',
    ]);
  });

  it('no option forwarded adds nothing', async () => {
    assert.deepEqual(await forwarded('off'), []);
  });
});

describe('option forwarded parsing', () => {
  it('refuses an unknown parameter and a missing expression, naming the line', () => {
    for (const bad of ['option forwarded proto bogus', 'option forwarded for-expr']) {
      assert.throws(
        () => loadText(`defaults\n  mode http\nbackend b\n  ${bad}\n  server s 127.0.0.1:80\n`),
        (e: unknown) => {
          const errs = e instanceof ConfigErrors ? e.errors : [e];
          return errs.some((x) => x instanceof ConfigError && /haproxy\.cfg:4/.test(String(x.message)));
        },
      );
    }
  });
});

describe('validForwardedValue', () => {
  it('accepts RFC 7239 values HAProxy accepts', () => {
    for (const v of ['for=1.2.3.4', 'for="[::1]:80";proto=https', 'by=_x;host="a.b:8080"', 'for=unknown']) {
      assert.ok(validForwardedValue(v), v);
    }
  });
  it('refuses unknown or repeated parameters, bad nodes and unbalanced quotes', () => {
    for (const v of [
      'secret=1',
      'for=1.2.3.4;for=1.2.3.5',
      'for=[::1]',
      'for=1.2.3.4:80',
      'for="1.2.3.4',
      'proto=ftp',
    ]) {
      assert.ok(!validForwardedValue(v), v);
    }
  });
});
