/**
 * TLS layered over a socket of the data path, client side (a bind with `ssl`)
 * or server side (a server with `ssl`), so that the TLS socket reads the way
 * plain sockets do in conn.ts: decrypted bytes land in the ReadPort's buffer
 * and go to its sink; a sink returning false stops reading until resumeRead().
 *
 * Node offers `onread` only to tls.connect() without an existing socket, and
 * we need TLS over a socket we already hold (an accepted handle, maybe after a
 * PROXY header; a server socket that may carry a PROXY header first). So the
 * read options are set the way net.Socket's constructor sets them, on the
 * per-instance symbols of net.js (kBuffer, kBufferGen, kBufferCb) and with
 * the handle's useUserBuffer(). The symbols are looked up once on a probe
 * socket; without them (a Node release that renamed them) TLS is refused at
 * start-up rather than failing per connection.
 *
 * resetAndDestroy() only accepts a TCP handle; a TLS socket's handle is the
 * TLS wrap, so the reset goes to the socket underneath.
 */
import net from 'node:net';
import type tls from 'node:tls';

interface OnReadSymbols {
  readonly buffer: symbol;
  readonly gen: symbol;
  readonly callback: symbol;
}

function findSymbols(): OnReadSymbols | undefined {
  const probe = new net.Socket();
  const own = Object.getOwnPropertySymbols(probe);
  probe.destroy();
  const find = (d: string) => own.find((s) => s.description === d);
  const buffer = find('kBuffer');
  const gen = find('kBufferGen');
  const callback = find('kBufferCb');
  return buffer && gen && callback ? { buffer, gen, callback } : undefined;
}

const SYMBOLS = findSymbols();

interface TlsInternals {
  _handle: { useUserBuffer(b: Uint8Array): void; receive(b: Buffer): void } | null;
  _releaseControl(): boolean;
}

const internals = (sock: tls.TLSSocket) => sock as unknown as TlsInternals & Record<symbol, unknown>;

export const TLS_LAYER_UNSUPPORTED =
  'this Node.js release does not expose the socket read options hapair uses for TLS';

/** Whether this Node release lets TLS sockets read into a ReadPort. */
export function tlsLayerSupported(): boolean {
  return SYMBOLS !== undefined;
}

/**
 * Makes `sock` (a TLSSocket just built over `raw`) read through `onread`, and
 * resetAndDestroy() reset `raw`. Call before the first read (TLSSocket starts
 * reading on the next tick).
 */
export function layerTls(sock: tls.TLSSocket, raw: net.Socket, onread: net.OnReadOpts): void {
  if (!SYMBOLS) throw new Error(TLS_LAYER_UNSUPPORTED);
  const s = internals(sock);
  const { buffer, gen, callback } = SYMBOLS;
  const first = typeof onread.buffer === 'function' ? onread.buffer() : onread.buffer;
  s[buffer] = first;
  s[gen] = typeof onread.buffer === 'function' ? onread.buffer : null;
  s[callback] = onread.callback;
  s._handle?.useUserBuffer(first);
  Object.defineProperty(sock, 'resetAndDestroy', {
    value: () => {
      if (raw.destroyed) sock.destroy();
      else raw.resetAndDestroy();
      return sock;
    },
  });
}

/** Hands TLS bytes that were read from the socket underneath before the TLS layer existed. */
export function feedTls(sock: tls.TLSSocket, bytes: Buffer): void {
  internals(sock)._handle?.receive(bytes);
}

/**
 * A server-side TLSSocket reports errors as 'error' events only once its
 * owner "released control" (tls.Server does it on 'secure'); before that they
 * are handshake errors.
 */
export function releaseControl(sock: tls.TLSSocket): void {
  internals(sock)._releaseControl();
}
