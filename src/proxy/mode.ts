/**
 * How a proxy mode plugs into the engine. The frontend accepts the connection,
 * applies `tcp-request connection` rules and the PROXY protocol, counts the
 * session, then hands it to the handler of its mode. The handler picks the
 * backend (Frontend.selectBackend) and obtains server connections through a
 * Connector (connector.ts); `mode tcp` forwards bytes (tcp/mode.ts), `mode
 * http` parses requests first.
 */
import type { ProxyConfig } from '../config/haproxy/model.js';
import type { Clock } from '../core/clock.js';
import type { Session } from './session.js';
import type { StickTables } from './stick/types.js';

export interface ModeContext {
  readonly clock: Clock;
  /** Read buffer size for new sockets (tune.bufsize). */
  readonly bufsize: number;
  /** tune.http.maxhdr (0 = HAProxy's default, 101). */
  readonly maxhdr?: number;
  /** Connections open in the process (HAProxy's actconn, for log lines). */
  readonly actconn?: () => number;
  /**
   * Answers the requests served by the process itself rather than a server:
   * a `stats uri` page (http/stats-hook.ts) and an `http-request use-service`
   * applet (`service` set). Without it they get a 503.
   */
  readonly statsHandler?: StatsHandler;
  /** Where traffic log lines go (`option httplog`/`tcplog`); the engine logger at info when absent. */
  readonly emitLog?: (frontend: string, line: string) => void;
  /** The worker's stick tables (stick/table.ts), for `track-sc*` rules and `stick` persistence. */
  readonly stickTables?: StickTables;
}

/** A request for a proxy's statistics page, as the HTTP layer hands it to the page renderer. */
export interface StatsHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** First value of each header, by lower-case name. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  readonly src: string;
  /** The proxy whose `stats` settings apply, or whose `use-service` rule matched. */
  readonly proxy: ProxyConfig;
  /** The `use-service` applet asked for (`prometheus-exporter`); absent for a stats page. */
  readonly service?: string;
}

export interface StatsHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The handler answers at once, or with a promise when it must first gather
 * figures elsewhere (a master-worker worker asks the master for the other
 * workers' counters). An answer given at once is sent in the same turn; for
 * a promise the client's connection waits (http/stream.ts), reading nothing
 * further, bounded by `timeout client`.
 */
export type StatsHandler = (req: StatsHttpRequest) => StatsHttpResponse | Promise<StatsHttpResponse>;

/** True for a promise (or any thenable) rather than a value. */
export function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown }).then === 'function';
}

export interface ModeHandler {
  start(session: Session, ctx: ModeContext): void;
  /** Refuses, when the engine is built, settings of a proxy in this mode that the handler does not serve. */
  check?(proxy: ProxyConfig): void;
}
