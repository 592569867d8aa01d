/**
 * Body framers: they tell the forwarder which bytes belong to the current
 * message while it streams them through untouched, and where the message ends
 * (RFC 9112 §6.3). They never copy data. One interface, one class per framing:
 * Content-Length here, read-until-close here, chunked in chunked.ts.
 */
import { ChunkedBody } from './chunked.js';
import { type BodyKind, DEFAULT_LIMITS, type HeadLimits } from './head.js';

/** The result of one feed(); the framer reuses one object, valid until its next feed(). */
export interface FeedResult {
  /** Bytes from `off` that belong to this message. */
  used: number;
  /** The message ended within these bytes (bytes after `off + used` are the next message). */
  done: boolean;
  /** Why the body is malformed; nothing after `off + used` may be forwarded. */
  error: string | undefined;
}

export interface BodyFramer {
  /** Consumes message bytes from buf[off, end). */
  feed(buf: Buffer, off: number, end: number): FeedResult;
  /** The peer closed: undefined when that completes the message, else why it is truncated. */
  eof(): string | undefined;
  /** The message is complete. */
  readonly done: boolean;
  /** Payload bytes seen so far (chunk data only, for chunked). */
  readonly bodyBytes: number;
}

/** Exactly `length` bytes (RFC 9112 §6.3 rule 6); a length of 0 is done at once. */
export class ContentLengthBody implements BodyFramer {
  private remaining: number;
  private readonly result: FeedResult = { used: 0, done: false, error: undefined };
  bodyBytes = 0;

  constructor(length: number) {
    this.remaining = length;
    this.result.done = length === 0;
  }

  get done(): boolean {
    return this.remaining === 0;
  }

  feed(_buf: Buffer, off: number, end: number): FeedResult {
    const avail = end - off;
    const used = Math.min(avail, this.remaining);
    this.remaining -= used;
    this.bodyBytes += used;
    this.result.used = used;
    this.result.done = this.remaining === 0;
    return this.result;
  }

  eof(): string | undefined {
    return this.remaining === 0
      ? undefined
      : `connection closed ${this.remaining} bytes before the end of the body`;
  }
}

/** A response without length: the body is everything until the server closes (RFC 9112 §6.3 rule 8). */
export class UntilCloseBody implements BodyFramer {
  private closed = false;
  private readonly result: FeedResult = { used: 0, done: false, error: undefined };
  bodyBytes = 0;

  get done(): boolean {
    return this.closed;
  }

  feed(_buf: Buffer, off: number, end: number): FeedResult {
    this.bodyBytes += end - off;
    this.result.used = end - off;
    return this.result;
  }

  eof(): string | undefined {
    this.closed = true;
    this.result.done = true;
    return undefined;
  }
}

/**
 * The framer for a parsed head's body. 'tunnel' has none: after a 101 or a 2xx
 * to CONNECT the forwarder relays raw bytes both ways.
 */
export function createBodyFramer(
  kind: Exclude<BodyKind, 'tunnel'>,
  contentLength: number,
  limits: HeadLimits = DEFAULT_LIMITS,
): BodyFramer {
  switch (kind) {
    case 'none':
      return new ContentLengthBody(0);
    case 'length':
      return new ContentLengthBody(contentLength);
    case 'chunked':
      return new ChunkedBody(limits);
    case 'until-close':
      return new UntilCloseBody();
  }
}
