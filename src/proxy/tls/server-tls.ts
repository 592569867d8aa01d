/**
 * TLS toward a server with `ssl` (configuration.txt 5.2 "ssl", "verify",
 * "ca-file", "sni"). The TLS client is layered over the connector's socket,
 * after the PROXY header when there is one, and the whole handshake is part
 * of the connection attempt: a certificate that fails verification is a
 * connect failure, with retries and redispatch, and its reason is logged.
 *
 * Verification follows HAProxy: with `verify required` the chain must lead
 * to a CA of `ca-file`, and the certificate's names are checked against the
 * name `sni` gave for this connection; without a name they are not checked.
 * TLS sessions are kept per server and name and offered again (HAProxy
 * reuses server sessions unless `no-ssl-reuse`).
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { ServerConfig } from '../../config/haproxy/model.js';
import type { Logger } from '../../core/logger.js';
import type { SampleContext } from '../acl/types.js';
import { layerTls } from './layer.js';
import { compileSni, type SniExpr } from './sni-expr.js';

/** Reads a `ca-file`; throws when it is not empty yet holds no PEM certificate. */
export function readCaFile(path: string): string {
  const text = readFileSync(path, 'latin1');
  if (text.trim() !== '' && !text.includes('-----BEGIN CERTIFICATE-----'))
    throw new Error(`'${path}' holds no PEM certificate`);
  return text;
}

/** The per-server TLS client setup, built on the first connection. */
export class ServerTls {
  readonly verify: boolean;
  readonly context: tls.SecureContext;
  readonly sni: SniExpr | undefined;
  private readonly sessions = new Map<string, Buffer>();

  constructor(cfg: ServerConfig, log: Logger) {
    const ssl = cfg.ssl!;
    this.verify = ssl.verify === 'required';
    let ca: string | undefined;
    if (ssl.caFile !== undefined) {
      try {
        ca = readCaFile(ssl.caFile);
      } catch (e) {
        // The loader read it at start-up; it went away since. Verification will fail and say so.
        log.error({ caFile: ssl.caFile, reason: (e as Error).message }, 'cannot read the CA file');
        ca = '';
      }
    }
    this.context = tls.createSecureContext(ca !== undefined ? { ca } : {});
    this.sni = ssl.sni !== undefined ? compileSni(ssl.sni, cfg.loc) : undefined;
  }

  /** The name for this connection (`sni`), undefined for none; RFC 6066 §3: never an IP address. */
  serverName(ctx: SampleContext | undefined): string | undefined {
    const name = this.sni?.(ctx);
    return name !== undefined && net.isIP(name) === 0 ? name : undefined;
  }

  /**
   * Whether an idle connection may carry a request that wants `name`: HAProxy
   * keys reusable server connections by their SNI, so a connection opened for
   * one name never serves another.
   */
  mayReuse(sock: net.Socket, name: string | undefined): boolean {
    const sent = (sock as { servername?: unknown }).servername;
    return (typeof sent === 'string' && sent !== '' ? sent : undefined) === name;
  }

  /**
   * Starts TLS over `raw` (connecting or connected), sending `name`. The
   * returned socket emits 'secureConnect' once the server is verified,
   * 'error' otherwise; a failure after the TCP connection succeeded is
   * logged on `log`.
   */
  connect(raw: net.Socket, name: string | undefined, onread: net.OnReadOpts, log: Logger): tls.TLSSocket {
    const key = name ?? '';
    const session = this.sessions.get(key);
    const sock = tls.connect({
      socket: raw,
      secureContext: this.context,
      rejectUnauthorized: this.verify,
      ...(name !== undefined && { servername: name }),
      checkServerIdentity: (_host, cert) => (name ? tls.checkServerIdentity(name, cert) : undefined),
      ...(session && { session }),
    });
    layerTls(sock, raw, onread);
    let tcpUp = false;
    raw.once('connect', () => {
      tcpUp = true;
    });
    const onError = (err: Error) => {
      if (tcpUp) log.info({ reason: `TLS: ${err.message}` }, 'TLS connection to server failed');
    };
    sock.on('error', onError);
    sock.once('secureConnect', () => sock.off('error', onError));
    sock.on('session', (s: Buffer) => this.sessions.set(key, s));
    return sock;
  }
}

const setups = new WeakMap<ServerConfig, ServerTls>();

/** The TLS setup of a server with `ssl`, shared by its connections. */
export function serverTls(cfg: ServerConfig, log: Logger): ServerTls {
  let st = setups.get(cfg);
  if (!st) {
    st = new ServerTls(cfg, log);
    setups.set(cfg, st);
  }
  return st;
}
