/**
 * hapair's HTTP/1.1 head parser: start line and header fields of requests and
 * responses, from a Buffer that may hold only part of the head, or the head
 * followed by body bytes or pipelined requests.
 *
 * Call it again with the same offset once more bytes arrived: it rescans from
 * `offset` (a head is at most bufsize - maxrewrite bytes, so this stays bounded,
 * and it is how HAProxy's `h1_headers_to_hdr_list()` restarts too). It reports an
 * error as soon as the faulty byte is seen, even before the head is complete.
 *
 * Byte-level rules copied from HAProxy's h1 parser (src/h1.c) unless said
 * otherwise; see PARSER.md beside this file for every decision and its source.
 * Line ends may be CRLF or a bare LF (HAProxy accepts both, RFC 9112 §2.2 allows
 * it); a CR not followed by LF is an error. The head is always re-serialised by
 * serialize.ts with CRLF, so a bare LF never reaches a server.
 */
import { CLASS, COLON, CR, HT, LF, SP, TARGET, TOKEN, VALUE, VERSION } from './chars.js';
import { finishRequest, finishResponse } from './framing.js';
import {
  DEFAULT_LIMITS,
  type HeadLimits,
  type HttpVersion,
  INCOMPLETE,
  type MethodId,
  maxHeadBytes,
  methodId,
  type RequestHead,
  type RequestParse,
  type ResponseHead,
  type ResponseParse,
} from './head.js';

/** Scanner return codes; positions are >= 0. */
const OOD = -1; // out of data: need more bytes
const BAD = -2; // syntax error: see failReason / failAt / failStatus

// Scratch state of the synchronous scanners (one parse runs at a time).
let failReason = '';
let failAt = 0;
let failStatus = 400;
let valueStart = 0;
let valueEnd = 0;
let methodEnd = 0;
let targetStart = 0;
let targetEnd = 0;
let reasonStart = 0;
let reasonEnd = 0;
let lineVersion: HttpVersion = 11;
let lineStatus = 0;
/**
 * Field positions of the head being scanned, 4 numbers per field: name start,
 * name end, value start, value end. Strings are cut only once the head is
 * complete, from one latin1 decode of the whole head (much cheaper than one
 * decode per string). An unfolded obs-fold value is kept in `folds`, and its
 * value start is then -1 - (its index in `folds`).
 */
const spans: number[] = [];
let spanCount = 0;
const folds: string[] = [];

function fail(reason: string, at: number, status = 400): number {
  failReason = reason;
  failAt = at;
  failStatus = status;
  return BAD;
}

function slice(buf: Buffer, s: number, e: number): string {
  return buf.toString('latin1', s, e);
}

/** At a CR or LF: position after the line end, OOD or BAD (CR without LF). */
function lineEnd(buf: Buffer, p: number, end: number): number {
  if (buf[p] === LF) return p + 1;
  if (p + 1 >= end) return OOD;
  if (buf[p + 1] !== LF) return fail('CR not followed by LF', p + 1);
  return p + 2;
}

/** RFC 9112 §2.2: empty lines before the start line are skipped (HAProxy too). */
function skipEmptyLines(buf: Buffer, p: number, end: number): number {
  while (p < end) {
    const c = buf[p]!;
    if (c !== CR && c !== LF) return p;
    p = lineEnd(buf, p, end);
    if (p < 0) return p;
  }
  return OOD;
}

function skipBlanks(buf: Buffer, p: number, end: number): number {
  while (p < end && (buf[p] === SP || buf[p] === HT)) p++;
  return p;
}

/** "HTTP/" DIGIT "." DIGIT exactly (RFC 9112 §2.3); 10, 11, or -status. */
function httpVersion(buf: Buffer, s: number, e: number): number {
  if (e - s !== 8 || buf[s] !== 0x48 || buf[s + 1] !== 0x54 || buf[s + 2] !== 0x54) return -400;
  if (buf[s + 3] !== 0x50 || buf[s + 4] !== 0x2f || buf[s + 6] !== 0x2e) return -400;
  const major = buf[s + 5]! - 0x30;
  const minor = buf[s + 7]! - 0x30;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) return -400;
  // Only HTTP/1.x can be relayed by this parser; RFC 9110 §15.6.6 names the status.
  if (major !== 1) return -505;
  return minor === 0 ? 10 : 11;
}

/**
 * method 1*(SP/HTAB) request-target 1*(SP/HTAB) HTTP-version line-end. HAProxy
 * accepts several SP/HTAB between the parts (RFC 9112 §3 allows it); anything
 * after the version other than the line end is an error.
 */
function requestLine(buf: Buffer, p: number, end: number): number {
  const ms = p;
  while (p < end && CLASS[buf[p]!]! & TOKEN) p++;
  if (p >= end) return OOD;
  let c = buf[p]!;
  if (p === ms) return fail('invalid character at start of request line', p);
  if (c === CR || c === LF) return fail('HTTP/0.9 request (no request-target, no version)', p);
  if (c !== SP && c !== HT) return fail('invalid character in method', p);
  methodEnd = p;
  p = skipBlanks(buf, p, end);
  const ts = p;
  while (p < end && CLASS[buf[p]!]! & TARGET) p++;
  if (p >= end) return OOD;
  c = buf[p]!;
  if (c === CR || c === LF) {
    return fail(p === ts ? 'empty request-target' : 'HTTP/0.9 request (no version)', p);
  }
  if (c !== SP && c !== HT) return fail('invalid character in request-target', p);
  targetStart = ts;
  targetEnd = p;
  p = skipBlanks(buf, p, end);
  const vs = p;
  while (p < end && CLASS[buf[p]!]! & VERSION) p++;
  if (p >= end) return OOD;
  c = buf[p]!;
  if (c !== CR && c !== LF) return fail('invalid character in HTTP version', p);
  if (p === vs) return fail('HTTP/0.9 request (no version)', p);
  const v = httpVersion(buf, vs, p);
  if (v < 0) return fail(v === -505 ? 'unsupported HTTP major version' : 'invalid HTTP version', vs, -v);
  lineVersion = v as HttpVersion;
  return lineEnd(buf, p, end);
}

/** HTTP-version 1*(SP/HTAB) 3DIGIT [1*(SP/HTAB) reason-phrase] line-end (RFC 9112 §4). */
function statusLine(buf: Buffer, p: number, end: number): number {
  const vs = p;
  while (p < end && CLASS[buf[p]!]! & VERSION) p++;
  if (p >= end) return OOD;
  let c = buf[p]!;
  if (c !== SP && c !== HT) return fail('invalid character in HTTP version', p, 502);
  const v = httpVersion(buf, vs, p);
  if (v < 0) return fail('not an HTTP/1.x response', vs, 502);
  lineVersion = v as HttpVersion;
  p = skipBlanks(buf, p, end);
  const cs = p;
  let code = 0;
  while (p < end && buf[p]! >= 0x30 && buf[p]! <= 0x39) code = code * 10 + buf[p++]! - 0x30;
  if (p >= end) return OOD;
  c = buf[p]!;
  if (p - cs !== 3 || code < 100 || code > 599) return fail('invalid status code', cs, 502);
  if (c !== SP && c !== HT && c !== CR && c !== LF) return fail('invalid status code', p, 502);
  lineStatus = code;
  p = skipBlanks(buf, p, end);
  const rs = p;
  while (p < end && CLASS[buf[p]!]! & VALUE) p++;
  if (p >= end) return OOD;
  c = buf[p]!;
  if (c !== CR && c !== LF) return fail('control character in reason phrase', p, 502);
  reasonStart = rs;
  reasonEnd = p;
  return lineEnd(buf, p, end);
}

/**
 * One field value from `p` (just after the colon) to the line end, blanks
 * trimmed (RFC 9110 §5.5): sets valueStart/valueEnd and returns the position
 * after the line end. NUL, CR, the other CTLs and DEL are errors (RFC 9110 §5.5).
 */
function fieldValue(buf: Buffer, p: number, end: number): number {
  p = skipBlanks(buf, p, end);
  const vs = p;
  // The VALUE set, tested without the table: this is the hottest loop.
  while (p < end) {
    const b = buf[p]!;
    if (b < 0x20 ? b !== HT : b === 0x7f) break;
    p++;
  }
  if (p >= end) return OOD;
  const c = buf[p]!;
  if (c !== CR && c !== LF)
    return fail(c === 0 ? 'NUL in header value' : 'control character in header value', p);
  let ve = p;
  while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HT)) ve--;
  valueStart = vs;
  valueEnd = ve;
  return lineEnd(buf, p, end);
}

/**
 * obs-fold continuation lines (RFC 9112 §5.2): each is joined to the value with
 * one SP, as the RFC allows a recipient to do (HAProxy also unfolds).
 */
function unfold(buf: Buffer, p: number, end: number): number {
  let value = slice(buf, valueStart, valueEnd);
  while (p < end && (buf[p] === SP || buf[p] === HT)) {
    p = fieldValue(buf, p, end);
    if (p < 0) return p;
    if (valueEnd > valueStart) {
      const part = slice(buf, valueStart, valueEnd);
      value = value === '' ? part : `${value} ${part}`;
    }
  }
  if (p >= end) return OOD;
  folds.push(value);
  valueStart = -folds.length;
  return p;
}

/**
 * Header field lines from `p` to the empty line, into `spans`. Returns the
 * position after the empty line, OOD or BAD. A name must be a token directly
 * followed by ':' (RFC 9112 §5.1: no whitespace before the colon).
 */
function fieldLines(buf: Buffer, p: number, end: number, max: number): number {
  spanCount = 0;
  folds.length = 0;
  for (;;) {
    if (p >= end) return OOD;
    let c = buf[p]!;
    if (c === CR || c === LF) return lineEnd(buf, p, end);
    const ns = p;
    while (CLASS[c]! & TOKEN) {
      if (++p >= end) return OOD;
      c = buf[p]!;
    }
    if (c !== COLON) {
      if (c === SP || c === HT)
        return fail(
          p === ns ? 'line folding before the first header' : 'whitespace in header name or before colon',
          p,
        );
      return fail('invalid character in header name', p);
    }
    if (p === ns) return fail('empty header name', p);
    if (spanCount >= max * 4) return fail('too many headers', ns);
    const ne = p;
    p = fieldValue(buf, p + 1, end);
    if (p < 0) return p;
    if (p >= end) return OOD;
    if (buf[p] === SP || buf[p] === HT) {
      p = unfold(buf, p, end);
      if (p < 0) return p;
    }
    spans[spanCount++] = ns;
    spans[spanCount++] = ne;
    spans[spanCount++] = valueStart;
    spans[spanCount++] = valueEnd;
  }
}

/** Cuts the scanned fields out of `text`, the head decoded from buffer position `base`. */
function cutFields(text: string, base: number, headers: string[], names: string[]): void {
  for (let i = 0; i < spanCount; i += 4) {
    const name = text.slice(spans[i]! - base, spans[i + 1]! - base);
    const vs = spans[i + 2]!;
    headers.push(name, vs < 0 ? folds[-1 - vs]! : text.slice(vs - base, spans[i + 3]! - base));
    names.push(name.toLowerCase());
  }
}

/** Error result for a scanner failure, or for running out of room at `limit`. */
function stopped(code: number, end: number, limit: number, overflowStatus: number, what: string) {
  if (code === BAD) return { kind: 'error' as const, status: failStatus, reason: failReason, at: failAt };
  if (end < limit) return INCOMPLETE;
  return {
    kind: 'error' as const,
    status: overflowStatus,
    reason: `${what} larger than the buffer`,
    at: limit,
  };
}

/**
 * Parses the request head starting at `buf[offset]`. `consumed` counts the
 * bytes from `offset` to the first body byte (leading empty lines included).
 * Errors carry the status to answer with: 400, 413, 414, 422, 431 or 505.
 */
export function parseRequestHead(buf: Buffer, offset = 0, limits: HeadLimits = DEFAULT_LIMITS): RequestParse {
  const limit = offset + maxHeadBytes(limits);
  const end = Math.min(buf.length, limit);
  let p = skipEmptyLines(buf, offset, end);
  if (p < 0) return stopped(p, end, limit, 414, 'request line');
  const start = p;
  p = requestLine(buf, p, end);
  if (p < 0) return stopped(p, end, limit, 414, 'request line');
  const version = lineVersion;
  const tStart = targetStart - start;
  const tEnd = targetEnd - start;
  const mEnd = methodEnd - start;
  p = fieldLines(buf, p, end, limits.maxhdr - 1);
  if (p < 0) return stopped(p, end, limit, 431, 'request header');
  const text = slice(buf, start, p);
  const headers: string[] = [];
  const names: string[] = [];
  cutFields(text, start, headers, names);
  const method = text.slice(0, mEnd);
  const head: RequestHead = {
    version,
    headers,
    names,
    bodyKind: 'none',
    contentLength: -1,
    connection: 0,
    keepAlive: false,
    upgrade: '',
    method,
    methodId: methodId(method),
    target: text.slice(tStart, tEnd),
    form: 'origin',
    scheme: '',
    authority: '',
    path: '',
    host: '',
    expectContinue: false,
  };
  const bad = finishRequest(head);
  if (bad !== undefined) return { kind: 'error', status: bad.status, reason: bad.reason, at: start };
  return { kind: 'done', head, consumed: p - offset };
}

/**
 * Parses the response head starting at `buf[offset]`, for a request whose
 * method id is `requestMethod` (HEAD and CONNECT change the framing). Every
 * error is a 502 for the client (doc/configuration.txt, "tune.http.maxhdr" and
 * "tune.bufsize": invalid or too large responses give 502).
 */
export function parseResponseHead(
  buf: Buffer,
  offset: number,
  limits: HeadLimits,
  requestMethod: MethodId,
): ResponseParse {
  const limit = offset + maxHeadBytes(limits);
  const end = Math.min(buf.length, limit);
  let p = skipEmptyLines(buf, offset, end);
  const start = p;
  if (p >= 0) p = statusLine(buf, p, end);
  if (p < 0) return stopped(p, end, limit, 502, 'status line');
  const version = lineVersion;
  const status = lineStatus;
  const rStart = reasonStart;
  const rEnd = reasonEnd;
  p = fieldLines(buf, p, end, limits.maxhdr - 1);
  if (p < 0) {
    if (p === BAD) failStatus = 502;
    return stopped(p, end, limit, 502, 'response header');
  }
  const text = slice(buf, start, p);
  const headers: string[] = [];
  const names: string[] = [];
  cutFields(text, start, headers, names);
  const head: ResponseHead = {
    version,
    headers,
    names,
    bodyKind: 'none',
    contentLength: -1,
    connection: 0,
    keepAlive: false,
    upgrade: '',
    status,
    reason: text.slice(rStart - start, rEnd - start),
  };
  const bad = finishResponse(head, requestMethod);
  if (bad !== undefined) return { kind: 'error', status: 502, reason: bad.reason, at: start };
  return { kind: 'done', head, consumed: p - offset };
}
