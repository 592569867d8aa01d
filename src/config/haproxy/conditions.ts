/**
 * Conditional blocks of haproxy.cfg (configuration.txt §2.4): `.if`, `.elif`,
 * `.else`, `.endif`, plus the report directives `.diag`, `.notice`,
 * `.warning` (warnings) and `.alert` (a fatal error). The reader feeds every
 * lexed line through CondBlocks; lines in a dropped branch never reach the
 * parser, but they are still lexed first, as HAProxy does.
 */
import { ConfigCode, ConfigError, type SourceLoc } from '../../core/errors.js';
import { CondSyntaxError, evaluateCondition } from './cond-expr.js';
import type { Env } from './lexer.js';

/** HAProxy's MAXNESTEDCONDS. */
const MAX_NESTING = 128;

/** `hapair -cc EXPR`: true/false, or CFG_CONDITIONAL when the expression does not parse. */
export function evalCondExpr(expr: string, env: Env = process.env): boolean {
  try {
    return evaluateCondition(expr, env);
  } catch (err) {
    if (err instanceof CondSyntaxError) {
      throw new ConfigError(ConfigCode.Conditional, undefined, undefined, `${err.message} in '${expr}'`);
    }
    throw err;
  }
}

interface Level {
  readonly loc: SourceLoc;
  /** Every enclosing level is active. */
  readonly parentActive: boolean;
  /** Lines of the current branch are kept. */
  active: boolean;
  /** Some branch of this level was already taken. */
  taken: boolean;
  sawElse: boolean;
}

export interface CondSink {
  warn(loc: SourceLoc, keyword: string, message: string): void;
  error(err: ConfigError): void;
}

export class CondBlocks {
  private readonly levels: Level[] = [];

  constructor(
    private readonly env: Env,
    private readonly sink: CondSink,
  ) {}

  /** Lines outside every dropped branch are active. */
  active(): boolean {
    const top = this.levels[this.levels.length - 1];
    return top === undefined || top.active;
  }

  /** Handles a directive line; returns false when `words` is not a directive. */
  handle(words: readonly string[], loc: SourceLoc): boolean {
    const word = words[0];
    if (word === undefined || !word.startsWith('.')) return false;
    const rest = words.slice(1);
    try {
      this.directive(word, rest, loc);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.sink.error(err);
    }
    return true;
  }

  /** Called at the end of each file: every `.if` must be closed in its own file. */
  finish(): void {
    for (const l of this.levels.splice(0)) {
      this.sink.error(
        new ConfigError(ConfigCode.Conditional, l.loc, '.if', "missing '.endif' at end of file"),
      );
    }
  }

  private fail(loc: SourceLoc, keyword: string, reason: string): never {
    throw new ConfigError(ConfigCode.Conditional, loc, keyword, reason);
  }

  private evaluate(words: readonly string[], loc: SourceLoc, keyword: string): boolean {
    try {
      // HAProxy re-joins the words with single spaces into one expression.
      return evaluateCondition(words.join(' '), this.env);
    } catch (err) {
      if (err instanceof CondSyntaxError) this.fail(loc, keyword, err.message);
      throw err;
    }
  }

  private directive(word: string, rest: readonly string[], loc: SourceLoc): void {
    const top = this.levels[this.levels.length - 1];
    switch (word) {
      case '.if':
        this.openIf(rest, loc);
        return;
      case '.elif':
        if (!top) this.fail(loc, word, "lone '.elif' with no matching '.if'");
        if (top.sawElse) this.fail(loc, word, "'.elif' after '.else' is not permitted");
        top.active = false;
        if (top.parentActive && !top.taken) {
          top.active = this.evaluate(rest, loc, word);
          top.taken = top.active;
        }
        return;
      case '.else':
        if (rest.length > 0) this.fail(loc, word, `unexpected argument '${rest[0]}'`);
        if (!top) this.fail(loc, word, "lone '.else' with no matching '.if'");
        if (top.sawElse) this.fail(loc, word, "'.else' after '.else' is not permitted");
        top.active = top.parentActive && !top.taken;
        top.taken = true;
        top.sawElse = true;
        return;
      case '.endif':
        if (rest.length > 0) this.fail(loc, word, `unexpected argument '${rest[0]}'`);
        if (!top) this.fail(loc, word, "lone '.endif' with no matching '.if'");
        this.levels.pop();
        return;
      default:
        if (this.active()) this.report(word, rest, loc);
    }
  }

  private openIf(rest: readonly string[], loc: SourceLoc): void {
    if (this.levels.length >= MAX_NESTING)
      this.fail(loc, '.if', `too many nested '.if', max is ${MAX_NESTING}`);
    const parentActive = this.active();
    const level: Level = { loc, parentActive, active: false, taken: false, sawElse: false };
    this.levels.push(level);
    // In a dropped branch the condition is not even evaluated (cfgparse.c).
    if (parentActive) {
      level.active = this.evaluate(rest, loc, '.if');
      level.taken = level.active;
    }
  }

  private report(word: string, rest: readonly string[], loc: SourceLoc): void {
    const message = rest.join(' ');
    switch (word) {
      case '.diag':
      case '.notice':
      case '.warning':
        this.sink.warn(loc, word, message);
        return;
      case '.alert':
        this.fail(loc, word, message);
        return;
      default:
        this.fail(loc, word, `unknown directive '${word}'`);
    }
  }
}
