/**
 * The `mode http` handler: each client connection becomes an HttpStream
 * (stream.ts), which parses requests with hapair's own HTTP/1.1 parser and
 * forwards them on the engine's connectors. Head limits come from
 * `tune.bufsize` and `tune.http.maxhdr` (configuration.txt 3.2).
 */
import type { ProxyConfig } from '../../config/haproxy/model.js';
import { IpSet, parseIp, parseNetwork } from '../acl/ip.js';
import { resumeRead } from '../conn.js';
import type { ModeContext, ModeHandler } from '../mode.js';
import type { Session } from '../session.js';
import { checkHttpProxy } from './config-check.js';
import { DEFAULT_LIMITS, type HeadLimits } from './head.js';
import { HttpStream } from './stream.js';

const limitsCache = new Map<string, HeadLimits>();

function limitsFor(ctx: ModeContext): HeadLimits {
  const bufsize = ctx.bufsize || DEFAULT_LIMITS.bufsize;
  const maxhdr = ctx.maxhdr || DEFAULT_LIMITS.maxhdr;
  const key = `${bufsize}/${maxhdr}`;
  let l = limitsCache.get(key);
  if (!l) {
    l = Object.freeze({ bufsize, maxrewrite: DEFAULT_LIMITS.maxrewrite, maxhdr });
    limitsCache.set(key, l);
  }
  return l;
}

const monitorSets = new WeakMap<ProxyConfig, IpSet>();

function monitorSet(p: ProxyConfig): IpSet {
  let set = monitorSets.get(p);
  if (!set) {
    set = new IpSet();
    for (const text of p.monitorNets) {
      const net = parseNetwork(text);
      if (typeof net !== 'string') set.add(net);
    }
    monitorSets.set(p, set);
  }
  return set;
}

/**
 * Legacy `monitor-net` (configuration.txt 4, HAProxy 1.x-2.3): a connection
 * from a listed network is answered "HTTP/1.0 200 OK" at once and closed,
 * without reading the request and without a log line.
 */
function monitorNet(session: Session, ctx: ModeContext): boolean {
  const p = session.frontend.cfg;
  if (p.monitorNets.length === 0 || session.conn.family === 'unix') return false;
  const ip = parseIp(session.conn.srcAddr);
  if (!ip || !monitorSet(p).has(ip)) return false;
  const c = session.client;
  const linger = ctx.clock.setTimeout(() => c.destroy(), MONITOR_LINGER_MS);
  c.once('close', () => {
    linger.cancel();
    session.finish();
  });
  c.on('end', () => c.destroy());
  c.end(MONITOR_OK);
  resumeRead(c);
  return true;
}

/** How long the answered connection waits for the client's FIN. */
const MONITOR_LINGER_MS = 1000;

const MONITOR_OK = Buffer.from('HTTP/1.0 200 OK\r\n\r\n', 'latin1');

export const httpMode: ModeHandler = {
  check: checkHttpProxy,
  start(session: Session, ctx: ModeContext): void {
    if (monitorNet(session, ctx)) return;
    new HttpStream(session, ctx, limitsFor(ctx)).start();
  },
};
