/**
 * `http-request auth [realm <realm>]` (configuration.txt 4.3 "auth"): stops
 * the rules and answers 401 with a Basic challenge. As HAProxy's
 * http_action_auth() (src/http_act.c):
 * - the realm defaults to the name of the proxy whose rule runs (the
 *   frontend's name for a frontend rule, the backend's for a backend rule);
 * - the body is the proxy's 401 error message (errorfile, http-errors, else
 *   the default page: RuleReply.body undefined), and the challenge replaces
 *   every WWW-Authenticate field that message holds;
 * - the request is not counted as denied: HAProxy counts it as intercepted
 *   (frontend rules) and as an HTTP error on the tracked stick counters.
 */
import type { Rule } from '../../../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../../../core/errors.js';
import { isFieldValue } from '../chars.js';
import { type ActionEnv, type ActionRun, type RuleReply, registerAction } from '../rules/types.js';

function bad(rule: Rule, reason: string): ConfigError {
  return new ConfigError(ConfigCode.BadArgs, rule.loc, rule.family, `'${rule.action}': ${reason}`);
}

/** The realm from the rule's words, or undefined when none is given. */
function realmArg(rule: Rule): string | undefined {
  const [word, value] = rule.args;
  if (word === undefined) return undefined;
  if (word !== 'realm') throw bad(rule, `unexpected '${word}' (expects 'realm <realm>')`);
  if (value === undefined || value === '') throw bad(rule, 'missing realm value');
  if (!isFieldValue(value)) throw bad(rule, `realm '${value}' holds characters a header field cannot carry`);
  return value;
}

/**
 * The challenge field value. HAProxy prints the realm raw; a '"' or '\'
 * in it is escaped here so the quoted-string stays well formed (RFC 9110
 * §5.6.4, §11.6.1).
 */
export function basicChallenge(realm: string): string {
  return `Basic realm="${realm.replace(/["\\]/g, '\\$&')}"`;
}

/** The reply of an `auth` rule: one frozen object, shared by every request it answers. */
function authReply(realm: string): RuleReply {
  return Object.freeze({
    kind: 'reply',
    status: 401,
    headers: Object.freeze([Object.freeze(['WWW-Authenticate', basicChallenge(realm)] as const)]),
    body: undefined,
    denied: false,
  });
}

function compileAuth(rule: Rule, env: ActionEnv): ActionRun {
  const reply = authReply(realmArg(rule) ?? env.proxy.name);
  return () => reply;
}

registerAction('http-request', 'auth', compileAuth);
