/**
 * Headers that tell the server who the client is (configuration.txt 4
 * "option forwardfor", "option forwarded", "option originalto"). Each is added
 * at the end of the request head, as HAProxy does; an `except` network skips
 * it for matching addresses (the source for forwardfor, the destination for
 * originalto). The frontend's and the backend's settings both apply, the
 * backend's header name winning when both name one (HAProxy 2.6 picks the
 * backend's `option forwardfor header` first). `option forwarded` is the
 * backend's alone (forwarded.ts).
 */
import type { ForwardFor, ProxyConfig } from '../../config/haproxy/model.js';
import { IpSet, parseIp, parseNetwork } from '../acl/ip.js';
import type { ConnInfo, SampleContext } from '../acl/types.js';
import { addForwarded } from './forwarded.js';
import type { RequestHead } from './head.js';
import { addHeader, findHeader } from './headers.js';

interface Compiled {
  readonly forwardfor: ForwardFor | undefined;
  readonly forExcept: IpSet | undefined;
  readonly originalto: { readonly header: string } | undefined;
  readonly toExcept: IpSet | undefined;
}

const cache = new WeakMap<ProxyConfig, WeakMap<ProxyConfig, Compiled>>();

function netSet(text: string | undefined): IpSet | undefined {
  if (text === undefined) return undefined;
  const net = parseNetwork(text);
  if (typeof net === 'string') return undefined;
  const set = new IpSet();
  set.add(net);
  return set;
}

function compile(fe: ProxyConfig, be: ProxyConfig): Compiled {
  const ff = be.options.forwardfor ?? fe.options.forwardfor;
  const ot = be.options.originalto ?? fe.options.originalto;
  return {
    forwardfor: ff,
    forExcept: netSet(ff?.except),
    originalto: ot,
    toExcept: netSet(ot?.except),
  };
}

function compiled(fe: ProxyConfig, be: ProxyConfig): Compiled {
  let byBe = cache.get(fe);
  if (!byBe) {
    byBe = new WeakMap();
    cache.set(fe, byBe);
  }
  let c = byBe.get(be);
  if (!c) {
    c = compile(fe, be);
    byBe.set(be, c);
  }
  return c;
}

function excluded(set: IpSet | undefined, addr: string): boolean {
  if (!set) return false;
  const ip = parseIp(addr);
  return ip !== undefined && set.has(ip);
}

/**
 * Adds the configured forwarding headers for a request from `conn`, in
 * HAProxy's order (http_process_request(): Forwarded, X-Forwarded-For,
 * X-Original-To). A unix socket adds no address headers, and Forwarded's
 * nodes are then `unknown`. `tls` when the client connection is TLS
 * (`proto=https`); `ctx` for the `option forwarded … -expr` samples.
 */
export function addForwardingHeaders(
  head: RequestHead,
  conn: ConnInfo,
  fe: ProxyConfig,
  be: ProxyConfig,
  tls: boolean,
  ctx: SampleContext,
): void {
  addForwarded(head, be, conn, tls, ctx);
  if (conn.family === 'unix') return;
  const c = compiled(fe, be);
  const ff = c.forwardfor;
  if (ff && !excluded(c.forExcept, conn.srcAddr)) {
    if (!ff.ifNone || findHeader(head, ff.header.toLowerCase()) < 0) addHeader(head, ff.header, conn.srcAddr);
  }
  const ot = c.originalto;
  if (ot && !excluded(c.toExcept, conn.dstAddr)) addHeader(head, ot.header, conn.dstAddr);
}
