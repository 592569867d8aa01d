/**
 * haproxy.cfg line lexer, after HAProxy's parse_line() (src/tools.c) and
 * configuration.txt §2.2 "Quoting and escaping" / §2.3 "Environment variables".
 *
 * - words are separated by unprotected spaces/tabs; `#` outside quotes starts
 *   a comment; CR or LF end the line;
 * - 'single quotes' protect everything; "double quotes" protect spaces, `#`
 *   and single quotes, and expand `$VAR`, `${VAR}`, `${VAR-default}` and
 *   `${VAR[*]}` (split into several words);
 * - backslash escapes `\ ` `\\` `\#` `\'` `\"` `\t` `\n` `\r` `\xHH` anywhere
 *   outside single quotes, and `\$` inside double quotes; any other
 *   backslash stays as written (so regexes like `\d` survive);
 * - outside quotes only the braced forms `${VAR}` / `${VAR-default}` are
 *   expanded (hapair's addition, documented in docs/compat.md: HAProxy's §2.2
 *   expands only inside double quotes); a bare `$` or `$VAR` stays as written;
 * - a word that is empty only because its variables were unset or empty is
 *   dropped (a literal `""` stays an empty word);
 * - hapair addition: an unquoted U+00A0 NO-BREAK SPACE separates words like a
 *   space (and is reported through `onNoBreakSpace`). Configurations copied
 *   from web pages carry them; HAProxy would glue them into the keyword.
 */
import { ConfigCode, ConfigError, type SourceLoc } from '../../core/errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface LexOptions {
  readonly env: Env;
  readonly loc: SourceLoc;
  /** Value of the `.SECTION` pseudo-variable. */
  readonly section?: string;
  /** Called once per line that has unquoted no-break spaces. */
  readonly onNoBreakSpace?: () => void;
}

/** HAProxy's MAX_LINE_ARGS. */
export const MAX_LINE_WORDS = 64;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  ' ': ' ',
  '\\': '\\',
  '#': '#',
  "'": "'",
  '"': '"',
  t: '\t',
  n: '\n',
  r: '\r',
};

const NBSP = '\u00a0';
const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\v' || c === '\f' || c === NBSP;
const isVarStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_.]/.test(c);
const isVarChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

class LineLexer {
  private readonly words: string[] = [];
  private cur = '';
  private inWord = false;
  private expanded = false;
  private sq = false;
  private dq = false;
  private quoteAt = -1;
  private i = 0;
  private sawNbsp = false;

  constructor(
    private readonly text: string,
    private readonly opts: LexOptions,
  ) {}

  run(): string[] {
    const t = this.text;
    while (this.i < t.length) {
      const c = t[this.i]!;
      if (c === '\n' || c === '\r') break;
      if (c === '#' && !this.sq && !this.dq) break;
      if (c === '"' && !this.sq) this.toggleQuote('dq');
      else if (c === "'" && !this.dq) this.toggleQuote('sq');
      else if (c === '\\' && !this.sq) this.escape();
      else if (isSpace(c) && !this.sq && !this.dq) this.separator();
      else if (c === '$' && (this.dq || (!this.sq && t[this.i + 1] === '{'))) this.variable();
      else this.emit(c, 1);
    }
    if (this.sq || this.dq) this.fail(this.quoteAt, 'unmatched quote');
    this.endWord();
    if (this.sawNbsp) this.opts.onNoBreakSpace?.();
    return this.words;
  }

  private fail(pos: number, what: string): never {
    throw new ConfigError(ConfigCode.Syntax, this.opts.loc, undefined, `${what} at position ${pos + 1}`);
  }

  private emit(s: string, advance: number): void {
    this.cur += s;
    this.inWord = true;
    this.i += advance;
  }

  private toggleQuote(which: 'sq' | 'dq'): void {
    const open = !this[which];
    this[which] = open;
    if (open) this.quoteAt = this.i;
    this.inWord = true;
    this.i++;
  }

  private escape(): void {
    const next = this.text[this.i + 1];
    if (next === 'x') {
      const hex = this.text.slice(this.i + 2, this.i + 4);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) this.fail(this.i, 'truncated or invalid hexadecimal sequence');
      this.emit(String.fromCharCode(Number.parseInt(hex, 16)), 4);
    } else if (next === '$' && this.dq) {
      this.emit('$', 2);
    } else if (next !== undefined && next in SIMPLE_ESCAPES) {
      this.emit(SIMPLE_ESCAPES[next]!, 2);
    } else {
      this.emit('\\', 1);
    }
  }

  private separator(): void {
    while (isSpace(this.text[this.i])) {
      if (this.text[this.i] === NBSP) this.sawNbsp = true;
      this.i++;
    }
    this.endWord();
  }

  private endWord(): void {
    if (this.inWord && !(this.cur === '' && this.expanded)) {
      if (this.words.length >= MAX_LINE_WORDS) this.fail(this.i, `too many words (max ${MAX_LINE_WORDS})`);
      this.words.push(this.cur);
    }
    this.cur = '';
    this.inWord = false;
    this.expanded = false;
  }

  private variable(): void {
    const t = this.text;
    this.i++;
    const braceAt = t[this.i] === '{' ? this.i++ : -1;
    if (!isVarStart(t[this.i])) this.fail(this.i, 'forbidden first char in environment variable name');
    const start = this.i;
    if (t[this.i] === '.') this.i++;
    while (isVarChar(t[this.i])) this.i++;
    let value = this.lookup(t.slice(start, this.i), start);
    let split = false;
    if (braceAt >= 0 && t[this.i] === '[') {
      if (t.slice(this.i, this.i + 3) !== '[*]')
        this.fail(this.i, 'truncated or invalid word expansion sequence');
      split = true;
      this.i += 3;
    }
    if (braceAt >= 0) {
      if (t[this.i] === '-') {
        const close = t.indexOf('}', this.i);
        if (close < 0) this.fail(braceAt, 'unmatched brace in environment variable name');
        if (value === undefined) value = t.slice(this.i + 1, close);
        this.i = close;
      } else if (t[this.i] !== '}') {
        this.fail(braceAt, 'unmatched brace in environment variable name');
      }
      this.i++;
    }
    this.expanded = true;
    this.inWord = true;
    if (value !== undefined) this.append(value, split);
  }

  private lookup(name: string, at: number): string | undefined {
    if (!name.startsWith('.')) return this.opts.env[name];
    if (name === '.FILE') return this.opts.loc.file;
    if (name === '.LINE') return String(this.opts.loc.line);
    if (name === '.SECTION') return this.opts.section ?? '';
    return this.fail(at, `unsupported pseudo-variable '${name}'`);
  }

  /** `${VAR[*]}` cuts the value into words on whitespace (§2.3). */
  private append(value: string, split: boolean): void {
    if (!split) {
      this.cur += value;
      return;
    }
    for (const piece of value.split(/([ \t\v\f\r\n]+)/)) {
      if (piece === '') continue;
      if (/^[ \t\v\f\r\n]+$/.test(piece)) {
        this.endWord();
        this.inWord = true;
        this.expanded = true;
      } else {
        this.cur += piece;
      }
    }
  }
}

/** Cuts one configuration line into words; throws CFG_SYNTAX with the column on malformed input. */
export function lexLine(text: string, opts: LexOptions): string[] {
  return new LineLexer(text, opts).run();
}
