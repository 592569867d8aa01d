/**
 * Sample expressions, `fetch(args),conv1(args),conv2` (configuration.txt 2.9
 * and 7.3), as rules, `%[…]` in log-format strings and ACLs use them. The
 * text is parsed with HAProxy's argument rules (make_arg_list() in
 * src/arg.c: quotes, backslash escapes, `,` and `)` ending an argument),
 * the fetch is checked against the stage (layer, request or response side,
 * arguments) and the converter chain is type-checked, all at start-up; a
 * mistake is a ConfigError with the file:line of the line that holds it.
 */
import type { SourceLoc } from '../../core/errors.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';
import type { CompileOptions } from '../acl/compile.js';
import '../acl/fetches-internal.js';
import '../acl/fetches-l4.js';
import '../acl/fetches-l7.js';
import { lookupFetch } from '../acl/registry.js';
import type { FetchDef, SampleContext, SampleLayer, SampleType, SampleValue } from '../acl/types.js';
import { canCast, castValue, typeOfValue } from './cast.js';
import './converter-json.js';
import { type ConverterFn, lookupConverter } from './converters.js';
import type { SampleExpr } from './types.js';

/** One `name(args)` item; `args` are unquoted. `()` gives one empty argument, no parentheses none. */
export interface ParsedCall {
  readonly name: string;
  readonly args: readonly string[];
}

export interface ParsedExpr {
  readonly fetch: ParsedCall;
  readonly converters: readonly ParsedCall[];
  /** Index of the first character after the expression. */
  readonly end: number;
}

/** Where an expression comes from, for error messages. */
export interface ExprSite {
  readonly loc: SourceLoc;
  readonly keyword: string;
  /** Put before each reason, e.g. the ACL name. */
  readonly prefix?: string;
  /** The name the configuration used for the fetch, when it differs (`hdr_beg` for `req.hdr`). */
  readonly fetchLabel?: string;
}

/** A fetch and its converters, checked and ready to run. */
export interface BoundExpr {
  readonly fetchName: string;
  readonly fetch: FetchDef;
  readonly args: readonly string[];
  /** Output type after the last converter. */
  readonly type: SampleType;
  /** The output type is only known at run time (`var()` without converters). */
  readonly anyType: boolean;
  /** The converter chain; undefined when there is none. */
  readonly convert: ConverterFn | undefined;
}

const LAYER_RANK: Record<SampleLayer, number> = { l4: 4, l5: 5, l6: 6, l7: 7 };
const RESPONSE_STAGES: ReadonlySet<string> = new Set([
  'http-response',
  'http-after-response',
  'tcp-response content',
]);

/** The HTTP message a stage reads: explicit in `opts.side`, else inferred from the rule kind. */
export function stageSide(opts: CompileOptions): 'request' | 'response' | 'log' {
  return opts.side ?? (RESPONSE_STAGES.has(opts.stage) ? 'response' : 'request');
}

export function layerAllowed(layer: SampleLayer, opts: CompileOptions): boolean {
  return LAYER_RANK[layer] <= LAYER_RANK[opts.maxLayer];
}

/** HAProxy's is_idchar(): keyword characters of fetches and converters. */
const isIdChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9._+:-]/.test(c);

const ESCAPES: Record<string, string> = {
  '\\': '\\',
  ' ': ' ',
  '"': '"',
  "'": "'",
  r: '\r',
  n: '\n',
  t: '\t',
};

/** Parses `(a,"b,c",d)` starting at the '('; returns the arguments and the index after ')'. */
function parseArgs(text: string, open: number): { args: string[]; end: number } | string {
  const args: string[] = [];
  let i = open + 1;
  for (;;) {
    let arg = '';
    let sq = false;
    let dq = false;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (c === '"' && !sq) dq = !dq;
      else if (c === "'" && !dq) sq = !sq;
      else if (c === '\\' && !sq && i + 1 < text.length) {
        const esc = ESCAPES[text[i + 1]!];
        // An unknown escape keeps its backslash; the next character is read normally.
        if (esc !== undefined) i++;
        arg += esc ?? '\\';
      } else if (!sq && !dq && (c === ',' || c === ')')) break;
      else arg += c;
    }
    if (i >= text.length) return `missing closing ')' in '${text.slice(0, open)}(…'`;
    args.push(arg);
    if (text[i++] === ')') return { args, end: i };
  }
}

function parseCall(text: string, at: number, what: string): { call: ParsedCall; end: number } | string {
  let i = at;
  while (isIdChar(text[i])) i++;
  const name = text.slice(at, i);
  if (name === '') return `missing ${what} name at position ${at + 1}`;
  if (text[i] !== '(') return { call: { name, args: [] }, end: i };
  const a = parseArgs(text, i);
  if (typeof a === 'string') return a;
  return { call: { name, args: a.args }, end: a.end };
}

/**
 * Parses an expression starting at `from`. With `embedded` (a `%[…]` item)
 * it stops at the first character that cannot continue it; otherwise the
 * whole text must be the expression. Returns a reason on error.
 */
export function parseExpr(text: string, from = 0, embedded = false): ParsedExpr | string {
  const f = parseCall(text, from, 'fetch method');
  if (typeof f === 'string') return f;
  const converters: ParsedCall[] = [];
  let i = f.end;
  for (;;) {
    if (i < text.length && text[i] !== ',') {
      if (embedded) break;
      const last = converters.length > 0 ? `converter '${converters[converters.length - 1]!.name}'` : 'fetch';
      return `missing comma after ${last}, at '${text.slice(i)}'`;
    }
    // HAProxy tolerates runs of commas between converters.
    while (text[i] === ',') i++;
    if (i >= text.length) break;
    const c = parseCall(text, i, 'converter');
    if (typeof c === 'string') return c;
    converters.push(c.call);
    i = c.end;
  }
  return { fetch: f.call, converters, end: i };
}

type Code = (typeof ConfigCode)[keyof typeof ConfigCode];

/** Throws the ConfigError for `site`, its prefix before the reason. */
export function failAt(site: ExprSite, code: Code, reason: string): never {
  throw new ConfigError(code, site.loc, site.keyword, `${site.prefix ?? ''}${reason}`);
}

/** Looks the fetch up and checks it against the stage and its arguments. */
export function bindFetch(
  call: ParsedCall,
  site: ExprSite,
  opts: CompileOptions,
): { name: string; def: FetchDef } {
  let name = call.name;
  const label = site.fetchLabel ?? name;
  let def = lookupFetch(name);
  if (!def) failAt(site, ConfigCode.Unsupported, `unknown or unsupported sample fetch '${label}'`);
  const side = stageSide(opts);
  if (def.responseFetch && side === 'response') {
    name = def.responseFetch;
    def = lookupFetch(name)!;
  }
  if (!layerAllowed(def.layer, opts))
    failAt(site, ConfigCode.Conflict, `fetch '${label}' is not available in a '${opts.stage}' rule`);
  if (def.needsResponse && side === 'request')
    failAt(
      site,
      ConfigCode.Conflict,
      `fetch '${label}' reads the response, which a '${opts.stage}' rule does not see`,
    );
  const args = call.args;
  if (args.length < def.minArgs || args.length > def.maxArgs)
    failAt(site, ConfigCode.BadArgs, `wrong number of arguments for '${label}'`);
  const bad = def.checkArgs?.(args);
  if (bad !== undefined) failAt(site, ConfigCode.BadArgs, `invalid argument to '${label}': ${bad}`);
  return { name, def };
}

interface Step {
  readonly from: SampleType | undefined;
  readonly to: SampleType;
  readonly run: ConverterFn;
}

/** Type-checks and compiles converters after a value of type `type` (`anyType`: known at run time). */
export function bindConverters(
  calls: readonly ParsedCall[],
  type: SampleType,
  anyType: boolean,
  site: ExprSite,
): { convert: ConverterFn | undefined; type: SampleType; anyType: boolean } {
  if (calls.length === 0) return { convert: undefined, type, anyType };
  const steps: Step[] = [];
  let prev: SampleType | undefined = anyType ? undefined : type;
  for (const call of calls) {
    const def = lookupConverter(call.name);
    if (!def) failAt(site, ConfigCode.Unsupported, `unknown or unsupported converter '${call.name}'`);
    if (prev !== undefined && !canCast(prev, def.inType))
      failAt(site, ConfigCode.BadArgs, `converter '${call.name}' cannot be applied to a ${prev} sample`);
    if (call.args.length > 0 && def.maxArgs === 0)
      failAt(site, ConfigCode.BadArgs, `converter '${call.name}' does not support any args`);
    if (call.args.length < def.minArgs || call.args.length > def.maxArgs)
      failAt(site, ConfigCode.BadArgs, `wrong number of arguments for converter '${call.name}'`);
    const run = def.compile(call.args);
    if (typeof run === 'string')
      failAt(site, ConfigCode.BadArgs, `invalid args in converter '${call.name}': ${run}`);
    steps.push({ from: prev, to: def.inType, run });
    prev = def.outType;
  }
  const convert: ConverterFn = (value, ctx) => {
    let v: SampleValue | undefined = value;
    for (let i = 0; i < steps.length && v !== undefined; i++) {
      const s = steps[i]!;
      const input: SampleValue | undefined = castValue(v, s.from ?? typeOfValue(v), s.to);
      v = input === undefined ? undefined : s.run(input, ctx);
    }
    return v;
  };
  return { convert, type: prev!, anyType: false };
}

/** Binds a parsed expression: fetch checked against the stage, converters type-checked. */
export function bindExpr(parsed: ParsedExpr, site: ExprSite, opts: CompileOptions): BoundExpr {
  const { name, def } = bindFetch(parsed.fetch, site, opts);
  const chain = bindConverters(parsed.converters, def.type, def.anyType === true, site);
  return {
    fetchName: name,
    fetch: def,
    args: parsed.fetch.args,
    type: chain.type,
    anyType: chain.anyType,
    convert: chain.convert,
  };
}

/** A bound expression as rules use it: the single-value fetch, then the converters. */
export function toSampleExpr(b: BoundExpr): SampleExpr {
  const { fetch, args, convert } = b;
  const evalFn = convert
    ? (ctx: SampleContext) => {
        const v = fetch.fetch(ctx, args);
        return v === undefined ? undefined : convert(v, ctx);
      }
    : (ctx: SampleContext) => fetch.fetch(ctx, args);
  return b.anyType ? { type: b.type, anyType: true, eval: evalFn } : { type: b.type, eval: evalFn };
}

/**
 * Compiles `text` (a whole word such as `req.hdr(host),lower`) for a rule of
 * the stage `opts`; `keyword` names the directive in errors.
 */
export function compileExpr(text: string, loc: SourceLoc, keyword: string, opts: CompileOptions): SampleExpr {
  const site: ExprSite = { loc, keyword };
  const parsed = parseExpr(text);
  if (typeof parsed === 'string')
    throw new ConfigError(ConfigCode.BadArgs, loc, keyword, `invalid sample expression '${text}': ${parsed}`);
  return toSampleExpr(bindExpr(parsed, site, opts));
}
