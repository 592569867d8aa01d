/**
 * Expressions of `.if`/`.elif` and of `hapair -cc`, after HAProxy's cfgcond.c
 * (configuration.txt §2.4 "Conditional blocks"):
 *
 *   expr := and [ '||' expr ]      and := term [ '&&' and ]
 *   term := '!'* ( integer | '(' expr ')' | predicate [ '(' args ')' ] )
 *
 * `&&` binds tighter than `||`; an empty expression is false; integers follow
 * strtol(…, 0) (so `0x10` is true, `0` false). Predicate arguments use the
 * second-level quoting of make_arg_list(): '…', "…", `\\`, `\,` are literal and
 * nothing is trimmed. The whole expression is parsed before it is evaluated, so
 * a syntax error is reported even in a branch that would short-circuit.
 */
import type { Env } from './lexer.js';
import { HAPROXY_COMPAT_FULL_VERSION } from './version.js';

/** Thrown with a reason; the caller turns it into a ConfigError with its location. */
export class CondSyntaxError extends Error {}

type Node = (env: Env) => boolean;

interface Predicate {
  readonly args: number;
  eval(args: readonly string[], env: Env): boolean;
}

/**
 * Build features as `haproxy -vv` would list them. Only what hapair really
 * has answers true: TLS comes from Node's OpenSSL and threads are worker
 * processes. Everything else (splice, zlib/slz compression, Lua, PCRE, QUIC,
 * transparent proxy, the Prometheus service…) is false, as for any feature
 * name HAProxy does not know.
 */
export const FEATURES: Readonly<Record<string, boolean>> = {
  OPENSSL: true,
  THREAD: true,
  PROMEX: false,
  LINUX_SPLICE: false,
  ZLIB: false,
  SLZ: false,
  LUA: false,
  PCRE: false,
  PCRE2: false,
  PCRE_JIT: false,
  QUIC: false,
  TPROXY: false,
  NS: false,
  SYSTEMD: false,
  CPU_AFFINITY: false,
};

const PREDICATES: Readonly<Record<string, Predicate>> = {
  defined: { args: 1, eval: ([name], env) => env[name!] !== undefined },
  feature: { args: 1, eval: ([name]) => FEATURES[name!] === true },
  streq: { args: 2, eval: ([a, b]) => a === b },
  strneq: { args: 2, eval: ([a, b]) => a !== b },
  strstr: { args: 2, eval: ([a, b]) => a!.includes(b!) },
  version_atleast: { args: 1, eval: ([v]) => compareVersion(v!, HAPROXY_COMPAT_FULL_VERSION) <= 0 },
  version_before: { args: 1, eval: ([v]) => compareVersion(v!, HAPROXY_COMPAT_FULL_VERSION) > 0 },
  // §2.4 enabled(): runtime options of HAProxy's pollers/splice/reuseport; hapair
  // runs on libuv and sets none of them, and HAProxy answers false for unknown names.
  enabled: { args: 1, eval: () => false },
};

/**
 * HAProxy's split_version(): `major.minor.patch.build[-(dev|rc|pre)N][-commit]`,
 * missing parts are zero, a release ranks after its dev/rc/pre tags.
 */
export function splitVersion(text: string): number[] | undefined {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:-(dev|rc|pre)?(\d*))?(?:-.*?(\d+))?$/.exec(text);
  if (!m) return undefined;
  const tag = m[5] === 'dev' ? 1 : m[5] === 'rc' || m[5] === 'pre' ? 2 : 3;
  const num = (s: string | undefined): number => (s ? Number(s) : 0);
  return [num(m[1]), num(m[2]), num(m[3]), num(m[4]), tag, m[5] ? num(m[6]) : 0, num(m[7])];
}

/** <0 when `v` is older than `current`, 0 when equal, >0 when newer. */
function compareVersion(v: string, current: string): number {
  const a = splitVersion(v);
  if (!a) throw new CondSyntaxError(`unparsable version '${v}'`);
  const b = splitVersion(current)!;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

class ExprParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): Node {
    this.ws();
    if (this.i >= this.s.length) return () => false;
    const node = this.expr(0);
    this.ws();
    if (this.i < this.s.length) {
      throw new CondSyntaxError(`unexpected character '${this.s[this.i]}' at position ${this.i + 1}`);
    }
    return node;
  }

  private ws(): void {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
  }

  private depthCheck(depth: number): void {
    if (depth > 64) throw new CondSyntaxError('expression nested too deeply');
  }

  private expr(depth: number): Node {
    this.depthCheck(depth);
    const left = this.and(depth + 1);
    this.ws();
    if (!this.s.startsWith('||', this.i)) return left;
    this.i += 2;
    const right = this.expr(depth + 1);
    return (env) => left(env) || right(env);
  }

  private and(depth: number): Node {
    const left = this.term(depth + 1);
    this.ws();
    if (!this.s.startsWith('&&', this.i)) return left;
    this.i += 2;
    const right = this.and(depth + 1);
    return (env) => left(env) && right(env);
  }

  private term(depth: number): Node {
    this.depthCheck(depth);
    this.ws();
    let neg = false;
    while (this.s[this.i] === '!') {
      neg = !neg;
      this.i++;
      this.ws();
    }
    const inner = this.atom(depth);
    return neg ? (env) => !inner(env) : inner;
  }

  private atom(depth: number): Node {
    const rest = this.s.slice(this.i);
    const num = /^[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(rest);
    if (num) {
      this.i += num[0].length;
      const truthy = /[1-9a-fA-F]/.test(num[1]!.replace(/^0[xX]/, ''));
      return () => truthy;
    }
    if (rest.startsWith('(')) {
      this.i++;
      this.ws();
      if (this.i >= this.s.length) throw new CondSyntaxError(`unparsable conditional expression '${rest}'`);
      const inner = this.expr(depth + 1);
      this.ws();
      if (this.s[this.i] !== ')')
        throw new CondSyntaxError(`expected ')' after conditional expression '${rest}'`);
      this.i++;
      return inner;
    }
    const name = /^[A-Za-z0-9_]+/.exec(rest)?.[0];
    const pred = name === undefined ? undefined : PREDICATES[name];
    if (!pred || name === undefined) {
      const what = rest === '' ? 'empty term' : `'${rest}'`;
      throw new CondSyntaxError(`unparsable conditional expression ${what}`);
    }
    this.i += name.length;
    const args = this.args(name, pred.args);
    return (env) => pred.eval(args, env);
  }

  /** make_arg_list(): `(a,b)` with quotes and backslashes, no trimming. */
  private args(name: string, want: number): string[] {
    if (this.s[this.i] !== '(')
      throw new CondSyntaxError(`missing arguments (got 0/${want}) for predicate '${name}'`);
    this.i++;
    const out: string[] = [];
    let cur = '';
    let sq = false;
    let dq = false;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined)
        throw new CondSyntaxError(`missing closing ')' after arguments to predicate '${name}'`);
      this.i++;
      const next = this.s[this.i];
      if (c === '"' && !sq) dq = !dq;
      else if (c === "'" && !dq) sq = !sq;
      else if (c === '\\' && !sq && next !== undefined && '\\ "\','.includes(next)) {
        cur += next;
        this.i++;
      } else if (!sq && !dq && (c === ',' || c === ')')) {
        out.push(cur);
        cur = '';
        if (c === ')') break;
        if (out.length >= want) throw new CondSyntaxError(`too many arguments for predicate '${name}'`);
      } else cur += c;
    }
    if (out.length < want)
      throw new CondSyntaxError(`missing arguments (got ${out.length}/${want}) for predicate '${name}'`);
    return out;
  }
}

/** Parses then evaluates; throws CondSyntaxError with a reason. */
export function evaluateCondition(expr: string, env: Env): boolean {
  return new ExprParser(expr).parse()(env);
}
