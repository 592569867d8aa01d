/**
 * Second pass over a complete head: interprets the fields that decide framing,
 * persistence and routing, normalises them the way HAProxy does, and refuses
 * what it must. The order of checks follows HAProxy (src/h1.c end of
 * `h1_headers_to_hdr_list()`, then `h1_handle_headers()` in src/mux_h1.c), so the
 * first problem reported is the one HAProxy would report.
 */
import { eqLower } from './chars.js';
import {
  addTransferEncoding,
  authorityHasForbiddenChar,
  CL_CONFLICT,
  CL_TOO_LARGE,
  checkConnectAuthority,
  connectionTokens,
  hostMatchesAuthority,
  parseContentLength,
  TE_ERR_AFTER_CHUNKED,
  TE_ERR_TWICE,
  TE_LAST_CHUNKED,
  TE_OTHER,
} from './fields.js';
import {
  CONN_CLOSE,
  CONN_KEEP_ALIVE,
  CONN_UPGRADE,
  type MessageHead,
  Method,
  type MethodId,
  type RequestHead,
  type ResponseHead,
} from './head.js';
import { deleteHeader, removeHeaderAt } from './headers.js';
import { classifyTarget } from './target.js';

export interface Rejection {
  readonly status: number;
  readonly reason: string;
}

/** What the field pass found; one per parse, filled by scanFraming(). */
interface FieldSummary {
  cl: number;
  te: number;
  conn: number;
  upgrade: string;
  hosts: number;
  host: string;
  expect: boolean;
  error: string;
}

const FRAMING_NAME_LENGTHS: readonly boolean[] = (() => {
  const t: boolean[] = [];
  for (const n of ['host', 'expect', 'upgrade', 'connection', 'content-length', 'transfer-encoding'])
    t[n.length] = true;
  return t;
})();

function clReason(code: number): string {
  if (code === CL_CONFLICT) return 'conflicting Content-Length values';
  if (code === CL_TOO_LARGE) return 'Content-Length above 2^53-1';
  return 'invalid Content-Length value';
}

function teReason(code: number): string {
  if (code === TE_ERR_TWICE) return 'chunked applied more than once in Transfer-Encoding';
  if (code === TE_ERR_AFTER_CHUNKED) return 'transfer coding after chunked in a request';
  return 'empty element in Transfer-Encoding';
}

/**
 * One pass over the fields. Content-Length fields are merged as HAProxy does:
 * the first one keeps its place with the canonical decimal value, identical
 * repeats are dropped, different values are an error (RFC 9110 §8.6).
 */
function scanFraming(head: MessageHead, isRequest: boolean): FieldSummary {
  const s: FieldSummary = {
    cl: -1,
    te: 0,
    conn: 0,
    upgrade: '',
    hosts: 0,
    host: '',
    expect: false,
    error: '',
  };
  const { names, headers } = head;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    // Most fields are none of these: the length test turns them away cheaply.
    if (!FRAMING_NAME_LENGTHS[name.length]) continue;
    const v = headers[2 * i + 1]!;
    switch (name) {
      case 'content-length': {
        const r = parseContentLength(v, s.cl);
        if (r < 0) {
          s.error = clReason(r);
          return s;
        }
        if (s.cl >= 0) {
          removeHeaderAt(head, i--);
        } else {
          const canonical = String(r);
          if (canonical !== v) headers[2 * i + 1] = canonical;
        }
        s.cl = r;
        break;
      }
      case 'transfer-encoding':
        s.te = addTransferEncoding(s.te, v, isRequest);
        if (s.te < 0) {
          s.error = teReason(s.te);
          return s;
        }
        break;
      case 'connection':
        s.conn |= connectionTokens(v);
        break;
      case 'upgrade':
        s.upgrade = s.upgrade === '' ? v : `${s.upgrade}, ${v}`;
        break;
      case 'host':
        if (isRequest && ++s.hosts > 1) {
          // RFC 9112 §3.2: more than one Host field line is a 400 (HAProxy lets
          // identical repeats through; the RFC's MUST is kept here).
          s.error = 'several Host headers';
          return s;
        }
        if (isRequest && authorityHasForbiddenChar(v)) {
          s.error = 'invalid character in Host value';
          return s;
        }
        s.host = v;
        break;
      case 'expect':
        if (eqLower(v, '100-continue')) s.expect = true;
        break;
    }
  }
  return s;
}

function persistent(head: MessageHead, conn: number): boolean {
  if (conn & CONN_CLOSE) return false;
  return head.version === 11 || (conn & CONN_KEEP_ALIVE) !== 0;
}

/** Where the request is going: target form, authority and Host agreement. */
function routeRequest(head: RequestHead, s: FieldSummary): string {
  const bad = classifyTarget(head);
  if (bad !== '') return bad;
  if (head.form === 'absolute') {
    if (s.hosts > 0 && !hostMatchesAuthority(head.scheme, head.authority, s.host)) {
      return 'Host does not match the target authority';
    }
    // RFC 9112 §3.2.2: the target's authority wins over Host.
    head.host = head.authority;
    return '';
  }
  if (head.form === 'authority') {
    const r = checkConnectAuthority(head.authority, s.hosts > 0 ? s.host : null);
    if (r === 'bad-target') return 'CONNECT target needs host:port';
    if (r === 'bad-host') return 'Host does not match the CONNECT authority';
    head.host = head.authority;
    return '';
  }
  // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400 (HAProxy does not
  // check this; the RFC's MUST is kept here).
  if (head.version === 11 && s.hosts === 0) return 'missing Host header';
  head.host = s.host;
  return '';
}

/**
 * Completes a request head whose fields are all scanned. Returns why the
 * request is refused, or undefined when `head` is ready to forward.
 */
export function finishRequest(head: RequestHead): Rejection | undefined {
  const s = scanFraming(head, true);
  if (s.error !== '') return { status: 400, reason: s.error };
  const bad = routeRequest(head, s);
  if (bad !== '') return { status: 400, reason: bad };
  let keepAlive = persistent(head, s.conn);
  if (s.te !== 0) {
    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing. HAProxy
    // decodes it and closes; hapair refuses it: a 1.0 server behind could ignore it.
    if (head.version === 10) return { status: 400, reason: 'Transfer-Encoding in an HTTP/1.0 request' };
    // RFC 9112 §6.3 rule 4: chunked must be the final coding of a request.
    if ((s.te & TE_LAST_CHUNKED) === 0)
      return { status: 400, reason: 'Transfer-Encoding without final chunked' };
    if (s.cl >= 0) {
      // RFC 9112 §6.1 and HAProxy: drop Content-Length, close after the response.
      deleteHeader(head, 'content-length');
      s.cl = -1;
      keepAlive = false;
    }
  }
  if (head.methodId === Method.CONNECT) {
    head.bodyKind = 'none';
  } else if (s.te !== 0) {
    head.bodyKind = 'chunked';
  } else if (s.cl >= 0) {
    head.bodyKind = 'length';
    head.contentLength = s.cl;
  }
  const m = head.methodId;
  if (head.version === 10 && s.cl > 0 && (m === Method.GET || m === Method.HEAD || m === Method.DELETE)) {
    // HAProxy ("h1-accept-payload-with-any-method" unset): smuggling risk through 1.0 agents.
    return { status: 413, reason: 'HTTP/1.0 GET/HEAD/DELETE request with a body' };
  }
  // HAProxy answers 422 to a request with codings other than chunked (src/mux_h1.c).
  if (s.te & TE_OTHER) return { status: 422, reason: 'unsupported transfer coding' };
  head.connection = s.conn;
  head.keepAlive = keepAlive;
  head.upgrade = s.conn & CONN_UPGRADE ? s.upgrade : '';
  head.expectContinue = s.expect && head.version === 11;
  return undefined;
}

/**
 * Completes a response head, given the method of the request it answers
 * (RFC 9112 §6.3 rules 1-2 depend on it). Any refusal is a 502 for the client.
 */
export function finishResponse(head: ResponseHead, requestMethod: MethodId): Rejection | undefined {
  const s = scanFraming(head, false);
  if (s.error !== '') return { status: 502, reason: s.error };
  // HAProxy refuses responses with codings other than chunked (src/mux_h1.c).
  if (s.te & TE_OTHER) return { status: 502, reason: 'unsupported transfer coding' };
  let keepAlive = persistent(head, s.conn);
  if (s.te !== 0) {
    // As for requests (RFC 9112 §6.1), and HAProxy closes after a chunked 1.0 response.
    if (s.cl >= 0 || head.version === 10) keepAlive = false;
    if (s.cl >= 0) deleteHeader(head, 'content-length');
  }
  const code = head.status;
  head.connection = s.conn;
  if (code === 101 || (requestMethod === Method.CONNECT && code >= 200 && code < 300)) {
    dropFraming(head);
    head.bodyKind = 'tunnel';
    head.keepAlive = false;
    head.upgrade = code === 101 && s.conn & CONN_UPGRADE ? s.upgrade : '';
    return undefined;
  }
  head.upgrade = '';
  if (requestMethod === Method.HEAD || code < 200 || code === 204 || code === 304) {
    // RFC 9112 §6.3 rule 1; HAProxy drops the framing fields of 1xx and 204.
    if (code < 200 || code === 204) dropFraming(head);
    head.bodyKind = 'none';
  } else if (s.te !== 0) {
    head.bodyKind = 'chunked';
  } else if (s.cl >= 0) {
    head.bodyKind = 'length';
    head.contentLength = s.cl;
  } else {
    head.bodyKind = 'until-close';
    keepAlive = false;
  }
  head.keepAlive = keepAlive;
  return undefined;
}

function dropFraming(head: MessageHead): void {
  deleteHeader(head, 'transfer-encoding');
  deleteHeader(head, 'content-length');
}
