// biome-ignore-all lint/suspicious/noTemplateCurlyInString: haproxy.cfg variables are written ${VAR} in plain strings
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Env, lexLine, MAX_LINE_WORDS } from '../../src/config/haproxy/lexer.js';
import { ConfigError } from '../../src/core/errors.js';

const loc = { file: 'l.cfg', line: 12 };
const lex = (text: string, env: Env = {}, section?: string) => lexLine(text, { env, loc, section });
const syntax = (text: string, re: RegExp) =>
  assert.throws(
    () => lex(text),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.code === 'CFG_SYNTAX' &&
      e.message.startsWith('l.cfg:12: ') &&
      re.test(e.message),
    text,
  );

describe('haproxy.cfg lexer (configuration.txt §2.2, §2.3)', () => {
  it('splits on spaces and tabs and drops comments', () => {
    assert.deepEqual(lex('  server  a\t1.2.3.4:80   check # comment'), [
      'server',
      'a',
      '1.2.3.4:80',
      'check',
    ]);
    assert.deepEqual(lex('global#this is the global section'), ['global']);
    assert.deepEqual(lex('   # only a comment'), []);
    assert.deepEqual(lex(''), []);
    assert.deepEqual(lex('daemon\r'), ['daemon']);
  });

  it('gives the same words for the four equivalent log-format spellings of §2.2', () => {
    const expected = ['log-format', '%{+Q}o %t %s %{-Q}r'];
    assert.deepEqual(lex('log-format %{+Q}o\\ %t\\ %s\\ %{-Q}r'), expected);
    assert.deepEqual(lex('log-format "%{+Q}o %t %s %{-Q}r"'), expected);
    assert.deepEqual(lex("log-format '%{+Q}o %t %s %{-Q}r'"), expected);
    assert.deepEqual(lex('log-format "%{+Q}o %t"\' %s %{-Q}r\''), expected);
    assert.deepEqual(lex('log-format "%{+Q}o %t"\' %s\'\\ %{-Q}r'), expected);
  });

  it('keeps single-quoted text literal', () => {
    assert.deepEqual(lex('x \'a "b" $HOME \\n # c\'', { HOME: '/root' }), ['x', 'a "b" $HOME \\n # c']);
  });

  it('processes escapes outside single quotes', () => {
    assert.deepEqual(lex('x a\\ b \\# \\\\ \\" \\\''), ['x', 'a b', '#', '\\', '"', "'"]);
    assert.deepEqual(lex('x "\\t\\n\\r" \\x41\\x7a'), ['x', '\t\n\r', 'Az']);
    assert.deepEqual(lex('x a\\1 \\d+'), ['x', 'a\\1', '\\d+'], 'unknown escapes stay as written');
    assert.deepEqual(
      lex('x "\\$HOME" \\$HOME'),
      ['x', '$HOME', '\\$HOME'],
      '\\$ only escapes inside double quotes',
    );
  });

  it('expands variables inside double quotes, and braced ones in bare words', () => {
    const env = { HOST: '10.0.0.1', PORT: '80', EMPTY: '' };
    assert.deepEqual(lex('bind "$HOST:${PORT}" $HOST', env), ['bind', '10.0.0.1:80', '$HOST']);
    assert.deepEqual(lex('x "${MISSING-fallback value}" "${EMPTY-unused}"', env), ['x', 'fallback value']);
    assert.deepEqual(lex('x "a${MISSING}b"', env), ['x', 'ab']);
    // Braced forms expand in bare words too (hapair, docs/compat.md); `$VAR` alone stays literal.
    assert.deepEqual(lex('bind ${HOST}:${PORT-8080} $HOST', env), ['bind', '10.0.0.1:80', '$HOST']);
    assert.deepEqual(lex('x ${MISSING-dflt} ${UNSET} y', env), ['x', 'dflt', 'y']);
    assert.deepEqual(lex("x '${HOST}'", env), ['x', '${HOST}']);
  });

  it('drops a word that is empty only because of its variables, keeps a literal ""', () => {
    assert.deepEqual(lex('x "$UNSET" y', {}), ['x', 'y']);
    assert.deepEqual(lex('x "${UNSET}" y', {}), ['x', 'y']);
    assert.deepEqual(lex('x "" y', {}), ['x', '', 'y']);
  });

  it('splits ${VAR[*]} into words', () => {
    assert.deepEqual(lex('bind :80 "${OPTS[*]}" end', { OPTS: 'ssl  crt /a.pem' }), [
      'bind',
      ':80',
      'ssl',
      'crt',
      '/a.pem',
      'end',
    ]);
    assert.deepEqual(lex('bind :80 "${OPTS[*]}"', {}), ['bind', ':80']);
  });

  it('resolves the .FILE, .LINE and .SECTION pseudo-variables', () => {
    assert.deepEqual(lex('x "${.FILE}:${.LINE} in ${.SECTION}"', {}, 'fe'), ['x', 'l.cfg:12 in fe']);
  });

  it('reads unquoted no-break spaces as separators and reports them', () => {
    let reported = 0;
    const words = lexLine('\u00a0 listen\u00a0 stats', { env: {}, loc, onNoBreakSpace: () => reported++ });
    assert.deepEqual(words, ['listen', 'stats']);
    assert.equal(reported, 1);
    assert.deepEqual(lex("x '\u00a0'"), ['x', '\u00a0']);
  });

  it('reports malformed lines with their column', () => {
    syntax('x "open', /unmatched quote at position 3/);
    syntax("x 'open", /unmatched quote at position 3/);
    syntax('x \\x4', /invalid hexadecimal sequence at position 3/);
    syntax('x "${1A}"', /forbidden first char in environment variable name at position 6/);
    syntax('x "${A"', /unmatched brace in environment variable name at position 5/);
    syntax('x "${A-b"', /unmatched brace/);
    syntax('x "${A[x]}"', /invalid word expansion/);
    syntax('x "${.NOPE}"', /unsupported pseudo-variable '.NOPE'/);
    syntax(`x${' a'.repeat(MAX_LINE_WORDS)}`, /too many words/);
  });
});
