import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitVersion } from '../../src/config/haproxy/cond-expr.js';
import { CondBlocks, evalCondExpr } from '../../src/config/haproxy/conditions.js';
import { HAPROXY_COMPAT_VERSION } from '../../src/config/haproxy/version.js';
import type { ConfigError } from '../../src/core/errors.js';

const cond = (expr: string, env: Record<string, string> = {}) => evalCondExpr(expr, env);
const bad = (expr: string, re: RegExp) =>
  assert.throws(
    () => cond(expr),
    (e: unknown) => (e as ConfigError).code === 'CFG_CONDITIONAL' && re.test((e as Error).message),
    expr,
  );

describe('conditional expressions (configuration.txt §2.4, -cc)', () => {
  it('treats integers and the empty string like HAProxy', () => {
    assert.equal(cond(''), false);
    assert.equal(cond('0'), false);
    assert.equal(cond('1'), true);
    assert.equal(cond('-1'), true);
    assert.equal(cond('0x10'), true);
    assert.equal(cond('00'), false);
    assert.equal(cond('!0'), true);
    assert.equal(cond('!!1'), true);
    assert.equal(cond('! 1'), false);
  });

  it('gives && precedence over ||, with parentheses', () => {
    assert.equal(cond('1 || 0 && 0'), true);
    assert.equal(cond('(1 || 0) && 0'), false);
    assert.equal(cond('0 && 1 || 1 && 1'), true);
    assert.equal(cond('!(0 || 0)'), true);
  });

  it('evaluates the predicates', () => {
    const env = { SSL: 'yes', EMPTY: '' };
    assert.equal(cond('defined(SSL)', env), true);
    assert.equal(cond('defined(EMPTY)', env), true);
    assert.equal(cond('defined(NOPE)', env), false);
    assert.equal(cond('streq(yes,yes)'), true);
    assert.equal(cond('streq(yes,no)'), false);
    assert.equal(cond('strneq(yes,no)'), true);
    assert.equal(cond('strstr(haproxy,prox)'), true);
    assert.equal(cond('streq("a,b",\'a,b\')'), true, 'quoted commas stay inside the argument');
    assert.equal(cond('streq( a,a)'), false, 'arguments are not trimmed');
    assert.equal(cond('feature(OPENSSL)'), true);
    assert.equal(cond('feature(ZLIB)'), false);
    assert.equal(cond('feature(LINUX_SPLICE)'), false);
    assert.equal(cond('feature(NOT_A_FEATURE)'), false);
    assert.equal(cond('enabled(EPOLL)'), false);
  });

  it(`compares versions against HAProxy ${HAPROXY_COMPAT_VERSION}`, () => {
    assert.equal(HAPROXY_COMPAT_VERSION, '2.8');
    assert.equal(cond('version_atleast(2.8)'), true);
    assert.equal(cond('version_atleast(2.8.0)'), true);
    assert.equal(cond('version_atleast(2.8.1)'), false);
    assert.equal(cond('version_atleast(2.4-dev19)'), true);
    assert.equal(cond('version_atleast(2.8-dev5)'), true, 'a release ranks after its dev tags');
    assert.equal(cond('version_before(2.9)'), true);
    assert.equal(cond('version_before(2.8)'), false);
    assert.equal(cond('version_before(1.5-dev18-43)'), false);
    assert.deepEqual(splitVersion('2.4-dev18-f6818d-20'), [2, 4, 0, 0, 1, 18, 20]);
    assert.deepEqual(splitVersion('1.2.1-pre2'), [1, 2, 1, 0, 2, 2, 0]);
    assert.deepEqual(splitVersion('1.2.10.1'), [1, 2, 10, 1, 3, 0, 0]);
  });

  it('reports unparsable expressions', () => {
    bad('1 &&', /unparsable conditional expression/);
    bad('(1', /expected '\)'/);
    bad('1 2', /unexpected character '2'/);
    bad('nosuch(x)', /unparsable conditional expression 'nosuch\(x\)'/);
    bad('streq(a)', /missing arguments \(got 1\/2\)/);
    bad('defined', /missing arguments \(got 0\/1\)/);
    bad('defined(A,B)', /too many arguments/);
    bad('streq(a,b', /missing closing '\)'/);
    bad('version_atleast(two)', /unparsable version 'two'/);
    bad(`${'('.repeat(100)}1${')'.repeat(100)}`, /nested too deeply/);
  });
});

describe('.if/.elif/.else/.endif blocks', () => {
  function run(lines: string[], env: Record<string, string> = {}) {
    const warnings: string[] = [];
    const errors: ConfigError[] = [];
    const kept: number[] = [];
    const blocks = new CondBlocks(env, {
      warn: (_l, kw, m) => warnings.push(`${kw}: ${m}`),
      error: (e) => errors.push(e),
    });
    lines.forEach((text, i) => {
      const words = text.trim() === '' ? [] : text.trim().split(/\s+/);
      const loc = { file: 'c.cfg', line: i + 1 };
      if (!blocks.handle(words, loc) && blocks.active()) kept.push(i + 1);
    });
    blocks.finish();
    return { warnings, errors, kept };
  }

  it('keeps exactly the lines of the taken branches, nested', () => {
    const r = run([
      '.if defined(A)',
      'a',
      '.elif 1',
      'b',
      '.if 0',
      'c',
      '.else',
      'd',
      '.endif',
      '.else',
      'e',
      '.endif',
      'f',
    ]);
    assert.deepEqual(r.kept, [4, 8, 13]);
    assert.deepEqual(r.errors, []);
    const r2 = run(['.if defined(A)', 'a', '.elif 1', 'b', '.endif'], { A: '' });
    assert.deepEqual(r2.kept, [2]);
  });

  it('does not evaluate conditions inside a dropped branch', () => {
    const r = run(['.if 0', '.if nosuch(', 'x', '.endif', '.endif', 'y']);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.kept, [6]);
  });

  it('turns .notice/.warning/.diag into warnings and .alert into an error, in taken branches only', () => {
    const r = run([
      '.notice "n"',
      '.if 0',
      '.alert "never"',
      '.else',
      '.warning "w"',
      '.diag "d"',
      '.endif',
      '.alert "stop"',
    ]);
    assert.deepEqual(r.warnings, ['.notice: "n"', '.warning: "w"', '.diag: "d"']);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.message, 'c.cfg:8: .alert: "stop"');
  });

  it('reports misplaced directives with their line', () => {
    const msgs = (lines: string[]) => run(lines).errors.map((e) => e.message);
    assert.deepEqual(msgs(['.endif']), ["c.cfg:1: .endif: lone '.endif' with no matching '.if'"]);
    assert.deepEqual(msgs(['.else']), ["c.cfg:1: .else: lone '.else' with no matching '.if'"]);
    assert.deepEqual(msgs(['.elif 1']), ["c.cfg:1: .elif: lone '.elif' with no matching '.if'"]);
    assert.deepEqual(msgs(['.if 1', '.else', '.else', '.endif']), [
      "c.cfg:3: .else: '.else' after '.else' is not permitted",
    ]);
    assert.deepEqual(msgs(['.if 1', '.else x', '.endif']), ["c.cfg:2: .else: unexpected argument 'x'"]);
    assert.deepEqual(msgs(['x', '.if 1']), ["c.cfg:2: .if: missing '.endif' at end of file"]);
    assert.deepEqual(msgs(['.bogus']), ["c.cfg:1: .bogus: unknown directive '.bogus'"]);
  });
});
