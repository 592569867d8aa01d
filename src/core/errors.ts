/**
 * Typed errors with stable codes (house rule 5). A code never changes once
 * released: tests, logs and operators match on it. Config errors carry the
 * file:line and the keyword so `hapair -c` can print `file:line: keyword: reason`.
 */

export interface SourceLoc {
  readonly file: string;
  readonly line: number;
}

export class HapairError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Config error codes. Prefix CFG_ for haproxy.cfg and keepalived.conf alike. */
export const ConfigCode = {
  /** Lexer: unterminated quote, bad escape, bad variable syntax. */
  Syntax: 'CFG_SYNTAX',
  /** Keyword unknown in this section (with a "did you mean" when close). */
  UnknownKeyword: 'CFG_UNKNOWN_KEYWORD',
  /** Keyword HAProxy/keepalived know but hapair does not implement yet. */
  Unsupported: 'CFG_UNSUPPORTED',
  /** Keyword exists but not in this section. */
  WrongSection: 'CFG_WRONG_SECTION',
  /** Wrong number or form of arguments. */
  BadArgs: 'CFG_BAD_ARGS',
  /** A value out of its range (weights, priorities, VRIDs, ports). */
  Range: 'CFG_RANGE',
  /** Malformed time or size value. */
  BadUnit: 'CFG_BAD_UNIT',
  /** Malformed address. */
  BadAddress: 'CFG_BAD_ADDRESS',
  /** Reference to a missing backend, defaults section, acl, userlist, script … */
  UnknownRef: 'CFG_UNKNOWN_REF',
  /** Two objects with the same name where names must be unique. */
  Duplicate: 'CFG_DUPLICATE',
  /** Settings that cannot hold together (modes, VRID+interface clash …). */
  Conflict: 'CFG_CONFLICT',
  /** .if/.elif/.else/.endif misuse or bad predicate. */
  Conditional: 'CFG_CONDITIONAL',
  /** File or directory could not be read. */
  Io: 'CFG_IO',
  /** A required setting is missing (e.g. a frontend without bind). */
  Missing: 'CFG_MISSING',
} as const;
export type ConfigCodeValue = (typeof ConfigCode)[keyof typeof ConfigCode];

export class ConfigError extends HapairError {
  readonly loc: SourceLoc | undefined;
  readonly keyword: string | undefined;
  readonly reason: string;
  constructor(
    code: ConfigCodeValue,
    loc: SourceLoc | undefined,
    keyword: string | undefined,
    reason: string,
  ) {
    super(code, formatConfigMessage(loc, keyword, reason));
    this.loc = loc;
    this.keyword = keyword;
    this.reason = reason;
  }
}

export function formatConfigMessage(
  loc: SourceLoc | undefined,
  keyword: string | undefined,
  reason: string,
): string {
  const where = loc ? `${loc.file}:${loc.line}: ` : '';
  const what = keyword ? `${keyword}: ` : '';
  return `${where}${what}${reason}`;
}

/** Several config errors found in one pass: `haproxy -c` reports them all. */
export class ConfigErrors extends HapairError {
  readonly errors: readonly ConfigError[];
  constructor(errors: readonly ConfigError[]) {
    super(errors[0]?.code ?? ConfigCode.Syntax, errors.map((e) => e.message).join('\n'));
    this.errors = errors;
  }
}

/** Runtime error codes (engines, drivers). */
export const RuntimeCode = {
  BindFailed: 'ERR_BIND_FAILED',
  MissingTool: 'ERR_MISSING_TOOL',
  NoPrivilege: 'ERR_NO_PRIVILEGE',
  Transport: 'ERR_VRRP_TRANSPORT',
  Ipc: 'ERR_IPC',
} as const;
export type RuntimeCodeValue = (typeof RuntimeCode)[keyof typeof RuntimeCode];

export class RuntimeError extends HapairError {
  constructor(code: RuntimeCodeValue, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
