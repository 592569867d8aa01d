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

/** `dir`/`dom`: the pattern must appear as whole delimiter-separated words. */
function word(delim: string) {
  return (patterns: readonly string[], flags: MatcherFlags): SampleMatcher => {
    const trim = new RegExp(`^\\${delim}+|\\${delim}+$`, 'g');
    const list = patterns.map((p) => fold(p, flags).replace(trim, '')).filter((p) => p.length > 0);
    return (v) => {
      const s = fold(asString(v), flags);
      for (const p of list) {
        for (let at = s.indexOf(p); at >= 0; at = s.indexOf(p, at + 1)) {
          const before = at === 0 || s[at - 1] === delim;
          const after = at + p.length === s.length || s[at + p.length] === delim;
          if (before && after) return true;
        }
      }
      return false;
    };
  };
}

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

/** Integer patterns: N, N:M, :M, N:, and eq/ge/gt/le/lt applying to the patterns that follow. */
function compileInts(patterns: readonly string[]): IntTest[] | string {
  const tests: IntTest[] = [];
  let op = 'eq';
  for (const p of patterns) {
    if (['eq', 'ge', 'gt', 'le', 'lt'].includes(p)) {
      op = p;
      continue;
    }
    const range = /^(-?\d+)?:(-?\d+)?$/.exec(p);
    if (range && (range[1] !== undefined || range[2] !== undefined)) {
      const lo = range[1] !== undefined ? Number(range[1]) : Number.NEGATIVE_INFINITY;
      const hi = range[2] !== undefined ? Number(range[2]) : Number.POSITIVE_INFINITY;
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

function integer(patterns: readonly string[]): SampleMatcher | string {
  const tests = compileInts(patterns);
  if (typeof tests === 'string') return tests;
  return (v) => {
    const n = typeof v === 'number' ? v : Number(asString(v));
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
  return (v) => (typeof v === 'number' ? v !== 0 : Boolean(v));
}

registerMatcher('str', exact);
registerMatcher('beg', substring('beg'));
registerMatcher('end', substring('end'));
registerMatcher('sub', substring('sub'));
registerMatcher('dir', word('/'));
registerMatcher('dom', word('.'));
registerMatcher('reg', regex);
registerMatcher('int', integer);
registerMatcher('len', length);
registerMatcher('ip', ip);
registerMatcher('bool', bool);
registerMatcher('found', () => () => true);

setDefaultMatcher('ip', 'ip');
setDefaultMatcher('int', 'int');
setDefaultMatcher('str', 'str');
setDefaultMatcher('bool', 'bool');
setDefaultMatcher('bin', 'str');
