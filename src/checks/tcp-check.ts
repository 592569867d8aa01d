/**
 * Plain TCP checks and `tcp-check` sequences (doc 4.2 "tcp-check connect",
 * "tcp-check send", "tcp-check send-binary", "tcp-check expect"). A plain
 * check is one implicit connect (L4OK, or L6OK over TLS). A sequence that does
 * not start with a connect gets an implicit one, as HAProxy does.
 * Each `HttpCheckStep` holds the word after `tcp-check` as its kind and the
 * remaining words as written.
 */
import type { HttpCheckStep } from '../config/haproxy/model.js';
import { ConfigCode, ConfigError, type SourceLoc } from '../core/errors.js';
import { compileRegex, type ExpectArgs, parseExpectArgs, textBytes } from './expect-args.js';
import type { ConnectRule, ExpectOutcome, ExpectRule, Rule, RuleSet } from './rules.js';

export const plainConnect: RuleSet = {
  rules: [{ kind: 'connect', implicit: true, linger: false }],
  tcpCheckLabels: false,
};

/** Prefixes an implicit connect unless the rules already start with one. */
export function withImplicitConnect(rules: readonly Rule[]): Rule[] {
  if (rules[0]?.kind === 'connect') return [...rules];
  return [{ kind: 'connect', implicit: true, linger: false }, ...rules];
}

export function compileTcpCheck(steps: readonly HttpCheckStep[]): RuleSet {
  const rules: Rule[] = [];
  steps.forEach((st, i) => {
    // HAProxy numbers steps from 1 whether or not an implicit connect precedes them.
    const step = i + 1;
    const kind = st.kind;
    if (kind === 'connect') rules.push(parseConnect(st.args, st.loc, 'tcp-check connect'));
    else if (kind === 'send') rules.push(parseSend(st.args, st.loc, false));
    else if (kind === 'send-binary') rules.push(parseSend(st.args, st.loc, true));
    else if (kind === 'expect') rules.push(compileTcpExpect(st.args, st.loc, step, true));
    else {
      throw new ConfigError(ConfigCode.Unsupported, st.loc, `tcp-check ${kind}`, 'not supported by hapair');
    }
  });
  return { rules: withImplicitConnect(rules), tcpCheckLabels: true };
}

/** `connect [default] [port N] [addr A] [send-proxy] [ssl] [sni S] [alpn L] [linger] [comment C]`. */
export function parseConnect(args: readonly string[], loc: SourceLoc, keyword: string): ConnectRule {
  const bad = (reason: string, code: (typeof ConfigCode)[keyof typeof ConfigCode] = ConfigCode.BadArgs) =>
    new ConfigError(code, loc, keyword, reason);
  const r: {
    -readonly [K in keyof ConnectRule]?: ConnectRule[K];
  } = { kind: 'connect', implicit: false, linger: false };
  let useDefault = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const v = args[i + 1];
    const needValue = (): string => {
      if (v === undefined) throw bad(`'${w}' expects an argument`);
      i++;
      return v;
    };
    if (w === 'default') useDefault = true;
    else if (w === 'send-proxy') r.sendProxy = true;
    else if (w === 'ssl') r.ssl = true;
    else if (w === 'linger') r.linger = true;
    else if (w === 'port') {
      const p = Number(needValue());
      if (!Number.isInteger(p) || p < 1 || p > 65535) throw bad(`invalid port '${v}'`, ConfigCode.Range);
      r.port = p;
    } else if (w === 'addr') r.addr = needValue();
    else if (w === 'sni') r.sni = needValue();
    else if (w === 'alpn') r.alpn = needValue().split(',');
    else if (w === 'comment') r.comment = needValue();
    else if (w === 'via-socks4' || w === 'proto')
      throw bad(`'${w}' is not supported by hapair`, ConfigCode.Unsupported);
    else throw bad(`unknown option '${w}'`);
  }
  // Without `default`, the server line's ssl and send-proxy settings do not apply (doc "tcp-check connect").
  if (!useDefault) {
    r.ssl ??= false;
    r.sendProxy ??= false;
  }
  return r as ConnectRule;
}

function parseSend(args: readonly string[], loc: SourceLoc, binary: boolean): Rule {
  const keyword = binary ? 'tcp-check send-binary' : 'tcp-check send';
  const [data, kw, comment, ...rest] = args;
  if (
    data === undefined ||
    rest.length > 0 ||
    (kw !== undefined && (kw !== 'comment' || comment === undefined))
  ) {
    throw new ConfigError(
      ConfigCode.BadArgs,
      loc,
      keyword,
      `expects <${binary ? 'hexstring' : 'data'}> [comment <msg>]`,
    );
  }
  const bytes = binary ? hexBytes(data, loc, keyword) : textBytes(data);
  return { kind: 'send', data: bytes, ...(comment !== undefined ? { comment } : {}) };
}

export function hexBytes(hex: string, loc: SourceLoc, keyword: string): Buffer {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new ConfigError(ConfigCode.BadArgs, loc, keyword, `'${hex}' is not an even-length hex string`);
  }
  return Buffer.from(hex, 'hex');
}

const TCP_MATCHES = ['string', 'rstring', 'binary', 'rbinary'] as const;

/**
 * Dynamic messages and code for built-in protocol checks, standing in for the
 * log-format `on-error`/`on-success`/`status-code` HAProxy's own rulesets use.
 */
export interface ExpectHooks {
  onSuccess?(input: Buffer): string;
  onError?(input: Buffer): string;
  code?(input: Buffer): number | undefined;
}

/** `res.payload(offset,0),ltrim(' '),cut_crlf`: the reply text after `offset`, up to the first CR or LF. */
export function payloadLine(input: Buffer, offset = 0, ltrim = false): string {
  let text = input.toString('latin1', Math.min(offset, input.length));
  if (ltrim) text = text.replace(/^ +/, '');
  const end = text.search(/[\r\n]/);
  return end < 0 ? text : text.slice(0, end);
}

/** `tcp-check expect …`; `step` is HAProxy's step number, used in messages. */
export function compileTcpExpect(
  args: readonly string[],
  loc: SourceLoc,
  step: number,
  labels: boolean,
  hooks: ExpectHooks = {},
): ExpectRule {
  const keyword = 'tcp-check expect';
  const a = parseExpectArgs(args, loc, keyword, TCP_MATCHES, ['string-lf', 'binary-lf']);
  if (a.pattern.length !== 1) throw new ConfigError(ConfigCode.BadArgs, loc, keyword, 'expects one pattern');
  const pat = a.pattern[0]!;
  const m = a.match;
  const literal = m === 'string' ? textBytes(pat) : m === 'binary' ? hexBytes(pat, loc, keyword) : undefined;
  const re = literal === undefined ? compileRegex(pat, loc, keyword) : undefined;
  const test = (input: Buffer): boolean =>
    literal !== undefined
      ? input.includes(literal)
      : re!.test(m === 'rbinary' ? input.toString('hex').toUpperCase() : input.toString('latin1'));
  const describe =
    m === 'string'
      ? ` (expect string '${pat}')`
      : m === 'binary'
        ? ` (expect binary '${literal!.toString('hex').toUpperCase()}')`
        : m === 'rstring'
          ? ' (expect regex)'
          : ' (expect binary regex)';
  return {
    kind: 'expect',
    okStatus: a.okStatus ?? 'L7OK',
    toutStatus: a.toutStatus ?? 'L7TOUT',
    describe,
    ...(a.comment !== undefined ? { comment: a.comment } : {}),
    evaluate: (input, lastRead) => evalExpect(a, literal, test, input, lastRead, step, labels, hooks),
  };
}

/** tcpcheck_eval_expect() and tcpcheck_expect_onerror_message(). */
function evalExpect(
  a: ExpectArgs,
  literal: Buffer | undefined,
  test: (input: Buffer) => boolean,
  input: Buffer,
  lastRead: boolean,
  step: number,
  labels: boolean,
  hooks: ExpectHooks,
): ExpectOutcome {
  if (!lastRead) {
    if (literal !== undefined && input.length < literal.length) return { kind: 'wait' };
    if (a.minRecv > 0 && input.length < a.minRecv) return { kind: 'wait' };
  }
  const match = test(input);
  if (!match && !lastRead && a.minRecv === -1) return { kind: 'wait' };
  const code = hooks.code?.(input);
  const withCode = code !== undefined ? { code } : {};
  if (match !== a.inverse) {
    const info = hooks.onSuccess?.(input) ?? a.onSuccess;
    return { kind: 'match', ...withCode, ...(info !== undefined ? { info } : {}) };
  }
  const status = a.errorStatus ?? 'L7RSP';
  const onError = hooks.onError?.(input) ?? a.onError;
  if (onError !== undefined) return { kind: 'fail', status, info: onError, ...withCode };
  if (input.length === 0)
    return { kind: 'fail', status, info: `TCPCHK got an empty response at step ${step}` };
  if (!labels) return { kind: 'fail', status, info: '' };
  const head = match ? 'TCPCHK matched unwanted content' : 'TCPCHK did not match content';
  const what =
    a.match === 'string'
      ? ` '${a.pattern[0]}'`
      : a.match === 'binary'
        ? ' (binary)'
        : a.match === 'rstring'
          ? ' (regex)'
          : ' (binary regex)';
  return { kind: 'fail', status, info: `${head}${what} at step ${step}` };
}
