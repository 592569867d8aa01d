/**
 * Compiles ACL definitions and `if`/`unless` conditions (configuration.txt
 * 7.2 "Using ACLs to form conditions") into plain functions evaluated per
 * connection. Everything that can fail — unknown fetch or matcher, a fetch
 * not available at the rule's stage, a bad pattern, an unreadable `-f` file —
 * fails here, at start-up, with the file:line of the ACL.
 */
import { readFileSync } from 'node:fs';
import type { AclDef, Condition } from '../../config/haproxy/model.js';
import { ConfigCode, ConfigError, type SourceLoc } from '../../core/errors.js';
import './match.js';
import {
  defaultMatcherFor,
  lookupFetch,
  lookupMatcher,
  lookupPredefinedAcl,
  type PredefinedAcl,
} from './registry.js';
import type { SampleContext, SampleLayer } from './types.js';

export type AclTest = (ctx: SampleContext) => boolean;

export interface CompileOptions {
  /** Highest layer the rule's stage can provide ('l4' for `tcp-request connection`). */
  readonly maxLayer: SampleLayer;
  /** The rule kind, for messages. */
  readonly stage: string;
}

const LAYER_RANK: Record<SampleLayer, number> = { l4: 4, l5: 5, l6: 6, l7: 7 };

/** Patterns from `-f` files: one per line, blank lines and `#` comments skipped. */
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
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

type AclSource = Pick<AclDef, 'fetch' | 'fetchArgs' | 'matcher' | 'patterns'> &
  Partial<Pick<AclDef, 'ignoreCase' | 'patternFiles'>>;

function compileOne(def: AclSource, name: string, loc: SourceLoc, opts: CompileOptions): AclTest {
  const fetch = lookupFetch(def.fetch);
  if (!fetch) {
    throw new ConfigError(
      ConfigCode.Unsupported,
      loc,
      'acl',
      `${name}: unknown or unsupported sample fetch '${def.fetch}'`,
    );
  }
  if (LAYER_RANK[fetch.layer] > LAYER_RANK[opts.maxLayer]) {
    throw new ConfigError(
      ConfigCode.Conflict,
      loc,
      'acl',
      `${name}: fetch '${def.fetch}' is not available in a '${opts.stage}' rule`,
    );
  }
  const args = def.fetchArgs;
  if (args.length < fetch.minArgs || args.length > fetch.maxArgs) {
    throw new ConfigError(
      ConfigCode.BadArgs,
      loc,
      'acl',
      `${name}: wrong number of arguments for '${def.fetch}'`,
    );
  }
  const matcherName = def.matcher ?? defaultMatcherFor(fetch.type);
  const factory = matcherName ? lookupMatcher(matcherName) : undefined;
  if (!factory) {
    throw new ConfigError(
      ConfigCode.Unsupported,
      loc,
      'acl',
      `${name}: unknown match method '${matcherName}'`,
    );
  }
  const patterns = [...def.patterns];
  for (const f of def.patternFiles ?? []) patterns.push(...readPatternFile(f, loc));
  const matcher = factory(patterns, { ignoreCase: def.ignoreCase ?? false });
  if (typeof matcher === 'string')
    throw new ConfigError(ConfigCode.BadArgs, loc, 'acl', `${name}: ${matcher}`);
  // configuration.txt 7.1: an ACL without pattern never matches, except boolean ones.
  const alwaysFalse = patterns.length === 0 && matcherName !== 'bool' && matcherName !== 'found';
  return (ctx) => {
    if (alwaysFalse) return false;
    const v = fetch.fetch(ctx, args);
    return v !== undefined && matcher(v);
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
    const key = `${opts.maxLayer}:${name}`;
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
