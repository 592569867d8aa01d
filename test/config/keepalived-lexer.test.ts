// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is keepalived parameter syntax in these strings
/**
 * keepalived.conf lexer: words, quotes, comments, braces, $PARAM
 * substitution and include globs, on real files in a temporary directory.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { globToRegExp } from '../../src/config/keepalived/include-glob.js';
import { lexFiles, type Statement, stripComment, tokenize } from '../../src/config/keepalived/lexer.js';
import { ConfigError, ConfigErrors } from '../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'hapair-ka-lexer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** Statements as nested arrays: [words…, [block…]]. */
function shape(statements: readonly Statement[]): unknown[] {
  return statements.map((s) => (s.block ? [...s.words, shape(s.block)] : [...s.words]));
}

function lexErrors(path: string): [string, number | undefined][] {
  try {
    lexFiles([path]);
  } catch (err) {
    assert.ok(err instanceof ConfigErrors);
    return err.errors.map((e) => [e.code, e.loc?.line]);
  }
  throw new Error('expected lex errors');
}

const loc = { file: 'x.conf', line: 1 };

describe('keepalived lexer: words and comments', () => {
  it('joins quoted segments to their word and keeps blanks, braces and escapes inside quotes', () => {
    assert.deepEqual(tokenize('a "b c"d {', loc), [
      { kind: 'word', text: 'a' },
      { kind: 'word', text: 'b cd' },
      { kind: '{' },
    ]);
    assert.deepEqual(tokenize('script "x \\" { y"', loc), [
      { kind: 'word', text: 'script' },
      { kind: 'word', text: 'x \\" { y' },
    ]);
    assert.deepEqual(tokenize('auth_pass a\\#b ""', loc), [
      { kind: 'word', text: 'auth_pass' },
      { kind: 'word', text: 'a#b' },
      { kind: 'word', text: '' },
    ]);
  });

  it('ends a line at # or ! starting a word outside quotes, and refuses one inside a word', () => {
    assert.equal(stripComment('priority 100 # master', loc), 'priority 100 ');
    assert.equal(stripComment('x "#y !z" ! comment', loc), 'x "#y !z" ');
    assert.equal(stripComment('a}# c', loc), 'a}');
    assert.equal(stripComment('pass a\\#b', loc), 'pass a\\#b');
    assert.throws(
      () => stripComment('auth_pass ab#c', loc),
      (e: unknown) => e instanceof ConfigError && e.code === 'CFG_SYNTAX',
    );
    assert.throws(
      () => stripComment('script "open', loc),
      (e: unknown) => e instanceof ConfigError && e.keyword === 'script',
    );
  });

  it('builds blocks from braces placed anywhere on the line or on their own line', () => {
    const path = write('braces.conf', 'a {\n  b 1\n}\nc\n{\n  d\n}\ne { f } g\nh { i {\nj } }\n');
    assert.deepEqual(shape(lexFiles([path]).statements), [
      ['a', [['b', '1']]],
      ['c', [['d']]],
      ['e', [['f']]],
      ['g'],
      ['h', [['i', [['j']]]]],
    ]);
  });

  it('reports every brace error with its line', () => {
    assert.deepEqual(lexErrors(write('braces-bad.conf', '{\n}\na {\n}\n}\nb {\n')), [
      ['CFG_SYNTAX', 1],
      ['CFG_SYNTAX', 5],
      ['CFG_SYNTAX', 6],
    ]);
  });

  it('keeps the file and line of each statement', () => {
    const path = write('lines.conf', '\n# comment\n\na 1\n  b 2 { c }\n');
    const [a, b] = lexFiles([path]).statements;
    assert.deepEqual(
      [a?.loc, b?.loc, b?.block?.[0]?.loc],
      [
        { file: path, line: 4 },
        { file: path, line: 5 },
        { file: path, line: 5 },
      ],
    );
  });
});

describe('keepalived lexer: parameter substitution', () => {
  it('replaces $NAME and ${NAME} at use time, recursively, and leaves undefined ones', () => {
    // An undefined ${NOPE} stays as written; unquoted, its braces would open a block, as in keepalived.
    const path = write('defs.conf', '$A=1\n$B=${A}0\nx $B ${B}x $A,y $NOPE "${NOPE}"\n$A=2\nz $B $Ax\n');
    assert.deepEqual(shape(lexFiles([path]).statements), [
      ['x', '10', '10x', '1,y', '$NOPE', '${NOPE}'],
      ['z', '20', '$Ax'],
    ]);
  });

  it('knows ${_PWD}, ${_HASH}, ${_BANG} and ${_ENV NAME}', () => {
    process.env.HAPAIR_KA_TEST = 'from-env';
    const path = write('sub/predef.conf', 'p ${_PWD} ${_HASH}${_BANG} ${_ENV HAPAIR_KA_TEST}\n');
    assert.deepEqual(shape(lexFiles([path]).statements), [['p', join(dir, 'sub'), '#!', 'from-env']]);
  });

  it('refuses self-referencing, multi-line and unsupported pre-defined parameters', () => {
    assert.deepEqual(lexErrors(write('loop-def.conf', '$A=${A}x\nv $A\n')), [['CFG_SYNTAX', 2]]);
    assert.deepEqual(lexErrors(write('multi-def.conf', '$A=x \\\n')), [['CFG_UNSUPPORTED', 1]]);
    assert.deepEqual(lexErrors(write('random.conf', 'v ${_RANDOM 1 5}\n')), [['CFG_UNSUPPORTED', 1]]);
    assert.deepEqual(lexErrors(write('seq.conf', '~SEQ(I, 1, 3) x $I\n')), [['CFG_UNSUPPORTED', 1]]);
  });
});

describe('keepalived lexer: include', () => {
  it('expands * in the last component in byte order, skipping dot files and directories', () => {
    for (const name of ['b.conf', 'B.conf', 'a.conf', '.h.conf']) write(`g/${name}`, `from ${name}\n`);
    mkdirSync(join(dir, 'g', 'sub.conf'));
    const main = write('glob-main.conf', 'include g/*.conf\ninclude g/?.conf\n');
    const out = lexFiles([main]);
    assert.deepEqual(shape(out.statements), [
      ['from', 'B.conf'],
      ['from', 'a.conf'],
      ['from', 'b.conf'],
      ['from', 'B.conf'],
      ['from', 'a.conf'],
      ['from', 'b.conf'],
    ]);
    assert.deepEqual(out.files, [
      main,
      join(dir, 'g', 'B.conf'),
      join(dir, 'g', 'a.conf'),
      join(dir, 'g', 'b.conf'),
    ]);
    assert.equal(out.warnings.length, 1);
    assert.match(
      out.warnings[0]!,
      /glob-main\.conf:1: include: ".*sub\.conf" matches but is not a regular file/,
    );
  });

  it('resolves relative paths from the including file and warns when a pattern matches nothing', () => {
    write('nest/inner/leaf.conf', 'leaf\n');
    write('nest/inner/mid.conf', 'include leaf.conf\n');
    const main = write('nest/main.conf', 'include inner/mid.conf\ninclude inner/*.none\n');
    const out = lexFiles([main]);
    assert.deepEqual(shape(out.statements), [['leaf']]);
    assert.deepEqual(out.warnings, [`${main}:2: include: "inner/*.none" matches no file`]);
  });

  it('refuses patterns it cannot expand exactly, missing files and loops', () => {
    assert.deepEqual(lexErrors(write('inc-dirglob.conf', 'include */x.conf\n')), [['CFG_UNSUPPORTED', 1]]);
    assert.deepEqual(lexErrors(write('inc-class.conf', 'include [ab].conf\n')), [['CFG_UNSUPPORTED', 1]]);
    assert.deepEqual(lexErrors(write('inc-variant.conf', 'includer x.conf\n')), [['CFG_UNSUPPORTED', 1]]);
    assert.deepEqual(lexErrors(write('inc-missing.conf', 'include nothere/*.conf\n')), [['CFG_IO', 1]]);
    write('loop/a.conf', 'include b.conf\n');
    write('loop/b.conf', 'x\ninclude a.conf\n');
    assert.deepEqual(lexErrors(join(dir, 'loop', 'a.conf')), [['CFG_SYNTAX', 2]]);
  });

  it('translates glob patterns like glob(3)', () => {
    const re = globToRegExp('*.c?nf');
    assert.ok(re.test('a.conf') && re.test('x.cXnf'));
    assert.ok(!re.test('.a.conf') && !re.test('a.cnf') && !re.test('a.conf~'));
    assert.ok(globToRegExp('.*').test('.hidden'));
    assert.ok(globToRegExp('a+(b).conf').test('a+(b).conf'));
  });
});
