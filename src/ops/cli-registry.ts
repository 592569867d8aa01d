/**
 * The command table of the stats socket and what it answers when a request
 * matches no command: HAProxy 2.6's cli_find_kw (every keyword word equal to
 * the request's first words) and cli_gen_usage_msg (the commands sharing the
 * longest matched prefix, ranked by a character-transition fingerprint of the
 * words that follow, tools.c update_word_fingerprint).
 */
import type { CliLevel } from './types.js';

export interface CliContext {
  /** The session's current level (lowered by `operator` / `user`). */
  level: CliLevel;
}

export interface CliCommand<Ctx extends CliContext = CliContext> {
  /** Keyword words; the request's first words must equal them. */
  readonly words: readonly string[];
  /** Help line: the synopsis padded to 40 columns, `: `, the description. */
  readonly usage: string;
  /** Answer body, without the trailing empty line the session adds. */
  run(args: readonly string[], ctx: Ctx): string | Promise<string>;
}

/** `synopsis                                : description`, as HAProxy aligns its help. */
export function usageLine(synopsis: string, description: string): string {
  return `${synopsis.padEnd(40)}: ${description}`;
}

const LEVEL_RANK: Readonly<Record<CliLevel, number>> = { user: 1, operator: 2, admin: 3 };

/** cli.c cli_has_level(): undefined when allowed, else HAProxy's refusal. */
export function denied(ctx: CliContext, need: CliLevel): string | undefined {
  return LEVEL_RANK[ctx.level] >= LEVEL_RANK[need] ? undefined : 'Permission denied\n';
}

export function atLeast(level: CliLevel, need: CliLevel): boolean {
  return LEVEL_RANK[level] >= LEVEL_RANK[need];
}

/** The help lines always printed last. */
const FIXED_HELP = [
  usageLine('help [<command>]', 'list matching or all commands'),
  usageLine('prompt', 'toggle interactive mode with prompt'),
  usageLine('quit', 'disconnect'),
];

export function findCommand<C extends CliCommand<never>>(
  table: readonly C[],
  args: readonly string[],
): C | undefined {
  return table.find((c) => c.words.every((w, i) => args[i] === w));
}

/** Number of leading words of `kw` equal to `args`. */
function prefixMatch(kw: readonly string[], args: readonly string[]): number {
  let n = 0;
  while (n < kw.length && args[n] !== undefined && args[n] !== '' && kw[n] === args[n]) n++;
  return n;
}

/** Transition counts between character classes (letters 1–26, digit 27, other/begin/end 28), row 0 marks presence. */
function fingerprint(words: readonly string[]): Uint8Array {
  const fp = new Uint8Array(1024);
  for (const word of words) {
    let from = 28;
    for (const ch of word.toLowerCase()) {
      const c = ch.charCodeAt(0);
      const to = c >= 97 && c <= 122 ? c - 96 : c >= 48 && c <= 57 ? 27 : 28;
      fp[to] = 1;
      fp[32 * from + to]! += 1;
      from = to;
    }
    fp[32 * from + 28]! += 1;
  }
  return fp;
}

function distance(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]!);
  return d;
}

/** CLI_MAX_MATCHES: at most this many fuzzy suggestions. */
const MAX_MATCHES = 5;

function fuzzyMatches<C extends CliCommand<never>>(
  table: readonly C[],
  args: readonly string[],
  length: number,
): C[] {
  const rest = args.slice(length).filter((a) => a !== '');
  const wordSig = fingerprint(rest);
  const restLen = rest.reduce((n, w) => n + w.length, 0);
  const ranked: { c: C; dist: number }[] = [];
  for (const c of table) {
    if (prefixMatch(c.words, args) < length || c.words.length <= length) continue;
    const kwRest = c.words.slice(length);
    const dist = distance(wordSig, fingerprint(kwRest));
    const totlen = restLen + kwRest.reduce((n, w) => n + w.length, 0);
    if (dist < Math.floor((5 * totlen) / 2)) ranked.push({ c, dist });
  }
  ranked.sort((x, y) => x.dist - y.dist);
  const best = ranked.slice(0, MAX_MATCHES);
  const first = best[0]?.dist ?? 0;
  return best.filter((m) => m.dist <= Math.floor((5 * first) / 2)).map((m) => m.c);
}

/**
 * The usage answer: `help [words]` lists matching commands; an unknown request
 * gets HAProxy's "Unknown command" text with the closest commands, or the
 * whole list when nothing is close.
 */
export function usageMessage(table: readonly CliCommand<never>[], requestArgs: readonly string[]): string {
  const isHelp = requestArgs[0] === 'help';
  const args = isHelp ? requestArgs.slice(1) : requestArgs;
  const length = Math.max(0, ...table.map((c) => prefixMatch(c.words, args)));
  let head: string;
  if (isHelp) head = 'The following commands are valid at this level:\n';
  else if (length === 0 && (args[0] === undefined || args[0] === '')) {
    head = 'Unknown command. Please enter one of the following commands only:\n';
  } else head = 'Unknown command, but maybe one of the following ones is a better match:\n';
  let entries = args[length] ? fuzzyMatches(table, args, length) : [];
  if (entries.length === 0) entries = table.filter((c) => prefixMatch(c.words, args) >= length);
  const lines = entries.map((c) => c.usage).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `${head}${[...lines, ...FIXED_HELP].map((l) => `  ${l}\n`).join('')}`;
}
