/**
 * Compiled sample expressions (`%[src,lower]`, configuration.txt 2.9 and 7.3)
 * and log-format strings (8.2.6), as rules, `use_backend` and log lines use
 * them. Compilers live in expr.ts and format.ts.
 */
import type { SampleContext, SampleType, SampleValue } from '../acl/types.js';

/** A compiled sample expression: a fetch followed by converters. */
export interface SampleExpr {
  /** Output type after the last converter. */
  readonly type: SampleType;
  /** Set when the type is only known from the value at run time (`var()` without converters). */
  readonly anyType?: boolean;
  /** The value, or undefined when the fetch or a converter finds nothing. */
  eval(ctx: SampleContext): SampleValue | undefined;
}

/** A compiled log-format string (literal text, `%[…]` samples, `%ci`-style variables). */
export type FormatFn = (ctx: SampleContext) => string;
