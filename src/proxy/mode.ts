/**
 * How a proxy mode plugs into the engine. The frontend accepts the connection,
 * applies `tcp-request connection` rules and the PROXY protocol, counts the
 * session, then hands it to the handler of its mode. The handler picks the
 * backend (Frontend.selectBackend) and obtains server connections through a
 * Connector (connector.ts); `mode tcp` forwards bytes (tcp/mode.ts), `mode
 * http` parses requests first.
 */
import type { Clock } from '../core/clock.js';
import type { Session } from './session.js';

export interface ModeContext {
  readonly clock: Clock;
  /** Read buffer size for new sockets (tune.bufsize). */
  readonly bufsize: number;
}

export interface ModeHandler {
  start(session: Session, ctx: ModeContext): void;
}
