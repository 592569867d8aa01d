/**
 * `http-request`, `http-response` and `http-after-response` rules
 * (configuration.txt §4.3 "Actions keywords matrix"). The loader checks the
 * action name and its word count, then stores a Rule; the HTTP engine runs
 * it. Actions HAProxy has but hapair does not run are refused by name.
 */
import { badArgs, proxyOf, splitCondition } from '../../config/haproxy/args.js';
import {
  NAMED_PROXIES,
  type SectionCtx,
  type SectionSpec,
  withModule,
} from '../../config/haproxy/context.js';
import type { Rule } from '../../config/haproxy/model.js';
import type { KeywordCall } from '../../config/registry.js';
import { editDistance } from '../../config/registry.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';

/** Minimum and maximum words after the action name (the condition excluded). */
interface ActionShape {
  readonly min: number;
  readonly max: number;
}
const UNBOUNDED = Number.POSITIVE_INFINITY;

const HEADER_EDITS: Readonly<Record<string, ActionShape>> = {
  'set-header': { min: 2, max: 2 },
  'add-header': { min: 2, max: 2 },
  'del-header': { min: 1, max: 3 },
  'replace-header': { min: 3, max: 3 },
  'replace-value': { min: 3, max: 3 },
};
const VARS: Readonly<Record<string, ActionShape>> = {
  'set-var': { min: 1, max: 1 },
  'unset-var': { min: 0, max: 0 },
};
const TRACKING: Readonly<Record<string, ActionShape>> = {
  'track-sc0': { min: 1, max: 3 },
  'track-sc1': { min: 1, max: 3 },
  'track-sc2': { min: 1, max: 3 },
  'sc-inc-gpc0': { min: 0, max: 0 },
  'sc-inc-gpc0(0)': { min: 0, max: 0 },
  'sc-inc-gpc0(1)': { min: 0, max: 0 },
  'sc-inc-gpc0(2)': { min: 0, max: 0 },
};

/** Actions hapair runs, per rule family. */
const ACTIONS: Readonly<Record<string, Readonly<Record<string, ActionShape>>>> = {
  'http-request': {
    ...HEADER_EDITS,
    ...VARS,
    ...TRACKING,
    'set-path': { min: 1, max: 1 },
    'replace-path': { min: 2, max: 2 },
    'set-pathq': { min: 1, max: 1 },
    'set-query': { min: 1, max: 1 },
    'set-uri': { min: 1, max: 1 },
    'set-method': { min: 1, max: 1 },
    redirect: { min: 2, max: UNBOUNDED },
    deny: { min: 0, max: UNBOUNDED },
    return: { min: 0, max: UNBOUNDED },
    allow: { min: 0, max: 0 },
    auth: { min: 0, max: 2 },
    'use-service': { min: 1, max: 1 },
  },
  'http-response': {
    ...HEADER_EDITS,
    ...VARS,
    ...TRACKING,
    'set-status': { min: 1, max: 3 },
    redirect: { min: 2, max: UNBOUNDED },
    deny: { min: 0, max: UNBOUNDED },
    return: { min: 0, max: UNBOUNDED },
    allow: { min: 0, max: 0 },
  },
  'http-after-response': {
    ...HEADER_EDITS,
    ...VARS,
    'set-status': { min: 1, max: 3 },
    allow: { min: 0, max: 0 },
  },
};

/** HAProxy 2.8 actions of these families that hapair does not implement. */
const KNOWN_UNSUPPORTED = [
  'add-acl',
  'cache-store',
  'cache-use',
  'capture',
  'del-acl',
  'del-map',
  'disable-l7-retry',
  'do-resolve',
  'early-hint',
  'normalize-uri',
  'reject',
  'replace-pathq',
  'replace-uri',
  'sc-add-gpc',
  'sc-inc-gpc',
  'sc-inc-gpc1',
  'sc-set-gpt',
  'sc-set-gpt0',
  'send-spoe-group',
  'set-bandwidth-limit',
  'set-dst',
  'set-dst-port',
  'set-log-level',
  'set-map',
  'set-mark',
  'set-nice',
  'set-priority-class',
  'set-priority-offset',
  'set-src',
  'set-src-port',
  'set-timeout',
  'set-tos',
  'set-var-fmt',
  'silent-drop',
  'strict-mode',
  'tarpit',
  'wait-for-body',
  'wait-for-handshake',
];

/** Every action name known to the loader, for the docs and the fixtures check. */
export function ruleActions(family: string): readonly string[] {
  return Object.keys(ACTIONS[family] ?? {});
}

/**
 * Splits `set-var(txn.x)` into the action and its variable name: the Rule's
 * first arg is then the variable, the runtime needs no second parser.
 */
function splitAction(call: KeywordCall, word: string): { action: string; inline: string[] } {
  const m = /^(set-var|unset-var|set-var-fmt)\((.*)\)$/.exec(word);
  if (m) {
    if (!/^(proc|sess|txn|req|res)\.[A-Za-z0-9_.]+$/.test(m[2]!))
      throw badArgs(call, `invalid variable name '${m[2]}'`);
    return { action: m[1]!, inline: [m[2]!] };
  }
  if (/^(set-var|unset-var)$/.test(word))
    throw badArgs(call, `'${word}' expects a variable name: ${word}(<scope>.<name>)`);
  return { action: word, inline: [] };
}

function unknownAction(call: KeywordCall, action: string, family: string): ConfigError {
  const known = Object.keys(ACTIONS[family]!);
  const elsewhere = Object.keys(ACTIONS).filter((f) => action in ACTIONS[f]!);
  if (elsewhere.length > 0)
    return badArgs(call, `action '${action}' is only valid in ${elsewhere.join(', ')}`);
  if (KNOWN_UNSUPPORTED.includes(action)) {
    return new ConfigError(
      ConfigCode.Unsupported,
      call.loc,
      call.keyword,
      `action '${action}' is not supported by hapair yet`,
    );
  }
  const best = known.reduce((b, k) => (editDistance(action, k) < editDistance(action, b) ? k : b), known[0]!);
  const hint = editDistance(action, best) <= 2 ? `; did you mean '${best}'?` : '';
  return badArgs(call, `unknown action '${action}'${hint}`);
}

function parseRule(ctx: SectionCtx, call: KeywordCall): void {
  const family = call.keyword;
  const { head, cond } = splitCondition(call);
  if (head[0] === undefined) throw badArgs(call, 'expects an action');
  const { action, inline } = splitAction(call, head[0]);
  const shape = ACTIONS[family]![action];
  if (!shape) throw unknownAction(call, action, family);
  const args = [...inline, ...head.slice(1)];
  const n = head.length - 1;
  if (n < shape.min || n > shape.max) {
    const want =
      shape.max === UNBOUNDED
        ? `at least ${shape.min}`
        : shape.min === shape.max
          ? `${shape.min}`
          : `${shape.min} to ${shape.max}`;
    throw badArgs(call, `action '${action}' expects ${want} argument(s), got ${n}`);
  }
  if (action === 'set-status' && !/^[1-9]\d\d$/.test(head[1]!))
    throw badArgs(call, `invalid status code '${head[1]}'`);
  const rule: Rule = { family, action, args, loc: call.loc };
  proxyOf(ctx).rules.push(cond ? { ...rule, cond } : rule);
}

export const ruleKeywords: SectionSpec[] = withModule<SectionCtx>(
  'http',
  (['http-request', 'http-response', 'http-after-response'] as const).map((family) => ({
    name: family,
    sections: NAMED_PROXIES,
    usage: `${family} <action> [options...] [{if | unless} <condition>]`,
    doc: `HTTP ${family.slice(5)} rule; actions: ${ruleActions(family).join(', ')}.`,
    parse: parseRule,
  })),
);
