/**
 * The `option tcplog` line of a `mode tcp` session (configuration.txt 8.2.2
 * "TCP log format"), written once when both sides are closed:
 *
 *   %ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq
 *
 * The line itself is built by http/httplog.ts (tcpLogLine), shared with the
 * tcplog lines of `mode http` proxies. What HAProxy 2.6 wrote for the same
 * scenarios is in test/fixtures/proxy/haproxy-tcplog.txt; it shows that the
 * backend and server counts no longer include the session being logged while
 * the process and frontend counts still do, so the caller releases the server
 * slot and the backend first and closes the session (frontend) afterwards.
 *
 * A `log-format` on the frontend replaces the line (http/log-format.ts); the
 * HTTP-only variables are refused for it when the engine starts.
 */

import type { ProxyConfig } from '../../config/haproxy/model.js';
import type { TcpLogRecord } from '../http/httplog.js';
import { tcpLogLine } from '../http/httplog.js';
import {
  compileLogFormats,
  LogContext,
  logFormatsOf,
  nextRequestId,
  renderLogLine,
} from '../http/log-format.js';
import type { ModeContext } from '../mode.js';
import type { Session } from '../session.js';

/** How far the session got towards a server, for %Tw and %Tc. */
export interface TcpLogTimes {
  /** A server was assigned and a connection attempted (ends the queue stage: %Tw ≥ 0). */
  readonly leftQueue: boolean;
}

/** Engine start (ModeHandler.check): compiles the `mode tcp` frontend's log-format and unique-id-format. */
export function checkTcpLog(p: ProxyConfig): void {
  compileLogFormats(p, 'tcp');
}

/**
 * Emits the line when the frontend has `option tcplog` or a `log-format`.
 * `option dontlognull` drops a session that received nothing from the client
 * (HAProxy tests the request channel's total, stream.c).
 */
export function emitTcpLog(s: Session, ctx: ModeContext, times: TcpLogTimes): void {
  const fe = s.frontend;
  const o = fe.cfg.options;
  const formats = logFormatsOf(fe.cfg);
  if (!o.tcplog && !formats?.line) return;
  if (o.dontlognull && s.bytesIn === 0) return;
  const r = tcpRecord(s, ctx, times);
  let line: string;
  if (formats?.line) {
    const lc = new LogContext({
      conn: s.conn,
      tls: s.tls,
      http: undefined,
      vars: undefined,
      sc: s.sc,
      frontendName: r.frontend,
      backendName: r.backend,
      rec: r,
      startWall: r.acceptWall,
      reqCaptures: undefined,
      resCaptures: undefined,
      uniqueId: undefined,
      uniqueIdFormat: formats.uniqueId,
    });
    line = renderLogLine(formats, lc);
  } else line = tcpLogLine(r);
  if (ctx.emitLog) ctx.emitLog(fe.name, line);
  else fe.log.info({ tcplog: line }, 'session');
}

function tcpRecord(s: Session, ctx: ModeContext, times: TcpLogTimes): TcpLogRecord {
  const fe = s.frontend;
  const be = s.backend;
  const c = s.connector;
  const srv = c?.server ?? s.server;
  const now = ctx.clock.now();
  const queueTime = c ? c.queueTime : -1;
  const connectTime = c ? c.connectTime : -1;
  const tW = queueTime >= 0 ? Math.round(queueTime) : times.leftQueue ? 0 : -1;
  const tC = connectTime >= 0 ? Math.round(connectTime) : -1;
  const tT = Math.round(now - s.acceptedAt);
  return {
    clientAddr: s.conn.srcAddr,
    clientPort: s.conn.srcPort,
    acceptWall: ctx.clock.wallNow() - (now - s.acceptedAt),
    // Numbered when logged: hapair does not number sessions at accept time.
    reqId: nextRequestId(),
    frontend: fe.name,
    backend: be ? be.name : fe.name,
    server: srv ? srv.name : '<NOSRV>',
    // Handshakes are not timed apart in mode tcp: they only count in Tt.
    tH: 0,
    tW,
    tC,
    tT,
    // Td = Tt - (Tw + Tc): the data transfer once connected.
    tD: tC < 0 ? -1 : Math.max(0, tT - Math.max(tW, 0) - tC),
    bytes: s.bytesOut,
    bytesIn: s.bytesIn,
    term: s.termState,
    actconn: ctx.actconn ? ctx.actconn() : fe.sessions.size,
    feconn: fe.sessions.size,
    beconn: be ? be.beconn : 0,
    srvconn: srv ? srv.served : 0,
    retries: c ? c.retries : 0,
    redispatched: c ? c.redispatched : false,
    srvQueue: srv ? srv.queue.length : 0,
    beQueue: be ? be.queue.length : 0,
  };
}
