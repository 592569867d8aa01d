/**
 * Seeded mutation fuzzing of the fixture corpus: 10,000 damaged configurations
 * (words and lines deleted, duplicated, swapped; random bytes, quotes, braces,
 * backslashes and directives inserted). Each must load or be refused with
 * ConfigError(s): any other exception is a loader bug. The failing input is
 * printed with its seed so it can be replayed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import { ConfigError, ConfigErrors } from '../../src/core/errors.js';
import { cfgFiles } from './fixtures.js';

const ITERATIONS = 10_000;
const SEED = 0x5eed_cafe;

/** mulberry32: small, fast, good enough to pick mutations reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOISE = [
  '"',
  "'",
  '{',
  '}',
  '\\',
  '#',
  '$',
  '${',
  '${X',
  '(',
  ')',
  ' ',
  '\t',
  '\0',
  '\u00a0',
  'é',
  '%[',
  '||',
  '!',
  ':',
  '@',
  '-',
  ',',
  '\\x',
  '.if',
  '.endif',
  'no ',
  'default ',
];
const WORDS = [
  'server',
  'bind',
  'if',
  'unless',
  'check',
  'ssl',
  'frontend x',
  'backend y',
  'listen z',
  'defaults',
  'global',
  '0',
  '99999',
  '-1',
  'http',
  'tcp',
  'option',
  'timeout',
  '1s',
  '::',
  '[',
  ']',
];

function mutate(text: string, rnd: () => number): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const lines = text.split('\n');
  const li = Math.floor(rnd() * lines.length);
  const words = lines[li]!.split(' ');
  const wi = Math.floor(rnd() * words.length);
  const wj = Math.floor(rnd() * words.length);
  switch (Math.floor(rnd() * 9)) {
    case 0:
      words.splice(wi, 1);
      break;
    case 1:
      words.splice(wi, 0, words[wi]!);
      break;
    case 2:
      [words[wi], words[wj]] = [words[wj]!, words[wi]!];
      break;
    case 3:
      lines.splice(li, 1);
      return lines.join('\n');
    case 4:
      lines.splice(li, 0, lines[li]!);
      return lines.join('\n');
    case 5: {
      const lj = Math.floor(rnd() * lines.length);
      [lines[li], lines[lj]] = [lines[lj]!, lines[li]!];
      return lines.join('\n');
    }
    case 6: {
      const w = words[wi]!;
      const at = Math.floor(rnd() * (w.length + 1));
      words[wi] = w.slice(0, at) + pick(NOISE) + w.slice(at);
      break;
    }
    case 7:
      words.splice(wi, 0, pick(WORDS));
      break;
    default: {
      const bytes = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () =>
        String.fromCharCode(Math.floor(rnd() * 256)),
      );
      words[wi] = words[wi]! + bytes.join('');
    }
  }
  lines[li] = words.join(' ');
  return lines.join('\n');
}

describe('loader fuzzing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hapair-fuzz-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const corpus = [...cfgFiles('haproxy/valid'), ...cfgFiles('haproxy/invalid'), ...cfgFiles('seeds')].map(
    (f) => readFileSync(f, 'utf8'),
  );

  it(`survives ${ITERATIONS} seeded mutations with ConfigError(s) only`, () => {
    const rnd = prng(SEED);
    const file = join(dir, 'mutant.cfg');
    const outcome = { loaded: 0, refused: 0 };
    const started = Date.now();
    for (let i = 0; i < ITERATIONS; i++) {
      let text = corpus[Math.floor(rnd() * corpus.length)]!;
      const rounds = 1 + Math.floor(rnd() * 3);
      for (let r = 0; r < rounds; r++) text = mutate(text, rnd);
      writeFileSync(file, text);
      try {
        const cfg = loadHaproxyConfig([file], { env: {} });
        assert.ok(Object.isFrozen(cfg));
        outcome.loaded++;
      } catch (err) {
        if (err instanceof ConfigErrors || err instanceof ConfigError) {
          outcome.refused++;
          continue;
        }
        assert.fail(
          `iteration ${i} (seed ${SEED}) threw ${String(err)}\n--- input ---\n${text}\n--- stack ---\n${(err as Error).stack}`,
        );
      }
    }
    assert.equal(outcome.loaded + outcome.refused, ITERATIONS);
    assert.ok(outcome.loaded > 100 && outcome.refused > 100, JSON.stringify(outcome));
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
  });
});
