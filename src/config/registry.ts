/**
 * Keyword registry (house rule 3). Each module registers the keywords it
 * implements next to the code that implements them; the parsers know no
 * keyword names. A registry answers: which spec handles these words in this
 * section (longest multi-word prefix wins: `timeout connect`, `option httpchk`),
 * is this a known-but-unsupported keyword, and what did the user mean.
 * docs/configuration.md is generated from the registries.
 */
import type { SourceLoc } from '../core/errors.js';

export interface KeywordCall {
  /** The keyword as matched, e.g. `timeout connect`. */
  readonly keyword: string;
  /** Words after the keyword. */
  readonly args: readonly string[];
  readonly loc: SourceLoc;
  /** `no option X` form. */
  readonly negated: boolean;
  /** `default option X` form (reset to the default). */
  readonly reset: boolean;
}

export interface KeywordSpec<C> {
  /** One or more words: `balance`, `timeout connect`, `option httpchk`. */
  readonly name: string;
  /** Section kinds (or parameter scopes) where the keyword may appear. */
  readonly sections: readonly string[];
  /** Argument grammar as HAProxy's documentation writes it. */
  readonly usage: string;
  /** One line: what it does. */
  readonly doc: string;
  /** Default value when the keyword is absent, for the docs. */
  readonly defaultValue?: string;
  /** Accepts the `no` prefix (HAProxy options). */
  readonly negatable?: boolean;
  /** Module that implements it, for the docs: core, proxy, http, checks, vrrp, ops. */
  readonly module: string;
  /** Number of words the keyword consumes as its own value (server/bind params); default: rest of line. */
  readonly arity?: number;
  parse(ctx: C, call: KeywordCall): void;
}

export interface UnsupportedSpec {
  readonly name: string;
  readonly reason: string;
}

export class KeywordRegistry<C> {
  readonly dialect: string;
  private readonly specs = new Map<string, KeywordSpec<C>>();
  private readonly unsupported = new Map<string, UnsupportedSpec>();
  private maxWords = 1;

  constructor(dialect: string) {
    this.dialect = dialect;
  }

  register(spec: KeywordSpec<C>): void {
    if (this.specs.has(spec.name)) throw new Error(`${this.dialect}: keyword registered twice: ${spec.name}`);
    this.specs.set(spec.name, spec);
    this.maxWords = Math.max(this.maxWords, spec.name.split(' ').length);
  }

  registerAll(specs: readonly KeywordSpec<C>[]): void {
    for (const s of specs) this.register(s);
  }

  /** A keyword HAProxy/keepalived has but hapair does not implement: a clear error, never a no-op. */
  markUnsupported(name: string, reason = 'not supported by hapair yet'): void {
    this.unsupported.set(name, { name, reason });
    this.maxWords = Math.max(this.maxWords, name.split(' ').length);
  }

  /** Longest registered prefix of `words`, regardless of section. */
  match(words: readonly string[]): { spec: KeywordSpec<C>; consumed: number } | undefined {
    for (let n = Math.min(this.maxWords, words.length); n >= 1; n--) {
      const spec = this.specs.get(words.slice(0, n).join(' '));
      if (spec) return { spec, consumed: n };
    }
    return undefined;
  }

  matchUnsupported(words: readonly string[]): UnsupportedSpec | undefined {
    for (let n = Math.min(this.maxWords, words.length); n >= 1; n--) {
      const u = this.unsupported.get(words.slice(0, n).join(' '));
      if (u) return u;
    }
    return undefined;
  }

  /** Closest registered keyword valid in `section`, for "did you mean". */
  suggest(words: readonly string[], section: string): string | undefined {
    let best: string | undefined;
    let bestDist = Number.POSITIVE_INFINITY;
    for (const spec of this.specs.values()) {
      if (!spec.sections.includes(section)) continue;
      const n = spec.name.split(' ').length;
      const attempt = words.slice(0, n).join(' ');
      const d = editDistance(attempt, spec.name);
      if (d < bestDist) {
        bestDist = d;
        best = spec.name;
      }
    }
    const attemptLen = (words[0] ?? '').length;
    return best !== undefined && bestDist <= Math.max(1, Math.floor(attemptLen / 3)) ? best : undefined;
  }

  all(): readonly KeywordSpec<C>[] {
    return [...this.specs.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  allUnsupported(): readonly UnsupportedSpec[] {
    return [...this.unsupported.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** Levenshtein distance, small strings only. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
