/**
 * `http-request use-service <name>` (configuration.txt 4.3; HAProxy stream.c
 * stream_parse_use_service): an applet of the process answers the request
 * instead of a server. hapair's applets are served by the engine's
 * statsHandler (src/cli/stats-page.ts wires the renderers of src/ops); this
 * module knows their names and carries a request to that handler once its
 * body is read — the path a stats page's admin form (a POST) takes too.
 */
import type { ProxyConfig } from '../../../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../../../core/errors.js';
import { isPromise, type ModeContext, type StatsHttpRequest, type StatsHttpResponse } from '../../mode.js';
import type { RequestHead } from '../head.js';
import { type RuleReply, type RuleService, registerAction } from './types.js';

/** The services this build provides (HAProxy registers `prometheus-exporter` when built with USE_PROMEX). */
export const SERVICES: readonly string[] = ['prometheus-exporter'];

registerAction('http-request', 'use-service', (rule, env) => {
  const name = rule.args[0] ?? '';
  if (name.startsWith('lua.')) {
    throw new ConfigError(
      ConfigCode.Unsupported,
      rule.loc,
      rule.family,
      `Lua service '${name}' is not supported by hapair`,
    );
  }
  if (!SERVICES.includes(name)) {
    throw new ConfigError(
      ConfigCode.BadArgs,
      rule.loc,
      rule.family,
      `'use-service' unknown service name '${name}' (hapair provides: ${SERVICES.join(', ')})`,
    );
  }
  const out: RuleService = { kind: 'service', name, proxy: env.proxy };
  return () => out;
});

function plain(status: number, body: string): RuleReply {
  return {
    kind: 'reply',
    status,
    headers: [
      ['cache-control', 'no-cache'],
      ['content-type', 'text/plain'],
    ],
    body: Buffer.from(body),
    denied: false,
  };
}

/** The payload of a complete chunked body (RFC 9112 §7.1) its framer has validated. */
function dechunk(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; ; ) {
    const eol = raw.indexOf('\r\n', i);
    const size = eol < 0 ? 0 : Number.parseInt(raw.toString('latin1', i, eol), 16);
    if (!(size > 0)) return Buffer.concat(out);
    out.push(raw.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
}

/**
 * One request for an applet: the body bytes it carries (kept up to a limit,
 * as HAProxy keeps a POST for its stats applet in one buffer), then the
 * handler's answer as a reply the stream sends like any other.
 */
export class AppletCall {
  private readonly parts: Buffer[] = [];
  private size = 0;

  constructor(
    readonly proxy: ProxyConfig,
    /** Absent for a stats page. */
    readonly service: string | undefined,
    private readonly limit: number,
  ) {}

  /** Keeps a copy of body bytes; false once the body outgrows the limit. */
  push(b: Buffer): boolean {
    this.size += b.length;
    if (this.size > this.limit) return false;
    this.parts.push(Buffer.from(b));
    return true;
  }

  /** The reply, at once when the handler answers at once (ModeContext.statsHandler), else a promise. */
  answer(
    head: RequestHead,
    src: string,
    handler: ModeContext['statsHandler'],
  ): RuleReply | Promise<RuleReply> {
    if (this.size > this.limit) return plain(413, 'Request body too large for this service.\n');
    if (!handler) return plain(503, 'No statistics handler is configured in this process.\n');
    const headers: Record<string, string | undefined> = {};
    for (let i = 0; i < head.names.length; i++) headers[head.names[i]!] ??= head.headers[2 * i + 1];
    const q = head.path.indexOf('?');
    const raw = Buffer.concat(this.parts);
    const req: StatsHttpRequest = {
      method: head.method,
      path: q < 0 ? head.path : head.path.slice(0, q),
      query: q < 0 ? '' : head.path.slice(q + 1),
      headers,
      body: (head.bodyKind === 'chunked' ? dechunk(raw) : raw).toString('latin1'),
      src,
      proxy: this.proxy,
      ...(this.service !== undefined ? { service: this.service } : {}),
    };
    const res = handler(req);
    return isPromise(res) ? res.then(replyOf) : replyOf(res);
  }
}

function replyOf(res: StatsHttpResponse): RuleReply {
  return {
    kind: 'reply',
    status: res.status,
    // The reply gets its own content-length from the body.
    headers: Object.entries(res.headers).filter(([k]) => k.toLowerCase() !== 'content-length'),
    body: Buffer.from(res.body),
    denied: false,
  };
}
