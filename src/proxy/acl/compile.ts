/**
 * Compiles ACL definitions and `if`/`unless` conditions (configuration.txt
 * 7.2 "Using ACLs to form conditions") into plain functions evaluated per
 * connection or request. Everything that can fail — unknown fetch, keyword,
 * converter or matcher, a fetch not available at the rule's stage, a bad
 * pattern, an unreadable `-f` file, an unsupported predefined ACL — fails
 * here, at start-up, with the file:line of the ACL.
 */
import { readFileSync } from 'node:fs';
import type { AclDef, Condition } from '../../config/haproxy/model.js';
import { ConfigCode, ConfigError, type SourceLoc } from '../../core/errors.js';
import { canCast, castValue, typeOfValue } from '../sample/cast.js';
import { type BoundExpr, bindExpr, type ExprSite, failAt, parseExpr } from '../sample/expr.js';
import { parseNetwork } from './ip.js';
import './match.js';
import {
  defaultMatcherFor,
  lookupAclKeyword,
  lookupMatcher,
  lookupPredefinedAcl,
  matcherInput,
  type PredefinedAcl,
} from './registry.js';
import type { SampleContext, SampleLayer, SampleMatcher, SampleValue } from './types.js';

export type AclTest = (ctx: SampleContext) => boolean;

export interface CompileOptions {
  /** Highest layer the rule's stage can provide ('l4' for `tcp-request connection`). */
  readonly maxLayer: SampleLayer;
  /** The rule kind, for messages. */
  readonly stage: string;
  /**
   * The HTTP message the stage works on. 'request': `hdr()` reads the
   * request and response fetches (`status`, `res.hdr`) are refused;
   * 'response': `hdr()` reads the response; 'log': both are there, `hdr()`
   * reads the request. Default: 'response' for http-response,
   * http-after-response and tcp-response content stages, else 'request'.
   */
  readonly side?: 'request' | 'response' | 'log';
}

/**
 * Patterns from a `-f` file, read as pat_ref_read_from_file() (pattern.c)
 * does: a line whose first character is `#` is a comment; leading spaces and
 * tabs are stripped (so " #tag" is the pattern "#tag", the escape 7.1
 * suggests); the pattern runs to the first CR or LF, trailing blanks
 * included; a line left empty is skipped.
 */
function readPatternFile(path: string, loc: SourceLoc): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      ConfigCode.Io,
      loc,
      'acl',
      `cannot read pattern file '${path}': ${(e as Error).message}`,
    );
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const body = line.replace(/^[ \t]+/, '');
    const end = body.search(/[\r\0]/);
    const pattern = end < 0 ? body : body.slice(0, end);
    if (pattern.length > 0) out.push(pattern);
  }
  return out;
}

type AclSource = Pick<AclDef, 'fetch' | 'fetchArgs' | 'matcher' | 'patterns'> &
  Partial<Pick<AclDef, 'ignoreCase' | 'noDns' | 'patternFiles' | 'files' | 'converters'>>;

/** Patterns sharing the `-i` and `-n` flags in force where they appear. */
interface PatternGroup {
  readonly patterns: readonly string[];
  readonly ignoreCase: boolean;
  readonly noDns: boolean;
}

/**
 * The ACL's patterns in order: each `-f` file with the flags set before it,
 * then the inline patterns with the final flags (parse_acl_expr() loads a
 * file as soon as it meets `-f`). Groups stay apart even with equal flags so
 * that an integer operator (`gt 10`) never reaches past its own list.
 */
function patternGroups(def: AclSource, loc: SourceLoc): PatternGroup[] {
  const ignoreCase = def.ignoreCase ?? false;
  const noDns = def.noDns ?? false;
  const files = def.files ?? (def.patternFiles ?? []).map((path) => ({ path, ignoreCase, noDns }));
  const groups: PatternGroup[] = files.map((f) => ({
    patterns: readPatternFile(f.path, loc),
    ignoreCase: f.ignoreCase,
    noDns: f.noDns,
  }));
  groups.push({ patterns: def.patterns, ignoreCase, noDns });
  return groups;
}

/** With `-n`, IP patterns must be addresses as inet_pton() reads them (no abbreviated IPv4). */
function checkNoDns(group: PatternGroup, site: ExprSite): void {
  if (!group.noDns) return;
  for (const p of group.patterns) {
    const net = parseNetwork(p, true);
    if (typeof net === 'string') failAt(site, ConfigCode.BadArgs, `${net} (with -n)`);
  }
}

/** `fetch(args),conv…` text for the expression parser (the loader keeps argument quoting as written). */
function exprText(fetch: string, def: AclSource): string {
  const call = def.fetchArgs.length > 0 ? `${fetch}(${def.fetchArgs.join(',')})` : fetch;
  return [call, ...(def.converters ?? [])].join(',');
}

/** Resolves ACL keywords (`path_beg`), then binds the fetch and its converters. */
function bindAcl(
  def: AclSource,
  site: ExprSite,
  opts: CompileOptions,
): { bound: BoundExpr; implied?: string } {
  const kw = lookupAclKeyword(def.fetch);
  const hasConverters = (def.converters?.length ?? 0) > 0;
  if (kw?.exclusive && def.matcher !== undefined)
    failAt(
      site,
      ConfigCode.Conflict,
      `'${def.fetch}' implies '-m ${kw.matcher}' and cannot take '-m ${def.matcher}'; use '${kw.fetch} -m ${def.matcher}'`,
    );
  if (kw?.exclusive && hasConverters)
    failAt(
      site,
      ConfigCode.Conflict,
      `'${def.fetch}' cannot be followed by converters; use '${kw.fetch}' with '-m'`,
    );
  const parsed = parseExpr(exprText(kw?.fetch ?? def.fetch, def));
  if (typeof parsed === 'string')
    return failAt(site, ConfigCode.BadArgs, `invalid fetch expression: ${parsed}`);
  const bound = bindExpr(parsed, kw ? { ...site, fetchLabel: def.fetch } : site, opts);
  // With converters, the match follows the converted type (parse_acl_expr()).
  return kw && !hasConverters ? { bound, implied: kw.matcher } : { bound };
}

/** Casts samples to what the matcher compares, or passes them through. */
function castFor(
  matcher: string,
  bound: BoundExpr,
): ((v: SampleValue) => SampleValue | undefined) | undefined {
  const want = matcherInput(matcher);
  const { type, anyType } = bound;
  if (want === undefined || (!anyType && want === type)) return undefined;
  return anyType ? (v) => castValue(v, typeOfValue(v), want) : (v) => castValue(v, type, want);
}

/** The `-m` method, the keyword's implied one, or the default for the sample type (7.1 table). */
function pickMatcher(def: AclSource, bound: BoundExpr, implied: string | undefined, site: ExprSite): string {
  const name = def.matcher ?? implied ?? (bound.anyType ? undefined : defaultMatcherFor(bound.type));
  if (name === undefined) {
    const what = bound.anyType ? 'its type is known only at run time' : `a ${bound.type} sample`;
    failAt(
      site,
      ConfigCode.BadArgs,
      `the match method must be given with '-m' for fetch '${def.fetch}' (${what})`,
    );
  }
  const want = matcherInput(name);
  if (want !== undefined && !bound.anyType && !canCast(bound.type, want))
    failAt(
      site,
      ConfigCode.BadArgs,
      `match method '${name}' cannot be used with fetch '${def.fetch}' (a ${bound.type} sample)`,
    );
  return name;
}

function compileOne(def: AclSource, name: string, loc: SourceLoc, opts: CompileOptions): AclTest {
  const site: ExprSite = { loc, keyword: 'acl', prefix: `${name || 'anonymous acl'}: ` };
  const { bound, implied } = bindAcl(def, site, opts);
  const own = bound.fetch.aclMatcher;
  const groups = patternGroups(def, loc);
  if (own && def.matcher === undefined && implied === undefined && (def.converters?.length ?? 0) === 0) {
    const patterns = groups.flatMap((g) => g.patterns);
    const bad = bound.fetch.checkPatterns?.(bound.args, patterns);
    if (bad !== undefined) failAt(site, ConfigCode.BadArgs, bad);
    return sampleTest(bound, own(bound.args, patterns), undefined);
  }
  const matcherName = pickMatcher(def, bound, implied, site);
  const factory = lookupMatcher(matcherName);
  if (!factory) return failAt(site, ConfigCode.Unsupported, `unknown match method '${matcherName}'`);
  const matchers = groups.map((g) => {
    if (matcherName === 'ip') checkNoDns(g, site);
    const m = factory(g.patterns, { ignoreCase: g.ignoreCase });
    return typeof m === 'string' ? failAt(site, ConfigCode.BadArgs, m) : m;
  });
  const cast = castFor(matcherName, bound);
  // configuration.txt 7.1: an ACL without pattern never matches, except boolean ones.
  if (matcherName === 'bool' || matcherName === 'found') return sampleTest(bound, matchers[0]!, cast);
  const used = matchers.filter((_, k) => groups[k]!.patterns.length > 0);
  if (used.length === 0) return () => false;
  const any = used.length === 1 ? used[0]! : (v: SampleValue) => used.some((m) => m(v));
  return sampleTest(bound, any, cast);
}

/** Fetch, convert, cast, match: over every value when the fetch has several (any one matching is enough). */
function sampleTest(
  bound: BoundExpr,
  matcher: SampleMatcher,
  cast: ((v: SampleValue) => SampleValue | undefined) | undefined,
): AclTest {
  const { fetch, args, convert } = bound;
  const check =
    convert || cast
      ? (ctx: SampleContext, v: SampleValue): boolean => {
          let x: SampleValue | undefined = convert ? convert(v, ctx) : v;
          if (x !== undefined && cast) x = cast(x);
          return x !== undefined && matcher(x);
        }
      : (_ctx: SampleContext, v: SampleValue): boolean => matcher(v);
  const each = fetch.fetchEach;
  if (each) return (ctx) => each(ctx, args, (v) => check(ctx, v));
  return (ctx) => {
    const v = fetch.fetch(ctx, args);
    return v !== undefined && check(ctx, v);
  };
}

/** Compiles named and anonymous ACLs of one proxy, caching named ones. */
export class AclCompiler {
  private readonly acls: ReadonlyMap<string, readonly AclDef[]>;
  private readonly cache = new Map<string, AclTest>();

  constructor(acls: ReadonlyMap<string, readonly AclDef[]>) {
    this.acls = acls;
  }

  private named(name: string, loc: SourceLoc, opts: CompileOptions): AclTest {
    const key = `${opts.maxLayer}:${opts.side ?? ''}:${opts.stage}:${name}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const defs = this.acls.get(name);
    let test: AclTest;
    if (defs && defs.length > 0) {
      // Several `acl` lines with the same name are ORed (configuration.txt 7.1).
      const parts = defs.map((d) => compileOne(d, name, d.loc, opts));
      test = parts.length === 1 ? parts[0]! : (ctx) => parts.some((p) => p(ctx));
    } else {
      const pre: PredefinedAcl | undefined = lookupPredefinedAcl(name);
      if (!pre) throw new ConfigError(ConfigCode.UnknownRef, loc, 'acl', `unknown ACL '${name}'`);
      if (pre.unsupported !== undefined)
        throw new ConfigError(
          ConfigCode.Unsupported,
          loc,
          'acl',
          `predefined ACL '${name}' is not supported: ${pre.unsupported}`,
        );
      test = compileOne(pre, name, loc, opts);
    }
    this.cache.set(key, test);
    return test;
  }

  /** An `if`/`unless` condition: OR of AND-ed terms, each possibly negated. */
  condition(cond: Condition, opts: CompileOptions): AclTest {
    const alternatives = cond.or.map((terms) =>
      terms.map((t) => {
        const test =
          typeof t.acl === 'string'
            ? this.named(t.acl, cond.loc, opts)
            : compileOne(t.acl, t.acl.name, t.acl.loc, opts);
        return t.negate ? (ctx: SampleContext) => !test(ctx) : test;
      }),
    );
    const any = (ctx: SampleContext) => alternatives.some((and) => and.every((t) => t(ctx)));
    return cond.polarity === 'if' ? any : (ctx) => !any(ctx);
  }
}
