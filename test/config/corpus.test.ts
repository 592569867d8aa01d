/**
 * The fixture corpus: every valid file loads, every invalid file fails with
 * exactly the errors listed in its `# expect: CODE LINE [text]` header, and
 * every registered keyword appears in some valid file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import { lexLine } from '../../src/config/haproxy/lexer.js';
import {
  bindParamRegistry,
  haproxyRegistry,
  serverParamRegistry,
} from '../../src/config/haproxy/registry.js';
import { ConfigErrors } from '../../src/core/errors.js';
import { cfgFiles } from './fixtures.js';

const valid = cfgFiles('haproxy/valid');
const invalid = cfgFiles('haproxy/invalid');

interface Expectation {
  readonly code: string;
  readonly line: number;
  readonly text?: string;
}

function expectations(file: string): Expectation[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('# expect: '))
    .map((l) => {
      const [code, line, ...text] = l.slice('# expect: '.length).split(' ');
      return { code: code!, line: Number(line), ...(text.length > 0 && { text: text.join(' ') }) };
    });
}

describe('haproxy fixture corpus', () => {
  it('has at least 60 files, each invalid one with an expectation', () => {
    assert.ok(valid.length + invalid.length >= 60, `${valid.length + invalid.length} fixtures`);
    for (const f of invalid) assert.ok(expectations(f).length > 0, `${basename(f)} has no '# expect:' line`);
  });

  for (const file of valid) {
    it(`loads valid/${basename(file)}`, () => {
      const cfg = loadHaproxyConfig([file], { env: {} });
      assert.deepEqual(cfg.files, [file]);
      assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.proxies) && Object.isFrozen(cfg.global));
    });
  }

  for (const file of invalid) {
    it(`rejects invalid/${basename(file)} with the expected errors`, () => {
      const want = expectations(file);
      let got: ConfigErrors | undefined;
      try {
        loadHaproxyConfig([file], { env: {} });
      } catch (err) {
        if (!(err instanceof ConfigErrors)) throw err;
        got = err;
      }
      assert.ok(got, 'the file loaded without error');
      const summary = got.errors.map((e) => `${e.code} ${e.loc?.line} ${e.message}`);
      assert.equal(got.errors.length, want.length, summary.join('\n'));
      want.forEach((w, i) => {
        const e = got!.errors[i]!;
        assert.equal(e.code, w.code, summary[i]);
        assert.equal(e.loc?.line, w.line, summary[i]);
        assert.equal(e.loc?.file, file);
        assert.ok(e.message.startsWith(`${file}:${w.line}: `), e.message);
        if (w.text) assert.ok(e.message.includes(w.text), `${e.message}\n  should contain: ${w.text}`);
      });
    });
  }
});

/** Words of every non-comment line of the valid corpus. */
function corpusLines(): string[][] {
  return valid.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((text, i) => lexLine(text, { env: {}, loc: { file, line: i + 1 } })),
  );
}

function startsWith(words: readonly string[], name: string): boolean {
  const want = name.split(' ');
  return want.every((w, i) => words[i] === w);
}

describe('keyword coverage of the valid corpus', () => {
  const lines = corpusLines().map((w) => (w[0] === 'no' || w[0] === 'default' ? w.slice(1) : w));
  const serverWords = lines.flatMap((w) =>
    w[0] === 'server' ? w.slice(3) : w[0] === 'default-server' ? w.slice(1) : [],
  );
  const bindWords = lines.flatMap((w) =>
    w[0] === 'bind' ? w.slice(2) : startsWith(w, 'stats socket') ? w.slice(3) : [],
  );

  it('uses every section keyword', () => {
    const missing = haproxyRegistry.all().filter((s) => !lines.some((w) => startsWith(w, s.name)));
    assert.deepEqual(
      missing.map((s) => s.name),
      [],
    );
  });

  it('uses every server parameter', () => {
    const missing = serverParamRegistry.all().filter((s) => !serverWords.includes(s.name));
    assert.deepEqual(
      missing.map((s) => s.name),
      [],
    );
  });

  it('uses every bind parameter', () => {
    const missing = bindParamRegistry.all().filter((s) => !bindWords.includes(s.name));
    assert.deepEqual(
      missing.map((s) => s.name),
      [],
    );
  });
});
