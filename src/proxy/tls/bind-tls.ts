/**
 * TLS termination settings of a frontend's `ssl` binds (configuration.txt
 * 5.1 "crt", "alpn", "ciphers", "ssl-min-ver"): the TLS contexts of each
 * bind and the SNI selection among them. Certificates are loaded once per
 * engine; a file that cannot be used is a ConfigError at start-up naming the
 * bind line.
 *
 * SNI (HAProxy's ssl_sock_switchctx_cbk()): a certificate whose CN or
 * subjectAltName equals the requested name, else one whose wildcard
 * ("*.example.test") covers its first label, else the bind's first
 * certificate, which is also served when the client sends no SNI. When
 * certificates of different key types (RSA, ECDSA) serve the same name, the
 * ClientHello's signature algorithms choose (client-hello.ts), as HAProxy
 * does.
 */
import tls from 'node:tls';
import type { BindConfig, Mode, ProxyConfig } from '../../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';
import { type CertEntry, expandCrt, loadCertificate } from './certificates.js';
import { TLS_LAYER_UNSUPPORTED, tlsLayerSupported } from './layer.js';

/** HAProxy's SSL statistics of a frontend (stats module "ssl": ssl_sess, ssl_reused_sess, ssl_failed_handshake). */
export interface TlsCounters {
  sslSess: number;
  sslReusedSess: number;
  sslFailedHandshake: number;
}

/** `ssl-min-ver` values → Node's names. SSLv3 is refused by the loader (bind-keywords.ts). */
const NODE_VERSIONS: Readonly<Record<string, tls.SecureVersion>> = {
  'TLSv1.0': 'TLSv1',
  'TLSv1.1': 'TLSv1.1',
  'TLSv1.2': 'TLSv1.2',
  'TLSv1.3': 'TLSv1.3',
};

/** Node's default TLS 1.3 suites, kept when `ciphers` (a TLS ≤ 1.2 list in HAProxy) is set. */
const TLS13_SUITES = tls.DEFAULT_CIPHERS.split(':')
  .filter((c) => c.startsWith('TLS_'))
  .join(':');

/**
 * The cipher option Node expects for HAProxy's `ciphers`: Node applies one
 * string to both TLS ≤ 1.2 ciphers and TLS 1.3 suites, and a list without
 * suites would disable TLS 1.3, which HAProxy's `ciphers` never does.
 */
export function nodeCiphers(ciphers: string): string {
  return ciphers.split(':').some((c) => c.startsWith('TLS_')) ? ciphers : `${TLS13_SUITES}:${ciphers}`;
}

type SniCallback = (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => void;

export class BindTls {
  readonly bind: BindConfig;
  readonly counters: TlsCounters;
  readonly defaultContext: tls.SecureContext;
  readonly alpn: string[] | undefined;
  private readonly contexts = new Map<CertEntry, tls.SecureContext>();
  /** Certificates by name, in load order; wildcards by the domain after "*.". */
  private readonly exact = new Map<string, CertEntry[]>();
  private readonly wildcard = new Map<string, CertEntry[]>();

  constructor(bind: BindConfig, certs: readonly CertEntry[], counters: TlsCounters) {
    const ssl = bind.ssl!;
    this.bind = bind;
    this.counters = counters;
    this.alpn = ssl.alpn?.split(',').filter((p) => p.length > 0);
    const opts: tls.SecureContextOptions = {
      honorCipherOrder: true,
      ...(ssl.ciphers !== undefined && { ciphers: nodeCiphers(ssl.ciphers) }),
      ...(ssl.minVer !== undefined && { minVersion: NODE_VERSIONS[ssl.minVer] }),
    };
    for (const c of certs) {
      if (!this.contexts.has(c)) this.contexts.set(c, createContext(bind, c, opts));
      for (const name of c.names) {
        const map = name.startsWith('*.') ? this.wildcard : this.exact;
        const key = name.startsWith('*.') ? name.slice(2) : name;
        const list = map.get(key) ?? [];
        if (!list.includes(c)) list.push(c);
        map.set(key, list);
      }
    }
    this.defaultContext = this.contexts.get(certs[0]!)!;
  }

  private certsFor(servername: string): CertEntry[] | undefined {
    const name = servername.toLowerCase();
    const exact = this.exact.get(name);
    if (exact) return exact;
    const dot = name.indexOf('.');
    return dot > 0 ? this.wildcard.get(name.slice(dot + 1)) : undefined;
  }

  /**
   * The context for a ClientHello (ssl_sock_choose_sni_ctx()): among the
   * certificates of the name, ECDSA when the client verifies ECDSA, else RSA
   * when it verifies RSA, else another key type, else any. Undefined: the
   * default context.
   */
  select(servername: string | undefined, ecdsa: boolean, rsa: boolean): tls.SecureContext | undefined {
    const list = servername ? this.certsFor(servername) : undefined;
    if (!list) return undefined;
    const of = (type: string) => list.find((c) => c.keyType === type);
    const pick =
      (ecdsa ? of('ec') : undefined) ??
      (rsa ? of('rsa') : undefined) ??
      list.find((c) => c.keyType !== 'ec' && c.keyType !== 'rsa') ??
      of('ec') ??
      list[0]!;
    return this.contexts.get(pick);
  }

  /** SNI callback for a ClientHello that could not be read ahead: the name's first certificate. */
  readonly sni: SniCallback = (servername, cb) => {
    const list = this.certsFor(servername);
    cb(null, list ? this.contexts.get(list[0]!) : undefined);
  };
}

function createContext(bind: BindConfig, c: CertEntry, opts: tls.SecureContextOptions): tls.SecureContext {
  try {
    return tls.createSecureContext({
      ...opts,
      cert: c.chain,
      key: c.key,
      ...(c.dhparam !== undefined && { dhparam: c.dhparam }),
    });
  } catch (e) {
    throw new ConfigError(
      ConfigCode.BadArgs,
      bind.loc,
      'bind',
      `TLS setup failed for '${c.file}': ${message(e)}`,
    );
  }
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The `ssl` binds of one frontend, and the frontend's SSL counters. */
export class FrontendTls {
  readonly counters: TlsCounters = { sslSess: 0, sslReusedSess: 0, sslFailedHandshake: 0 };
  private readonly binds = new Map<BindConfig, BindTls>();

  constructor(cfg: ProxyConfig) {
    const loaded = new Map<string, CertEntry>();
    for (const bind of cfg.binds) {
      if (!bind.ssl) continue;
      if (!tlsLayerSupported())
        throw new ConfigError(ConfigCode.Unsupported, bind.loc, 'ssl', TLS_LAYER_UNSUPPORTED);
      checkAlpn(bind, cfg.mode);
      const certs = bind.ssl.crt.flatMap((path) => loadCrt(bind, path, loaded));
      this.binds.set(bind, new BindTls(bind, certs, this.counters));
    }
  }

  /** The TLS settings of `bind`, undefined when it does not terminate TLS. */
  forBind(bind: BindConfig): BindTls | undefined {
    return this.binds.get(bind);
  }
}

/** ALPN "h2" promises HTTP/2, which mode http does not serve yet; mode tcp only relays the bytes. */
function checkAlpn(bind: BindConfig, mode: Mode): void {
  const protos = bind.ssl?.alpn?.split(',') ?? [];
  if (mode === 'http' && protos.includes('h2')) {
    throw new ConfigError(
      ConfigCode.Unsupported,
      bind.loc,
      'alpn',
      "'h2' is not supported in mode http: HTTP/2 is not served yet (use 'alpn http/1.1')",
    );
  }
}

function loadCrt(bind: BindConfig, path: string, loaded: Map<string, CertEntry>): CertEntry[] {
  try {
    return expandCrt(path).map((file) => {
      let c = loaded.get(file);
      if (!c) {
        c = loadCertificate(file);
        loaded.set(file, c);
      }
      return c;
    });
  } catch (e) {
    throw new ConfigError(ConfigCode.Io, bind.loc, 'crt', `cannot load '${path}': ${message(e)}`);
  }
}
