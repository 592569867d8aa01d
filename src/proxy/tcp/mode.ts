/**
 * The `mode tcp` handler: picks the backend at connection time and tunnels
 * bytes both ways. Without a backend the connection is closed. The backend's
 * `stick match`/`stick on` rules may name the server before it is picked,
 * and its `stick store-request`/`stick on` rules learn the server once
 * connected (stick/persist.ts).
 */
import type net from 'node:net';
import type { ModeContext, ModeHandler } from '../mode.js';
import type { Server } from '../server.js';
import type { Session } from '../session.js';
import { hasStickStores, stickServer, stickStore } from '../stick/persist.js';
import { TcpTunnel } from './forward.js';
import { checkTcpLog, emitTcpLog } from './tcplog.js';

/** A tunnel whose backend stores the server it connected to in a stick table. */
class StickyTunnel extends TcpTunnel {
  override upstreamReady(sock: net.Socket, server: Server | undefined): void {
    const be = this.session.backend;
    if (server && be) stickStore(be, this.session, server, this.clock.now());
    super.upstreamReady(sock, server);
  }
}

export const tcpMode: ModeHandler = {
  check: checkTcpLog,
  start(session: Session, ctx: ModeContext): void {
    const backend = session.frontend.selectBackend(session);
    if (!backend) {
      session.frontend.log.warn('no backend for this connection, closing it');
      session.terminate('P', 'R');
      session.client.once('close', () => {
        emitTcpLog(session, ctx, { leftQueue: false });
        session.finish();
      });
      session.client.destroy();
      return;
    }
    const pending = session.pending;
    session.pending = undefined;
    session.pickCtx.force = stickServer(backend, session, ctx.clock.now());
    const Tunnel = hasStickStores(backend) ? StickyTunnel : TcpTunnel;
    new Tunnel(session, backend, ctx, pending).start();
  },
};
