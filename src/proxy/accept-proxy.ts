/**
 * `accept-proxy` on a bind (and `tcp-request connection expect-proxy
 * layer4`): reads the PROXY protocol header before anything else, under
 * `timeout client` as HAProxy's handshake does. A malformed, truncated or
 * too long header closes the connection with a log line naming the reason;
 * as in HAProxy such failed handshakes never become sessions.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { type ReadSink, resumeRead } from './conn.js';
import { parseProxyHeader } from './proxy-protocol.js';
import type { Session } from './session.js';

export class ProxyHeaderReader implements ReadSink {
  private acc: Buffer | undefined;
  private timer: TimerHandle | undefined;
  private readonly session: Session;
  private readonly done: (s: Session) => void;

  constructor(session: Session, done: (s: Session) => void) {
    this.session = session;
    this.done = done;
  }

  start(clock: Clock, timeoutMs: number | undefined): void {
    this.session.clientPort.sink = this;
    if (timeoutMs !== undefined) {
      this.timer = clock.setTimeout(
        () => this.fail('timeout while waiting for the PROXY protocol header'),
        timeoutMs,
      );
    }
    this.session.client.once('end', this.onEnd);
    resumeRead(this.session.client);
  }

  private readonly onEnd = (): void => {
    this.fail('connection closed while waiting for the PROXY protocol header');
  };

  private fail(reason: string): void {
    this.timer?.cancel();
    const s = this.session;
    s.frontend.log.info({ src: s.conn.srcAddr, reason }, 'PROXY protocol handshake failed');
    s.client.destroy();
  }

  onData(n: number, buf: Buffer): boolean {
    const chunk = buf.subarray(0, n);
    const data = this.acc ? Buffer.concat([this.acc, chunk]) : chunk;
    const r = parseProxyHeader(data);
    if (r.kind === 'need-more') {
      this.acc = Buffer.from(data);
      return true;
    }
    this.timer?.cancel();
    this.session.client.off('end', this.onEnd);
    if (r.kind === 'error') {
      this.fail(r.reason);
      return false;
    }
    const s = this.session;
    if (r.header.conn) s.setConn(r.header.conn);
    if (data.length > r.length) s.pending = Buffer.from(data.subarray(r.length));
    // Reading pauses when this callback returns false; the next stage resumes it.
    process.nextTick(this.done, s);
    return false;
  }
}
