/**
 * Argument readers shared by the keepalived keyword handlers. Each throws a
 * ConfigError naming the keyword and the line; none replaces a bad value by a
 * default (keepalived does, with a log line: the fault house rule 3 avoids).
 * Syntax follows keepalived.conf(5) "PARAMETER SYNTAX".
 */
import { isIP } from 'node:net';
import { ConfigCode, type ConfigCodeValue, ConfigError, type SourceLoc } from '../../core/errors.js';
import type { KeywordCall } from '../registry.js';
import type { KeepalivedCtx } from './context.js';

export function fail(code: ConfigCodeValue, call: KeywordCall, reason: string): never {
  throw new ConfigError(code, call.loc, call.keyword, reason);
}

/** Checks the number of arguments; `usage` is shown in the error. */
export function argCount(call: KeywordCall, min: number, max: number, usage: string): void {
  const n = call.args.length;
  if (n < min || n > max) fail(ConfigCode.BadArgs, call, `expects ${usage || 'no argument'}`);
}

/** A decimal integer in [min, max]. */
export function intArg(call: KeywordCall, text: string | undefined, min: number, max: number): number {
  if (text === undefined || !/^-?\d+$/.test(text)) {
    fail(ConfigCode.BadArgs, call, `"${text ?? ''}" is not an integer`);
  }
  const n = Number(text);
  if (n < min || n > max) fail(ConfigCode.Range, call, `${text} is out of range ${min}..${max}`);
  return n;
}

/**
 * A time in seconds with up to millisecond resolution (`2`, `0.5`, `2.718`),
 * returned in milliseconds within [minMs, maxMs].
 */
export function secondsArg(
  call: KeywordCall,
  text: string | undefined,
  minMs: number,
  maxMs: number,
): number {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text ?? '');
  if (!m) fail(ConfigCode.BadUnit, call, `"${text ?? ''}" is not a time in seconds (e.g. 2 or 0.5)`);
  const frac = m[2] ?? '';
  if (/[1-9]/.test(frac.slice(3))) fail(ConfigCode.BadUnit, call, `${text}: the resolution is 1 ms`);
  const ms = Number(m[1]) * 1000 + Number(frac.slice(0, 3).padEnd(3, '0'));
  if (ms < minMs || ms > maxMs) {
    fail(ConfigCode.Range, call, `${text} s is out of range ${minMs / 1000}..${maxMs / 1000} s`);
  }
  return ms;
}

const TRUE_WORDS = new Set(['on', 'true', 'yes']);
const FALSE_WORDS = new Set(['off', 'false', 'no']);

/** keepalived <BOOL>: on|off|true|false|yes|no; absent = true. */
export function boolArg(call: KeywordCall, text: string | undefined): boolean {
  if (text === undefined || TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  return fail(ConfigCode.BadArgs, call, `"${text}" is not one of on|off|true|false|yes|no`);
}

/** A flag keyword: no argument, or a <BOOL>. */
export function flagArg(call: KeywordCall): boolean {
  argCount(call, 0, 1, '[on|off]');
  return boolArg(call, call.args[0]);
}

export interface IpAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** An IPv4 or IPv6 address without prefix or zone. */
export function ipAddress(text: string, loc: SourceLoc, keyword: string): IpAddress {
  const family = text.includes('%') ? 0 : isIP(text);
  if (family !== 4 && family !== 6) {
    throw new ConfigError(ConfigCode.BadAddress, loc, keyword, `"${text}" is not an IPv4 or IPv6 address`);
  }
  return { address: text, family };
}

/** Canonical text of an address, to compare IPv6 addresses written differently. */
export function canonicalIp(ip: IpAddress): string {
  return ip.family === 4 ? ip.address : new URL(`http://[${ip.address}]`).hostname.slice(1, -1);
}

export interface Weight {
  readonly weight: number;
  readonly reverse: boolean;
}

/**
 * `N [reverse|noreverse]` starting at words[0]. keepalived.conf(5) "track_script":
 * reverse inverts the direction of the priority change.
 */
export function weightWords(
  call: KeywordCall,
  words: readonly string[],
  range: readonly [number, number],
  allowReverse: boolean,
): Weight {
  const usage = allowReverse
    ? `weight <${range[0]}..${range[1]}> [reverse]`
    : `weight <${range[0]}..${range[1]}>`;
  if (words.length < 1 || words.length > (allowReverse ? 2 : 1))
    fail(ConfigCode.BadArgs, call, `expects ${usage}`);
  const weight = intArg(call, words[0], range[0], range[1]);
  const flag = words[1];
  if (flag !== undefined && flag !== 'reverse' && flag !== 'noreverse') {
    fail(ConfigCode.BadArgs, call, `unknown weight option "${flag}": expects ${usage}`);
  }
  return { weight, reverse: flag === 'reverse' };
}

/** Interface names follow Linux IFNAMSIZ: 1–15 characters, no blank and no '/'. */
export function interfaceName(call: KeywordCall, text: string | undefined): string {
  if (text === undefined || !/^[^\s/]{1,15}$/.test(text) || text === '.' || text === '..') {
    fail(ConfigCode.BadArgs, call, `"${text ?? ''}" is not a valid interface name (1-15 characters, no '/')`);
  }
  return text;
}

/** A warning for a single-value keyword written twice in one block: keepalived keeps the last. */
export function warnRepeated(ctx: KeepalivedCtx, call: KeywordCall): void {
  const previous = ctx.draft.locs.get(call.keyword);
  if (previous) {
    ctx.warn(
      call.loc,
      call.keyword,
      `repeated: overrides ${previous.file}:${previous.line} (the last value wins)`,
    );
  }
}
