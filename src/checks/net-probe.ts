/**
 * Built-in network probes of a local service, for VRRP tracking without a
 * script: a TCP connect probe and an HTTP GET probe (status 2xx/3xx, or the
 * listed statuses). Both are bounded by `timeout` and never block the loop.
 */
import http from 'node:http';
import net from 'node:net';
import type { Clock } from '../core/clock.js';
import { realClock } from '../core/clock.js';
import { ConfigCode, ConfigError } from '../core/errors.js';
import { child, type Logger, silentLogger } from '../core/logger.js';
import { PollingProbe, type ProbeResult } from './probe.js';
import type { ProbeListener } from './types.js';

interface NetProbeBase {
  readonly name: string;
  readonly interval: number;
  readonly timeout: number;
  readonly onEvent: ProbeListener;
  readonly rise?: number;
  readonly fall?: number;
  readonly clock?: Clock;
  readonly log?: Logger;
}

export interface TcpProbeOptions extends NetProbeBase {
  readonly host: string;
  readonly port: number;
}

export interface HttpProbeOptions extends NetProbeBase {
  /** `http://host:port/path`. */
  readonly url: string;
  /** Accepted statuses; default 200–399. */
  readonly statuses?: readonly number[];
}

function polling(o: NetProbeBase, what: string) {
  return {
    interval: o.interval,
    rise: o.rise ?? 1,
    fall: o.fall ?? 1,
    initFail: false,
    clock: o.clock ?? realClock,
    log: child(o.log ?? silentLogger, `${what}/${o.name}`),
    onEvent: o.onEvent,
  };
}

export class TcpProbe extends PollingProbe {
  constructor(private readonly o: TcpProbeOptions) {
    super(o.name, polling(o, 'track_tcp'));
  }

  protected probe(): Promise<ProbeResult> {
    return new Promise((resolve) => {
      const sock = net.connect({ host: this.o.host, port: this.o.port });
      const done = (r: ProbeResult): void => {
        timer.cancel();
        sock.destroy();
        resolve(r);
      };
      const timer = this.opts.clock.setTimeout(() => done({ ok: false, reason: 'timeout' }), this.o.timeout);
      sock.once('connect', () => done({ ok: true }));
      sock.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, reason: e.code ?? e.message }));
    });
  }
}

export class HttpProbe extends PollingProbe {
  private readonly url: URL;

  constructor(private readonly o: HttpProbeOptions) {
    super(o.name, polling(o, 'track_http'));
    this.url = new URL(o.url);
    if (this.url.protocol !== 'http:') {
      throw new ConfigError(
        ConfigCode.BadAddress,
        undefined,
        o.name,
        `only http:// URLs are supported, got '${o.url}'`,
      );
    }
  }

  protected probe(): Promise<ProbeResult> {
    return new Promise((resolve) => {
      let settled = false;
      let req: http.ClientRequest | undefined;
      const timer = this.opts.clock.setTimeout(() => done({ ok: false, reason: 'timeout' }), this.o.timeout);
      const done = (r: ProbeResult): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        req?.destroy();
        resolve(r);
      };
      req = http.get(this.url, { agent: false, headers: { connection: 'close' } }, (res) => {
        const code = res.statusCode ?? 0;
        res.resume();
        const ok = this.o.statuses ? this.o.statuses.includes(code) : code >= 200 && code < 400;
        done(ok ? { ok: true } : { ok: false, reason: `status ${code}` });
      });
      req.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, reason: e.code ?? e.message }));
    });
  }
}
