// biome-ignore-all lint/suspicious/noTemplateCurlyInString: haproxy.cfg variables are written ${VAR} in plain strings
/** Semantics of loadHaproxyConfig: defaults, inheritance, files, resolution, freezing. */
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import type { HaproxyConfig, ProxyConfig } from '../../src/config/haproxy/model.js';
import { ConfigErrors } from '../../src/core/errors.js';
import { cfgFiles } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'hapair-loader-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function cfg(text: string, env: NodeJS.ProcessEnv = {}): HaproxyConfig {
  const file = join(dir, `c${n++}.cfg`);
  writeFileSync(file, text);
  return loadHaproxyConfig([file], { env });
}

function px(c: HaproxyConfig, name: string): ProxyConfig {
  const p = c.proxies.find((x) => x.name === name);
  assert.ok(p, name);
  return p;
}

function codes(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigErrors)
      return err.errors.map((e) => `${e.code} ${e.loc ? `${e.loc.line}` : '-'}`);
    throw err;
  }
  return [];
}

describe('HAProxy defaults when a keyword is absent', () => {
  const c = cfg('backend b\n  server s 127.0.0.1:1\n');
  const b = px(c, 'b');
  it('global', () => {
    assert.equal(c.global.tuneBufsize, 16384);
    assert.equal(c.global.tuneMaxhdr, 101);
    assert.equal(c.global.spreadChecks, 0);
    assert.equal(c.global.maxconn, 0, '0 = derived from ulimit -n at startup');
    assert.equal(c.global.nbthread, 1);
    assert.equal(c.global.daemon, false);
  });
  it('proxy', () => {
    assert.equal(b.mode, 'tcp');
    assert.equal(b.retries, 3);
    assert.deepEqual(b.balance, { algorithm: 'roundrobin' });
    assert.deepEqual(b.hashType, { method: 'map-based', fn: 'sdbm', avalanche: false });
    assert.equal(b.httpReuse, 'safe');
    assert.equal(b.redispatch, 0);
    assert.equal(b.checkKind, 'tcp');
    assert.deepEqual(b.timeouts, {});
    assert.equal(b.options.httpKeepAlive, true);
    assert.equal(b.maxconn, 0);
    assert.equal(b.id, 1);
  });
  it('server', () => {
    const s = b.servers[0]!;
    assert.equal(s.weight, 1);
    assert.equal(s.initialState, 'ready');
    assert.deepEqual([s.maxconn, s.minconn, s.maxqueue, s.slowstart, s.sendProxy], [0, 0, 0, 0, 0]);
    assert.deepEqual([s.check.enabled, s.check.inter, s.check.rise, s.check.fall], [false, 2000, 2, 3]);
    assert.deepEqual([s.check.errorLimit, s.check.onError], [10, 'fail-check']);
    assert.equal(s.ssl, undefined);
    assert.equal(s.id, 1);
  });
});

describe('defaults inheritance', () => {
  it('copies the last defaults declared before the proxy, not a later one', () => {
    const c = cfg(
      [
        'defaults',
        '  mode http',
        '  retries 7',
        'backend early',
        'defaults',
        '  mode tcp',
        'backend late',
      ].join('\n'),
    );
    assert.deepEqual([px(c, 'early').mode, px(c, 'early').retries], ['http', 7]);
    assert.deepEqual(
      [px(c, 'late').mode, px(c, 'late').retries],
      ['tcp', 3],
      'a new defaults section starts from scratch',
    );
  });

  it("'from' picks a named defaults section, and defaults may inherit", () => {
    const c = cfg(
      [
        'defaults a',
        '  mode http',
        '  timeout connect 4s',
        'defaults b from a',
        '  retries 9',
        'defaults',
        '  mode tcp',
        'backend x from b',
        'backend y from a',
        'backend z',
      ].join('\n'),
    );
    assert.deepEqual([px(c, 'x').mode, px(c, 'x').retries, px(c, 'x').timeouts.connect], ['http', 9, 4000]);
    assert.deepEqual([px(c, 'y').retries, px(c, 'z').mode], [3, 'tcp']);
  });

  it('inherits default-server, logs and options; no/default prefixes restore the default', () => {
    const c = cfg(
      [
        'global',
        '  log 127.0.0.1 local0',
        'defaults',
        '  mode http',
        '  log global',
        '  option httpclose',
        '  option abortonclose',
        '  default-server inter 5s backup',
        'backend b',
        '  no option abortonclose',
        '  default option httpclose',
        '  server s1 127.0.0.1:1 no-backup',
        '  server s2 127.0.0.1:2',
      ].join('\n'),
    );
    const b = px(c, 'b');
    assert.equal(b.options.abortonclose, false);
    assert.deepEqual([b.options.httpclose, b.options.httpKeepAlive], [false, true]);
    assert.deepEqual(
      b.servers.map((s) => [s.check.inter, s.backup]),
      [
        [5000, false],
        [5000, true],
      ],
    );
    assert.equal(b.logs.length, 1);
    assert.equal(b.logs[0]!.target, '127.0.0.1:514');
  });

  it('a proxy does not inherit the binds, servers, rules or acls of another proxy', () => {
    const c = cfg(['frontend f', '  bind :1', '  acl a src 1.2.3.4', 'frontend g', '  bind :2'].join('\n'));
    assert.equal(px(c, 'g').binds.length, 1);
    assert.equal(px(c, 'g').acls.size, 0);
  });
});

describe('resolution after parsing', () => {
  it('assigns proxy and server ids around explicit ones', () => {
    const c = cfg(
      [
        'backend a',
        '  id 2',
        '  server s1 127.0.0.1:1',
        '  server s2 127.0.0.1:2 id 1',
        '  server s3 127.0.0.1:3',
        'backend b',
        'backend c',
      ].join('\n'),
    );
    // HAProxy 2.6: every item moves the counter on, forced ids included
    // (measured; test/config/proxy-ids.test.ts).
    assert.deepEqual(
      c.proxies.map((p) => p.id),
      [2, 3, 4],
    );
    assert.deepEqual(
      px(c, 'a').servers.map((s) => s.id),
      [2, 1, 4],
    );
  });

  it('imports errorfiles from http-errors sections; own errorfile lines win', () => {
    const c = cfg(
      [
        'http-errors e',
        '  errorfile 503 /dev/null',
        '  errorfile 404 /dev/null',
        'backend b',
        '  errorfiles e 503',
        '  errorfile 404 /dev/zero',
      ].join('\n'),
    );
    assert.deepEqual(
      [...px(c, 'b').errorfiles],
      [
        [503, '/dev/null'],
        [404, '/dev/zero'],
      ],
    );
  });

  it('stores rules, variables and conditions for the runtime', () => {
    const c = cfg(
      [
        'frontend f',
        '  mode http',
        '  bind :1',
        '  acl local src 127.0.0.1',
        '  http-request set-var(txn.user) req.hdr(x-user) if !local || { path_beg /a }',
        '  tcp-request connection reject unless local',
      ].join('\n'),
    );
    const [r1, r2] = px(c, 'f').rules;
    assert.deepEqual(
      [r1!.family, r1!.action, r1!.args],
      ['http-request', 'set-var', ['txn.user', 'req.hdr(x-user)']],
    );
    assert.equal(r1!.cond?.polarity, 'if');
    assert.deepEqual(r1!.cond?.or[0], [{ acl: 'local', negate: true }]);
    const anon = r1!.cond?.or[1]?.[0]?.acl;
    assert.ok(typeof anon === 'object' && anon.fetch === 'path_beg' && anon.patterns[0] === '/a');
    assert.deepEqual(
      [r2!.family, r2!.action, r2!.cond?.polarity],
      ['tcp-request connection', 'reject', 'unless'],
    );
    const acl = px(c, 'f').acls.get('local')![0]!;
    assert.deepEqual([acl.fetch, acl.patterns], ['src', ['127.0.0.1']]);
  });

  it('expands the given environment, never process.env', () => {
    process.env.HAPAIR_TEST_PORT = '1111';
    const c = cfg('frontend f\n  bind ":${HAPAIR_TEST_PORT-2222}"\n', { HAPAIR_TEST_PORT: '3333' });
    assert.equal(px(c, 'f').binds[0]!.addr.port, 3333);
    delete process.env.HAPAIR_TEST_PORT;
  });
});

describe('files and directories', () => {
  it('reads a directory as its *.cfg files in lexical order, sections end with each file', () => {
    const d = join(dir, 'conf.d');
    mkdirSync(d);
    writeFileSync(join(d, '20-backend.cfg'), 'backend b\n  server s 127.0.0.1:1\n');
    writeFileSync(join(d, '10-defaults.cfg'), 'defaults\n  mode http\n  retries 4\n');
    writeFileSync(join(d, '.hidden.cfg'), 'this would not parse\n');
    writeFileSync(join(d, 'README.txt'), 'neither would this\n');
    const c = loadHaproxyConfig([d], { env: {} });
    assert.deepEqual(c.files, [join(d, '10-defaults.cfg'), join(d, '20-backend.cfg')]);
    assert.deepEqual([px(c, 'b').mode, px(c, 'b').retries], ['http', 4], 'defaults carry across files');
    writeFileSync(join(d, '30-orphan.cfg'), '  server t 127.0.0.1:2\n');
    assert.deepEqual(
      codes(() => loadHaproxyConfig([d], { env: {} })),
      ['CFG_WRONG_SECTION 1'],
    );
  });

  it('collects the errors of every file, in file then line order', () => {
    const a = join(dir, 'a-err.cfg');
    const b = join(dir, 'b-err.cfg');
    writeFileSync(a, 'global\n  nbthread x\n  bogus\n');
    writeFileSync(b, 'defaults\n  retries -1\n');
    const err = (() => {
      try {
        loadHaproxyConfig([b, a], { env: {} });
      } catch (e) {
        return e as ConfigErrors;
      }
      assert.fail('loaded');
    })();
    assert.deepEqual(
      err.errors.map((e) => [e.loc?.file, e.loc?.line, e.code]),
      [
        [b, 2, 'CFG_RANGE'],
        [a, 2, 'CFG_BAD_ARGS'],
        [a, 3, 'CFG_UNKNOWN_KEYWORD'],
      ],
    );
    assert.equal(err.code, 'CFG_RANGE');
  });

  it('reports unreadable paths as CFG_IO', () => {
    assert.deepEqual(
      codes(() => loadHaproxyConfig([join(dir, 'nope.cfg')], { env: {} })),
      ['CFG_IO -'],
    );
  });
});

describe('the loaded model', () => {
  it('is frozen all the way down, Maps included', () => {
    const c = loadHaproxyConfig(
      cfgFiles('haproxy/valid').filter((f) => f.endsWith('v17-acl-conditions.cfg')),
      { env: {} },
    );
    const f = px(c, 'fe');
    assert.throws(() => {
      (f as { name: string }).name = 'x';
    }, TypeError);
    assert.throws(() => (f.binds as unknown as unknown[]).push(1), TypeError);
    assert.throws(() => (f.acls as Map<string, unknown>).set('x', []), TypeError);
    assert.throws(() => (f.acls.get('api') as unknown as unknown[]).pop(), TypeError);
  });

  it('keeps host names unresolved and never calls the resolver', () => {
    const original = dns.lookup;
    let calls = 0;
    dns.lookup = ((...args: Parameters<typeof dns.lookup>) => {
      calls++;
      return original(...args);
    }) as typeof dns.lookup;
    syncBuiltinESMExports();
    try {
      const c = loadHaproxyConfig(
        cfgFiles('haproxy/valid').filter((f) => f.endsWith('v33-hostnames.cfg')),
        { env: {} },
      );
      assert.deepEqual(
        px(c, 'be').servers.map((s) => [s.addr.family, s.addr.host]),
        [
          ['hostname', 'backend.invalid'],
          ['hostname', 'does-not-exist.example'],
        ],
      );
      assert.equal(px(c, 'fe').binds[0]!.addr.host, 'localhost');
    } finally {
      dns.lookup = original;
      syncBuiltinESMExports();
    }
    assert.equal(calls, 0);
  });
});
