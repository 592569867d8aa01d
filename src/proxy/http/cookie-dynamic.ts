/**
 * Dynamic server cookies (`cookie … dynamic` + `dynamic-cookie-key`,
 * configuration.txt 4 "cookie", "dynamic-cookie-key"; server.c
 * srv_set_dyncookie()): a server without its own `cookie` value gets the
 * XXH64 (seed 0) of the key, its IP address in network order (4 or 16 bytes)
 * and its port as a 32-bit big-endian number, written as 16 lower-case hex
 * digits. Servers given by host name get none here (HAProxy computes theirs
 * once resolved).
 */
import type { ProxyConfig, ServerConfig } from '../../config/haproxy/model.js';
import { parseIp } from '../acl/ip.js';
import { xxh64 } from './xxh64.js';

/** The cookie value `srv` has in backend `px`, explicit or dynamic; undefined for none. */
export function serverCookieValue(px: ProxyConfig, srv: ServerConfig): string | undefined {
  if (srv.cookie !== undefined) return srv.cookie;
  const key = px.dynamicCookieKey;
  if (!px.cookie?.dynamic || key === undefined) return undefined;
  return dynamicCookie(key, srv.addr.host, srv.addr.port);
}

/** The dynamic cookie of `host:port` under `key`, or undefined when `host` is not an IP address. */
export function dynamicCookie(key: string, host: string, port: number): string | undefined {
  const ip = parseIp(host);
  if (!ip) return undefined;
  const k = Buffer.from(key);
  const buf = Buffer.alloc(k.length + ip.words.length * 4 + 4);
  k.copy(buf, 0);
  let off = k.length;
  for (const w of ip.words) off = buf.writeUInt32BE(w, off);
  buf.writeUInt32BE(port >>> 0, off);
  return xxh64(buf).toString(16).padStart(16, '0');
}
