/**
 * keepalived.conf lexer (keepalived.conf(5) "DESCRIPTION", "Quoted strings",
 * "Parameter substitution"). Turns one or more files into a tree of
 * statements: a statement is the words of one line up to a `{`, a `}` or the
 * line end, and a `{` gives the statement before it a block. So all of these
 * are the same:
 *
 *     virtual_ipaddress {        virtual_ipaddress        virtual_ipaddress { 10.0.0.1 }
 *       10.0.0.1                 {
 *     }                            10.0.0.1
 *                                }
 *
 * Comments start with `#` or `!` at the start of a word, outside double quotes.
 * keepalived also ends a line at a `#` inside a word; such a `#` is an error
 * here rather than a silent truncation (`auth_pass ab#c`). A double-quoted
 * segment keeps its blanks, braces and comment characters; the quotes are
 * removed and backslash escapes inside are kept for the script runner.
 *
 * Each statement carries the file and line it was read from; `include` lines
 * are replaced by the statements of the files they name (include-glob.ts).
 */
import { readFileSync, realpathSync } from 'node:fs';
import {
  ConfigCode,
  ConfigError,
  ConfigErrors,
  formatConfigMessage,
  type SourceLoc,
} from '../../core/errors.js';
import { Definitions } from './definitions.js';
import { expandInclude } from './include-glob.js';

export interface Statement {
  readonly words: readonly string[];
  readonly loc: SourceLoc;
  /** The `{ … }` block opened by this statement, if any. */
  readonly block: readonly Statement[] | undefined;
}

export interface LexResult {
  readonly statements: readonly Statement[];
  /** Every file read, main files and includes, in reading order. */
  readonly files: readonly string[];
  readonly warnings: readonly string[];
}

type Token = { readonly kind: 'word'; readonly text: string } | { readonly kind: '{' | '}' };

interface MutableStatement {
  readonly words: readonly string[];
  readonly loc: SourceLoc;
  block: MutableStatement[] | undefined;
}

/** keepalived has no limit; this one only stops runaway nesting. */
const MAX_INCLUDE_DEPTH = 32;
const BLANK = /[ \t\r\f\v]/;

/** Reads and tokenises `paths` in order. Throws ConfigErrors listing every lexical error. */
export function lexFiles(paths: readonly string[]): LexResult {
  const lexer = new Lexer();
  for (const path of paths) lexer.readMain(path);
  return lexer.result();
}

class Lexer {
  private readonly defs = new Definitions();
  private readonly tree = new TreeBuilder();
  private readonly errors: ConfigError[] = [];
  private readonly files: string[] = [];
  private readonly warnings: string[] = [];
  /** Real paths of the files being read, outermost first, to catch include loops. */
  private readonly reading: string[] = [];

  readMain(path: string): void {
    this.readFile(path, undefined);
    this.errors.push(...this.tree.finish());
  }

  result(): LexResult {
    if (this.errors.length > 0) throw new ConfigErrors(this.errors);
    return { statements: this.tree.root, files: this.files, warnings: this.warnings };
  }

  private readFile(path: string, from: SourceLoc | undefined): void {
    let text: string;
    let real: string;
    try {
      text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
      real = realpathSync(path);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.errors.push(
        new ConfigError(ConfigCode.Io, from, from ? 'include' : undefined, `cannot read "${path}": ${why}`),
      );
      return;
    }
    if (this.reading.includes(real) || this.reading.length >= MAX_INCLUDE_DEPTH) {
      const why = this.reading.includes(real) ? 'includes itself (include loop)' : 'is nested too deeply';
      this.errors.push(new ConfigError(ConfigCode.Syntax, from, 'include', `"${path}" ${why}`));
      return;
    }
    if (!this.files.includes(path)) this.files.push(path);
    this.reading.push(real);
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const loc = { file: path, line: i + 1 };
      try {
        this.processLine(lines[i]!, loc);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        this.errors.push(err);
      }
    }
    this.reading.pop();
  }

  private processLine(raw: string, loc: SourceLoc): void {
    const bare = stripComment(raw, loc).trim();
    if (bare === '' || this.defs.define(bare, loc)) return;
    const text = this.defs.substitute(bare, loc).trim();
    if (text === '') return;
    if (text.startsWith('@')) {
      throw new ConfigError(
        ConfigCode.Unsupported,
        loc,
        text.split(BLANK)[0],
        'conditional configuration (@config_id) is not supported by hapair yet',
      );
    }
    if (text.startsWith('~')) {
      throw new ConfigError(
        ConfigCode.Unsupported,
        loc,
        text.slice(0, 4),
        'sequence and list blocks are not supported by hapair yet',
      );
    }
    const inc = /^include([rmwba]?)(?:[ \t]+(.*))?$/.exec(text);
    if (inc) {
      this.include(inc[1] ?? '', inc[2] ?? '', loc);
      return;
    }
    this.tree.feed(tokenize(text, loc), loc);
  }

  private include(variant: string, arg: string, loc: SourceLoc): void {
    if (variant !== '') {
      throw new ConfigError(
        ConfigCode.Unsupported,
        loc,
        `include${variant}`,
        'include variants are not supported by hapair yet: use include',
      );
    }
    const pattern = arg.trim().replace(/^"(.*)"$/, '$1');
    if (pattern === '')
      throw new ConfigError(ConfigCode.BadArgs, loc, 'include', 'expects a file name or pattern');
    const { files, notes } = expandInclude(pattern, loc.file, loc);
    for (const note of notes) this.warnings.push(formatConfigMessage(loc, 'include', note));
    for (const file of files) this.readFile(file, loc);
  }
}

/**
 * Returns the line without its comment. Throws CFG_SYNTAX on an unterminated
 * double quote and on a comment character inside a word.
 */
export function stripComment(raw: string, loc: SourceLoc): string {
  let inQuote = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      i++;
    } else if (c === '"') {
      inQuote = !inQuote;
    } else if (!inQuote && (c === '#' || c === '!')) {
      const prev = raw[i - 1];
      if (prev === undefined || BLANK.test(prev) || prev === '{' || prev === '}') return raw.slice(0, i);
      throw new ConfigError(
        ConfigCode.Syntax,
        loc,
        firstWord(raw),
        `'${c}' inside a word would start a comment in keepalived: quote the word, write \\${c}, or put a blank before the comment`,
      );
    }
  }
  if (inQuote) throw new ConfigError(ConfigCode.Syntax, loc, firstWord(raw), 'unterminated double quote');
  return raw;
}

/** The keyword an error on this raw line is reported against. */
function firstWord(raw: string): string {
  const text = raw.trim();
  return /^[^\s{}"]+/.exec(text)?.[0] ?? text.charAt(0);
}

/** Splits a comment-free line into words and braces. */
export function tokenize(text: string, loc: SourceLoc): Token[] {
  const out: Token[] = [];
  let word = '';
  let inWord = false;
  let inQuote = false;
  const flush = (): void => {
    if (inWord) out.push({ kind: 'word', text: word });
    word = '';
    inWord = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuote) {
      if (c === '"') inQuote = false;
      else if (c === '\\' && i + 1 < text.length) word += c + text[++i];
      else word += c;
    } else if (c === '"') {
      inQuote = true;
      inWord = true;
    } else if (BLANK.test(c)) {
      flush();
    } else if (c === '{' || c === '}') {
      flush();
      out.push({ kind: c });
    } else if (c === '\\' && (text[i + 1] === '#' || text[i + 1] === '!')) {
      word += text[++i];
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inQuote) throw new ConfigError(ConfigCode.Syntax, loc, firstWord(text), 'unterminated double quote');
  flush();
  return out;
}

/** Builds the statement tree from the token lines; collects brace errors. */
class TreeBuilder {
  readonly root: MutableStatement[] = [];
  private frames: MutableStatement[][] = [this.root];
  private openers: MutableStatement[] = [];
  private errors: ConfigError[] = [];

  feed(tokens: readonly Token[], loc: SourceLoc): void {
    let words: string[] = [];
    for (const t of tokens) {
      if (t.kind === 'word') {
        words.push(t.text);
      } else if (t.kind === '{') {
        this.open(words, loc);
        words = [];
      } else {
        this.emit(words, loc);
        words = [];
        this.close(loc);
      }
    }
    this.emit(words, loc);
  }

  /** Ends one main file: reports blocks left open and returns the brace errors. */
  finish(): ConfigError[] {
    const innermost = this.openers.at(-1);
    if (innermost) {
      this.errors.push(
        new ConfigError(
          ConfigCode.Syntax,
          innermost.loc,
          innermost.words[0],
          "block is not closed: missing '}'",
        ),
      );
    }
    this.frames = [this.root];
    this.openers = [];
    const errors = this.errors;
    this.errors = [];
    return errors;
  }

  private current(): MutableStatement[] {
    return this.frames.at(-1)!;
  }

  private emit(words: string[], loc: SourceLoc): MutableStatement | undefined {
    if (words.length === 0) return undefined;
    const stmt: MutableStatement = { words, loc, block: undefined };
    this.current().push(stmt);
    return stmt;
  }

  /** `{` after words opens their block; a `{` alone opens the block of the statement on the line before. */
  private open(words: string[], loc: SourceLoc): void {
    const previous = this.current().at(-1);
    const stmt = this.emit(words, loc) ?? (previous?.block === undefined ? previous : undefined);
    if (stmt === undefined) {
      this.errors.push(new ConfigError(ConfigCode.Syntax, loc, '{', 'no keyword before it'));
      this.openers.push({ words: ['{'], loc, block: [] });
      this.frames.push(this.openers.at(-1)!.block!);
      return;
    }
    stmt.block = [];
    this.openers.push(stmt);
    this.frames.push(stmt.block);
  }

  private close(loc: SourceLoc): void {
    if (this.openers.length === 0) {
      this.errors.push(new ConfigError(ConfigCode.Syntax, loc, '}', 'unexpected: no block is open'));
      return;
    }
    this.openers.pop();
    this.frames.pop();
  }
}
