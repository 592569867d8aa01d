/**
 * The RFC 7239 `Forwarded` header of `option forwarded` (configuration.txt 4;
 * HAProxy 2.8 http_ext.c). Only the backend's setting counts. Parameters come
 * in the order proto, host, by, for; `host` is always quoted; a node with a
 * port is quoted, an IPv6 node is always quoted and bracketed
 * (`for="[::1]:80"`); a node that cannot be built is `unknown`, a port that
 * cannot be built is left out. Expression values are checked: a valid node
 * or port is written as it is, a string of obfuscation characters becomes
 * `_value`, anything else is dropped.
 *
 * When the request already has Forwarded values and every one validates, ours
 * is appended to the last field after a comma (the chain of proxies RFC 7239
 * §4 describes); otherwise a new field is added, so the last one can be
 * trusted.
 */
import type { ForwardedParams, ForwardedSource, ProxyConfig } from '../../config/haproxy/model.js';
import { parseIPv4, parseIPv6 } from '../acl/ip.js';
import type { ConnInfo, SampleContext } from '../acl/types.js';
import { compileExpr } from '../sample/expr.js';
import type { SampleExpr } from '../sample/types.js';
import type { RequestHead } from './head.js';
import { addHeader } from './headers.js';

type Part = 'orig' | SampleExpr | undefined;

interface Compiled {
  readonly proto: boolean;
  readonly host: Part;
  readonly by: Part;
  readonly byPort: Part;
  readonly for: Part;
  readonly forPort: Part;
}

const cache = new WeakMap<ForwardedParams, Compiled>();

/** `option forwarded` alone: `proto for`. */
const DEFAULT_PARAMS: ForwardedParams = { proto: true, for: 'orig', loc: { file: '', line: 0 } };

function part(src: ForwardedSource | undefined, p: ForwardedParams): Part {
  if (src === undefined || src === 'orig') return src;
  return compileExpr(src.expr, p.loc, 'option forwarded', { maxLayer: 'l7', stage: 'option forwarded' });
}

/** Compiles the expressions of `p` once; throws the ConfigError of a bad one. */
export function compileForwarded(p: ForwardedParams): Compiled {
  let c = cache.get(p);
  if (!c) {
    c = {
      proto: p.proto,
      host: part(p.host, p),
      by: part(p.by, p),
      byPort: part(p.byPort, p),
      for: part(p.for, p),
      forPort: part(p.forPort, p),
    };
    cache.set(p, c);
  }
  return c;
}

const OBFS = /^[A-Za-z0-9._-]+$/;
const PORT = /^[0-9]+$/;

function validPort(s: string): boolean {
  if (!PORT.test(s)) return false;
  const n = Number(s);
  return n > 0 && n <= 65535;
}

/** A bracketed IPv6 address `[…]`. */
function bracketedV6(s: string): boolean {
  return s.length > 2 && s[0] === '[' && s.endsWith(']') && parseIPv6(s.slice(1, -1)) !== undefined;
}

/** http_7239_extract_nodename(): `_obfs`, `unknown`, `[ipv6]` (quoted only) or an IPv4 address. */
function validNodename(s: string, quoted: boolean): boolean {
  if (s.startsWith('_')) return OBFS.test(s);
  if (s === 'unknown') return true;
  if (s.startsWith('[')) return quoted && bracketedV6(s);
  return parseIPv4(s) !== undefined;
}

/** A node `name[:port]`; the port needs the quoted form. */
function validNode(s: string, quoted: boolean): boolean {
  const v6end = s.startsWith('[') ? s.indexOf(']') + 1 : 0;
  const colon = s.indexOf(':', v6end);
  if (colon < 0) return validNodename(s, quoted);
  const port = s.slice(colon + 1);
  return (
    quoted &&
    validNodename(s.slice(0, colon), quoted) &&
    (port.startsWith('_') ? OBFS.test(port) : validPort(port))
  );
}

/** http_7239_extract_host(): `[ipv6]` or letters, digits and dots, then `:port` (quoted only). */
function validHost(s: string, quoted: boolean): boolean {
  let i = 0;
  if (quoted && s.startsWith('[')) {
    i = s.indexOf(']') + 1;
    if (i === 0 || !bracketedV6(s.slice(0, i))) return false;
  } else {
    while (i < s.length && /[A-Za-z0-9.]/.test(s[i]!)) i++;
  }
  if (i === s.length) return s.length > 0;
  return quoted && s[i] === ':' && validPort(s.slice(i + 1));
}

/** One `name=value` of an existing value; the quotes are checked and removed. */
function validParam(name: string, raw: string): boolean {
  const quoted = raw.startsWith('"');
  if (quoted && (raw.length < 2 || !raw.endsWith('"'))) return false;
  const v = quoted ? raw.slice(1, -1) : raw;
  if (name === 'for' || name === 'by') return validNode(v, quoted);
  if (name === 'host') return validHost(v, quoted);
  return name === 'proto' && !quoted && (v === 'http' || v === 'https');
}

/** http_validate_7239_header() for one comma-separated value: known parameters, each once. */
export function validForwardedValue(value: string): boolean {
  if (value === '') return false;
  const seen = new Set<string>();
  for (const pair of value.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return false;
    const name = pair.slice(0, eq);
    if (seen.has(name) || !validParam(name, pair.slice(eq + 1))) return false;
    seen.add(name);
  }
  return true;
}

function str(v: string | number | boolean | Uint8Array): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  return Buffer.from(v).toString('latin1');
}

/** http_build_7239_header_nodename(); '' when it cannot be built. */
function nodename(
  src: Part,
  addr: string | undefined,
  v6: boolean,
  ctx: SampleContext,
  quoted: boolean,
): string {
  const ip6 = (a: string) => `${quoted ? '' : '"'}[${a}]`;
  if (src === 'orig') {
    if (addr === undefined) return '';
    return v6 ? ip6(addr) : addr;
  }
  if (src === undefined) return '';
  const v = src.eval(ctx);
  if (v === undefined) return '';
  const s = str(v);
  if (src.type === 'ip' && s.includes(':')) return ip6(s);
  if (validNodename(s, true)) return s.startsWith('[') ? ip6(s.slice(1, -1)) : s;
  return OBFS.test(s) ? `_${s}` : '';
}

/** http_build_7239_header_nodeport(); '' when it cannot be built. */
function nodeport(src: Part, port: number | undefined, ctx: SampleContext): string {
  if (src === 'orig') return port === undefined ? '' : String(port);
  if (src === undefined) return '';
  const v = src.eval(ctx);
  if (v === undefined) return '';
  const s = str(v);
  if (validPort(s) || (s.startsWith('_') && OBFS.test(s))) return s;
  return OBFS.test(s) ? `_${s}` : '';
}

/** http_build_7239_header_node(): `name`, `"name:port"` or `unknown`, quotes as HAProxy places them. */
function node(
  name: Part,
  port: Part,
  addr: { readonly ip: string; readonly port: number; readonly v6: boolean } | undefined,
  ctx: SampleContext,
): string {
  const quoted = port !== undefined;
  let out = quoted ? '"' : '';
  out += nodename(name, addr?.ip, addr?.v6 ?? false, ctx, quoted) || 'unknown';
  if (quoted) {
    const p = nodeport(port, addr?.port, ctx);
    if (p !== '') out += `:${p}`;
  }
  return out.startsWith('"') ? `${out}"` : out;
}

function hostValue(src: Part, req: RequestHead, ctx: SampleContext): string {
  let s: string | undefined;
  if (src === 'orig') {
    const i = req.names.indexOf('host');
    s = i < 0 ? undefined : req.headers[2 * i + 1];
  } else if (src !== undefined) {
    const v = src.eval(ctx);
    s = v === undefined ? undefined : str(v);
  }
  return s !== undefined && validHost(s, true) ? s : '';
}

/** The header value for this request. */
export function forwardedValue(
  c: Compiled,
  req: RequestHead,
  conn: ConnInfo,
  tls: boolean,
  ctx: SampleContext,
): string {
  const parts: string[] = [];
  if (c.proto) parts.push(`proto=${tls ? 'https' : 'http'}`);
  if (c.host !== undefined) parts.push(`host="${hostValue(c.host, req, ctx)}"`);
  const inet = conn.family !== 'unix';
  const v6 = conn.family === 'ipv6';
  if (c.by !== undefined) {
    parts.push(
      `by=${node(c.by, c.byPort, inet ? { ip: conn.dstAddr, port: conn.dstPort, v6 } : undefined, ctx)}`,
    );
  }
  if (c.for !== undefined) {
    parts.push(
      `for=${node(c.for, c.forPort, inet ? { ip: conn.srcAddr, port: conn.srcPort, v6 } : undefined, ctx)}`,
    );
  }
  return parts.join(';');
}

/** Adds or appends the backend's Forwarded value to `req` (http_handle_7239_header()). */
export function addForwarded(
  req: RequestHead,
  be: ProxyConfig,
  conn: ConnInfo,
  tls: boolean,
  ctx: SampleContext,
): void {
  if (!be.options.forwarded) return;
  const p = be.options.forwardedParams ?? DEFAULT_PARAMS;
  const value = forwardedValue(compileForwarded(p), req, conn, tls, ctx);
  let last = -1;
  for (let i = 0; i < req.names.length; i++) {
    if (req.names[i] !== 'forwarded') continue;
    for (const v of req.headers[2 * i + 1]!.split(',')) {
      const t = v.trim();
      if (t !== '' && !validForwardedValue(t)) {
        addHeader(req, 'forwarded', value);
        return;
      }
    }
    last = i;
  }
  if (last < 0) {
    addHeader(req, 'forwarded', value);
    return;
  }
  const old = req.headers[2 * last + 1]!.trimEnd();
  req.headers[2 * last + 1] = old === '' ? value : `${old},${value}`;
}
