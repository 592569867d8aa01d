/**
 * HTTP response compression policy (configuration.txt §4.2 "compression",
 * HAProxy 2.8 src/flt_http_comp.c): which algorithm the client accepts, whether
 * a response may be compressed, and the head of a compressed response. The
 * body itself goes through compress-body.ts.
 *
 * The backend's settings win over the frontend's: its algorithm list and its
 * type list are used when not empty, the frontend's otherwise, and `offload`
 * applies when either proxy sets it.
 */
import type { CompressionConfig, ProxyConfig } from '../../config/haproxy/model.js';
import { CLASS, TOKEN } from './chars.js';
import { Method, type RequestHead, type ResponseHead } from './head.js';
import { addHeader, deleteHeader, findHeader, getHeader, getHeaderValues } from './headers.js';

export type CompAlgo = CompressionConfig['algos'][number];

/** The content-coding an algorithm answers to and announces (compression.c comp_algos[] ua_name). */
export function codingOf(algo: CompAlgo): string {
  return algo === 'raw-deflate' ? 'deflate' : algo;
}

/** Lower-cased elements of every `lname` field's comma-separated list, trimmed, empty ones skipped. */
function listValues(head: RequestHead | ResponseHead, lname: string): string[] {
  const out: string[] = [];
  for (const v of getHeaderValues(head, lname)) {
    for (const e of v.split(',')) {
      const t = e.trim();
      if (t !== '') out.push(t);
    }
  }
  return out;
}

function pickList<T>(be: readonly T[] | undefined, fe: readonly T[] | undefined): readonly T[] {
  return be !== undefined && be.length > 0 ? be : (fe ?? []);
}

/**
 * Old browsers announcing "Mozilla/4" get nothing compressed, unless they are
 * MSIE 6 with XP SP2 ("SV1") or MSIE 7 and later: the byte offsets are
 * HAProxy's (select_compression_request_header()).
 */
function brokenUserAgent(ua: string | undefined): boolean {
  if (ua === undefined || !ua.startsWith('Mozilla/4')) return false;
  if (ua.length < 31 || ua.slice(25, 30) !== 'MSIE ') return true;
  const major = ua.charCodeAt(30);
  if (major < 0x36) return true;
  return major === 0x36 && (ua.length < 54 || ua.slice(51, 54) !== 'SV1');
}

/**
 * The q-value of an Accept-Encoding element in thousandths (http.c
 * http_parse_qvalue()): 1000 when absent, and, as in HAProxy, when `q=` is not
 * followed by a digit.
 */
function qValue(elem: string, from: number): number {
  let i = from;
  const n = elem.length;
  for (;;) {
    while (i < n && (elem[i] === ' ' || elem[i] === '\t')) i++;
    if (i >= n || elem[i] !== ';') return 1000;
    i++;
    while (i < n && (elem[i] === ' ' || elem[i] === '\t')) i++;
    if (i >= n) return 1000;
    if (elem.startsWith('q=', i)) break;
    while (i < n && elem[i] !== ';') i++;
  }
  return parseQ(elem, i + 2);
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

function parseQ(s: string, at: number): number {
  if (!isDigit(s, at)) return 1000;
  let q = (s.charCodeAt(at) - 0x30) * 1000;
  if (s[at + 1] === '.') {
    for (let k = 0, scale = 100; k < 3 && isDigit(s, at + 2 + k); k++, scale /= 10) {
      q += (s.charCodeAt(at + 2 + k) - 0x30) * scale;
    }
  }
  return Math.min(q, 1000);
}

/**
 * The algorithm for the client's Accept-Encoding: the element with the
 * highest q wins, the first one on a tie, q=0 never; "*" accepts any. HAProxy
 * keeps the configured algorithms last-declared first, so that order decides
 * between `deflate` and `raw-deflate` (both answer to "deflate") and what "*"
 * picks.
 */
function acceptedAlgo(req: RequestHead, algos: readonly CompAlgo[]): CompAlgo | undefined {
  let best: CompAlgo | undefined;
  let bestQ = 0;
  for (const elem of listValues(req, 'accept-encoding')) {
    let tok = 0;
    while (tok < elem.length && (CLASS[elem.charCodeAt(tok)]! & TOKEN) !== 0) tok++;
    const q = qValue(elem, tok);
    if (q <= bestQ) continue;
    const coding = elem.slice(0, tok).toLowerCase();
    for (let i = algos.length - 1; i >= 0; i--) {
      if (elem[0] === '*' || coding === codingOf(algos[i]!)) {
        best = algos[i];
        bestQ = q;
        break;
      }
    }
  }
  return best;
}

/**
 * The algorithm to compress this request's response with, picked once the
 * request head is final (after http-request rules) and before it is sent.
 * With `compression offload` and an accepted algorithm, the Accept-Encoding
 * fields are removed so the server answers uncompressed. `identity`, when
 * configured, is used when nothing else is accepted.
 */
export function requestCompression(req: RequestHead, fe: ProxyConfig, be: ProxyConfig): CompAlgo | undefined {
  const fc = fe.compression;
  const bc = be.compression;
  if (fc === undefined && bc === undefined) return undefined;
  if (brokenUserAgent(getHeader(req, 'user-agent'))) return undefined;
  const algos = pickList(bc?.algos, fc?.algos);
  if (algos.length === 0) return undefined;
  const algo = acceptedAlgo(req, algos);
  if (algo !== undefined) {
    if (bc?.offload || fc?.offload) deleteHeader(req, 'accept-encoding');
    return algo;
  }
  return algos.includes('identity') ? 'identity' : undefined;
}

/** http.h http_get_etag_type(): "…" strong, W/"…" weak, anything else invalid. */
function validEtag(v: string): boolean {
  return v.length >= 2 && v.endsWith('"') && (v[0] === '"' || v.startsWith('W/"'));
}

/** Bodies of a known length below this many bytes are never compressed (they would only grow). */
export const MIN_COMPRESS_SIZE = 32;

/**
 * Whether the response to `req` may be compressed (configuration.txt §4.2
 * "compression": "Compression is disabled when: …"; HAProxy 2.8
 * select_compression_response_header()). The status must be 200 to 203, both
 * messages HTTP/1.1, the body delimited by a non-zero Content-Length or by
 * chunked alone (any other transfer coding passes unchanged), not already
 * content-coded, not "no-transform", with at most one valid ETag, not
 * multipart, and of a configured type when types are configured: a type
 * matches when the Content-Type value starts with it, case-insensitively, so
 * parameters are ignored. HAProxy 2.8 has no minimum size (`minsize-res`
 * came in 3.2); hapair passes bodies of known length under MIN_COMPRESS_SIZE
 * through unchanged, as the gzip framing alone (18 bytes) would make them grow.
 */
export function canCompress(req: RequestHead, res: ResponseHead, fe: ProxyConfig, be: ProxyConfig): boolean {
  if (req.version !== 11 || res.version !== 11 || req.methodId === Method.HEAD) return false;
  if (res.status < 200 || res.status > 203) return false;
  if (res.bodyKind === 'chunked') {
    if (listValues(res, 'transfer-encoding').some((c) => c.toLowerCase() !== 'chunked')) return false;
  } else if (res.bodyKind !== 'length' || res.contentLength < MIN_COMPRESS_SIZE) return false;
  if (findHeader(res, 'content-encoding') >= 0) return false;
  if (listValues(res, 'cache-control').some((d) => d.toLowerCase() === 'no-transform')) return false;
  const etag = findHeader(res, 'etag');
  if (etag >= 0 && (!validEtag(res.headers[2 * etag + 1]!) || findHeader(res, 'etag', etag + 1) >= 0)) {
    return false;
  }
  const types = pickList(be.compression?.types, fe.compression?.types);
  const ctype = getHeader(res, 'content-type')?.toLowerCase();
  if (ctype === undefined) return types.length === 0;
  if (ctype.startsWith('multipart')) return false;
  return types.length === 0 || types.some((t) => ctype.startsWith(t));
}

/**
 * Rewrites the head of a response about to be compressed (HAProxy
 * set_compression_header()): chunked instead of Content-Length, a strong ETag
 * made weak, Accept-Encoding added to Vary unless listed, and the
 * Content-Encoding (none for identity, RFC 9110 §8.4.1).
 */
export function compressedHead(res: ResponseHead, algo: CompAlgo): void {
  deleteHeader(res, 'content-length');
  if (res.bodyKind !== 'chunked') addHeader(res, 'Transfer-Encoding', 'chunked');
  const etag = findHeader(res, 'etag');
  if (etag >= 0 && res.headers[2 * etag + 1]![0] === '"') {
    res.headers[2 * etag + 1] = `W/${res.headers[2 * etag + 1]}`;
  }
  if (!listValues(res, 'vary').some((v) => v.toLowerCase() === 'accept-encoding')) {
    // Appended to the last Vary field as http_append_header_value() does: "v,Accept-Encoding".
    const last = res.names.lastIndexOf('vary');
    const prev = last < 0 ? '' : res.headers[2 * last + 1]!;
    if (last < 0) addHeader(res, 'Vary', 'Accept-Encoding');
    else res.headers[2 * last + 1] = prev === '' ? 'Accept-Encoding' : `${prev},Accept-Encoding`;
  }
  if (algo !== 'identity') addHeader(res, 'Content-Encoding', codingOf(algo));
}
