/**
 * The body of a compressed response: the server's framing (Content-Length or
 * chunked) taken off, the payload compressed by a zlib stream off the event
 * loop, and the output sent on as chunks. Every server read is one zlib write
 * followed by a Z_SYNC_FLUSH, as HAProxy flushes after each data block
 * (flt_http_comp.c comp_http_payload()), so a streaming response keeps
 * streaming. The trailer section of a chunked response follows the last chunk
 * unchanged, as HAProxy's H1 mux emits the trailers it received.
 *
 * Back-pressure both ways: `full` says zlib's input buffer is over its mark
 * (stop reading the server until onCompressorDrain), pause() stops the output
 * while the client's buffer is full.
 */
import { PassThrough, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { CR, HEX, LF } from './chars.js';
import type { CompAlgo } from './compression.js';

export interface CompressSink {
  /** Compressed body bytes, already framed as chunks (the last chunk and trailers included). */
  onCompressed(frame: Buffer): void;
  /** zlib took what it buffered: the server may be read again. */
  onCompressorDrain(): void;
  /** The last chunk went to onCompressed: the response is complete. */
  onCompressorEnd(): void;
  onCompressorError(err: Error): void;
}

/** configuration.txt §3.2 "tune.comp.maxlevel": HAProxy compresses at level 1 by default. */
const LEVEL = 1;

const LAST_CHUNK = Buffer.from('0\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');

function createStream(algo: CompAlgo): Transform {
  const opts = { level: LEVEL, flush: zlib.constants.Z_SYNC_FLUSH };
  switch (algo) {
    case 'gzip':
      return zlib.createGzip(opts);
    case 'deflate':
      return zlib.createDeflate(opts);
    case 'raw-deflate':
      return zlib.createDeflateRaw(opts);
    case 'identity':
      return new PassThrough();
  }
}

const SIZE = 0;
const SIZE_LINE = 1;
const DATA = 2;
const DATA_END = 3;
const TRAILER = 4;

/**
 * Takes the payload out of a chunked body that the body framer (chunked.ts)
 * has already validated, so it only follows sizes and skips line ends; what
 * follows the last chunk's size line is kept as the trailer section.
 */
class Dechunker {
  private state = SIZE;
  private size = 0;
  private left = 0;
  readonly trailer: Buffer[] = [];

  /** The payload bytes of buf[p, end), copied (the read buffer is reused). */
  decode(buf: Buffer, p: number, end: number): Buffer {
    const parts: Buffer[] = [];
    while (p < end) {
      switch (this.state) {
        case SIZE: {
          const h = HEX[buf[p]!]!;
          if (h < 0) this.state = SIZE_LINE;
          else {
            this.size = this.size * 16 + h;
            p++;
          }
          break;
        }
        case SIZE_LINE:
          while (p < end && buf[p] !== LF) p++;
          if (p === end) break;
          p++;
          this.left = this.size;
          this.state = this.size === 0 ? TRAILER : DATA;
          this.size = 0;
          break;
        case DATA: {
          const n = Math.min(end - p, this.left);
          parts.push(buf.subarray(p, p + n));
          p += n;
          this.left -= n;
          if (this.left === 0) {
            this.state = DATA_END;
            this.left = 2;
          }
          break;
        }
        case DATA_END: {
          const n = Math.min(end - p, this.left);
          p += n;
          this.left -= n;
          if (this.left === 0) this.state = SIZE;
          break;
        }
        default:
          this.trailer.push(Buffer.from(buf.subarray(p, end)));
          p = end;
      }
    }
    return Buffer.concat(parts);
  }
}

export class BodyCompressor {
  private readonly z: Transform;
  private readonly sink: CompressSink;
  private readonly dechunker: Dechunker | undefined;
  private over = false;
  /** zlib's input is over its high-water mark: feed nothing more until onCompressorDrain(). */
  full = false;

  /** `chunked`: the server's body is chunked (else it is Content-Length delimited). */
  constructor(algo: CompAlgo, chunked: boolean, sink: CompressSink) {
    this.sink = sink;
    this.dechunker = chunked ? new Dechunker() : undefined;
    const z = createStream(algo);
    this.z = z;
    z.on('data', this.onData);
    z.on('end', this.onEnd);
    z.on('drain', this.onDrain);
    z.on('error', this.onError);
  }

  /** Server body bytes buf[start, end), framing included, as the body framer accepted them. */
  push(buf: Buffer, start: number, end: number): void {
    const payload = this.dechunker
      ? this.dechunker.decode(buf, start, end)
      : Buffer.from(buf.subarray(start, end));
    if (payload.length > 0 && !this.z.write(payload)) this.full = true;
  }

  /** The server's body is complete: compress what is left, then the last chunk. */
  end(): void {
    this.z.end();
  }

  pause(): void {
    this.z.pause();
  }

  resume(): void {
    this.z.resume();
  }

  /** The transaction is abandoned (client gone, server error): frees zlib's state, no further callback. */
  destroy(): void {
    this.over = true;
    this.z.destroy();
  }

  private readonly onData = (data: Buffer): void => {
    if (this.over) return;
    const hex = data.length.toString(16);
    const h = hex.length;
    const frame = Buffer.allocUnsafe(h + 4 + data.length);
    frame.write(hex, 0, 'latin1');
    frame[h] = CR;
    frame[h + 1] = LF;
    data.copy(frame, h + 2);
    frame[h + 2 + data.length] = CR;
    frame[h + 3 + data.length] = LF;
    this.sink.onCompressed(frame);
  };

  private readonly onEnd = (): void => {
    if (this.over) return;
    this.over = true;
    const trailer = this.dechunker?.trailer ?? [];
    this.sink.onCompressed(Buffer.concat([LAST_CHUNK, ...(trailer.length > 0 ? trailer : [CRLF])]));
    this.sink.onCompressorEnd();
  };

  private readonly onDrain = (): void => {
    if (this.over) return;
    this.full = false;
    this.sink.onCompressorDrain();
  };

  private readonly onError = (err: Error): void => {
    if (this.over) return;
    this.over = true;
    this.sink.onCompressorError(err);
  };
}
