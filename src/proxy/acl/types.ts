/**
 * Sample fetches and matchers, the two halves of an HAProxy ACL
 * (configuration.txt section 7). A fetch extracts a value from the context of
 * a connection or request; a matcher compares it with the ACL's patterns.
 * The HTTP layer extends the context and registers its own fetches.
 */

import type { RequestHead, ResponseHead } from '../http/head.js';
import type { VarStore } from '../sample/vars.js';
import type { TrackedEntry } from '../stick/types.js';

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

/** The client side's TLS session, when the bind terminates TLS (`ssl_fc*` fetches). */
export interface TlsInfo {
  /** The server name the client asked for (SNI), if any. */
  readonly sni: string | undefined;
  /** "TLSv1.2", "TLSv1.3". */
  readonly protocol: string;
  /** OpenSSL cipher name. */
  readonly cipher: string;
  /** The protocol chosen by ALPN, if any. */
  readonly alpn: string | undefined;
}

/** The HTTP transaction in progress, for L7 fetches. */
export interface HttpSample {
  readonly req: RequestHead;
  /** Set once the response head is parsed (http-response rules and later). */
  readonly resp: ResponseHead | undefined;
  /** The status the client will get (a rule's deny/return/set-status included), 0 before. */
  readonly status: number;
  readonly frontend: string;
  /** The backend chosen so far, if any. */
  readonly backend: string | undefined;
}

/**
 * What a fetch reads. Every field but `conn` is optional: a fetch returns
 * undefined (no match) when the data it needs is not there, and the ACL
 * compiler already refuses fetches above the rule's layer.
 */
export interface SampleContext {
  readonly conn: ConnInfo;
  readonly tls?: TlsInfo;
  readonly http?: HttpSample;
  /** Variables (`set-var`, `var()`); absent where no rule can set them. */
  readonly vars?: VarStore;
  /** Stick counters sc0, sc1, sc2 tracked by `track-scN` (undefined slot: not tracked). */
  readonly sc?: readonly (TrackedEntry | undefined)[];
  /** Proxy names for `%f`/`%b` outside HTTP (an HTTP transaction carries them in `http`). */
  readonly frontendName?: string;
  readonly backendName?: string;
}

export interface FetchDef {
  readonly type: SampleType;
  readonly layer: SampleLayer;
  /** Accepted number of arguments (`hdr(host)` has one). */
  readonly minArgs: number;
  readonly maxArgs: number;
  /** The value, or undefined when it cannot be fetched (the ACL then does not match). */
  fetch(ctx: SampleContext, args: readonly string[]): SampleValue | undefined;
  /**
   * Multi-value form used by ACLs (HAProxy's SMP_OPT_ITERATE): calls `visit`
   * on every value in order — each header occurrence, each cookie, each URL
   * parameter — until it returns true, and returns whether one did. Sample
   * expressions use `fetch`, which returns a single value (the last header
   * occurrence, for instance).
   */
  fetchEach?(ctx: SampleContext, args: readonly string[], visit: (value: SampleValue) => boolean): boolean;
  /** Checks the arguments once, at start-up; returns the reason when they are wrong. */
  checkArgs?(args: readonly string[]): string | undefined;
  /**
   * The value's type is only known at run time (`var()`): converters take it
   * whatever their input type (each value is cast when it comes), and an ACL
   * must name its match method with `-m`.
   */
  readonly anyType?: boolean;
  /** Fetch used instead in response-side stages (`hdr` reads `res.hdr` in http-response rules). */
  readonly responseFetch?: string;
  /** Reads the response (`status`, `res.hdr`): refused in request-side stages. */
  readonly needsResponse?: boolean;
  /**
   * A fetch whose ACL patterns are not values to compare but names it
   * resolves itself (`http_auth_group(L) G1 G2` matches users of the
   * groups): checks the patterns at start-up and builds the matcher. Used
   * when the ACL gives no `-m` and no converter.
   */
  checkPatterns?(args: readonly string[], patterns: readonly string[]): string | undefined;
  aclMatcher?(args: readonly string[], patterns: readonly string[]): SampleMatcher;
}

/** A compiled pattern list: true when the sample matches any pattern. */
export type SampleMatcher = (value: SampleValue) => boolean;

export interface MatcherFlags {
  readonly ignoreCase: boolean;
}

/** Builds a matcher from pattern strings; returns an error string for a bad pattern. */
export type MatcherFactory = (patterns: readonly string[], flags: MatcherFlags) => SampleMatcher | string;
