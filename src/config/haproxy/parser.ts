/**
 * haproxy.cfg reader: expands `-f FILE|DIR`, lexes every line, applies the
 * conditional blocks, opens sections and hands each other line to the keyword
 * registry. It knows section names only; `no …` and `default …` prefixes are
 * handled for every keyword marked negatable (HAProxy §4.1 "(*)" keywords).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigCode, ConfigError, type SourceLoc } from '../../core/errors.js';
import { CondBlocks } from './conditions.js';
import { type Env, lexLine } from './lexer.js';
import { haproxyRegistry } from './registry.js';
import { openSection } from './sections.js';
import { ParseState } from './state.js';

/**
 * A directory stands for its regular `*.cfg` files, not hidden, in lexical
 * (C locale) order — HAProxy management.txt §3, option -f.
 */
export function expandConfigPaths(paths: readonly string[], state: ParseState): string[] {
  const out: string[] = [];
  for (const p of paths) {
    try {
      if (!statSync(p).isDirectory()) {
        out.push(p);
        continue;
      }
      const names = readdirSync(p)
        .filter((n) => n.endsWith('.cfg') && !n.startsWith('.'))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const n of names) if (statSync(join(p, n)).isFile()) out.push(join(p, n));
    } catch (err) {
      state.error(ioError(p, err));
    }
  }
  return out;
}

function ioError(path: string, err: unknown): ConfigError {
  const why = err instanceof Error && 'code' in err ? String(err.code) : String(err);
  return new ConfigError(ConfigCode.Io, undefined, undefined, `cannot read configuration '${path}' (${why})`);
}

/** Longest keyword of the registry that starts with `words`, for messages about multi-word keywords. */
function attempted(words: readonly string[]): string {
  const prefixed = haproxyRegistry.all().some((s) => s.name.startsWith(`${words[0]} `));
  return prefixed && words.length > 1 ? `${words[0]} ${words[1]}` : words[0]!;
}

function dispatch(state: ParseState, all: readonly string[], loc: SourceLoc): void {
  const prefix = all[0] === 'no' || all[0] === 'default' ? all[0] : undefined;
  const words = prefix && all.length > 1 ? all.slice(1) : all;
  const section = state.section;
  // The section line was already refused: its body would only repeat the error.
  if (section?.kind === 'skip') return;
  const found = haproxyRegistry.match(words);
  const refused = haproxyRegistry.matchUnsupported(words);
  if (refused && (!found || refused.name.split(' ').length > found.consumed)) {
    throw new ConfigError(ConfigCode.Unsupported, loc, refused.name, refused.reason);
  }
  if (!found) {
    const kw = attempted(words);
    const hint = section ? haproxyRegistry.suggest(words, section.kind) : undefined;
    const where = section ? ` in '${section.kind}' section` : '';
    throw new ConfigError(
      ConfigCode.UnknownKeyword,
      loc,
      kw,
      `unknown keyword${where}${hint ? `; did you mean '${hint}'?` : ''}`,
    );
  }
  const { spec, consumed } = found;
  const allowed = spec.sections.map((s) => `'${s}'`).join(', ');
  if (!section)
    throw new ConfigError(
      ConfigCode.WrongSection,
      loc,
      spec.name,
      `used outside of any section (allowed in: ${allowed})`,
    );
  if (!spec.sections.includes(section.kind)) {
    throw new ConfigError(
      ConfigCode.WrongSection,
      loc,
      spec.name,
      `not allowed in a '${section.kind}' section (allowed in: ${allowed})`,
    );
  }
  if (prefix && !spec.negatable) {
    throw new ConfigError(
      ConfigCode.BadArgs,
      loc,
      spec.name,
      `the '${prefix}' prefix is not supported by this keyword`,
    );
  }
  // `default X` restores HAProxy's default; for every negatable keyword that is what `no X` does.
  spec.parse(section.ctx, {
    keyword: spec.name,
    args: words.slice(consumed),
    loc,
    negated: prefix !== undefined,
    reset: prefix === 'default',
  });
}

function parseFile(state: ParseState, file: string, text: string, env: Env): void {
  const conds = new CondBlocks(env, { warn: state.warn, error: state.error });
  // §2.1: each file starts with a new section and its end closes the last one.
  state.section = undefined;
  state.sectionLabel = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const loc = { file, line: i + 1 };
    const raw = lines[i]!;
    state.collect(() => {
      const nul = raw.indexOf('\0');
      if (nul >= 0)
        throw new ConfigError(
          ConfigCode.Syntax,
          loc,
          undefined,
          `stray NUL character at position ${nul + 1}`,
        );
      const onNoBreakSpace = () =>
        state.warn(loc, undefined, 'no-break spaces (U+00A0) read as plain spaces');
      const words = lexLine(raw, { env, loc, section: state.sectionLabel, onNoBreakSpace });
      if (words.length === 0 || conds.handle(words, loc) || !conds.active()) return;
      if (!openSection(state, words, loc)) dispatch(state, words, loc);
    });
  }
  conds.finish();
}

/** Reads and parses every file; errors and warnings are collected in the returned state. */
export function parseHaproxyFiles(paths: readonly string[], env: Env): ParseState {
  const state = new ParseState();
  for (const file of expandConfigPaths(paths, state)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      state.error(ioError(file, err));
      continue;
    }
    state.files.push(file);
    parseFile(state, file, text, env);
  }
  if (paths.length > 0 && state.files.length === 0 && state.errors.length === 0) {
    state.error(
      new ConfigError(
        ConfigCode.Io,
        undefined,
        undefined,
        `no configuration file found in ${paths.join(', ')}`,
      ),
    );
  }
  return state;
}
