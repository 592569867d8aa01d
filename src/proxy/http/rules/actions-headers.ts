/**
 * Header actions of `http-request`, `http-response` and `http-after-response`
 * (configuration.txt 4.3): set-header, add-header, del-header [-m …],
 * replace-header (each whole field value) and replace-value (each
 * comma-separated value). Values are log-format strings evaluated per
 * transaction; a value that is not a valid field value (a CR or LF from a
 * sample, say) fails the rewrite, which HAProxy answers with a 500 in its
 * default strict mode — and so do we.
 *
 * Content-Length, Transfer-Encoding and Connection frame the message: the
 * data path derives the framing from them when the head is parsed, so a rule
 * may not change them (HAProxy refuses them as immutable headers too).
 */
import type { Rule } from '../../../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../../../core/errors.js';
import type { FormatFn } from '../../sample/types.js';
import { isFieldValue, isToken } from '../chars.js';
import type { MessageHead } from '../head.js';
import { addHeader, removeHeaderAt, setHeader } from '../headers.js';
import { type ActionEnv, type ActionRun, type RuleFamily, type RuleTx, registerAction } from './types.js';

const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection']);

/** A failed rewrite: HAProxy's strict mode answers 500 (failed_rewrites + internal error). */
export const REWRITE_FAILED = {
  kind: 'reply',
  status: 500,
  headers: [],
  body: undefined,
  denied: false,
} as const;

function headerName(rule: Rule, name: string | undefined): string {
  if (name === undefined || !isToken(name)) {
    throw new ConfigError(ConfigCode.BadArgs, rule.loc, rule.family, `invalid header name '${name ?? ''}'`);
  }
  if (FRAMING.has(name.toLowerCase())) {
    throw new ConfigError(
      ConfigCode.Unsupported,
      rule.loc,
      rule.family,
      `'${rule.action}' may not change '${name}': it frames the message, so the data path owns it`,
    );
  }
  return name;
}

function headOf(tx: RuleTx, family: RuleFamily): MessageHead | undefined {
  return family === 'http-request' ? tx.req : tx.resp;
}

/** The rule's regex argument, compiled once; a bad one is a ConfigError at the rule's line. */
export function regexOf(rule: Rule, text: string | undefined): RegExp {
  try {
    return new RegExp(text ?? '');
  } catch (e) {
    throw new ConfigError(
      ConfigCode.BadArgs,
      rule.loc,
      rule.family,
      `invalid regex: ${(e as Error).message}`,
    );
  }
}

/**
 * HAProxy's exp_replace(): when `re` matches `value`, the whole value becomes
 * `replacement` with its `\N` back-references expanded (text outside the
 * match is not kept, as configuration.txt's replace-header example shows).
 */
function substitute(value: string, re: RegExp, replacement: string): string | undefined {
  const m = re.exec(value);
  if (!m) return undefined;
  return replacement.replace(/\\(\d)/g, (_all, d: string) => m[Number(d)] ?? '');
}

function setOrAdd(rule: Rule, env: ActionEnv, replace: boolean): ActionRun {
  const name = headerName(rule, rule.args[0]);
  const value: FormatFn = env.format(rule.args[1] ?? '', rule.loc);
  const family = env.family;
  return (tx) => {
    const head = headOf(tx, family);
    if (!head) return undefined;
    const v = value(tx);
    if (!isFieldValue(v)) return REWRITE_FAILED;
    if (replace) setHeader(head, name, v);
    else addHeader(head, name, v);
    return undefined;
  };
}

type NameTest = (lname: string) => boolean;

function nameMatcher(rule: Rule): NameTest {
  const name = rule.args[0];
  if (name === undefined) throw new ConfigError(ConfigCode.BadArgs, rule.loc, rule.family, 'expects a name');
  let method = 'str';
  if (rule.args.length > 1) {
    if (rule.args[1] !== '-m' || rule.args.length !== 3) {
      throw new ConfigError(ConfigCode.BadArgs, rule.loc, rule.family, "expects '<name> [-m <method>]'");
    }
    method = rule.args[2]!;
  }
  const lname = name.toLowerCase();
  switch (method) {
    case 'str':
      headerName(rule, name);
      return (n) => n === lname;
    case 'beg':
      return (n) => n.startsWith(lname);
    case 'end':
      return (n) => n.endsWith(lname);
    case 'sub':
      return (n) => n.includes(lname);
    case 'reg': {
      const re = new RegExp(regexOf(rule, name).source, 'i');
      return (n) => re.test(n);
    }
    default:
      throw new ConfigError(
        ConfigCode.BadArgs,
        rule.loc,
        rule.family,
        `unknown match method '${method}' (expects str, beg, end, sub or reg)`,
      );
  }
}

function delHeader(rule: Rule, env: ActionEnv): ActionRun {
  const test = nameMatcher(rule);
  const family = env.family;
  if (rule.args[2] !== undefined && rule.args[2] !== 'str') {
    // A pattern could reach a framing header: refuse only the patterns that do.
    for (const f of FRAMING) {
      if (test(f)) {
        throw new ConfigError(
          ConfigCode.Unsupported,
          rule.loc,
          rule.family,
          `'del-header ${rule.args.join(' ')}' would remove '${f}', which frames the message`,
        );
      }
    }
  }
  return (tx) => {
    const head = headOf(tx, family);
    if (!head) return undefined;
    for (let i = head.names.length - 1; i >= 0; i--) if (test(head.names[i]!)) removeHeaderAt(head, i);
    return undefined;
  };
}

/** replace-header (whole values) and replace-value (each comma-separated value). */
function replace(rule: Rule, env: ActionEnv, perValue: boolean): ActionRun {
  const lname = headerName(rule, rule.args[0]).toLowerCase();
  const re = regexOf(rule, rule.args[1]);
  const fmt = env.format(rule.args[2] ?? '', rule.loc);
  const family = env.family;
  return (tx) => {
    const head = headOf(tx, family);
    if (!head) return undefined;
    let replacement: string | undefined;
    for (let i = 0; i < head.names.length; i++) {
      if (head.names[i] !== lname) continue;
      replacement ??= fmt(tx);
      const old = head.headers[2 * i + 1]!;
      let next: string;
      if (perValue) {
        const parts = old.split(',');
        let changed = false;
        for (let k = 0; k < parts.length; k++) {
          const part = parts[k]!;
          const lead = part.length - part.trimStart().length;
          const inner = part.trim();
          const r = substitute(inner, re, replacement);
          if (r !== undefined) {
            parts[k] = part.slice(0, lead) + r + part.slice(lead + inner.length);
            changed = true;
          }
        }
        if (!changed) continue;
        next = parts.join(',');
      } else {
        const r = substitute(old, re, replacement);
        if (r === undefined) continue;
        next = r;
      }
      if (!isFieldValue(next)) return REWRITE_FAILED;
      head.headers[2 * i + 1] = next;
    }
    return undefined;
  };
}

for (const family of ['http-request', 'http-response', 'http-after-response'] as const) {
  registerAction(family, 'set-header', (r, env) => setOrAdd(r, env, true));
  registerAction(family, 'add-header', (r, env) => setOrAdd(r, env, false));
  registerAction(family, 'del-header', delHeader);
  registerAction(family, 'replace-header', (r, env) => replace(r, env, false));
  registerAction(family, 'replace-value', (r, env) => replace(r, env, true));
}
