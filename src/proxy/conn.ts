/**
 * Socket plumbing for the data path. Reads use Node's `onread` mode: the
 * kernel copies straight into a buffer we own and a callback gets the byte
 * count, with no Buffer allocated per read and no stream machinery in between.
 * A ReadPort owns one socket's read buffer and forwards each read to its
 * current sink, which can change (PROXY header reader → TCP tunnel → HTTP
 * parser). Closures are created once per socket, never per chunk.
 */
import type net from 'node:net';

/** Bytes read are delivered here; returning false pauses reading until resumeRead(). */
export interface ReadSink {
  onData(n: number, buf: Buffer): boolean;
}

/** Largest read buffer a busy socket grows to. */
const MAX_READ_BUFFER = 64 * 1024;

export class ReadPort {
  buf: Buffer;
  sink: ReadSink;
  readonly onread: net.OnReadOpts;

  constructor(size: number, sink: ReadSink) {
    this.buf = Buffer.allocUnsafe(size);
    this.sink = sink;
    this.onread = {
      buffer: () => this.buf,
      callback: (n: number, buf: Uint8Array) => this.deliver(n, buf as Buffer),
    };
  }

  private deliver(n: number, buf: Buffer): boolean {
    // A read that filled the buffer means bulk traffic: later reads get a larger
    // buffer (16 KiB reads cap throughput well below what 64 KiB reads reach).
    if (n === buf.length && buf.length < MAX_READ_BUFFER) this.buf = Buffer.allocUnsafe(MAX_READ_BUFFER);
    return this.sink.onData(n, buf);
  }

  /**
   * The bytes last delivered are still referenced by a write that did not
   * complete synchronously: the next read must go to a fresh buffer.
   */
  detach(): void {
    this.buf = Buffer.allocUnsafe(this.buf.length);
  }
}

/** Restarts reading on a socket paused by a sink returning false. */
export function resumeRead(sock: net.Socket): void {
  if (!sock.destroyed) sock._read(0);
}

/** A sink that ignores data, for sockets being torn down. */
export const DISCARD: ReadSink = { onData: () => true };
