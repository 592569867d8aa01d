/**
 * A reference reader for the tests: what a forwarder does with the parser and
 * the body framers on one connection, minus the sockets. It takes the bytes as
 * TCP would deliver them (any segmentation), finds every message and its body,
 * and stops at the first error — so two segmentations of one stream must give
 * the same outcomes.
 */
import { type BodyFramer, createBodyFramer } from '../../src/proxy/http/body.js';
import {
  DEFAULT_LIMITS,
  type HeadLimits,
  type MessageHead,
  type MethodId,
  type ParseResult,
} from '../../src/proxy/http/head.js';
import { parseRequestHead, parseResponseHead } from '../../src/proxy/http/parser.js';

export interface Outcome<H extends MessageHead> {
  /** The head refused: nothing of this message may be forwarded. */
  readonly error?: { readonly status: number; readonly reason: string };
  readonly head?: H;
  /** Body bytes (as on the wire) that belong to the message. */
  bodyBytes: number;
  bodyDone: boolean;
  bodyError?: string;
}

type HeadParser<H extends MessageHead> = (buf: Buffer, off: number) => ParseResult<H>;

/** Reads every message from `chunks`; `closeAtEnd` signals EOF after the last chunk. */
export function readMessages<H extends MessageHead>(
  chunks: readonly Buffer[],
  parse: HeadParser<H>,
  closeAtEnd: boolean,
  limits: HeadLimits = DEFAULT_LIMITS,
): Outcome<H>[] {
  const out: Outcome<H>[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let framer: BodyFramer | undefined;
  let cur: Outcome<H> | undefined;
  for (const chunk of chunks) {
    pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    let off = 0;
    for (;;) {
      if (framer !== undefined && cur !== undefined) {
        const r = framer.feed(pending, off, pending.length);
        cur.bodyBytes += r.used;
        off += r.used;
        if (r.error !== undefined) {
          cur.bodyError = r.error;
          return out;
        }
        if (!r.done) break;
        cur.bodyDone = true;
        framer = undefined;
        continue;
      }
      if (off >= pending.length) break;
      const r = parse(pending, off);
      if (r.kind === 'incomplete') break;
      if (r.kind === 'error') {
        out.push({ error: { status: r.status, reason: r.reason }, bodyBytes: 0, bodyDone: false });
        return out;
      }
      cur = { head: r.head, bodyBytes: 0, bodyDone: false };
      out.push(cur);
      off += r.consumed;
      if (r.head.bodyKind === 'tunnel') return out;
      framer = createBodyFramer(r.head.bodyKind, r.head.contentLength, limits);
    }
    pending = pending.subarray(off);
  }
  if (closeAtEnd && framer !== undefined && cur !== undefined) {
    const why = framer.eof();
    if (why === undefined) cur.bodyDone = true;
    else cur.bodyError = why;
  }
  return out;
}

export function readRequests(chunks: readonly Buffer[], limits: HeadLimits = DEFAULT_LIMITS) {
  return readMessages(chunks, (b, o) => parseRequestHead(b, o, limits), false, limits);
}

export function readResponse(
  chunks: readonly Buffer[],
  requestMethod: MethodId,
  limits: HeadLimits = DEFAULT_LIMITS,
) {
  return readMessages(chunks, (b, o) => parseResponseHead(b, o, limits, requestMethod), true, limits);
}

/** `buf` cut at `k`: the two TCP segments a peer might send. */
export function splitAt(buf: Buffer, k: number): Buffer[] {
  return [buf.subarray(0, k), buf.subarray(k)];
}

/** `buf` one byte per segment. */
export function bytewise(buf: Buffer): Buffer[] {
  return Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1));
}
