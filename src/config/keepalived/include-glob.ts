/**
 * Expansion of `include PATH` (keepalived.conf(5) "include"): PATH is relative
 * to the directory of the including file; `*` and `?` are expanded in the last
 * path component, matches are sorted as glob(3) sorts them (byte order), and a
 * leading `.` must be matched explicitly. Brace and `[…]` patterns, and
 * wildcards in directory components, are refused: they are rare and a partial
 * implementation would silently include the wrong files.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { ConfigCode, ConfigError, type SourceLoc } from '../../core/errors.js';

export interface IncludeExpansion {
  readonly files: readonly string[];
  /** Reasons a match or the whole pattern was skipped, for the warnings list. */
  readonly notes: readonly string[];
}

/** Expands `pattern` written in `fromFile` at `loc`. Throws ConfigError (CFG_IO, CFG_UNSUPPORTED). */
export function expandInclude(pattern: string, fromFile: string, loc: SourceLoc): IncludeExpansion {
  const full = isAbsolute(pattern) ? pattern : join(dirname(fromFile), pattern);
  const dir = dirname(full);
  const last = basename(full);
  if (/[{}[\]]/.test(full) || /[*?]/.test(dir)) {
    throw new ConfigError(
      ConfigCode.Unsupported,
      loc,
      'include',
      `pattern "${pattern}": only * and ? in the last path component are supported by hapair`,
    );
  }
  if (!/[*?]/.test(last)) {
    if (!isRegularFile(full)) {
      throw new ConfigError(
        ConfigCode.Io,
        loc,
        'include',
        `cannot read "${full}": not an existing regular file`,
      );
    }
    return { files: [full], notes: [] };
  }
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new ConfigError(ConfigCode.Io, loc, 'include', `cannot read directory "${dir}": ${errText(err)}`);
  }
  const re = globToRegExp(last);
  const files: string[] = [];
  const notes: string[] = [];
  for (const name of names.filter((n) => re.test(n)).sort(byteOrder)) {
    const path = join(dir, name);
    if (isRegularFile(path)) files.push(path);
    else notes.push(`"${path}" matches but is not a regular file: skipped`);
  }
  if (files.length === 0 && notes.length === 0) notes.push(`"${pattern}" matches no file`);
  return { files, notes };
}

/** `*` = any run of characters, `?` = one character; a leading dot is never matched by a wildcard. */
export function globToRegExp(pattern: string): RegExp {
  let src = '';
  for (const ch of pattern) {
    if (ch === '*') src += '[^/]*';
    else if (ch === '?') src += '[^/]';
    else src += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  const hidden = pattern.startsWith('.') ? '' : '(?!\\.)';
  return new RegExp(`^${hidden}${src}$`, 's');
}

function byteOrder(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
