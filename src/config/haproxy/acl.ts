/**
 * ACL declarations and `if`/`unless` conditions (configuration.txt §7.1 and
 * §7.2). The loader only checks their shape and records them; the sample
 * fetches are evaluated by the proxy runtime.
 *
 *   acl <name> <criterion> [flags] [operator] [<value>] ...
 *   {if|unless} [!]acl1 [!]acl2 ... [||, or] [!]acl3 ...   ({ … } = anonymous acl)
 */
import { ConfigCode, ConfigError, type SourceLoc } from '../../core/errors.js';
import type { AclDef, AclPatternFile, AclTerm, Condition } from './model.js';

/** Predefined ACLs of §7.4, usable without an `acl` line. */
export const PREDEFINED_ACLS: ReadonlySet<string> = new Set([
  'FALSE',
  'HTTP',
  'HTTP_1.0',
  'HTTP_1.1',
  'HTTP_2.0',
  'HTTP_3.0',
  'HTTP_CONTENT',
  'HTTP_URL_ABS',
  'HTTP_URL_SLASH',
  'HTTP_URL_STAR',
  'LOCALHOST',
  'METH_CONNECT',
  'METH_DELETE',
  'METH_GET',
  'METH_HEAD',
  'METH_OPTIONS',
  'METH_POST',
  'METH_PUT',
  'METH_TRACE',
  'RDP_COOKIE',
  'REQ_CONTENT',
  'TRUE',
  'WAIT_END',
]);

/** `-m` matching methods of §7.1.3. */
const MATCHERS = [
  'found',
  'bool',
  'int',
  'ip',
  'bin',
  'len',
  'str',
  'sub',
  'reg',
  'beg',
  'end',
  'dir',
  'dom',
];

function fail(loc: SourceLoc, keyword: string, reason: string): never {
  throw new ConfigError(ConfigCode.BadArgs, loc, keyword, reason);
}

interface Criterion {
  readonly fetch: string;
  readonly fetchArgs: readonly string[];
  readonly converters: readonly string[];
}

/** Splits on commas that are outside parentheses and quotes. */
function splitTopLevel(text: string): string[] {
  const out = [''];
  let depth = 0;
  let quote = '';
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push('');
      continue;
    }
    out[out.length - 1] += c;
  }
  return out;
}

/** `hdr(host),lower` → fetch `hdr`, args ['host'], converters ['lower']. */
function parseCriterion(text: string, loc: SourceLoc, keyword: string): Criterion {
  const parts = splitTopLevel(text);
  const m = /^([A-Za-z0-9_.-]+)(?:\(([\s\S]*)\))?$/.exec(parts[0]!);
  if (!m || parts.some((p) => p === '')) fail(loc, keyword, `invalid fetch expression '${text}'`);
  const inner = m[2] ?? '';
  return {
    fetch: m[1]!,
    fetchArgs: inner === '' ? [] : splitTopLevel(inner),
    converters: parts.slice(1),
  };
}

/**
 * `-m <method>`, checked as HAProxy's parse_acl_expr() does: it must come
 * before any `-f` (7.1). A second `-m` replaces the first, as in HAProxy
 * 2.6-2.8 (3.3 refuses it): configurations written for those versions load.
 */
function checkMatcher(v: string, seen: { matcher?: string; files: number }, loc: SourceLoc, keyword: string) {
  if (seen.files > 0) fail(loc, keyword, "'-m' must only be specified before patterns and files");
  if (!MATCHERS.includes(v))
    fail(loc, keyword, `unknown matching method '${v}' (expects ${MATCHERS.join(', ')})`);
}

/** Parses the words after `acl <name>` (or inside `{ … }` with name ''). */
export function parseAclDef(name: string, words: readonly string[], loc: SourceLoc, keyword: string): AclDef {
  const [criterion, ...rest] = words;
  if (criterion === undefined) fail(loc, keyword, `acl '${name || 'anonymous'}' expects a fetch method`);
  const crit = parseCriterion(criterion, loc, keyword);
  let ignoreCase = false;
  let noDns = false;
  let matcher: string | undefined;
  const files: AclPatternFile[] = [];
  let i = 0;
  for (; i < rest.length; i++) {
    const flag = rest[i]!;
    if (flag === '--') {
      i++;
      break;
    }
    if (!flag.startsWith('-') || /^-\d/.test(flag)) break;
    if (flag === '-i') ignoreCase = true;
    else if (flag === '-n') noDns = true;
    else if (flag === '-M') {
      throw new ConfigError(
        ConfigCode.Unsupported,
        loc,
        keyword,
        "acl flag '-M' (pattern files read as maps) is not supported by hapair yet; list the keys in a plain '-f' file",
      );
    } else if (flag === '-f' || flag === '-m' || flag === '-u') {
      const v = rest[++i];
      if (v === undefined) fail(loc, keyword, `acl flag '${flag}' expects an argument`);
      if (flag === '-f') files.push({ path: v, ignoreCase, noDns });
      if (flag === '-m') {
        checkMatcher(v, { matcher, files: files.length }, loc, keyword);
        matcher = v;
      }
    } else fail(loc, keyword, `unknown acl flag '${flag}'`);
  }
  const def: AclDef = {
    name,
    fetch: crit.fetch,
    fetchArgs: crit.fetchArgs,
    ignoreCase,
    noDns,
    matcher,
    patternFiles: files.map((f) => f.path),
    files,
    patterns: rest.slice(i),
    loc,
  };
  return crit.converters.length > 0 ? { ...def, converters: crit.converters } : def;
}

/** Parses `if|unless …` (words[0] is the polarity). */
export function parseCondition(words: readonly string[], loc: SourceLoc, keyword: string): Condition {
  const polarity = words[0];
  if (polarity !== 'if' && polarity !== 'unless') fail(loc, keyword, "expects 'if' or 'unless'");
  const or: AclTerm[][] = [[]];
  let negate = false;
  for (let i = 1; i < words.length; i++) {
    let w = words[i]!;
    // parse_acl_cond() compares "or" with strcasecmp(): "OR" and "Or" separate terms too.
    if (w === '||' || w.toLowerCase() === 'or') {
      if (negate || or[or.length - 1]!.length === 0) fail(loc, keyword, `missing acl before '${w}'`);
      or.push([]);
      continue;
    }
    while (w.startsWith('!')) {
      negate = !negate;
      w = w.slice(1);
    }
    if (w === '') continue;
    if (w === '{') {
      const close = words.indexOf('}', i + 1);
      if (close < 0) fail(loc, keyword, "missing '}' after anonymous acl");
      or[or.length - 1]!.push({ acl: parseAclDef('', words.slice(i + 1, close), loc, keyword), negate });
      i = close;
    } else {
      if (w === '}') fail(loc, keyword, "unexpected '}' in condition");
      if (!/^[A-Za-z0-9_.:-]+$/.test(w)) fail(loc, keyword, `invalid acl name '${w}' in condition`);
      or[or.length - 1]!.push({ acl: w, negate });
    }
    negate = false;
  }
  if (negate || or[or.length - 1]!.length === 0)
    fail(loc, keyword, `missing acl after '${words[words.length - 1]}'`);
  return { polarity, or, loc };
}

/** Named ACLs a condition refers to (anonymous ones excluded). */
export function referencedAcls(cond: Condition): string[] {
  return cond.or.flat().flatMap((t) => (typeof t.acl === 'string' ? [t.acl] : []));
}
