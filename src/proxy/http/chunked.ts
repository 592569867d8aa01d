/**
 * Chunked transfer coding validator (RFC 9112 §7.1), fed the body bytes as they
 * stream through. It copies nothing: it follows chunk sizes, extensions, data,
 * CRLFs and the trailer section, and says where the message ends.
 *
 * Size lines follow HAProxy's `h1_parse_chunk_size()` (include/haproxy/h1.h):
 * 1*HEXDIG, then optional SP/HTAB, then optional ';' extensions in which quotes
 * must balance and '\' only escapes inside quotes, then CRLF. A size of 2^52 or
 * more is refused (13 hex digits at most), as HAProxy does so that no
 * float-integer language downstream misreads it. "0x", a sign, a blank before
 * the size or an empty size are errors.
 *
 * Every line end in the body must be CRLF: unlike the head, the body is relayed
 * as received, so a bare LF could be read differently by the server (HAProxy
 * `h1_skip_chunk_crlf()` requires CRLF after data and after the size too).
 * Trailer fields must be a token, ':', and a value without CTLs; no obs-fold.
 */
import type { BodyFramer, FeedResult } from './body.js';
import { BACKSLASH, CLASS, COLON, CR, DQUOTE, HEX, HT, LF, SEMICOLON, SP, TOKEN, VALUE } from './chars.js';
import { type HeadLimits, maxHeadBytes } from './head.js';

const SIZE = 0;
const SIZE_BLANK = 1;
const EXT = 2;
const SIZE_LF = 3;
const DATA = 4;
const DATA_CR = 5;
const DATA_LF = 6;
const TRAILER = 7;
const TRAILER_NAME = 8;
const TRAILER_VALUE = 9;
const TRAILER_LF = 10;
const LAST_LF = 11;
const DONE = 12;
const FAILED = 13;

/** Largest chunk size whose next hex digit would reach 2^52. */
const SIZE_SHIFT_LIMIT = 2 ** 48 - 1;

export class ChunkedBody implements BodyFramer {
  private state = SIZE;
  private size = 0;
  private digits = 0;
  private remaining = 0;
  private quote = false;
  private escape = false;
  private trailerBytes = 0;
  private trailerFields = 0;
  private readonly maxTrailerBytes: number;
  private readonly maxTrailerFields: number;
  private readonly result: FeedResult = { used: 0, done: false, error: undefined };
  bodyBytes = 0;

  constructor(limits: HeadLimits) {
    this.maxTrailerBytes = maxHeadBytes(limits);
    this.maxTrailerFields = limits.maxhdr - 1;
  }

  get done(): boolean {
    return this.state === DONE;
  }

  eof(): string | undefined {
    if (this.state === DONE) return undefined;
    return this.state === FAILED ? this.result.error : 'connection closed inside a chunked body';
  }

  feed(buf: Buffer, off: number, end: number): FeedResult {
    const r = this.result;
    let p = off;
    while (p < end && this.state < DONE) {
      if (this.state === DATA) {
        const n = Math.min(end - p, this.remaining);
        p += n;
        this.remaining -= n;
        this.bodyBytes += n;
        if (this.remaining === 0) this.state = DATA_CR;
        continue;
      }
      const why = this.state < DATA ? this.sizeByte(buf[p]!) : this.frameByte(buf[p]!);
      if (why !== '') {
        this.state = FAILED;
        r.error = why;
        break;
      }
      p++;
    }
    r.used = p - off;
    r.done = this.state === DONE;
    return r;
  }

  /** One byte of a chunk-size line; returns the error, or ''. */
  private sizeByte(c: number): string {
    switch (this.state) {
      case SIZE: {
        const h = HEX[c]!;
        if (h >= 0) {
          if (this.size > SIZE_SHIFT_LIMIT) return 'chunk size of 2^52 or more';
          this.size = this.size * 16 + h;
          this.digits++;
          return '';
        }
        if (this.digits === 0) return c === SP || c === HT ? 'blank before chunk size' : 'invalid chunk size';
        return this.afterSize(c);
      }
      case SIZE_BLANK:
        return this.afterSize(c);
      case EXT:
        return this.extByte(c);
      default:
        return this.sizeLf(c);
    }
  }

  private afterSize(c: number): string {
    if (c === SP || c === HT) this.state = SIZE_BLANK;
    else if (c === SEMICOLON) this.state = EXT;
    else if (c === CR) this.state = SIZE_LF;
    else return c === LF ? 'bare LF after chunk size' : 'invalid character after chunk size';
    return '';
  }

  /** chunk-ext: anything but CTLs (HTAB allowed), quoted strings balanced. */
  private extByte(c: number): string {
    if (c >= 0x20 ? c !== 0x7f : c === HT) {
      if (this.escape) this.escape = false;
      else if (c === BACKSLASH && this.quote) this.escape = true;
      else if (c === BACKSLASH) return 'backslash outside quotes in chunk extension';
      else if (c === DQUOTE) this.quote = !this.quote;
      return '';
    }
    if (this.quote || this.escape) return 'unterminated quoted string in chunk extension';
    if (c !== CR) return c === LF ? 'bare LF after chunk extension' : 'control character in chunk extension';
    this.state = SIZE_LF;
    return '';
  }

  private sizeLf(c: number): string {
    if (c !== LF) return 'CR not followed by LF after chunk size';
    if (this.size === 0) {
      this.state = TRAILER;
    } else {
      this.remaining = this.size;
      this.state = DATA;
    }
    this.size = 0;
    this.digits = 0;
    return '';
  }

  /** One byte after chunk data, or of the trailer section. */
  private frameByte(c: number): string {
    switch (this.state) {
      case DATA_CR:
        if (c !== CR) return 'missing CRLF after chunk data';
        this.state = DATA_LF;
        return '';
      case DATA_LF:
        if (c !== LF) return 'missing CRLF after chunk data';
        this.state = SIZE;
        return '';
      case LAST_LF:
        if (c !== LF) return 'CR not followed by LF at end of chunked body';
        this.state = DONE;
        return '';
      default:
        if (++this.trailerBytes > this.maxTrailerBytes) return 'trailer section larger than the buffer';
        return this.trailerByte(c);
    }
  }

  private trailerByte(c: number): string {
    switch (this.state) {
      case TRAILER:
        if (c === CR) {
          this.state = LAST_LF;
          return '';
        }
        if ((CLASS[c]! & TOKEN) === 0)
          return c === LF ? 'bare LF in trailer section' : 'invalid trailer field';
        if (++this.trailerFields > this.maxTrailerFields) return 'too many trailer fields';
        this.state = TRAILER_NAME;
        return '';
      case TRAILER_NAME:
        if (c === COLON) this.state = TRAILER_VALUE;
        else if ((CLASS[c]! & TOKEN) === 0) return 'invalid character in trailer field name';
        return '';
      case TRAILER_VALUE:
        if (c === CR) this.state = TRAILER_LF;
        else if ((CLASS[c]! & VALUE) === 0) return 'invalid character in trailer field value';
        return '';
      default:
        if (c !== LF) return 'CR not followed by LF in trailer section';
        this.state = TRAILER;
        return '';
    }
  }
}
