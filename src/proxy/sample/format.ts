/**
 * Log-format strings (configuration.txt 8.2.6 "Custom log format"), the
 * `<fmt>` of log-format, set-header, redirect, set-var-fmt …: literal text,
 * `%%`, `%[expr]` sample expressions, `%name` variables, `%{+Q,-X}` flags
 * on an item and `%{…}o` flags for every item after it. Compiled once (an
 * unknown variable or fetch, a fetch the stage cannot provide, a bad flag
 * is a ConfigError naming it); what runs per request concatenates strings.
 */
import type { SourceLoc } from '../../core/errors.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';
import type { CompileOptions } from '../acl/compile.js';
import type { SampleContext } from '../acl/types.js';
import { castValue, typeOfValue } from './cast.js';
import { bindExpr, layerAllowed, parseExpr, toSampleExpr } from './expr.js';
import { type FormatFlags, renderHttpValue, renderText } from './format-render.js';
import { type FormatVarFn, lookupFormatVar } from './format-vars.js';
import type { FormatFn, SampleExpr } from './types.js';

export type { FormatFlags } from './format-render.js';
export { renderIp, renderPort, renderRawText, renderText, renderUrlText } from './format-render.js';
export {
  type FormatVarAvailability,
  type FormatVarFn,
  lookupFormatVar,
  registerFormatVar,
} from './format-vars.js';

export interface FormatOptions extends CompileOptions {
  /**
   * 'http' (default): the string goes into an HTTP message (headers,
   * redirects, set-var-fmt) — samples are %-encoded, spaces kept.
   * 'log': a log-format line — empty items print '-', runs of spaces are
   * one separator, log-only variables (timers) are allowed.
   * 'unique-id': unique-id-format — HTTP encoding, spaces merged.
   */
  readonly mode?: 'http' | 'log' | 'unique-id';
}

type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'sep' }
  | { readonly kind: 'var'; readonly render: FormatVarFn; readonly flags: FormatFlags }
  | { readonly kind: 'expr'; readonly expr: SampleExpr; readonly flags: FormatFlags };

type MutableFlags = { -readonly [K in keyof FormatFlags]: FormatFlags[K] };

const FLAG_NAMES: Record<string, keyof FormatFlags> = { Q: 'quote', X: 'hex', E: 'escape', M: 'mandatory' };
const UNSUPPORTED_FLAGS: ReadonlySet<string> = new Set(['bin', 'json', 'cbor']);
const ITEM_TYPES: ReadonlySet<string> = new Set(['str', 'sint', 'bool', 'raw']);

interface Parse {
  readonly text: string;
  readonly loc: SourceLoc;
  readonly keyword: string;
  readonly opts: FormatOptions;
  readonly nodes: Node[];
  /** Flags set by `%{…}o` for the items that follow. */
  defaults: FormatFlags;
  literal: string;
}

function fail(
  p: Parse,
  reason: string,
  code: (typeof ConfigCode)[keyof typeof ConfigCode] = ConfigCode.BadArgs,
): never {
  throw new ConfigError(code, p.loc, p.keyword, `log-format '${p.text}': ${reason}`);
}

function flush(p: Parse): void {
  if (p.literal !== '') p.nodes.push({ kind: 'text', text: p.literal });
  p.literal = '';
}

/** Applies `+Q,-X,…` to `base`. */
function applyFlags(p: Parse, args: string, base: FormatFlags): FormatFlags {
  const out: MutableFlags = { ...base };
  for (const tok of args.split(',')) {
    const sign = tok[0];
    const name = tok.slice(1);
    if (sign !== '+' && sign !== '-') fail(p, `flag '${tok}' must start with '+' or '-'`);
    if (UNSUPPORTED_FLAGS.has(name))
      fail(p, `the '${name}' encoding flag is not supported by hapair`, ConfigCode.Unsupported);
    const key = FLAG_NAMES[name];
    if (!key) fail(p, `unknown flag '${tok}' (expects Q, X, E or M)`);
    out[key] = sign === '+';
  }
  return out;
}

/** `%(name)` / `%(name:type)`: names only matter with json/cbor encoding, which hapair does not do. */
function skipItemName(p: Parse, at: number): number {
  const close = p.text.indexOf(')', at);
  if (close < 0) fail(p, `truncated line after '%('`);
  const [name, type, extra] = p.text.slice(at + 1, close).split(':');
  if (!/^[A-Za-z0-9_-]*$/.test(name!)) fail(p, `invalid character in item name '${name}'`);
  if (extra !== undefined || (type !== undefined && !ITEM_TYPES.has(type)))
    fail(p, `unexpected item type '${type}', expects str, sint, bool or raw`);
  return close + 1;
}

function addExpr(p: Parse, at: number, flags: FormatFlags): number {
  const parsed = parseExpr(p.text, at, true);
  if (typeof parsed === 'string') fail(p, `failed to parse sample expression: ${parsed}`);
  if (p.text[parsed.end] !== ']') fail(p, `missing ']' after '%[${p.text.slice(at, parsed.end)}'`);
  const site = { loc: p.loc, keyword: p.keyword, prefix: `in '%[${p.text.slice(at, parsed.end)}]': ` };
  p.nodes.push({ kind: 'expr', expr: toSampleExpr(bindExpr(parsed, site, p.opts)), flags });
  return parsed.end + 1;
}

function addVar(p: Parse, name: string, args: string | undefined): void {
  if (name === 'o') {
    if (args !== undefined) p.defaults = applyFlags(p, args, p.defaults);
    return;
  }
  const def = lookupFormatVar(name);
  if (!def)
    fail(p, `no such format variable '%${name}' (write '%%' for a literal '%')`, ConfigCode.Unsupported);
  if (!layerAllowed(def.layer, p.opts))
    fail(p, `'%${name}' is not available in a '${p.opts.stage}' format`, ConfigCode.Conflict);
  if (def.logOnly && p.opts.mode !== 'log')
    fail(p, `'%${name}' is only available in log-format lines`, ConfigCode.Conflict);
  const flags = args === undefined ? p.defaults : applyFlags(p, args, p.defaults);
  p.nodes.push({ kind: 'var', render: def.render, flags });
}

/** Parses one item after a '%' at `at`; returns the index after it. */
function item(p: Parse, at: number): number {
  const t = p.text;
  let i = at;
  if (t[i] === '(') i = skipItemName(p, i);
  let args: string | undefined;
  if (t[i] === '{') {
    const close = t.indexOf('}', i);
    if (close < 0) fail(p, `truncated line after '%{'`);
    args = t.slice(i + 1, close);
    i = close + 1;
    if (t[i] !== '[' && !/[A-Za-z0-9]/.test(t[i] ?? ''))
      fail(p, `flags '%{${args}}' are not followed by a variable or '[expression]'`);
  }
  const c = t[i];
  if (c === undefined) fail(p, `truncated line after '%'`);
  if (c === '[') {
    flush(p);
    return addExpr(p, i + 1, args === undefined ? p.defaults : applyFlags(p, args, p.defaults));
  }
  if (/[A-Za-z0-9]/.test(c) && (args !== undefined || /[A-Za-z]/.test(c))) {
    let end = i;
    while (end < t.length && /[A-Za-z0-9]/.test(t[end]!)) end++;
    flush(p);
    addVar(p, t.slice(i, end), args);
    return end;
  }
  if (c === '%' && i === at) {
    p.literal += '%';
    return i + 1;
  }
  if (/[0-9 \t]/.test(c)) fail(p, `unexpected '${c}' after '%'; write '%%' for a literal '%'`);
  // Any other character: HAProxy drops the '%' and goes on with the text.
  return i;
}

function parse(text: string, loc: SourceLoc, keyword: string, opts: FormatOptions): Node[] {
  const mode = opts.mode ?? 'http';
  const p: Parse = {
    text,
    loc,
    keyword,
    // A log line is written at the end: request and response are both there.
    opts: mode === 'log' && opts.side === undefined ? { ...opts, side: 'log' } : opts,
    nodes: [],
    defaults: { quote: false, hex: false, escape: false, mandatory: mode === 'log', http: mode !== 'log' },
    literal: '',
  };
  const merge = mode !== 'http';
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '%') {
      i = item(p, i + 1);
    } else if (c === ' ' && merge) {
      flush(p);
      p.nodes.push({ kind: 'sep' });
      while (text[i] === ' ') i++;
    } else {
      p.literal += c;
      i++;
    }
  }
  flush(p);
  return p.nodes;
}

function renderExpr(expr: SampleExpr, flags: FormatFlags, ctx: SampleContext): string {
  const v = expr.eval(ctx);
  const s =
    v === undefined ? undefined : (castValue(v, expr.anyType ? typeOfValue(v) : expr.type, 'str') as string);
  return flags.http ? renderHttpValue(s ?? '', flags) : renderText(s, flags);
}

/**
 * Compiles a log-format string for a rule of the stage `opts` (see
 * FormatOptions for `mode`); `keyword` names the directive in errors.
 */
export function compileFormat(text: string, loc: SourceLoc, keyword: string, opts: FormatOptions): FormatFn {
  const nodes = parse(text, loc, keyword, opts);
  if (nodes.length === 0) return () => '';
  const first = nodes[0]!;
  if (nodes.length === 1 && first.kind === 'text') {
    const only = first.text;
    return () => only;
  }
  return (ctx) => {
    let out = '';
    // A separator prints one space, never at the start nor after another (LOG_OPT_MERGE_SPACES).
    let lastSpace = true;
    for (const n of nodes) {
      switch (n.kind) {
        case 'text':
          out += n.text;
          lastSpace = false;
          break;
        case 'sep':
          if (!lastSpace) out += ' ';
          lastSpace = true;
          break;
        default: {
          const s = n.kind === 'var' ? n.render(ctx, n.flags) : renderExpr(n.expr, n.flags, ctx);
          out += s;
          if (s !== '') lastSpace = false;
        }
      }
    }
    return out;
  };
}
