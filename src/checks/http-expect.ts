/**
 * `http-check expect` (doc 4.2): status, rstatus, hdr, fhdr, string, rstring,
 * evaluated on a response read by http-response.ts, with HAProxy's statuses and
 * messages (src/tcpcheck.c tcpcheck_eval_expect_http). The implicit rule after
 * the last send is `status 200-399` ("responses 2xx and 3xx are considered valid").
 */
import { ConfigCode, ConfigError, type SourceLoc } from '../core/errors.js';
import { compileRegex, type ExpectArgs, parseExpectArgs, textBytes } from './expect-args.js';
import { type HttpResponseHead, readResponse } from './http-response.js';
import type { ExpectOutcome, ExpectRule } from './rules.js';

const KEYWORD = 'http-check expect';
const MATCHES = ['status', 'rstatus', 'hdr', 'fhdr', 'string', 'rstring'] as const;

type Matcher = (v: string) => boolean;

interface HeaderPattern {
  readonly name: Matcher;
  readonly value?: Matcher;
  /** fhdr: test the full value; hdr: each comma-separated element. */
  readonly full: boolean;
}

export function implicitHttpExpect(step: number, noBody: boolean): ExpectRule {
  return compileHttpExpect(['status', '200-399'], { file: '<implicit>', line: 0 }, step, noBody);
}

/** Compiles one expect rule; `noBody` when the request it answers was HEAD. */
export function compileHttpExpect(
  args: readonly string[],
  loc: SourceLoc,
  step: number,
  noBody: boolean,
): ExpectRule {
  const a = parseExpectArgs(args, loc, KEYWORD, MATCHES, ['string-lf']);
  const check = compileMatch(a, loc);
  return {
    kind: 'expect',
    okStatus: a.okStatus ?? 'L7OK',
    toutStatus: a.toutStatus ?? 'L7TOUT',
    describe: describe(a),
    ...(a.comment !== undefined ? { comment: a.comment } : {}),
    evaluate: (input, lastRead) => evaluate(a, check, input, lastRead, noBody, step),
  };
}

function describe(a: ExpectArgs): string {
  if (a.match === 'status') return ' (expect HTTP status codes)';
  if (a.match === 'rstatus') return ' (expect HTTP status regex)';
  if (a.match === 'string') return ` (expect HTTP body content '${a.pattern[0]}')`;
  if (a.match === 'rstring') return ' (expect HTTP body regex)';
  return ' (expect HTTP header pattern)';
}

type Check =
  | { readonly on: 'status'; readonly test: (code: number) => boolean }
  | { readonly on: 'header'; readonly pattern: HeaderPattern }
  | { readonly on: 'body'; readonly literal?: Buffer; readonly re?: RegExp };

function compileMatch(a: ExpectArgs, loc: SourceLoc): Check {
  const one = (): string => {
    if (a.pattern.length !== 1)
      throw new ConfigError(ConfigCode.BadArgs, loc, KEYWORD, `'${a.match}' expects one pattern`);
    return a.pattern[0]!;
  };
  switch (a.match) {
    case 'status':
      return { on: 'status', test: statusRanges(one(), loc) };
    case 'rstatus': {
      const re = compileRegex(one(), loc, KEYWORD);
      return { on: 'status', test: (c) => re.test(String(c)) };
    }
    case 'string':
      return { on: 'body', literal: textBytes(one()) };
    case 'rstring':
      return { on: 'body', re: compileRegex(one(), loc, KEYWORD) };
    default:
      return { on: 'header', pattern: headerPattern(a.pattern, a.match === 'fhdr', loc) };
  }
}

/** `200,201,300-310` → predicate. */
function statusRanges(list: string, loc: SourceLoc): (code: number) => boolean {
  const ranges = list.split(',').map((part) => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new ConfigError(ConfigCode.BadArgs, loc, KEYWORD, `invalid status code or range '${part}'`);
    return [Number(m[1]), Number(m[2] ?? m[1])] as const;
  });
  return (code) => ranges.some(([lo, hi]) => code >= lo && code <= hi);
}

/** `name [-m meth] <name> [value [-m meth] <value>]`, meth among str, beg, end, sub, reg. */
function headerPattern(words: readonly string[], full: boolean, loc: SourceLoc): HeaderPattern {
  let i = 0;
  const take = (what: string, caseless: boolean): Matcher => {
    const kw = words[i];
    if (kw === `${what}-lf`) {
      throw new ConfigError(
        ConfigCode.Unsupported,
        loc,
        KEYWORD,
        `'${kw}' log-format patterns are not supported by hapair`,
      );
    }
    if (kw !== what)
      throw new ConfigError(ConfigCode.BadArgs, loc, KEYWORD, `expects '${what}', got '${kw ?? ''}'`);
    i++;
    let meth = 'str';
    if (words[i] === '-m') {
      meth = words[i + 1] ?? '';
      i += 2;
    }
    const pat = words[i++];
    if (pat === undefined)
      throw new ConfigError(ConfigCode.BadArgs, loc, KEYWORD, `'${what}' expects a pattern`);
    return matcher(meth, pat, caseless, loc);
  };
  const name = take('name', true);
  const value = i < words.length ? take('value', false) : undefined;
  if (i < words.length) throw new ConfigError(ConfigCode.BadArgs, loc, KEYWORD, `unexpected '${words[i]}'`);
  return { name, full, ...(value ? { value } : {}) };
}

function matcher(meth: string, pat: string, caseless: boolean, loc: SourceLoc): Matcher {
  const norm = (s: string): string => (caseless ? s.toLowerCase() : s);
  const p = norm(pat);
  switch (meth) {
    case 'str':
      return (v) => norm(v) === p;
    case 'beg':
      return (v) => norm(v).startsWith(p);
    case 'end':
      return (v) => norm(v).endsWith(p);
    case 'sub':
      return (v) => norm(v).includes(p);
    case 'reg': {
      const re = compileRegex(pat, loc, KEYWORD);
      const rei = caseless ? new RegExp(re.source, 'i') : re;
      return (v) => rei.test(v);
    }
    default:
      throw new ConfigError(ConfigCode.BadArgs, loc, KEYWORD, `unknown match method '${meth}'`);
  }
}

function headerMatches(head: HttpResponseHead, p: HeaderPattern): boolean {
  for (const [n, v] of head.headers) {
    if (!p.name(n)) continue;
    if (!p.value) return true;
    const values = p.full ? [v] : v.split(',').map((x) => x.trim());
    if (values.some(p.value)) return true;
  }
  return false;
}

function evaluate(
  a: ExpectArgs,
  check: Check,
  input: Buffer,
  lastRead: boolean,
  noBody: boolean,
  step: number,
): ExpectOutcome {
  const res = readResponse(input, { noBody, eof: lastRead });
  if (res.kind === 'incomplete') {
    if (!lastRead) return { kind: 'wait' };
    return {
      kind: 'fail',
      status: 'L7RSP',
      info: a.onError ?? `TCPCHK got an empty response at step ${step}`,
    };
  }
  if (res.kind === 'error') {
    return { kind: 'fail', status: 'L7RSP', info: a.onError ?? `invalid HTTP response (${res.reason})` };
  }
  const code = res.head.status;
  let match: boolean;
  let status = a.errorStatus;
  let desc: string;
  if (check.on === 'status' || check.on === 'header') {
    match = check.on === 'status' ? check.test(code) : headerMatches(res.head, check.pattern);
    status ??= 'L7STS';
    desc = res.head.reason;
  } else {
    const last = lastRead || res.complete;
    const body = res.body;
    if (body.length === 0 && last) {
      return fail(a, a.errorStatus ?? 'L7RSP', 'HTTP content check could not find a response body', code);
    }
    if (
      !last &&
      ((check.literal && body.length < check.literal.length) || (a.minRecv > 0 && body.length < a.minRecv))
    ) {
      return { kind: 'wait' };
    }
    match = check.literal ? body.includes(check.literal) : check.re!.test(body.toString('latin1'));
    if (!match && !last && a.minRecv === -1) return { kind: 'wait' };
    status ??= 'L7RSP';
    desc = a.inverse ? 'HTTP check matched unwanted content' : 'HTTP content check did not match';
  }
  if (match !== a.inverse)
    return { kind: 'match', code, ...(a.onSuccess !== undefined ? { info: a.onSuccess } : {}) };
  return fail(a, status, desc, code);
}

function fail(
  a: ExpectArgs,
  status: NonNullable<ExpectArgs['errorStatus']>,
  desc: string,
  code: number,
): ExpectOutcome {
  return { kind: 'fail', status, info: a.onError ?? desc, code };
}
