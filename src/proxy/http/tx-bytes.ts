/**
 * The byte counters of a `mode http` connection, per transaction, as
 * HAProxy's stream_process_counters() counts a stream (one transaction
 * here): `bin` the request bytes read from the client, `bout` the response
 * bytes sent to it, local answers included, on the session, the frontend,
 * and the backend and server the transaction ends with. The backend and the
 * server are known only after the request head was read: when chosen they
 * take the transaction's bytes so far, then every chunk as it moves. After
 * a 101 the tunnel goes on counting on the same objects (tunnel.ts).
 *
 * Numbers are added once per head or chunk; nothing is allocated.
 */
import type { ProxyCounters } from '../counters.js';
import type { Session } from '../session.js';
import type { TxLog } from './tx-log.js';

export class TxBytes {
  private readonly session: Session;
  private readonly tx: TxLog;
  private readonly fe: ProxyCounters;
  private be: ProxyCounters | undefined;
  private srv: ProxyCounters | undefined;
  /** The session's byte counts when the transaction started. */
  private baseIn: number;
  private baseOut: number;

  constructor(session: Session, tx: TxLog) {
    this.session = session;
    this.tx = tx;
    this.fe = session.frontend.counters;
    this.baseIn = session.bytesIn;
    this.baseOut = session.bytesOut;
  }

  /** A transaction starts: its bytes go to the frontend alone until its backend is chosen. */
  begin(): void {
    this.baseIn = this.session.bytesIn;
    this.baseOut = this.session.bytesOut;
    this.be = undefined;
    this.srv = undefined;
  }

  /** `n` request bytes (head, body or tunnelled) were read from the client. */
  countIn(n: number): void {
    this.session.bytesIn += n;
    this.fe.bytesIn += n;
    const be = this.be;
    if (be) be.bytesIn += n;
    const srv = this.srv;
    if (srv) srv.bytesIn += n;
  }

  /** `n` response bytes were sent to the client (the log's %B too). */
  countOut(n: number): void {
    this.tx.bytes += n;
    this.session.bytesOut += n;
    this.fe.bytesOut += n;
    const be = this.be;
    if (be) be.bytesOut += n;
    const srv = this.srv;
    if (srv) srv.bytesOut += n;
  }

  /** The transaction's backend was chosen: it counts the transaction's bytes so far, then the rest. */
  onBackend(c: ProxyCounters): void {
    this.catchUp(c);
    this.be = c;
  }

  /** Likewise for the server the request was sent to. */
  onServer(c: ProxyCounters): void {
    this.catchUp(c);
    this.srv = c;
  }

  private catchUp(c: ProxyCounters): void {
    c.bytesIn += this.session.bytesIn - this.baseIn;
    c.bytesOut += this.session.bytesOut - this.baseOut;
  }
}
