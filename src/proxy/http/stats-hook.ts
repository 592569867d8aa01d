/**
 * The statistics page hook (configuration.txt 4 "stats enable", "stats uri"):
 * a request whose target starts with the `stats uri` of the frontend, or of
 * the backend chosen for it, is answered by the engine's `statsHandler`
 * (src/ops wires the page renderer there) and never forwarded. Without a
 * handler such a request gets a 503, so the page is never silently proxied.
 * Requests without a body are answered here from the head alone; one with a
 * body (the admin form's POST) is read first by the stream's applet path
 * (rules/actions-service.ts) and then answered by the same handler. Either
 * way the handler may answer later (a promise); the stream then waits.
 */
import type { ProxyConfig } from '../../config/haproxy/model.js';
import { isPromise, type ModeContext, type StatsHttpRequest, type StatsHttpResponse } from '../mode.js';
import type { RequestHead } from './head.js';
import { reasonPhrase } from './status.js';

/** The proxy whose stats page this request is for, or undefined. */
export function statsProxyFor(
  head: RequestHead,
  fe: ProxyConfig,
  be: ProxyConfig | undefined,
): ProxyConfig | undefined {
  for (const p of be && be !== fe ? [fe, be] : [fe]) {
    const st = p.stats;
    if (st?.enabled && head.path.startsWith(st.uri)) return p;
  }
  return undefined;
}

function headersOf(head: RequestHead): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (let i = 0; i < head.names.length; i++) {
    const n = head.names[i]!;
    if (out[n] === undefined) out[n] = head.headers[2 * i + 1];
  }
  return out;
}

/**
 * The complete response bytes for a body-less stats request (the handler's
 * answer, or 503): at once when the handler answers at once, else a promise.
 */
export function statsResponse(
  head: RequestHead,
  proxy: ProxyConfig,
  src: string,
  ctx: ModeContext,
): Buffer | Promise<Buffer> {
  if (!ctx.statsHandler) return message(503, 'No statistics handler is configured in this process.\n');
  const q = head.path.indexOf('?');
  const req: StatsHttpRequest = {
    method: head.method,
    path: q < 0 ? head.path : head.path.slice(0, q),
    query: q < 0 ? '' : head.path.slice(q + 1),
    headers: headersOf(head),
    body: '',
    src,
    proxy,
  };
  const res = ctx.statsHandler(req);
  return isPromise(res) ? res.then(encode) : encode(res);
}

function encode(res: StatsHttpResponse): Buffer {
  let text = `HTTP/1.1 ${res.status} ${reasonPhrase(res.status)}\r\n`;
  const hasLength = Object.keys(res.headers).some((k) => k.toLowerCase() === 'content-length');
  for (const [k, v] of Object.entries(res.headers)) text += `${k}: ${v}\r\n`;
  if (!hasLength) text += `content-length: ${Buffer.byteLength(res.body)}\r\n`;
  return Buffer.concat([Buffer.from(`${text}\r\n`, 'latin1'), Buffer.from(res.body)]);
}

function message(status: number, body: string): Buffer {
  return Buffer.from(
    `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\ncontent-length: ${body.length}\r\n` +
      `cache-control: no-cache\r\ncontent-type: text/plain\r\n\r\n${body}`,
    'latin1',
  );
}
