/**
 * The contract between the HTTP rule engine (run.ts) and the actions it runs
 * (configuration.txt 4.3 "Actions keywords matrix"). Each action module
 * registers a compiler per family and action name; the compiler runs once at
 * start-up (every argument error is a ConfigError with the rule's file:line)
 * and returns a plain function run per transaction.
 */
import type { HaproxyConfig, ProxyConfig, Rule } from '../../../config/haproxy/model.js';
import type { SourceLoc } from '../../../core/errors.js';
import type { CompileOptions } from '../../acl/compile.js';
import type { HttpSample, SampleContext } from '../../acl/types.js';
import type { FormatFn, SampleExpr } from '../../sample/types.js';
import type { VarStore } from '../../sample/vars.js';
import type { StickTables, TrackedEntry } from '../../stick/types.js';
import type { RequestHead, ResponseHead } from '../head.js';

export type RuleFamily = 'http-request' | 'http-response' | 'http-after-response';

/** The transaction as actions see it: the sample context plus what they may change. */
export interface RuleTx extends SampleContext {
  readonly http: HttpSample;
  readonly vars: VarStore;
  /** Monotonic ms (the engine's clock). */
  readonly now: number;
  /** The request head; actions edit it in place before it is serialised. */
  readonly req: RequestHead;
  /** The response head in http-response/http-after-response rules, else undefined. */
  readonly resp: ResponseHead | undefined;
  /**
   * `track-scN`: fills slot N for the rest of the transaction unless it is
   * already tracked (then nothing happens and `release` is not kept). Returns
   * whether the entry was taken; the engine releases it when the transaction
   * ends and counts this request on it.
   */
  track(slot: number, entry: TrackedEntry & { release(now: number): void }): boolean;
  /** `set-status` on a response, with an optional reason. */
  setStatus(status: number, reason: string | undefined): void;
}

/** A response produced by a rule instead of (or in place of) the server's. */
export interface RuleReply {
  readonly kind: 'reply';
  readonly status: number;
  /** Extra header fields, in order. */
  readonly headers: readonly (readonly [string, string])[];
  /**
   * Body bytes; undefined = the proxy's error page for `status` (its errorfile,
   * else HAProxy's default message) with `headers` added.
   */
  readonly body: Buffer | undefined;
  /** A complete message sent as is (`errorfile`/`errorfiles`); status and headers then only inform logs. */
  readonly raw?: Buffer;
  /** Counted as a denied request/response (stats `dreq`/`dresp`) and logged with termination state P?. */
  readonly denied: boolean;
}

/**
 * `use-service`: a built-in applet answers the request (configuration.txt
 * 4.3 "http-request use-service"); the engine's statsHandler serves it.
 */
export interface RuleService {
  readonly kind: 'service';
  /** The service name as registered (`prometheus-exporter`). */
  readonly name: string;
  /** The proxy whose rule chose it. */
  readonly proxy: ProxyConfig;
}

/** What running an action decides: go on with the next rule, stop the rule set, answer, or hand over. */
export type RuleOutcome = undefined | { readonly kind: 'allow' } | RuleReply | RuleService;

export type ActionRun = (tx: RuleTx) => RuleOutcome;

/** What an action compiler may use at start-up. */
export interface ActionEnv {
  readonly proxy: ProxyConfig;
  readonly config: HaproxyConfig;
  readonly family: RuleFamily;
  /** For conditions and sample expressions of this rule's stage. */
  readonly stage: CompileOptions;
  format(text: string, loc: SourceLoc): FormatFn;
  expr(text: string, loc: SourceLoc): SampleExpr;
  readonly tables: StickTables;
}

export type ActionCompiler = (rule: Rule, env: ActionEnv) => ActionRun;

const registry = new Map<string, ActionCompiler>();

/** Registers `name` for `family`; each action module registers what it implements. */
export function registerAction(family: RuleFamily, name: string, compile: ActionCompiler): void {
  const key = `${family} ${name}`;
  if (registry.has(key)) throw new Error(`HTTP action registered twice: ${key}`);
  registry.set(key, compile);
}

export function lookupAction(family: RuleFamily, name: string): ActionCompiler | undefined {
  return registry.get(`${family} ${name}`);
}
