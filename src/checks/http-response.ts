/**
 * A small strict HTTP/1.x response reader for `option httpchk` (RFC 9112):
 * status line, header fields, and body framing by Transfer-Encoding: chunked,
 * Content-Length or connection close. It works on the check's bounded input
 * buffer (16 KiB) and is re-run as more bytes arrive. Malformed input is an
 * error, never guessed at: obsolete line folding, bad header names, conflicting
 * Content-Length values and bad chunk sizes are all refused.
 */

export interface HttpResponseHead {
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  /** Header fields in order, names as received. */
  readonly headers: readonly (readonly [string, string])[];
}

export type ReadResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'error'; readonly reason: string }
  | {
      readonly kind: 'response';
      readonly head: HttpResponseHead;
      /** Body bytes decoded so far. */
      readonly body: Buffer;
      /** The whole message was received. */
      readonly complete: boolean;
    };

export interface ReadOptions {
  /** The request was HEAD: no body whatever the headers say (RFC 9110 9.3.2). */
  readonly noBody: boolean;
  /** No more bytes will come (peer closed or buffer full). */
  readonly eof: boolean;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: ([^\r\n]*))?$/;

/** Finds the end of a line starting at `from`; returns [lineEnd, next] or undefined. */
function lineAt(buf: Buffer, from: number): [number, number] | undefined {
  const lf = buf.indexOf(0x0a, from);
  if (lf < 0) return undefined;
  return [lf > from && buf[lf - 1] === 0x0d ? lf - 1 : lf, lf + 1];
}

export function readResponse(buf: Buffer, opts: ReadOptions): ReadResult {
  let at = 0;
  for (;;) {
    const head = readHead(buf, at);
    if (head.kind !== 'head') return head.kind === 'incomplete' && opts.eof ? truncated() : head;
    const status = head.head.status;
    // Interim 1xx responses precede the final one (RFC 9110 15.2).
    if (status >= 100 && status < 200) {
      at = head.next;
      continue;
    }
    return readBody(buf, head.next, head.head, opts);
  }
}

function truncated(): ReadResult {
  return { kind: 'error', reason: 'truncated response head' };
}

type HeadResult =
  | { readonly kind: 'head'; readonly head: HttpResponseHead; readonly next: number }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'error'; readonly reason: string };

function readHead(buf: Buffer, start: number): HeadResult {
  const first = lineAt(buf, start);
  if (!first) return { kind: 'incomplete' };
  const sl = STATUS_LINE.exec(buf.toString('latin1', start, first[0]));
  if (!sl) return { kind: 'error', reason: 'invalid status line' };
  const headers: [string, string][] = [];
  let at = first[1];
  for (;;) {
    const l = lineAt(buf, at);
    if (!l) return { kind: 'incomplete' };
    if (l[0] === at) {
      at = l[1];
      break;
    }
    const line = buf.toString('latin1', at, l[0]);
    if (line[0] === ' ' || line[0] === '\t') return { kind: 'error', reason: 'obsolete header line folding' };
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) return { kind: 'error', reason: 'invalid header name' };
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) return { kind: 'error', reason: 'invalid header value' };
    headers.push([name, value]);
    at = l[1];
  }
  const head: HttpResponseHead = {
    version: `HTTP/${sl[1]}.${sl[2]}`,
    status: Number(sl[3]),
    reason: sl[4] ?? '',
    headers,
  };
  return { kind: 'head', head, next: at };
}

/** Header values by lower-cased name, comma lists split (RFC 9110 5.3). */
export function headerValues(head: HttpResponseHead, name: string): string[] {
  const want = name.toLowerCase();
  const out: string[] = [];
  for (const [n, v] of head.headers) {
    if (n.toLowerCase() !== want) continue;
    for (const part of v.split(',')) {
      const t = part.trim();
      if (t !== '') out.push(t);
    }
  }
  return out;
}

function readBody(buf: Buffer, start: number, head: HttpResponseHead, opts: ReadOptions): ReadResult {
  const s = head.status;
  if (opts.noBody || s === 204 || s === 304) {
    return { kind: 'response', head, body: Buffer.alloc(0), complete: true };
  }
  const te = headerValues(head, 'transfer-encoding');
  if (te.length > 0) {
    if (te[te.length - 1]!.toLowerCase() === 'chunked') return readChunked(buf, start, head, opts.eof);
    return closeDelimited(buf, start, head, opts.eof);
  }
  const cl = headerValues(head, 'content-length');
  if (cl.length > 0) {
    if (!cl.every((v) => /^\d+$/.test(v)) || new Set(cl.map((v) => Number(v))).size !== 1) {
      return { kind: 'error', reason: 'invalid Content-Length' };
    }
    const len = Number(cl[0]);
    const have = Math.min(buf.length - start, len);
    const body = buf.subarray(start, start + have);
    if (have < len && opts.eof) return { kind: 'response', head, body, complete: false };
    return { kind: 'response', head, body, complete: have === len };
  }
  return closeDelimited(buf, start, head, opts.eof);
}

function closeDelimited(buf: Buffer, start: number, head: HttpResponseHead, eof: boolean): ReadResult {
  return { kind: 'response', head, body: buf.subarray(start), complete: eof };
}

function readChunked(buf: Buffer, start: number, head: HttpResponseHead, eof: boolean): ReadResult {
  const parts: Buffer[] = [];
  let at = start;
  const partial = (): ReadResult => ({ kind: 'response', head, body: Buffer.concat(parts), complete: false });
  for (;;) {
    const l = lineAt(buf, at);
    if (!l) return partial();
    const sizeText = buf.toString('latin1', at, l[0]).split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) return { kind: 'error', reason: 'invalid chunk size' };
    const size = Number.parseInt(sizeText, 16);
    at = l[1];
    if (size === 0) return trailers(buf, at, head, Buffer.concat(parts), eof);
    const end = at + size;
    parts.push(buf.subarray(at, Math.min(end, buf.length)));
    if (end > buf.length) return partial();
    const crlf = lineAt(buf, end);
    if (!crlf) return partial();
    if (crlf[0] !== end) return { kind: 'error', reason: 'missing CRLF after chunk data' };
    at = crlf[1];
  }
}

function trailers(buf: Buffer, at: number, head: HttpResponseHead, body: Buffer, eof: boolean): ReadResult {
  for (;;) {
    const l = lineAt(buf, at);
    if (!l) return { kind: 'response', head, body, complete: eof };
    if (l[0] === at) return { kind: 'response', head, body, complete: true };
    at = l[1];
  }
}
