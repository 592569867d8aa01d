/**
 * The TLS handshake of a connection accepted on an `ssl` bind, after the
 * `tcp-request connection` rules and the PROXY header, before the connection
 * becomes a session (HAProxy's connection handshakes, session.c
 * conn_complete_session()). It runs under `timeout client`, counted from the
 * accept as HAProxy's single handshake timer is.
 *
 * The ClientHello is read first on the plain socket, to choose the
 * certificate as HAProxy does (client-hello.ts); the TLS socket is then
 * layered over it and given those bytes. A handshake that fails — bytes that
 * are not TLS, no common protocol or cipher, a client closing — closes that
 * connection only, is logged at debug level and, when TLS itself failed,
 * counted in the frontend's ssl_failed_handshake.
 */
import tls from 'node:tls';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { type ReadSink, resumeRead } from '../conn.js';
import type { Session } from '../session.js';
import type { BindTls } from './bind-tls.js';
import { type HelloScan, scanClientHello } from './client-hello.js';
import { feedTls, layerTls, releaseControl } from './layer.js';

const ignore = (): void => {};

export class TlsHandshake implements ReadSink {
  private readonly session: Session;
  private readonly bt: BindTls;
  private readonly done: (s: Session) => void;
  /** Bytes read before the TLS socket exists (the ClientHello). */
  private hello: Buffer | undefined;
  private scan: HelloScan | undefined;
  private sock: tls.TLSSocket | undefined;
  private timer: TimerHandle | undefined;
  private secured = false;
  private over = false;

  constructor(session: Session, bt: BindTls, done: (s: Session) => void) {
    this.session = session;
    this.bt = bt;
    this.done = done;
  }

  /** Reads the ClientHello, then runs the handshake; `timeoutMs` counts from the accept. */
  start(clock: Clock, timeoutMs: number | undefined): void {
    const s = this.session;
    s.clientPort.sink = this;
    s.client.once('end', this.onEnd);
    s.client.once('close', this.onClose);
    if (timeoutMs !== undefined) {
      const left = Math.max(1, s.acceptedAt + timeoutMs - clock.now());
      this.timer = clock.setTimeout(this.onTimeout, left);
    }
    const pending = s.pending;
    s.pending = undefined;
    if (pending && pending.length > 0 && !this.addHello(pending)) return;
    resumeRead(s.client);
  }

  /** Accumulates ClientHello bytes; false once enough is known to start TLS (which starts on the next tick). */
  private addHello(chunk: Buffer): boolean {
    this.hello = this.hello ? Buffer.concat([this.hello, chunk]) : Buffer.from(chunk);
    const scan = scanClientHello(this.hello);
    if (scan.kind === 'need-more') return true;
    this.scan = scan;
    // Layering TLS from inside the plain socket's read callback would swap its reader mid-read.
    process.nextTick(this.layer);
    return false;
  }

  onData(n: number, buf: Buffer): boolean {
    if (!this.sock) return this.addHello(buf.subarray(0, n));
    // Decrypted bytes before the mode handler took the connection: kept for it.
    const s = this.session;
    const chunk = buf.subarray(0, n);
    s.pending = s.pending ? Buffer.concat([s.pending, chunk]) : Buffer.from(chunk);
    return false;
  }

  private readonly layer = (): void => {
    const s = this.session;
    const raw = s.client;
    if (this.over || raw.destroyed) return;
    raw.off('end', this.onEnd);
    raw.off('close', this.onClose);
    const scan = this.scan;
    const chosen = scan?.kind === 'hello' ? this.bt.select(scan.sni, scan.ecdsa, scan.rsa) : undefined;
    const sock = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: chosen ?? this.bt.defaultContext,
      // The name was read ahead: OpenSSL only needs to look it up when the hello could not be.
      ...(scan?.kind !== 'hello' && { SNICallback: this.bt.sni }),
      requestCert: false,
      rejectUnauthorized: false,
      ...(this.bt.alpn && { ALPNProtocols: this.bt.alpn }),
    });
    this.sock = sock;
    layerTls(sock, raw, s.clientPort.onread);
    s.useTlsClient(sock);
    // Errors after the handshake belong to the mode handler; none may go unheard.
    sock.on('error', ignore);
    sock.on('error', this.onError);
    sock.once('end', this.onEnd);
    sock.once('secure', this.onSecure);
    sock.once('close', this.onClose);
    const hello = this.hello!;
    this.hello = undefined;
    feedTls(sock, hello);
  };

  private readonly onSecure = (): void => {
    const sock = this.sock!;
    this.stopWaiting();
    if (sock.destroyed) return;
    releaseControl(sock);
    this.secured = true;
    const servername = (sock as { servername?: string | false | null }).servername;
    this.session.tls = {
      sni: typeof servername === 'string' && servername !== '' ? servername : undefined,
      protocol: sock.getProtocol() ?? '',
      cipher: sock.getCipher().name,
      alpn: typeof sock.alpnProtocol === 'string' ? sock.alpnProtocol : undefined,
    };
    const c = this.bt.counters;
    c.sslSess++;
    if (sock.isSessionReused()) c.sslReusedSess++;
    // The mode handler resumes reading once it has set its own sink. Until
    // then, what this read still decrypts goes to `pending`: the hand-over
    // waits for the end of the read (setImmediate, not nextTick, which would
    // run between two records of the same read).
    sock.pause();
    setImmediate(this.done, this.session);
  };

  private readonly onError = (err: Error): void => {
    if (this.secured) return;
    this.bt.counters.sslFailedHandshake++;
    const reason = (err as { reason?: string }).reason ?? err.message;
    this.fail(`SSL handshake failure: ${reason}`);
  };

  private readonly onEnd = (): void => {
    if (!this.secured) this.fail('connection closed during SSL handshake');
  };

  private readonly onTimeout = (): void => {
    this.timer = undefined;
    this.fail('timeout during SSL handshake');
  };

  private readonly onClose = (): void => {
    this.stopWaiting();
  };

  private stopWaiting(): void {
    this.over = true;
    this.timer?.cancel();
    this.timer = undefined;
    const sock = this.sock;
    sock?.off('error', this.onError);
    sock?.off('end', this.onEnd);
  }

  private fail(reason: string): void {
    this.stopWaiting();
    const s = this.session;
    s.frontend.log.debug(
      { src: s.conn.srcAddr, bind: this.bt.bind.addr.text, reason },
      'TLS handshake failed',
    );
    s.client.destroy();
  }
}
