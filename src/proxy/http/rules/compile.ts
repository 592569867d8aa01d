/**
 * Compiles a proxy's `http-request`, `http-response` and `http-after-response`
 * rules once, when the engine starts: the condition through the proxy's ACLs
 * and the action through its registered compiler. Anything wrong — unknown
 * ACL, fetch above the stage, bad regex, unreadable file, unsupported action
 * — is a ConfigError with the rule's file:line, before a socket is bound.
 */
import type { HaproxyConfig, ProxyConfig, Rule } from '../../../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../../../core/errors.js';
import { AclCompiler, type AclTest, type CompileOptions } from '../../acl/compile.js';
import { compileExpr } from '../../sample/expr.js';
import { compileFormat } from '../../sample/format.js';
import '../../stick/actions.js';
import type { StickTables } from '../../stick/types.js';
import '../auth/action.js';
import '../auth/fetches.js';
import './actions-headers.js';
import './actions-reply.js';
import './actions-request.js';
import './actions-vars.js';
import {
  type ActionEnv,
  type ActionRun,
  lookupAction,
  type RuleFamily,
  type RuleOutcome,
  type RuleTx,
} from './types.js';

export interface CompiledRule {
  readonly test: AclTest | undefined;
  readonly run: ActionRun;
  readonly rule: Rule;
}

export interface HttpRuleSet {
  readonly request: readonly CompiledRule[];
  readonly response: readonly CompiledRule[];
  readonly after: readonly CompiledRule[];
}

const EMPTY: HttpRuleSet = Object.freeze({ request: [], response: [], after: [] });
const NO_TABLES: StickTables = { get: () => undefined };
const sets = new WeakMap<ProxyConfig, HttpRuleSet>();

function stageOf(family: RuleFamily): CompileOptions {
  return { maxLayer: 'l7', stage: family };
}

function compileRule(rule: Rule, env: ActionEnv, acls: AclCompiler): CompiledRule {
  const compile = lookupAction(env.family, rule.action);
  if (!compile) {
    throw new ConfigError(
      ConfigCode.Unsupported,
      rule.loc,
      rule.family,
      `action '${rule.action}' is not supported by hapair yet`,
    );
  }
  return {
    test: rule.cond ? acls.condition(rule.cond, env.stage) : undefined,
    run: compile(rule, env),
    rule,
  };
}

/** Compiles and remembers the HTTP rules of `p` (a proxy in mode http). */
export function compileHttpRules(p: ProxyConfig, config: HaproxyConfig, tables?: StickTables): HttpRuleSet {
  const acls = new AclCompiler(p.acls);
  const out: Record<RuleFamily, CompiledRule[]> = {
    'http-request': [],
    'http-response': [],
    'http-after-response': [],
  };
  for (const rule of p.rules) {
    const family = rule.family as RuleFamily;
    const list = out[family];
    if (!list) continue;
    const stage = stageOf(family);
    const env: ActionEnv = {
      proxy: p,
      config,
      family,
      stage,
      tables: tables ?? NO_TABLES,
      format: (text, loc) => compileFormat(text, loc, rule.family, stage),
      expr: (text, loc) => compileExpr(text, loc, rule.family, stage),
    };
    list.push(compileRule(rule, env, acls));
  }
  const set: HttpRuleSet =
    out['http-request'].length + out['http-response'].length + out['http-after-response'].length === 0
      ? EMPTY
      : { request: out['http-request'], response: out['http-response'], after: out['http-after-response'] };
  sets.set(p, set);
  return set;
}

/** The compiled rules of `p`; none if it has none (or was never compiled). */
export function httpRulesOf(p: ProxyConfig): HttpRuleSet {
  return sets.get(p) ?? EMPTY;
}

/**
 * Runs `rules` in order: the first action that answers or allows ends the
 * set (configuration.txt 4.3: `allow` stops the evaluation of the current
 * rule set, the next set still runs).
 */
export function runRules(rules: readonly CompiledRule[], tx: RuleTx): RuleOutcome {
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    if (r.test && !r.test(tx)) continue;
    const out = r.run(tx);
    if (out !== undefined) return out;
  }
  return undefined;
}
