/**
 * The haproxy blocks of /work/shared/seeds, copied verbatim into
 * test/fixtures/seeds/*.cfg (header line(s) name the source lines). Each one
 * either loads or fails with a precise, asserted error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import type { HaproxyConfig, ProxyConfig } from '../../src/config/haproxy/model.js';
import { ConfigErrors } from '../../src/core/errors.js';
import { cfgFiles } from './fixtures.js';

const files = new Map(cfgFiles('seeds').map((f) => [basename(f, '.cfg'), f]));

function load(name: string): HaproxyConfig {
  const file = files.get(name);
  assert.ok(file, `missing fixture ${name}`);
  return loadHaproxyConfig([file], { env: {} });
}

function errorsOf(name: string): string[] {
  try {
    load(name);
  } catch (err) {
    if (err instanceof ConfigErrors) return err.errors.map((e) => `${e.code} ${e.loc?.line}`);
    throw err;
  }
  assert.fail(`${name} loaded`);
}

function proxy(cfg: HaproxyConfig, name: string): ProxyConfig {
  const px = cfg.proxies.find((p) => p.name === name);
  assert.ok(px, `no proxy ${name}`);
  return px;
}

/** `listen <address>` blocks: a name that reads as an address, and no bind. */
const NAMED_BY_ADDRESS: Readonly<Record<string, readonly number[]>> = {
  '003-apache-8000': [3],
  '003-stunnel-except': [2],
  '003-soft-stop-file': [3],
  '003-soft-stop-backup': [3],
  '003-checks-relay': [6],
  '003-office-op1': [3],
  '003-office-op2': [2],
  '003-office-op3': [2],
  '003-site-sd1': [3],
  '003-site-sd2': [2],
  '003-local-s1l1': [3, 20],
  '003-local-s2l1': [2, 20],
  '003-source-pool': [2],
};

describe('seed configurations', () => {
  it('covers every seed fixture in this test', () => {
    const handled = [
      ...Object.keys(NAMED_BY_ADDRESS),
      '001-listen-stats',
      '001-frontend',
      '001-backend',
      '001-listen-webserver',
      '003-webfarm-insert',
      '003-webfarm-prefix',
      '003-webfarm-alteon',
      '003-weights-fragment',
      '003-ssl-hello-chk',
      '003-appfarm-maxconn',
      '003-appfarm-minconn',
    ];
    assert.deepEqual([...files.keys()].sort(), handled.sort());
  });

  it('001 listen stats: loads, no-break spaces read as spaces', () => {
    const cfg = load('001-listen-stats');
    const px = proxy(cfg, 'stats');
    assert.equal(px.mode, 'http');
    assert.equal(px.binds[0]!.addr.text, '0.0.0.0:8888');
    assert.equal(px.stats?.enabled, true);
    assert.equal(px.stats?.uri, '/haproxy-status');
    assert.deepEqual(px.stats?.auth, [{ user: 'test', password: 'test' }]);
    assert.ok(cfg.warnings.some((w) => w.includes('no-break spaces (U+00A0)')));
  });

  it('001 frontend: the prose after use_backend is refused', () => {
    assert.deepEqual(errorsOf('001-frontend'), ['CFG_BAD_ARGS 8']);
  });

  it('001 backend: check inter 3s fall 3 rise 5', () => {
    const px = proxy(load('001-backend'), 'xiao-webserver-80-rs');
    assert.deepEqual(
      px.servers.map((s) => [
        s.name,
        s.addr.host,
        s.addr.port,
        s.check.enabled,
        s.check.inter,
        s.check.fall,
        s.check.rise,
      ]),
      [
        ['web1', '192.168.0.101', 80, true, 3000, 3, 5],
        ['web2', '192.168.0.102', 80, true, 3000, 3, 5],
      ],
    );
  });

  it("001 listen: 'mode forwardfor' is invalid", () => {
    assert.deepEqual(errorsOf('001-listen-webserver'), ['CFG_BAD_ARGS 6']);
  });

  it('003 webfarm examples: the legacy listen address becomes a bind', () => {
    for (const name of ['003-webfarm-insert', '003-webfarm-prefix', '003-webfarm-alteon']) {
      const cfg = load(name);
      const px = proxy(cfg, 'webfarm');
      assert.equal(px.binds.length, 1, name);
      assert.equal(px.checkKind, 'http');
      assert.deepEqual(
        [px.httpCheck?.method, px.httpCheck?.uri, px.httpCheck?.version],
        ['HEAD', '/index.html', 'HTTP/1.0'],
      );
      assert.deepEqual(
        px.servers.map((s) => s.cookie),
        ['A', 'B', 'C', 'D'],
      );
      assert.ok(
        cfg.warnings.some((w) => w.includes("use 'bind ")),
        name,
      );
    }
    assert.equal(proxy(load('003-webfarm-insert'), 'webfarm').cookie?.mode, 'insert');
    assert.equal(proxy(load('003-webfarm-prefix'), 'webfarm').cookie?.mode, 'prefix');
    assert.equal(proxy(load('003-webfarm-alteon'), 'webfarm').options.dontlognull, true);
  });

  it('003 weights fragment: server lines alone are outside any section', () => {
    assert.deepEqual(errorsOf('003-weights-fragment'), [
      'CFG_WRONG_SECTION 2',
      'CFG_WRONG_SECTION 3',
      'CFG_WRONG_SECTION 4',
      'CFG_WRONG_SECTION 5',
    ]);
  });

  it('003 ssl-hello-chk: a checked server needs a port to probe (HAProxy check.c init_srv_check)', () => {
    assert.deepEqual(errorsOf('003-ssl-hello-chk'), ['CFG_MISSING 7']);
    const file = files.get('003-ssl-hello-chk')!;
    assert.throws(
      () => loadHaproxyConfig([file], { env: {} }),
      (e: unknown) =>
        e instanceof ConfigErrors &&
        /server 'syslog-prod-site': neither service port nor check port is set/.test(e.message),
    );
  });

  it('003 appfarm: contimeout also bounds the queue, as the seed explains', () => {
    const px = proxy(load('003-appfarm-maxconn'), 'appfarm');
    assert.equal(px.maxconn, 10000);
    assert.equal(px.timeouts.connect, 60000);
    assert.equal(px.timeouts.queue, 60000);
    assert.deepEqual(
      px.servers.map((s) => s.maxconn),
      [4, 4, 4],
    );
    const px2 = proxy(load('003-appfarm-minconn'), 'appfarm');
    assert.deepEqual(
      px2.servers.map((s) => [s.minconn, s.maxconn]),
      [
        [4, 12],
        [4, 12],
        [4, 12],
      ],
    );
    assert.equal(px2.options.abortonclose, true);
  });

  for (const [name, lines] of Object.entries(NAMED_BY_ADDRESS)) {
    it(`${name}: 'listen <address>' is a name without a bind`, () => {
      assert.deepEqual(
        errorsOf(name),
        lines.map((l) => `CFG_MISSING ${l}`),
      );
    });
  }
});

describe("'listen ADDR:PORT' (HAProxy 1.4 configuration.txt §4: names may contain '.' and ':')", () => {
  const dir = mkdtempSync(join(tmpdir(), 'hapair-listen-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('is a proxy name: with a bind it loads and keeps that name', () => {
    const file = write('named.cfg', 'listen 192.168.1.1:80\n  bind 127.0.0.1:8080\n  timeout client 1s\n');
    const cfg = loadHaproxyConfig([file], { env: {} });
    assert.equal(cfg.proxies[0]!.name, '192.168.1.1:80');
    assert.equal(cfg.proxies[0]!.binds[0]!.addr.text, '127.0.0.1:8080');
  });

  it('without a bind it is an error telling what to write', () => {
    const file = write('bare.cfg', 'listen 192.168.1.1:80\n  mode http\n');
    assert.throws(
      () => loadHaproxyConfig([file], { env: {} }),
      (e: unknown) =>
        e instanceof ConfigErrors &&
        e.errors.length === 1 &&
        e.errors[0]!.code === 'CFG_MISSING' &&
        e.errors[0]!.message ===
          `${file}:1: listen: '192.168.1.1:80' is a proxy name, not an address, and this listen has no 'bind' (HAProxy 1.4 configuration.txt §4: names may contain '.' and ':'): write 'listen NAME' + 'bind 192.168.1.1:80'`,
    );
  });

  it('an ordinary name without a bind is only a warning, as in HAProxy 2.x', () => {
    const file = write('nobind.cfg', 'listen app\n  mode http\n');
    const cfg = loadHaproxyConfig([file], { env: {} });
    assert.ok(cfg.warnings.some((w) => w.includes("'app' has no 'bind' directive")));
  });
});
