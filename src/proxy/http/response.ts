/**
 * The server side of a `mode http` transaction: the response head parsed and
 * checked (an invalid one is a 502 and its connection is closed), interim 1xx
 * responses relayed to HTTP/1.1 clients, the body streamed back with
 * back-pressure, the server connection parked for reuse or closed, and the
 * switch to a raw tunnel after a 101 or a 2xx to CONNECT.
 *
 * A compressed response (configuration.txt §4.2 "compression") leaves the
 * server in step with its framing, and the client through compress-body.ts:
 * the server connection is released when the server's body is complete, the
 * transaction when the compressor has sent the last chunk.
 */
import { resumeRead } from '../conn.js';
import { createBodyFramer } from './body.js';
import { BodyCompressor, type CompressSink } from './compress-body.js';
import { type CompAlgo, canCompress, compressedHead, requestCompression } from './compression.js';
import { setPersistence } from './conn-mode.js';
import { responseCookie } from './cookie.js';
import type { ResponseHead } from './head.js';
import { parseResponseHead } from './parser.js';
import { serializeResponseHead } from './serialize.js';
import { putIdle, type ServerConn } from './server-conn.js';
import { concat, minDefined, StreamBase } from './stream-base.js';
import { HttpTunnel } from './tunnel.js';

export abstract class ResponseSide extends StreamBase implements CompressSink {
  /** The algorithm the request accepts (set before it is forwarded). */
  private compAlgo: CompAlgo | undefined;
  /** The final response head qualifies for compression with this algorithm. */
  private compNext: CompAlgo | undefined;
  /** The compressor of the response being sent, if any. */
  private comp: BodyCompressor | undefined;

  /** The transaction is complete on both sides: next request or close. */
  protected abstract finishTransaction(): void;

  onServerDrain(): void {
    this.last = this.clock.now();
    if (!this.clientPaused) return;
    this.clientPaused = false;
    if (this.phase === 'body') resumeRead(this.session.client);
  }

  onServerData(n: number, buf: Buffer): boolean {
    this.last = this.clock.now();
    if (this.respPhase === 'head') {
      if (this.respBuf && this.respBuf.length > 0) {
        this.respBuf = concat(this.respBuf, buf, n);
        return this.parseResponse();
      }
      // Usually the whole head is in this read: parse it in place, copy only what waits.
      this.respBuf = buf.subarray(0, n);
      const more = this.parseResponse();
      const left = this.respBuf;
      if (left && left.buffer === buf.buffer) this.respBuf = Buffer.from(left);
      return more;
    }
    if (this.respPhase === 'body') return this.forwardRespBody(buf, 0, n);
    // Bytes after a complete response: the connection is out of step, drop it.
    this.dropServer();
    return false;
  }

  /** Parses the buffered response head(s); returns whether to keep reading the server. */
  protected parseResponse(): boolean {
    const req = this.req!;
    for (;;) {
      const buf = this.respBuf!;
      const r = parseResponseHead(buf, 0, this.limits, req.methodId);
      if (r.kind === 'incomplete') return true;
      if (r.kind === 'error') {
        this.badResponse();
        return false;
      }
      const head = r.head;
      const rest = r.consumed < buf.length ? buf.subarray(r.consumed) : undefined;
      // `capture response header` takes final (and 101) heads before any http-response rule.
      if (head.status >= 200 || head.bodyKind === 'tunnel') this.txn.captureResponse(head);
      if (head.bodyKind === 'tunnel') {
        this.startTunnel(head, rest);
        return true;
      }
      if (head.status >= 200) {
        // HAProxy decides on the head as the server sent it, before the
        // http-response rules (flt_http_comp.c comp_http_post_analyze()).
        this.compNext = this.compAlgo && this.compressible(head) ? this.compAlgo : undefined;
        this.compAlgo = undefined;
        return this.responseHead(head, rest);
      }
      // 1xx interim responses go to HTTP/1.1 clients only (RFC 9110 §15.2).
      if (req.version === 11) {
        const interim = serializeResponseHead(head);
        this.bytes.countOut(interim.length);
        this.session.client.write(interim);
      }
      this.respBuf = rest;
      if (!rest) return true;
    }
  }

  protected responseHead(head: ResponseHead, rest: Buffer | undefined): boolean {
    this.session.server?.observeHttpStatus(head.status);
    if (this.responseRulesAnswered(head)) return false;
    const req = this.req!;
    this.resp = head;
    this.respPhase = 'body';
    this.tx.respAt = this.clock.now();
    this.respBuf = undefined;
    this.clientKeep =
      this.mode !== 'close' &&
      req.keepAlive &&
      head.bodyKind !== 'until-close' &&
      !this.clientEnded &&
      !this.session.frontend.draining;
    const ck = this.backend!.cfg.cookie;
    if (ck) {
      const srv = this.session.server;
      const flag = responseCookie(head, req, ck, srv, srv !== undefined && srv === this.cookieServer);
      this.tx.cookie = `${this.tx.cookie[0]}${flag}`;
    }
    this.afterResponseRules(head);
    if (this.compNext !== undefined) this.startCompression(head, this.compNext);
    setPersistence(head, this.clientKeep, req.version);
    this.respStarted = true;
    // Head and first body bytes leave in one writev (what completes the
    // transaction meanwhile only queues client writes until uncork()).
    const c = this.session.client;
    c.cork();
    this.writeClient(serializeResponseHead(head));
    this.respFramer = createBodyFramer(
      head.bodyKind as Exclude<typeof head.bodyKind, 'tunnel'>,
      head.contentLength,
      this.limits,
    );
    let more = true;
    if (rest) more = this.forwardRespBody(rest, 0, rest.length);
    c.uncork();
    if (c.writableLength > 0) this.sc?.port.detach();
    if (!rest && this.respFramer.done) this.responseDone(false);
    return more;
  }

  protected forwardRespBody(buf: Buffer, off: number, end: number): boolean {
    const r = this.respFramer!.feed(buf, off, end);
    const comp = this.comp;
    if (r.used > 0) {
      if (comp) comp.push(buf, off, off + r.used);
      else this.writeClient(buf.subarray(off, off + r.used));
    }
    if (r.error !== undefined) {
      this.tx.terminate(this.session, 'S', 'D');
      this.countServerError();
      this.dropServer();
      this.session.client.destroy();
      return false;
    }
    if (r.done) {
      this.responseDone(off + r.used < end);
      return true;
    }
    return !this.serverPaused && !comp?.full;
  }

  protected onClientDrain = (): void => {
    this.last = this.clock.now();
    if (this.tunnel) {
      this.tunnel.clientDrained();
      return;
    }
    this.comp?.resume();
    if (!this.serverPaused) return;
    this.serverPaused = false;
    const sock = this.sc?.sock;
    if (sock && !this.comp?.full) resumeRead(sock);
  };

  /**
   * The server's response is complete; `extra` when the server sent bytes
   * past it. A compressed response completes once the compressor is done.
   */
  protected responseDone(extra: boolean): void {
    this.releaseServer(extra);
    if (this.comp) this.comp.end();
    else this.transactionDone();
  }

  /** Parks the server connection for reuse, or closes it, and gives back the server slot. */
  private releaseServer(extra: boolean): void {
    const c = this.sc!;
    this.sc = undefined;
    const req = this.req!;
    const keep =
      !extra &&
      this.mode === 'keep-alive' &&
      req.keepAlive &&
      this.resp!.keepAlive &&
      this.phase === 'waiting' &&
      c.alive;
    if (!keep) {
      c.owner = undefined;
      c.sock?.destroy();
    } else if (this.backend!.cfg.httpReuse === 'never') {
      c.rest();
      this.privateConn = c;
    } else putIdle(c);
    this.serverPaused = false;
    this.releaseConnector();
  }

  /** The whole response reached the client: log, then the next request or close. */
  private transactionDone(): void {
    this.respPhase = 'done';
    this.tx.emit(
      this.session,
      this.ctx,
      this.backend,
      this.session.server,
      this.resp!.status,
      this.clock.now(),
    );
    if (this.phase === 'waiting') this.finishTransaction();
    else {
      // The server answered before the request body was complete: the
      // connection cannot be resynchronised, it closes after the response.
      this.closeClient();
    }
  }

  /**
   * Picks the compression of the response to the request about to be sent
   * (compression.ts requestCompression()). The request side calls it once the
   * head is final, after the http-request rules, right before serialising it:
   * `compression offload` removes Accept-Encoding from what the server sees.
   */
  protected selectCompression(): void {
    this.compAlgo = requestCompression(this.req!, this.fe, this.backend!.cfg);
  }

  /**
   * canCompress(), and the request complete: a response that starts while the
   * request body is still being forwarded passes unchanged, so the server
   * connection can be released when its response ends.
   */
  private compressible(head: ResponseHead): boolean {
    return this.phase === 'waiting' && canCompress(this.req!, head, this.fe, this.backend!.cfg);
  }

  private startCompression(head: ResponseHead, algo: CompAlgo): void {
    compressedHead(head, algo);
    this.comp = new BodyCompressor(algo, head.bodyKind === 'chunked', this);
    this.session.client.once('close', this.dropCompressor);
  }

  /** Frees the compressor of an abandoned response (client gone, server or zlib error). */
  private readonly dropCompressor = (): void => {
    const comp = this.comp;
    if (!comp) return;
    this.comp = undefined;
    this.session.client.off('close', this.dropCompressor);
    comp.destroy();
  };

  onCompressed(frame: Buffer): void {
    const c = this.session.client;
    if (c.destroyed) return;
    this.bytes.countOut(frame.length);
    if (!c.write(frame)) {
      this.serverPaused = true;
      this.comp?.pause();
    }
  }

  onCompressorDrain(): void {
    const sock = this.sc?.sock;
    if (sock && !this.serverPaused) resumeRead(sock);
  }

  onCompressorEnd(): void {
    this.session.client.off('close', this.dropCompressor);
    this.comp = undefined;
    this.transactionDone();
  }

  onCompressorError(): void {
    this.dropCompressor();
    this.session.frontend.counters.internalErrors++;
    this.tx.terminate(this.session, 'P', 'D');
    this.dropServer();
    this.session.client.destroy();
  }

  /** The server half-closed (server sockets allow half-open, so no close follows by itself). */
  onServerEnd(conn: ServerConn): void {
    if (conn !== this.sc) return;
    if (this.respPhase === 'body' && this.resp?.bodyKind === 'until-close') {
      this.respFramer!.eof();
      this.responseDone(false);
      return;
    }
    conn.sock?.destroy();
  }

  onServerClose(conn: ServerConn, error: boolean): void {
    if (conn !== this.sc) return;
    this.sc = undefined;
    this.connector?.serverClosed();
    if (this.respPhase === 'head') {
      this.badResponse();
      return;
    }
    if (this.respPhase === 'body') {
      if (this.resp?.bodyKind === 'until-close' && !error) {
        this.respFramer!.eof();
        this.responseDone(false);
        return;
      }
      this.tx.terminate(this.session, 'S', 'D');
      this.countServerError();
      this.session.client.destroy();
    }
  }

  /** An invalid, truncated or missing response: 502 (configuration.txt 1.3.1), server connection closed. */
  protected badResponse(): void {
    this.session.server?.observe('http-rsp');
    this.tx.terminate(this.session, 'S', 'H');
    this.countServerError();
    this.dropServer();
    if (this.respStarted) this.session.client.destroy();
    else this.sendError(502);
  }

  protected startTunnel(head: ResponseHead, rest: Buffer | undefined): void {
    this.respStarted = true;
    this.tx.respAt = this.clock.now();
    const switched = serializeResponseHead(head);
    this.bytes.countOut(switched.length);
    this.session.client.write(switched);
    // Logged when the tunnel starts: %B counts the head sent; the tunnel's bytes go to the counters.
    this.tx.emit(this.session, this.ctx, this.backend, this.session.server, head.status, this.clock.now());
    const c = this.sc!;
    this.sc = undefined;
    this.phase = 'tunnel';
    this.cancelTimer();
    const fe = this.fe.timeouts;
    const be = this.backend!.cfg.timeouts;
    const idle = be.tunnel ?? minDefined(fe.client, be.server);
    const toServer = this.inBuf;
    this.inBuf = undefined;
    this.tunnel = new HttpTunnel(this.session, c, this.clock, idle, this.bytes, () => this.session.finish());
    this.tunnel.start(toServer, rest);
  }
}
