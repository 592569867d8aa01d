/**
 * Sample fetches and matchers, the two halves of an HAProxy ACL
 * (configuration.txt section 7). A fetch extracts a value from the context of
 * a connection or request; a matcher compares it with the ACL's patterns.
 * The HTTP layer extends the context and registers its own fetches.
 */

export type SampleType = 'ip' | 'int' | 'str' | 'bool' | 'bin';

/** Where a fetch gets its data: a rule may only use fetches its stage can provide. */
export type SampleLayer = 'l4' | 'l5' | 'l6' | 'l7';

export type SampleValue = string | number | boolean | Uint8Array;

/** Addresses of the client connection, after the PROXY protocol when `accept-proxy` is set. */
export interface ConnInfo {
  readonly srcAddr: string;
  readonly srcPort: number;
  readonly dstAddr: string;
  readonly dstPort: number;
  readonly family: 'ipv4' | 'ipv6' | 'unix';
}

/** What a fetch reads. Layers above L4 extend this interface with their own fields. */
export interface SampleContext {
  readonly conn: ConnInfo;
}

export interface FetchDef {
  readonly type: SampleType;
  readonly layer: SampleLayer;
  /** Accepted number of arguments (`hdr(host)` has one). */
  readonly minArgs: number;
  readonly maxArgs: number;
  /** The value, or undefined when it cannot be fetched (the ACL then does not match). */
  fetch(ctx: SampleContext, args: readonly string[]): SampleValue | undefined;
}

/** A compiled pattern list: true when the sample matches any pattern. */
export type SampleMatcher = (value: SampleValue) => boolean;

export interface MatcherFlags {
  readonly ignoreCase: boolean;
}

/** Builds a matcher from pattern strings; returns an error string for a bad pattern. */
export type MatcherFactory = (patterns: readonly string[], flags: MatcherFlags) => SampleMatcher | string;
