/**
 * The HTTP/1 message head model shared by the parser, the serializer and (later)
 * the rules engine: types, defaults, and two lookups on them (HAProxy keeps types
 * apart from behaviour, `*-t.h`).
 *
 * Headers are one flat array `[name, value, name, value, …]` in arrival order with
 * the names' original case, plus `names`, the lower-cased names (`names[i]` is the
 * name of `headers[2 * i]`), so lookups never lower-case on the hot path.
 * Strings are latin1: one char per byte, so obs-text survives a round trip.
 */

/** Method ids, as HAProxy's `enum http_meth_t` (include/haproxy/http-t.h). */
export const Method = {
  OTHER: 0,
  OPTIONS: 1,
  GET: 2,
  HEAD: 3,
  POST: 4,
  PUT: 5,
  DELETE: 6,
  TRACE: 7,
  CONNECT: 8,
} as const;
export type MethodId = (typeof Method)[keyof typeof Method];

/** Method id of a method name (case-sensitive, RFC 9110 §9.1). */
export function methodId(m: string): MethodId {
  switch (m) {
    case 'GET':
      return Method.GET;
    case 'POST':
      return Method.POST;
    case 'HEAD':
      return Method.HEAD;
    case 'PUT':
      return Method.PUT;
    case 'DELETE':
      return Method.DELETE;
    case 'OPTIONS':
      return Method.OPTIONS;
    case 'CONNECT':
      return Method.CONNECT;
    case 'TRACE':
      return Method.TRACE;
    default:
      return Method.OTHER;
  }
}

/** 10 = HTTP/1.0, 11 = HTTP/1.1 (and HTTP/1.2-1.9, treated as 1.1 per RFC 9110 §2.5). */
export type HttpVersion = 10 | 11;

/**
 * How the message body is delimited (RFC 9112 §6.3):
 * - none: no body (GET without length, HEAD/1xx/204/304 responses, CONNECT request);
 * - length: exactly `contentLength` bytes;
 * - chunked: chunked transfer coding, see chunked.ts;
 * - until-close: response body ends when the server closes (responses only);
 * - tunnel: 101 or 2xx to CONNECT: both directions become a raw byte tunnel.
 */
export type BodyKind = 'none' | 'length' | 'chunked' | 'until-close' | 'tunnel';

/** request-target forms, RFC 9112 §3.2. */
export type TargetForm = 'origin' | 'absolute' | 'authority' | 'asterisk';

/** Bits of `connection`: the tokens found in Connection header fields. */
export const CONN_CLOSE = 1;
export const CONN_KEEP_ALIVE = 2;
export const CONN_UPGRADE = 4;

export interface MessageHead {
  version: HttpVersion;
  /** Flat [name, value, …] in arrival order, original case. */
  headers: string[];
  /** Lower-cased names, names[i] belongs to headers[2 * i]. */
  names: string[];
  bodyKind: BodyKind;
  /** Body length when bodyKind is 'length', else -1. */
  contentLength: number;
  /** CONN_* bits from the Connection header fields. */
  connection: number;
  /**
   * Whether the connection may carry another message after this one: HTTP/1.1
   * unless "close", HTTP/1.0 only with "keep-alive"; false after a
   * Transfer-Encoding + Content-Length message (RFC 9112 §6.1) and for
   * until-close bodies.
   */
  keepAlive: boolean;
  /** The Upgrade value when Connection also lists "upgrade", else ''. */
  upgrade: string;
}

export interface RequestHead extends MessageHead {
  method: string;
  methodId: MethodId;
  /** The request-target as received. */
  target: string;
  form: TargetForm;
  /** absolute-form only: the scheme, lower-cased, without "://"; else ''. */
  scheme: string;
  /** absolute-form and authority-form: host[:port] from the target; else ''. */
  authority: string;
  /** origin-form: the target; absolute-form: path and query ('/' if empty); asterisk: '*'; CONNECT: ''. */
  path: string;
  /** The authority the request is for: the target's for absolute/authority forms, else Host's value. */
  host: string;
  /** RFC 9110 §10.1.1: "Expect: 100-continue" in an HTTP/1.1 request. */
  expectContinue: boolean;
}

export interface ResponseHead extends MessageHead {
  status: number;
  reason: string;
}

/**
 * Parser limits, named after the HAProxy tunables they come from:
 * the whole head must fit in `bufsize - maxrewrite` bytes (doc/configuration.txt,
 * "tune.bufsize"; maxrewrite is capped at bufsize/2 as in "tune.maxrewrite"), and a
 * message may not have more than `maxhdr` header lines counting the start line
 * ("tune.http.maxhdr").
 */
export interface HeadLimits {
  readonly bufsize: number;
  readonly maxrewrite: number;
  readonly maxhdr: number;
}

/** HAProxy's defaults: BUFSIZE 16384, MAXREWRITE 1024, MAX_HTTP_HDR 101 (include/haproxy/defaults.h). */
export const DEFAULT_LIMITS: HeadLimits = Object.freeze({ bufsize: 16384, maxrewrite: 1024, maxhdr: 101 });

/** Largest head (start line, fields, empty line, leading empty lines) accepted, in bytes. */
export function maxHeadBytes(limits: HeadLimits): number {
  const reserve = Math.min(limits.maxrewrite, Math.floor(limits.bufsize / 2));
  return limits.bufsize - reserve;
}

/** Parse outcome: never thrown, always returned (the hot path has no exceptions). */
export type ParseResult<H> =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'error'; readonly status: number; readonly reason: string; readonly at: number }
  | { readonly kind: 'done'; readonly head: H; readonly consumed: number };

export type RequestParse = ParseResult<RequestHead>;
export type ResponseParse = ParseResult<ResponseHead>;

/** One shared value for every incomplete result: waiting for bytes allocates nothing. */
export const INCOMPLETE: { readonly kind: 'incomplete' } = Object.freeze({ kind: 'incomplete' });
