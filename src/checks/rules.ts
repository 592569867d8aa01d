/**
 * The check rule engine, modelled on HAProxy's tcpcheck_main(): every
 * connection-based check (plain connect, tcp-check, httpchk, ssl-hello, mysql,
 * pgsql, redis, smtp, agent) is a list of connect / send / expect rules run
 * against one CheckSession. Timeouts follow doc "timeout check": a connect may
 * take min(timeout connect, inter) when `timeout check` is set and `inter`
 * otherwise; once connected, `timeout check` (when set) bounds the rest.
 */
import type { Clock } from '../core/clock.js';
import { CheckSession, type ConnectOutcome, type ConnectTarget } from './session.js';
import type { CheckResult, CheckStatusCode } from './types.js';

export type ExpectOutcome =
  | { readonly kind: 'wait' }
  | { readonly kind: 'match'; readonly info?: string; readonly code?: number }
  | {
      readonly kind: 'fail';
      readonly status: CheckStatusCode;
      readonly info: string;
      readonly code?: number;
    };

export interface ConnectRule {
  readonly kind: 'connect';
  /** Added by the engine's compiler when a ruleset does not start with a connect. */
  readonly implicit: boolean;
  /** Overrides of the server's check target; undefined = use the server's. */
  readonly port?: number;
  readonly addr?: string;
  readonly sendProxy?: boolean;
  readonly ssl?: boolean;
  readonly sni?: string;
  readonly alpn?: readonly string[];
  readonly linger: boolean;
  readonly comment?: string;
}

export interface SendRule {
  readonly kind: 'send';
  readonly data: Buffer;
  readonly comment?: string;
}

export interface ExpectRule {
  readonly kind: 'expect';
  /** Must not answer 'wait' when `lastRead` is true. */
  evaluate(input: Buffer, lastRead: boolean): ExpectOutcome;
  /** Status when this is the last rule and it matched (ok-status). */
  readonly okStatus: CheckStatusCode;
  /** Status when the deadline hits while waiting here (tout-status). */
  readonly toutStatus: CheckStatusCode;
  /** What chk_report_conn_err prints for this rule: ` (expect string 'x')`. */
  readonly describe: string;
  readonly comment?: string;
}

export type Rule = ConnectRule | SendRule | ExpectRule;

export interface RuleSet {
  readonly rules: readonly Rule[];
  /** tcp-check rulesets name the failing step in connection errors; success says `(tcp-check)`. */
  readonly tcpCheckLabels: boolean;
}

export interface CheckTiming {
  readonly inter: number;
  readonly connect?: number;
  readonly check?: number;
}

export interface RuleEnv {
  readonly clock: Clock;
  readonly target: ConnectTarget;
  readonly timing: CheckTiming;
}

/** glibc strerror() wording for the errors a check meets (HAProxy prints strerror(errno)). */
const STRERROR: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ECONNABORTED: 'Software caused connection abort',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ETIMEDOUT: 'Connection timed out',
  EPIPE: 'Broken pipe',
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EADDRINUSE: 'Address already in use',
  ENOTFOUND: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
};

export function strerror(e: NodeJS.ErrnoException | undefined): string {
  if (!e) return '';
  return (e.code !== undefined ? STRERROR[e.code] : undefined) ?? e.message;
}

/** Step number as HAProxy counts it (tcpcheck_get_step_id): an implicit first connect is step 0. */
function stepId(rules: readonly Rule[], i: number): number {
  const r = rules[i];
  if (i === 0 && r?.kind === 'connect' && r.implicit) return 0;
  return rules[0]?.kind === 'connect' && rules[0].implicit ? i : i + 1;
}

/** chk_report_conn_err's suffix: ` at step 2 of tcp-check (expect string '+OK')`. */
function stepSuffix(set: RuleSet, i: number): string {
  if (!set.tcpCheckLabels) return '';
  const id = stepId(set.rules, i);
  if (id === 0) return ' at initial connection step of tcp-check';
  const r = set.rules[i];
  let s = ` at step ${id} of tcp-check`;
  if (r?.kind === 'connect') s += r.port !== undefined ? ` (connect port ${r.port})` : ' (connect)';
  else if (r?.kind === 'expect') s += r.describe;
  else if (r?.kind === 'send') s += ' (send)';
  if (r?.comment !== undefined) s += ` comment: '${r.comment}'`;
  return s;
}

function connectTimeout(t: CheckTiming): number {
  return t.check !== undefined && t.connect !== undefined ? Math.min(t.connect, t.inter) : t.inter;
}

/** Runs a rule set; resolves undefined when aborted (runner stopping). */
export async function runRules(
  set: RuleSet,
  env: RuleEnv,
  session?: CheckSession,
): Promise<CheckResult | undefined> {
  const s = session ?? new CheckSession(env.clock);
  const started = env.clock.now();
  const done = (status: CheckStatusCode, info: string, code?: number): CheckResult => ({
    status,
    info,
    durationMs: env.clock.now() - started,
    ...(code !== undefined ? { code } : {}),
  });
  let linger = false;
  try {
    const out = await evaluate(set, env, s, done, (l) => {
      linger = l;
    });
    return s.aborted ? undefined : out;
  } finally {
    s.close(linger);
  }
}

type Done = (status: CheckStatusCode, info: string, code?: number) => CheckResult;

async function evaluate(
  set: RuleSet,
  env: RuleEnv,
  s: CheckSession,
  done: Done,
  setLinger: (l: boolean) => void,
): Promise<CheckResult | undefined> {
  let mustRead = true;
  let lastMatch: { info?: string; code?: number } = {};
  let ssl = false;
  for (let i = 0; i < set.rules.length; i++) {
    const rule = set.rules[i]!;
    if (rule.kind === 'connect') {
      s.deadline(connectTimeout(env.timing));
      const target = connectTarget(env.target, rule);
      ssl = target.tls !== undefined;
      setLinger(rule.linger);
      const o = await s.connect(target);
      if (s.aborted) return undefined;
      if (!o.ok) return connectFailure(o, set, i, done);
      if (env.timing.check !== undefined) s.deadline(env.timing.check);
      mustRead = true;
    } else if (rule.kind === 'send') {
      s.resetInput();
      s.write(rule.data);
      mustRead = true;
    } else {
      const r = await expect(rule, s, mustRead, set, i, done);
      if (r === undefined || 'status' in r) return r;
      lastMatch = r;
      mustRead = false;
    }
  }
  return finalResult(set, ssl, lastMatch, done);
}

function connectTarget(base: ConnectTarget, r: ConnectRule): ConnectTarget {
  // undefined = the server line's setting (implicit connect, `default`); false = explicitly off.
  const tlsOn = r.ssl ?? base.tls !== undefined;
  const proxy =
    r.sendProxy === undefined ? base.proxyHeader : r.sendProxy ? (base.proxyHeader ?? 1) : undefined;
  return {
    ...base,
    ...(r.addr !== undefined ? { host: r.addr, path: undefined } : {}),
    ...(r.port !== undefined ? { port: r.port, path: undefined } : {}),
    proxyHeader: proxy,
    tls: tlsOn
      ? {
          verify: base.tls?.verify ?? false,
          ...base.tls,
          ...(r.sni !== undefined ? { servername: r.sni } : {}),
          ...(r.alpn !== undefined ? { alpn: r.alpn } : {}),
        }
      : undefined,
  };
}

function connectFailure(
  o: Exclude<ConnectOutcome, { ok: true }>,
  set: RuleSet,
  i: number,
  done: Done,
): CheckResult {
  const info = `${strerror(o.error)}${stepSuffix(set, i)}`;
  if (o.stage === 'l4') return done(o.timeout ? 'L4TOUT' : 'L4CON', info);
  return done(o.timeout ? 'L6TOUT' : 'L6RSP', info);
}

async function expect(
  rule: ExpectRule,
  s: CheckSession,
  mustRead: boolean,
  set: RuleSet,
  i: number,
  done: Done,
): Promise<CheckResult | { info?: string; code?: number } | undefined> {
  let wait = mustRead && s.data.length === 0;
  for (;;) {
    if (wait) {
      const ev = await s.waitInput();
      if (ev === 'aborted') return undefined;
      if (ev === 'timeout') return done(rule.toutStatus, stepSuffix(set, i));
      if (ev === 'error' && s.data.length === 0)
        return done('SOCKERR', `${strerror(s.error)}${stepSuffix(set, i)}`);
    }
    const out = rule.evaluate(s.data, s.lastRead);
    if (out.kind === 'fail') return done(out.status, withComment(out.info, rule), out.code);
    if (out.kind === 'match') return { info: out.info, code: out.code };
    if (s.lastRead) return done('L7RSP', withComment('', rule));
    wait = true;
  }
}

function withComment(info: string, rule: Rule): string {
  return rule.comment !== undefined ? `${info} comment: ${rule.comment}` : info;
}

function finalResult(
  set: RuleSet,
  ssl: boolean,
  m: { info?: string; code?: number },
  done: Done,
): CheckResult {
  const last = set.rules[set.rules.length - 1];
  if (last?.kind === 'expect') {
    const info = m.info ?? (set.tcpCheckLabels ? '(tcp-check)' : '');
    return done(last.okStatus, info, m.code);
  }
  if (last?.kind === 'connect') {
    return done(ssl ? 'L6OK' : 'L4OK', last.implicit ? '' : '(tcp-check)');
  }
  return done('L7OK', '(tcp-check)');
}
