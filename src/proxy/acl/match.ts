/**
 * Pattern matchers (configuration.txt 7.1 "ACL basics", `-m` methods): each
 * factory compiles the pattern list once so a match costs a set lookup, a
 * few compares or a RegExp test. Registered at import.
 */
import { IpSet, parseIp, parseNetwork } from './ip.js';
import { registerMatcher, setDefaultMatcher } from './registry.js';
import type { MatcherFlags, SampleMatcher, SampleValue } from './types.js';

function asString(v: SampleValue): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
  return String(v);
}

function fold(s: string, flags: MatcherFlags): string {
  return flags.ignoreCase ? s.toLowerCase() : s;
}

function exact(patterns: readonly string[], flags: MatcherFlags): SampleMatcher {
  const set = new Set(patterns.map((p) => fold(p, flags)));
  return (v) => set.has(fold(asString(v), flags));
}

function substring(kind: 'beg' | 'end' | 'sub') {
  return (patterns: readonly string[], flags: MatcherFlags): SampleMatcher => {
    const list = patterns.map((p) => fold(p, flags));
    return (v) => {
      const s = fold(asString(v), flags);
      for (const p of list) {
        if (kind === 'beg' ? s.startsWith(p) : kind === 'end' ? s.endsWith(p) : s.includes(p)) return true;
      }
      return false;
    };
  };
}

/**
 * `dir`/`dom`: the pattern must appear as whole delimiter-separated words
 * (match_word() in HAProxy's pattern.c): `dir` splits on '/' and '?', `dom`
 * on '/', '?', '.' and ':'. Delimiters around the pattern are ignored.
 */
function word(delims: string) {
  const isDelim = (c: string | undefined) => c !== undefined && delims.includes(c);
  return (patterns: readonly string[], flags: MatcherFlags): SampleMatcher => {
    const list = patterns.map((p) => {
      let a = 0;
      let b = p.length;
      while (a < b && isDelim(p[a])) a++;
      while (b > a && isDelim(p[b - 1])) b--;
      return fold(p.slice(a, b), flags);
    });
    return (v) => {
      const s = fold(asString(v), flags);
      for (const p of list) {
        for (let at = s.indexOf(p); at >= 0; at = s.indexOf(p, at + 1)) {
          const before = at === 0 || isDelim(s[at - 1]);
          const after = at + p.length === s.length || isDelim(s[at + p.length]);
          if (before && after) return true;
        }
      }
      return false;
    };
  };
}

/** `-m bin`: the patterns are hex blocks compared byte for byte with the sample. */
function binary(patterns: readonly string[]): SampleMatcher | string {
  const list: Buffer[] = [];
  for (const p of patterns) {
    if (p.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(p)) return `'${p}' is not an even number of hex digits`;
    list.push(Buffer.from(p, 'hex'));
  }
  return (v) => {
    const b = v instanceof Uint8Array ? v : Buffer.from(asString(v), 'latin1');
    return list.some((p) => p.equals(b));
  };
}

/**
 * The `method` ACL (pat_match_meth()): a known method pattern (GET, POST …)
 * matches only that method, exactly; another pattern is compared as a
 * string, ignoring case with -i, and only with methods that are not known.
 */
function method(patterns: readonly string[], flags: MatcherFlags): SampleMatcher {
  const known = new Set(patterns.filter((p) => KNOWN_METHODS.has(p)));
  const other = new Set(patterns.filter((p) => !KNOWN_METHODS.has(p)).map((p) => fold(p, flags)));
  return (v) => {
    const m = asString(v);
    return KNOWN_METHODS.has(m) ? known.has(m) : other.has(fold(m, flags));
  };
}
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'CONNECT',
]);

function regex(patterns: readonly string[], flags: MatcherFlags): SampleMatcher | string {
  const list: RegExp[] = [];
  for (const p of patterns) {
    try {
      list.push(new RegExp(p, flags.ignoreCase ? 'i' : ''));
    } catch {
      return `invalid regular expression '${p}'`;
    }
  }
  return (v) => {
    const s = asString(v);
    return list.some((r) => r.test(s));
  };
}

type IntTest = (n: number) => boolean;

/**
 * Integer patterns: N, ranges N:M, :M, N: (and N-M, N- as pat_parse_int()
 * also reads them), and eq/ge/gt/le/lt applying to the patterns that follow.
 */
function compileInts(patterns: readonly string[]): IntTest[] | string {
  const tests: IntTest[] = [];
  let op = 'eq';
  for (const p of patterns) {
    if (['eq', 'ge', 'gt', 'le', 'lt'].includes(p)) {
      op = p;
      continue;
    }
    const range = /^(-?\d+)?:(-?\d+)?$/.exec(p) ?? /^(\d+)-(\d+)?$/.exec(p);
    if (range && (range[1] !== undefined || range[2] !== undefined)) {
      const lo = range[1] !== undefined ? Number(range[1]) : Number.NEGATIVE_INFINITY;
      const hi = range[2] !== undefined ? Number(range[2]) : Number.POSITIVE_INFINITY;
      if (lo > hi) return `'${p}' is not a valid number range`;
      tests.push((n) => n >= lo && n <= hi);
      continue;
    }
    if (!/^-?\d+$/.test(p)) return `'${p}' is not an integer or range`;
    const x = Number(p);
    const cmp: Record<string, IntTest> = {
      eq: (n) => n === x,
      ge: (n) => n >= x,
      gt: (n) => n > x,
      le: (n) => n <= x,
      lt: (n) => n < x,
    };
    tests.push(cmp[op]!);
  }
  return tests;
}

/** The compiler casts samples to int first (booleans are 0/1, strings their leading integer). */
function integer(patterns: readonly string[]): SampleMatcher | string {
  const tests = compileInts(patterns);
  if (typeof tests === 'string') return tests;
  return (v) => {
    const n = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : Number.NaN;
    return !Number.isNaN(n) && tests.some((t) => t(n));
  };
}

function length(patterns: readonly string[]): SampleMatcher | string {
  const tests = compileInts(patterns);
  if (typeof tests === 'string') return tests;
  return (v) => {
    const n = v instanceof Uint8Array ? v.byteLength : asString(v).length;
    return tests.some((t) => t(n));
  };
}

function ip(patterns: readonly string[]): SampleMatcher | string {
  const set = new IpSet();
  for (const p of patterns) {
    const net = parseNetwork(p);
    if (typeof net === 'string') return net;
    set.add(net);
  }
  return (v) => {
    const addr = typeof v === 'string' ? parseIp(v) : undefined;
    return addr !== undefined && set.has(addr);
  };
}

function bool(): SampleMatcher {
  return (v) => (typeof v === 'number' ? v !== 0 : v === true);
}

registerMatcher('str', exact, 'str');
registerMatcher('beg', substring('beg'), 'str');
registerMatcher('end', substring('end'), 'str');
registerMatcher('sub', substring('sub'), 'str');
registerMatcher('dir', word('/?'), 'str');
registerMatcher('dom', word('/?.:'), 'str');
registerMatcher('reg', regex, 'str');
registerMatcher('int', integer, 'int');
registerMatcher('len', length, 'str');
registerMatcher('ip', ip, 'ip');
registerMatcher('bool', bool, 'bool');
registerMatcher('bin', binary, 'bin');
registerMatcher('meth', method, 'str');
registerMatcher('found', () => () => true);

// Binary samples have no default: HAProxy wants an explicit -m (7.1 table).
setDefaultMatcher('ip', 'ip');
setDefaultMatcher('int', 'int');
setDefaultMatcher('str', 'str');
setDefaultMatcher('bool', 'bool');
