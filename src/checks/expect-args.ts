/**
 * Argument grammar shared by `tcp-check expect` and `http-check expect`
 * (doc 4.2): `[min-recv <int>] [comment <msg>] [ok-status <st>] [error-status <st>]
 * [tout-status <st>] [on-success <fmt>] [on-error <fmt>] [status-code <expr>]
 * [!] <match> <pattern>`. Log-format strings and sample expressions are not
 * evaluated by hapair: a `%` in on-success/on-error, and status-code, are
 * rejected rather than sent verbatim.
 */
import { ConfigCode, ConfigError, type SourceLoc } from '../core/errors.js';
import { isStatusAllowed } from './status.js';
import type { CheckStatusCode } from './types.js';

export interface ExpectArgs {
  readonly inverse: boolean;
  readonly match: string;
  /** Words after the match keyword (one pattern, or the hdr grammar). */
  readonly pattern: readonly string[];
  /** -1 = not set (HAProxy's default). */
  readonly minRecv: number;
  readonly comment?: string;
  readonly okStatus?: CheckStatusCode;
  readonly errorStatus?: CheckStatusCode;
  readonly toutStatus?: CheckStatusCode;
  readonly onSuccess?: string;
  readonly onError?: string;
}

type Bad = (reason: string, code?: (typeof ConfigCode)[keyof typeof ConfigCode]) => ConfigError;

type MutableOptions = { -readonly [K in keyof ExpectArgs]?: ExpectArgs[K] } & { minRecv: number };

export function parseExpectArgs(
  args: readonly string[],
  loc: SourceLoc,
  keyword: string,
  matches: readonly string[],
  unsupportedMatches: readonly string[],
): ExpectArgs {
  const bad: Bad = (reason, code = ConfigCode.BadArgs) => new ConfigError(code, loc, keyword, reason);
  const opts: MutableOptions = { minRecv: -1 };
  let inverse = false;
  const finish = (match: string, at: number): ExpectArgs => {
    const pattern = args.slice(at + 1);
    if (pattern.length === 0) throw bad(`'${match}' expects a pattern`);
    return { ...opts, inverse, match, pattern };
  };
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const value = args[i + 1];
    if (w === '!') {
      inverse = true;
      continue;
    }
    if (w.startsWith('!') && matches.includes(w.slice(1))) {
      inverse = true;
      return finish(w.slice(1), i);
    }
    if (matches.includes(w)) return finish(w, i);
    if (unsupportedMatches.includes(w.replace(/^!/, ''))) {
      throw bad(`match '${w}' (log-format patterns) is not supported by hapair`, ConfigCode.Unsupported);
    }
    if (inverse) throw bad(`'!' must be followed by one of ${matches.join(', ')}, got '${w}'`);
    if (value === undefined) throw bad(`'${w}' expects an argument`);
    applyOption(opts, w, value, bad);
    i++;
  }
  throw bad(`expects a match among ${matches.join(', ')} followed by a pattern`);
}

function applyOption(opts: MutableOptions, w: string, value: string, bad: Bad): void {
  switch (w) {
    case 'min-recv': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < -1) throw bad(`'min-recv' expects an integer ≥ -1, got '${value}'`);
      opts.minRecv = n;
      return;
    }
    case 'comment':
      opts.comment = value;
      return;
    case 'ok-status':
    case 'error-status':
    case 'tout-status': {
      const kind = w === 'ok-status' ? 'ok' : w === 'error-status' ? 'error' : 'tout';
      if (!isStatusAllowed(kind, value)) throw bad(`'${w}' does not accept status '${value}'`);
      if (kind === 'ok') opts.okStatus = value;
      else if (kind === 'error') opts.errorStatus = value;
      else opts.toutStatus = value;
      return;
    }
    case 'on-success':
    case 'on-error':
      if (value.includes('%')) {
        throw bad(`'${w}' log-format expressions are not supported by hapair`, ConfigCode.Unsupported);
      }
      if (w === 'on-success') opts.onSuccess = value;
      else opts.onError = value;
      return;
    case 'status-code':
      throw bad(`'status-code' sample expressions are not supported by hapair`, ConfigCode.Unsupported);
    default:
      throw bad(`unknown option '${w}'`);
  }
}

/** Compiles a pattern as a JavaScript regex (PCRE-compatible for what checks use). */
export function compileRegex(pattern: string, loc: SourceLoc, keyword: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (e) {
    throw new ConfigError(
      ConfigCode.BadArgs,
      loc,
      keyword,
      `invalid regex '${pattern}': ${(e as Error).message}`,
    );
  }
}

/** Config text to wire bytes: latin1 when every char fits in a byte (so `\xHH` escapes stay bytes), UTF-8 otherwise. */
export function textBytes(s: string): Buffer {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return Buffer.from(s, 'utf8');
  return Buffer.from(s, 'latin1');
}
