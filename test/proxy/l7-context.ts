/**
 * Sample contexts for the L7 fetch, expression and log-format tests: heads
 * come from the real parser, so the fetches see exactly what a transaction
 * would give them.
 */
import type { ConnInfo, HttpSample, SampleContext, TlsInfo } from '../../src/proxy/acl/types.js';
import { DEFAULT_LIMITS, type RequestHead, type ResponseHead } from '../../src/proxy/http/head.js';
import { parseRequestHead, parseResponseHead } from '../../src/proxy/http/parser.js';
import { VarStore } from '../../src/proxy/sample/vars.js';

export const loc = { file: 'l7.cfg', line: 42 };

export function reqHead(lines: string): RequestHead {
  const r = parseRequestHead(Buffer.from(`${lines.replace(/\n/g, '\r\n')}\r\n\r\n`, 'latin1'));
  if (r.kind !== 'done') throw new Error(`request does not parse: ${JSON.stringify(r)}`);
  return r.head;
}

export function respHead(lines: string, method = 2): ResponseHead {
  const r = parseResponseHead(
    Buffer.from(`${lines.replace(/\n/g, '\r\n')}\r\n\r\n`, 'latin1'),
    0,
    DEFAULT_LIMITS,
    method as never,
  );
  if (r.kind !== 'done') throw new Error(`response does not parse: ${JSON.stringify(r)}`);
  return r.head;
}

export const conn4: ConnInfo = {
  srcAddr: '192.0.2.10',
  srcPort: 51000,
  dstAddr: '198.51.100.1',
  dstPort: 8443,
  family: 'ipv4',
};

export interface CtxOptions {
  resp?: ResponseHead;
  status?: number;
  backend?: string;
  tls?: TlsInfo;
  vars?: VarStore;
  conn?: ConnInfo;
}

/** A context for an HTTP transaction on `req` (request text without the final empty line). */
export function httpCtx(req: string, o: CtxOptions = {}): SampleContext {
  const http: HttpSample = {
    req: reqHead(req),
    resp: o.resp,
    status: o.status ?? 0,
    frontend: 'fe_web',
    backend: o.backend,
  };
  return {
    conn: o.conn ?? conn4,
    http,
    vars: o.vars ?? new VarStore(new Map()),
    ...(o.tls ? { tls: o.tls } : {}),
  };
}

export const tls13: TlsInfo = {
  sni: 'www.example.com',
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_128_GCM_SHA256',
  alpn: 'http/1.1',
};
