/**
 * Headers that tell the server who the client is (configuration.txt 4
 * "option forwardfor", "option forwarded", "option originalto"). Each is added
 * at the end of the request head, as HAProxy does; an `except` network skips
 * it for matching addresses (the source for forwardfor, the destination for
 * originalto). The frontend's and the backend's settings both apply, the
 * backend's header name winning when both name one (HAProxy 2.6 picks the
 * backend's `option forwardfor header` first).
 */
import type { ForwardFor, ProxyConfig } from '../../config/haproxy/model.js';
import { IpSet, parseIp, parseNetwork } from '../acl/ip.js';
import type { ConnInfo } from '../acl/types.js';
import type { RequestHead } from './head.js';
import { addHeader, findHeader } from './headers.js';

interface Compiled {
  readonly forwardfor: ForwardFor | undefined;
  readonly forExcept: IpSet | undefined;
  readonly forwarded: boolean;
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
    forwarded: fe.options.forwarded || be.options.forwarded,
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

/** RFC 7239 §6: an IPv6 node is quoted and bracketed. */
function forwardedNode(addr: string): string {
  return addr.includes(':') ? `"[${addr}]"` : addr;
}

/** Adds the configured forwarding headers for a request from `conn` (unix sockets add none). */
export function addForwardingHeaders(
  head: RequestHead,
  conn: ConnInfo,
  fe: ProxyConfig,
  be: ProxyConfig,
): void {
  if (conn.family === 'unix') return;
  const c = compiled(fe, be);
  const ff = c.forwardfor;
  if (ff && !excluded(c.forExcept, conn.srcAddr)) {
    if (!ff.ifNone || findHeader(head, ff.header.toLowerCase()) < 0) addHeader(head, ff.header, conn.srcAddr);
  }
  if (c.forwarded) {
    addHeader(head, 'forwarded', `proto=http;for=${forwardedNode(conn.srcAddr)}`);
  }
  const ot = c.originalto;
  if (ot && !excluded(c.toExcept, conn.dstAddr)) addHeader(head, ot.header, conn.dstAddr);
}
