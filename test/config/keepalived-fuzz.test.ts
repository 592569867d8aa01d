// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is keepalived parameter syntax in these strings
/**
 * Seeded fuzzing of the keepalived.conf loader: 5,000 random mutations of the
 * fixture corpus must each either load or throw ConfigError/ConfigErrors —
 * never another exception (a crash in the loader is a bug, whatever the input).
 * Fixtures using `include` are left out so that a mutated path can never make
 * the loader read files outside the temporary directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadKeepalivedConfig } from '../../src/config/keepalived/index.js';
import { ConfigError, ConfigErrors } from '../../src/core/errors.js';
import { confFiles, INVALID, SEED_LB1, VALID } from './keepalived-fixtures.js';

const ITERATIONS = 5000;
const SEED = 0x6b61_6c76;
const TOKENS = [
  '{',
  '}',
  '"',
  '#',
  '!',
  '\\',
  '$X',
  '${X}',
  '$X=1',
  '$X=${X}${X}',
  '${_ENV HOME}',
  '${_RANDOM}',
  '@main',
  '~SEQ(I,1,2)',
  '0',
  '-1',
  '256',
  '0.5',
  '0.015',
  '1e3',
  '4294967296',
  '::1',
  'fe80::1%eth0',
  '198.18.0.1/33',
  '198.18.0.1:80',
  '[::1]:80',
  'weight',
  'reverse',
  'vrrp_instance',
  'vrrp_script',
  'global_defs',
  'track_script',
  'virtual_ipaddress',
  'authentication',
  'auth_type',
  'AH',
  'state',
  'MASTER',
  'version',
  '3',
  'hapair_transport',
  'udp',
  'port',
  'bind',
  'hapair_track_proxy',
  'backend',
  'track_file',
  'group',
  'dev',
  'brd',
  '+',
  'scope',
  'label',
  '\n',
  ' ',
  '\t',
  'é',
  '\u0000',
];

/** mulberry32: small, seedable, good enough to pick mutations. */
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

function mutate(text: string, rand: () => number): string {
  const int = (n: number) => Math.floor(rand() * n);
  const token = () => TOKENS[int(TOKENS.length)]!;
  const lines = text.split('\n');
  switch (int(6)) {
    case 0: {
      const at = int(text.length + 1);
      return text.slice(0, at) + text.slice(at + 1 + int(8));
    }
    case 1: {
      const at = int(text.length + 1);
      const pad = rand() < 0.5 ? ' ' : '';
      return text.slice(0, at) + pad + token() + pad + text.slice(at);
    }
    case 2:
      lines.splice(int(lines.length), 0, lines[int(lines.length)] ?? '');
      return lines.join('\n');
    case 3:
      lines.splice(int(lines.length), 1);
      return lines.join('\n');
    case 4: {
      const i = int(lines.length);
      const j = int(lines.length);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join('\n');
    }
    default: {
      const words = [...text.matchAll(/\S+/g)];
      const w = words[int(words.length)];
      if (w === undefined) return token();
      return text.slice(0, w.index) + token() + text.slice(w.index + w[0].length);
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'hapair-ka-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('keepalived loader fuzzing', () => {
  it(`survives ${ITERATIONS} seeded mutations of the fixtures`, { timeout: 60_000 }, () => {
    const corpus = [...confFiles(VALID), ...confFiles(INVALID), SEED_LB1]
      .map((f) => readFileSync(f, 'utf8'))
      .filter((text) => !text.includes('include'));
    assert.ok(corpus.length >= 30);
    const rand = prng(SEED);
    const path = join(dir, 'fuzz.conf');
    const started = Date.now();
    let loaded = 0;
    let rejected = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      let text = corpus[Math.floor(rand() * corpus.length)]!;
      const rounds = 1 + Math.floor(rand() * 4);
      for (let r = 0; r < rounds; r++) text = mutate(text, rand);
      writeFileSync(path, text);
      try {
        loadKeepalivedConfig([path]);
        loaded++;
      } catch (err) {
        if (!(err instanceof ConfigErrors || err instanceof ConfigError)) {
          assert.fail(`iteration ${i}: ${String(err)}\n--- input ---\n${text}`);
        }
        rejected++;
      }
    }
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
    assert.ok(loaded > 100 && rejected > 1000, `loaded ${loaded}, rejected ${rejected}`);
  });
});
