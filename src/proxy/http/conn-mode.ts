/**
 * HTTP connection modes (configuration.txt 4 "option httpclose", "option
 * http-server-close", "option http-keep-alive"): the frontend's and the
 * backend's options combine, the strongest wins — httpclose over
 * http-server-close over http-keep-alive (the default).
 *
 * - keep-alive: both connections persist between requests;
 * - server-close: the client connection persists, the server one is closed
 *   after each response;
 * - close: both are closed after the response.
 *
 * The forwarded heads carry the Connection tokens each side needs: HAProxy's
 * h1 mux rewrites "close"/"keep-alive" per side (mux_h1.c h1_set_cli_conn_mode
 * and h1_set_srv_conn_mode), keeping the other tokens (e.g. "upgrade").
 */
import type { ProxyOptions } from '../../config/haproxy/model.js';
import { CONN_CLOSE, CONN_KEEP_ALIVE, CONN_UPGRADE, type HttpVersion, type MessageHead } from './head.js';
import { addHeader, removeHeaderAt } from './headers.js';

export type ConnMode = 'keep-alive' | 'server-close' | 'close';

export function connMode(fe: ProxyOptions, be: ProxyOptions): ConnMode {
  if (fe.httpclose || be.httpclose) return 'close';
  if (fe.httpServerClose || be.httpServerClose) return 'server-close';
  return 'keep-alive';
}

/** Removes the "close" and "keep-alive" tokens from every Connection field, dropping emptied fields. */
function stripPersistenceTokens(head: MessageHead): void {
  for (let i = head.names.length - 1; i >= 0; i--) {
    if (head.names[i] !== 'connection') continue;
    const kept = head.headers[2 * i + 1]!.split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '' && !/^(close|keep-alive)$/i.test(t));
    if (kept.length === 0) removeHeaderAt(head, i);
    else head.headers[2 * i + 1] = kept.join(', ');
  }
}

/**
 * Sets the Connection tokens of a head about to be sent: `persist` is whether
 * this side's connection stays open after the message. HTTP/1.1 persists by
 * default and says "close" otherwise; HTTP/1.0 closes by default and says
 * "keep-alive" otherwise (RFC 9112 §9.3); `peer` is the version the receiver
 * speaks (a response to an HTTP/1.0 request follows 1.0's rule). A head that
 * already says what is needed, and an upgrade head, are left alone.
 */
export function setPersistence(head: MessageHead, persist: boolean, peer: HttpVersion = head.version): void {
  if (head.connection & CONN_UPGRADE && head.upgrade !== '') return;
  const v = Math.min(head.version, peer);
  const says = v === 11 ? !(head.connection & CONN_CLOSE) : (head.connection & CONN_KEEP_ALIVE) !== 0;
  if (says === persist) return;
  stripPersistenceTokens(head);
  if (v === 11 && !persist) addHeader(head, 'Connection', 'close');
  else if (v === 10 && persist) addHeader(head, 'Connection', 'keep-alive');
}
