/**
 * keepalived's parameter substitution, basic form (keepalived.conf(5)
 * "Parameter substitution"): a line `$NAME=VALUE` defines NAME; afterwards
 * `$NAME` (followed by a blank, `,`, `)` or the line end) and `${NAME}` are
 * replaced by VALUE. Replacement happens when the parameter is used, and the
 * replaced text is scanned again, so values may refer to other parameters.
 * An undefined parameter is left as written (scripts keep their shell `$VARS`).
 *
 * Pre-defined: ${_PWD} (directory of the current file), ${_HASH}, ${_BANG},
 * ${_ENV NAME}. Multi-line definitions and the other pre-defined parameters
 * are refused with CFG_UNSUPPORTED rather than left unexpanded.
 */
import { dirname, resolve } from 'node:path';
import { ConfigCode, ConfigError, type SourceLoc } from '../../core/errors.js';

/** Bound on replacements in one line: a definition that refers to itself never ends. */
const MAX_REPLACEMENTS = 1000;
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
/** Characters that may follow an unbraced `$NAME` (keepalived parser.c find_definition). */
const NAME_END = new Set([' ', '\t', ',', ')']);
const UNSUPPORTED_PREDEFINED = new Set(['_INSTANCE', '_RANDOM']);

export class Definitions {
  private readonly values = new Map<string, string>();

  /**
   * If `line` (comment already removed, trimmed) is a definition, records it and
   * returns true. Throws CFG_UNSUPPORTED for a multi-line definition.
   */
  define(line: string, loc: SourceLoc): boolean {
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)$/.exec(line);
    if (!m) return false;
    const value = m[2] ?? '';
    if (value.endsWith('\\')) {
      throw new ConfigError(
        ConfigCode.Unsupported,
        loc,
        `$${m[1]}`,
        'multi-line parameter definitions are not supported by hapair yet',
      );
    }
    this.values.set(m[1]!, value);
    return true;
  }

  /** Returns `line` with every defined parameter replaced. */
  substitute(line: string, loc: SourceLoc): string {
    if (!line.includes('$')) return line;
    let out = line;
    let count = 0;
    let i = out.indexOf('$');
    while (i >= 0 && i < out.length - 1) {
      const hit = this.matchAt(out, i, loc);
      if (hit === undefined) {
        i = out.indexOf('$', i + 1);
        continue;
      }
      if (++count > MAX_REPLACEMENTS) {
        throw new ConfigError(
          ConfigCode.Syntax,
          loc,
          '$',
          'parameter substitution does not terminate (a definition refers to itself)',
        );
      }
      out = out.slice(0, i) + hit.value + out.slice(i + hit.length);
      i = out.indexOf('$', i);
    }
    return out;
  }

  /** The replacement for the parameter reference at `text[i] === '$'`, if any. */
  private matchAt(text: string, i: number, loc: SourceLoc): { value: string; length: number } | undefined {
    const braced = text[i + 1] === '{';
    const start = braced ? i + 2 : i + 1;
    if (!NAME_START.test(text[start] ?? '')) return undefined;
    let end = start + 1;
    while (end < text.length && NAME_CHAR.test(text[end]!)) end++;
    const name = text.slice(start, end);
    if (!braced) {
      if (end < text.length && !NAME_END.has(text[end]!)) return undefined;
      const value = this.lookup(name, undefined, loc);
      return value === undefined ? undefined : { value, length: end - i };
    }
    const close = text.indexOf('}', end);
    if (close < 0) return undefined;
    const params = text.slice(end, close);
    if (params !== '' && !/^[ \t]+[A-Za-z0-9_ \t]*[A-Za-z0-9_]$/.test(params)) return undefined;
    const value = this.lookup(name, params.trim() || undefined, loc);
    return value === undefined ? undefined : { value, length: close + 1 - i };
  }

  private lookup(name: string, params: string | undefined, loc: SourceLoc): string | undefined {
    const own = this.values.get(name);
    if (own !== undefined && params === undefined) return own;
    if (UNSUPPORTED_PREDEFINED.has(name)) {
      throw new ConfigError(
        ConfigCode.Unsupported,
        loc,
        `\${${name}}`,
        'this pre-defined parameter is not supported by hapair yet',
      );
    }
    switch (name) {
      case '_PWD':
        return params === undefined ? resolve(dirname(loc.file)) : undefined;
      case '_HASH':
        return params === undefined ? '#' : undefined;
      case '_BANG':
        return params === undefined ? '!' : undefined;
      case '_ENV':
        return params === undefined ? undefined : (process.env[params] ?? '');
      default:
        return undefined;
    }
  }
}
