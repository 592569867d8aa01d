/**
 * Stick-table configuration: what `stick-table`, `stick` and
 * `tcp-request connection track-scN` put in the model, and every refusal with
 * its code and file:line — from the loader (shape of the lines) and from the
 * engine start (tables named by rules and fetches, key expressions).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, ConfigErrors } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { ProxyEngine } from '../../src/proxy/engine.js';
import { lineOf, loadText } from './stick-helpers.js';

/** The one error loading `text` gives: its code, line and message. */
function loadError(text: string, bare = false): ConfigError {
  try {
    loadText(text, bare);
  } catch (err) {
    if (err instanceof ConfigErrors) return err.errors[0]!;
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('the configuration loaded');
}

function fails(text: string, needle: string, code: string, message: RegExp, bare = false): void {
  const e = loadError(text, bare);
  assert.equal(e.code, code, e.message);
  assert.equal(e.loc?.file.endsWith('stick.cfg'), true);
  assert.equal(e.loc?.line, lineOf(text, needle, bare), e.message);
  assert.match(e.message, message);
}

/** The error building the engine gives (nothing is bound). */
function engineError(text: string): ConfigError {
  const cfg = loadText(text);
  try {
    new ProxyEngine(cfg, { log: silentLogger });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('the engine was built');
}

function engineFails(text: string, needle: string, code: string, message: RegExp): void {
  const e = engineError(text);
  assert.equal(e.code, code, e.message);
  assert.equal(e.loc?.line, lineOf(text, needle), e.message);
  assert.match(e.message, message);
}

describe('stick-table keyword', () => {
  it('records type, key length, size with units, expire, nopurge and stored data', () => {
    const cfg = loadText(`backend be
  stick-table type string len 12 size 2k expire 30s nopurge store gpc0,conn_rate(10s) store http_req_rate(1m)
backend b2
  stick-table type string size 10
backend b3
  stick-table size 1m type binary
backend b4
  stick-table type ip size 10 store server_id,server_key
`);
    const t = cfg.proxies[0]!.stickTable!;
    assert.equal(t.type, 'string');
    assert.equal(t.len, 12);
    assert.equal(t.size, 2048);
    assert.equal(t.expire, 30_000);
    assert.equal(t.nopurge, true);
    assert.deepEqual(t.store, [
      { data: 'gpc0' },
      { data: 'conn_rate', period: 10_000 },
      { data: 'http_req_rate', period: 60_000 },
    ]);
    assert.equal(cfg.proxies[1]!.stickTable!.len, 31, "HAProxy's 32-byte string keys hold 31 characters");
    assert.equal(cfg.proxies[2]!.stickTable!.size, 1024 * 1024);
    assert.equal(cfg.proxies[2]!.stickTable!.len, 32);
    assert.deepEqual(cfg.proxies[3]!.stickTable!.store, [{ data: 'server_id' }, { data: 'server_key' }]);
  });

  it('warns about a data type stored twice', () => {
    const cfg = loadText('backend be\n  stick-table type ip size 10 store gpc0,gpc0\n');
    assert.ok(cfg.warnings.some((w) => /store option 'gpc0' already enabled/.test(w)));
  });

  it('refuses bad declarations with their line', () => {
    const cases: [string, string, RegExp][] = [
      ['stick-table type ip', 'CFG_BAD_ARGS', /missing size/],
      ['stick-table size 10', 'CFG_BAD_ARGS', /missing type/],
      ['stick-table type ipv4 size 10', 'CFG_BAD_ARGS', /unknown type 'ipv4'/],
      ['stick-table type string len 0 size 10', 'CFG_BAD_ARGS', /'len' expects a positive integer/],
      ['stick-table type ip len 4 size 10', 'CFG_BAD_ARGS', /unknown argument 'len'/],
      ['stick-table type ip size 10x', 'CFG_BAD_UNIT', /stick-table/],
      ['stick-table type ip size 10 expire', 'CFG_BAD_ARGS', /missing argument after 'expire'/],
      ['stick-table type ip size 10 store foo', 'CFG_BAD_ARGS', /unknown store option 'foo'/],
      ['stick-table type ip size 10 store gpc1', 'CFG_UNSUPPORTED', /store option 'gpc1' is not supported/],
      ['stick-table type ip size 10 store conn_rate', 'CFG_BAD_ARGS', /missing argument to store option/],
      ['stick-table type ip size 10 store gpc0(1)', 'CFG_BAD_ARGS', /unexpected argument to store option/],
      ['stick-table type ip size 10 peers mypeers', 'CFG_UNSUPPORTED', /'peers'.*not supported/],
      ['stick-table type ip size 10 srvkey addr', 'CFG_UNSUPPORTED', /srvkey addr/],
      ['stick-table type ip size 10 bogus', 'CFG_BAD_ARGS', /unknown argument 'bogus'/],
    ];
    for (const [line, code, msg] of cases) fails(`backend be\n  ${line}\n`, line, code, msg);
  });

  it('is refused in defaults, and twice in one proxy', () => {
    fails(
      'defaults\n  mode tcp\n  stick-table type ip size 10\n',
      'stick-table',
      'CFG_WRONG_SECTION',
      /not allowed in a 'defaults' section/,
      true,
    );
    fails(
      'backend be\n  stick-table type ip size 10\n  stick-table type ip size 20\n',
      'stick-table type ip size 20',
      'CFG_DUPLICATE',
      /conflicts with table declared at .*stick\.cfg:\d+/,
    );
  });
});

describe('stick keyword', () => {
  it('records on, match, store-request (and its alias store), table and condition', () => {
    const cfg = loadText(`backend be
  stick-table type ip size 10
  stick on src
  stick match src table other if { src 10.0.0.0/8 }
  stick store-request src
  stick store src unless { src 10.0.0.1 }
backend other
  stick-table type ip size 10
`);
    const rules = cfg.proxies[0]!.stickRules;
    assert.deepEqual(
      rules.map((r) => [r.kind, r.expr, r.table, r.cond?.polarity]),
      [
        ['on', 'src', undefined, undefined],
        ['match', 'src', 'other', 'if'],
        ['store-request', 'src', undefined, undefined],
        ['store-request', 'src', undefined, 'unless'],
      ],
    );
  });

  it('refuses other forms with their line', () => {
    const cases: [string, string, RegExp][] = [
      ['stick store-response src', 'CFG_UNSUPPORTED', /'stick store-response' is not supported/],
      ['stick at src', 'CFG_BAD_ARGS', /expects 'on', 'match', or 'store'/],
      ['stick on', 'CFG_BAD_ARGS', /expects a fetch method/],
      ['stick on src tables t', 'CFG_BAD_ARGS', /unknown keyword 'tables'/],
      ['stick on src table', 'CFG_BAD_ARGS', /unknown keyword 'table'/],
    ];
    for (const [line, code, msg] of cases) fails(`backend be\n  ${line}\n`, line, code, msg);
    fails(
      'frontend fe\n  stick on src\n',
      'stick on',
      'CFG_WRONG_SECTION',
      /not allowed in a 'frontend' section/,
    );
  });
});

describe('tcp-request connection track-scN', () => {
  it('is stored as a connection rule with its key, table and condition', () => {
    const cfg = loadText(`frontend fe
  tcp-request connection track-sc1 src table t if { src 10.0.0.0/8 }
  tcp-request connection track-sc2 src
`);
    const r = cfg.proxies[0]!.rules;
    assert.deepEqual(
      r.map((x) => [x.family, x.action, x.args, x.cond?.polarity]),
      [
        ['tcp-request connection', 'track-sc1', ['src', 'table', 't'], 'if'],
        ['tcp-request connection', 'track-sc2', ['src'], undefined],
      ],
    );
  });

  it('refuses a malformed one', () => {
    fails(
      'frontend fe\n  tcp-request connection track-sc0 src foo\n',
      'tcp-request connection track-sc0',
      'CFG_BAD_ARGS',
      /expects <key> \[table <table>\]/,
    );
    fails(
      'backend be\n  tcp-request connection track-sc0 src\n',
      'tcp-request connection track-sc0',
      'CFG_WRONG_SECTION',
      /not allowed in a 'backend' section/,
    );
  });
});

describe('references checked when the engine is built', () => {
  const FE = (rule: string, more = '') => `frontend fe
  stick-table type ip size 10 store conn_cur
  ${rule}
${more}`;

  it('refuses tables that do not exist', () => {
    engineFails(
      FE('tcp-request connection track-sc0 src table nosuch'),
      'tcp-request connection track-sc0',
      'CFG_UNKNOWN_REF',
      /unable to find table 'nosuch' referenced by track-sc0/,
    );
    engineFails(
      'frontend fe\n  tcp-request connection track-sc1 src\n',
      'tcp-request connection track-sc1',
      'CFG_UNKNOWN_REF',
      /unable to find table 'fe' referenced by track-sc1/,
    );
    engineFails(
      'backend be\n  stick on src table nosuch\n',
      'stick on',
      'CFG_UNKNOWN_REF',
      /stick on: unable to find stick-table 'nosuch'/,
    );
    engineFails(
      'backend be\n  stick match src\n',
      'stick match',
      'CFG_UNKNOWN_REF',
      /unable to find stick-table 'be'/,
    );
    engineFails(
      FE('tcp-request connection reject if { src_conn_rate(nosuch) gt 1 }'),
      'tcp-request connection reject',
      'CFG_UNKNOWN_REF',
      /src_conn_rate: unable to find table 'nosuch'/,
    );
    engineFails(
      FE('acl busy sc_http_req_rate(0,nosuch) gt 10'),
      'acl busy',
      'CFG_UNKNOWN_REF',
      /acl 'busy': sc_http_req_rate: unable to find table 'nosuch'/,
    );
  });

  it('refuses counters out of range, implied tables and keys it cannot evaluate', () => {
    engineFails(
      FE('tcp-request connection reject if { sc_conn_cur(3) gt 1 }'),
      'tcp-request connection reject',
      'CFG_BAD_ARGS',
      /sc_conn_cur: stick counter '3' must be an integer between 0 and 2/,
    );
    engineFails(
      FE('tcp-request connection reject if { src_conn_cur gt 1 }'),
      'tcp-request connection reject',
      'CFG_UNSUPPORTED',
      /'src_conn_cur' without a table argument/,
    );
    engineFails(
      FE('tcp-request connection track-sc0 src,ipmask(24)'),
      'tcp-request connection track-sc0',
      'CFG_UNSUPPORTED',
      /converters in a key expression/,
    );
    engineFails(
      FE('tcp-request connection track-sc0 nosuchfetch'),
      'tcp-request connection track-sc0',
      'CFG_UNSUPPORTED',
      /unknown or unsupported sample fetch 'nosuchfetch'/,
    );
  });

  it('refuses two tables of the same name (a frontend and a backend)', () => {
    const e = engineError(`frontend app
  stick-table type ip size 10
backend app
  stick-table type ip size 10
`);
    assert.equal(e.code, 'CFG_DUPLICATE');
    assert.match(e.message, /stick-table name 'app' conflicts with table declared in frontend 'app'/);
  });

  it('builds with valid references', () => {
    const cfg = loadText(`frontend fe
  stick-table type ip size 10 store conn_cur,gpc0
  tcp-request connection track-sc0 src
  tcp-request connection track-sc1 src table be
  tcp-request connection reject if { sc0_conn_cur gt 10 } || { src_get_gpc0(fe) gt 0 } || { table_cnt(be) gt 5 }
  default_backend be
backend be
  stick-table type ip size 10 expire 1m
  stick on src
`);
    const engine = new ProxyEngine(cfg, { log: silentLogger });
    assert.deepEqual(
      engine.stickTables.list().map((t) => t.name),
      ['be', 'fe'],
    );
  });
});
