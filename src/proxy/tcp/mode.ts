/**
 * The `mode tcp` handler: picks the backend at connection time and tunnels
 * bytes both ways. Without a backend the connection is closed.
 */
import type { ModeContext, ModeHandler } from '../mode.js';
import type { Session } from '../session.js';
import { TcpTunnel } from './forward.js';
import { emitTcpLog } from './tcplog.js';

export const tcpMode: ModeHandler = {
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
    new TcpTunnel(session, backend, ctx, pending).start();
  },
};
