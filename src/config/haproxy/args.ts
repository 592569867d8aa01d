/**
 * Argument helpers shared by the keyword modules. Each one throws a
 * ConfigError carrying the call's `file:line` and keyword, so keyword parsers
 * stay one line per argument.
 */
import { accessSync, constants } from 'node:fs';
import { ConfigCode, ConfigError } from '../../core/errors.js';
import type { KeywordCall } from '../registry.js';
import { timeValue } from '../units.js';
import { parseCondition } from './acl.js';
import type { SectionCtx } from './context.js';
import type { ProxyDraft } from './draft.js';
import type { Condition } from './model.js';

export function badArgs(call: KeywordCall, reason: string): ConfigError {
  return new ConfigError(ConfigCode.BadArgs, call.loc, call.keyword, reason);
}

export function rangeError(call: KeywordCall, reason: string): ConfigError {
  return new ConfigError(ConfigCode.Range, call.loc, call.keyword, reason);
}

/** Checks the argument count; `usage` is quoted in the message. */
export function argCount(call: KeywordCall, min: number, max: number, usage: string): void {
  const n = call.args.length;
  if (n < min || n > max) {
    const expected =
      min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
    throw badArgs(
      call,
      `expects ${expected} argument${max === 1 && min === 1 ? '' : 's'} (usage: ${usage}), got ${n}`,
    );
  }
}

export function noArgs(call: KeywordCall): void {
  if (call.args.length > 0) throw badArgs(call, `takes no argument, got '${call.args[0]}'`);
}

/** A decimal integer within [min, max]: CFG_BAD_ARGS when not a number, CFG_RANGE when outside. */
export function intArg(
  call: KeywordCall,
  text: string | undefined,
  min: number,
  max: number,
  what = 'value',
): number {
  if (text === undefined || !/^-?\d+$/.test(text)) {
    throw badArgs(call, `${what} '${text ?? ''}' is not an integer`);
  }
  const n = Number(text);
  if (n < min || n > max) throw rangeError(call, `${what} ${n} out of range [${min}..${max}]`);
  return n;
}

/** A time (§2.5), in ms; `positive` refuses 0 the way HAProxy refuses `inter 0`. */
export function timeArg(call: KeywordCall, text: string | undefined, positive = false): number {
  if (text === undefined) throw badArgs(call, 'expects a time value');
  const ms = timeValue(text, call.loc, call.keyword);
  if (positive && ms === 0) throw rangeError(call, `'${text}' must be greater than 0`);
  return ms;
}

/** One value among fixed words. */
export function oneOf<T extends string>(
  call: KeywordCall,
  text: string | undefined,
  allowed: readonly T[],
): T {
  if (text !== undefined && (allowed as readonly string[]).includes(text)) return text as T;
  throw badArgs(call, `unknown value '${text ?? ''}' (expects ${allowed.map((a) => `'${a}'`).join(', ')})`);
}

/** Splits `ARGS… [if|unless COND]`. */
export function splitCondition(call: KeywordCall): { head: readonly string[]; cond?: Condition } {
  const at = call.args.findIndex((w) => w === 'if' || w === 'unless');
  if (at < 0) return { head: call.args };
  return { head: call.args.slice(0, at), cond: parseCondition(call.args.slice(at), call.loc, call.keyword) };
}

/** Like splitCondition, but the condition is mandatory (`monitor fail`, `stats admin`). */
export function requireCondition(call: KeywordCall): Condition {
  const { head, cond } = splitCondition(call);
  if (!cond || head.length > 0) throw badArgs(call, "expects 'if' or 'unless' followed by a condition");
  return cond;
}

/** The proxy draft of a proxy-section keyword (the registry guarantees the section). */
export function proxyOf(ctx: SectionCtx): ProxyDraft {
  if (!ctx.proxy) throw new Error(`internal: keyword used outside a proxy section (${ctx.kind})`);
  return ctx.proxy;
}

/** HAProxy reads these files while parsing (errorfile, crt, ca-file): a missing one is a config error. */
export function readableFile(call: KeywordCall, path: string): string {
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    const why = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
    throw new ConfigError(ConfigCode.Io, call.loc, call.keyword, `cannot read '${path}' (${why})`);
  }
  return path;
}

/** Proxy, server and ACL names: letters, digits, '-', '_', '.', ':' (§4, HAProxy's invalid_char()). */
export function checkName(call: KeywordCall, name: string | undefined, what: string): string {
  if (name === undefined || name === '') throw badArgs(call, `expects a ${what} name`);
  const bad = [...name].find((c) => !/[A-Za-z0-9_.:-]/.test(c));
  if (bad !== undefined) throw badArgs(call, `character '${bad}' is not permitted in ${what} name '${name}'`);
  return name;
}
