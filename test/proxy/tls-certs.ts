/**
 * Test certificates made with the `openssl` CLI in a temporary directory:
 * private CAs and leaf certificates (ECDSA P-256 or RSA-2048) for chosen
 * names, written as HAProxy expects them (certificate and key in one PEM
 * file, or the key beside it as "<file>.key"). Nothing is kept afterwards.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeyType = 'ec' | 'rsa';

export interface Ca {
  readonly cert: string;
  readonly key: string;
}

export interface Leaf {
  /** The PEM file to give to `crt` (certificate, then key unless `keyApart`). */
  readonly pem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function genKey(file: string, type: KeyType): void {
  if (type === 'ec')
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
  else openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file]);
}

export class TestPki {
  readonly dir: string;
  private serial = 1;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'hapair-tls-'));
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** A self-signed CA certificate. */
  ca(name: string, type: KeyType = 'ec'): Ca {
    const key = this.path(`${name}.key`);
    const cert = this.path(`${name}.pem`);
    genKey(key, type);
    openssl(['req', '-x509', '-new', '-key', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`]);
    return { cert, key };
  }

  /**
   * A certificate for `cn` (and `sans` as DNS subjectAltNames) signed by `ca`,
   * or self-signed without one, written to `file` under the pki directory.
   */
  leaf(
    file: string,
    opts: { cn: string; sans?: readonly string[]; type?: KeyType; ca?: Ca; keyApart?: boolean },
  ): Leaf {
    const type = opts.type ?? 'ec';
    const tmp = this.path(`.${this.serial}`);
    mkdirSync(tmp);
    const key = join(tmp, 'k.pem');
    const cert = join(tmp, 'c.pem');
    genKey(key, type);
    const sans = opts.sans ?? [opts.cn];
    // No subjectAltName at all when `sans` is empty: the CN alone names the certificate.
    const san = sans.length > 0 ? `subjectAltName=${sans.map((n) => `DNS:${n}`).join(',')}` : '';
    const ext = join(tmp, 'ext.cnf');
    writeFileSync(ext, `basicConstraints=CA:FALSE\n${san}\n`);
    if (opts.ca) {
      const csr = join(tmp, 'r.csr');
      openssl(['req', '-new', '-key', key, '-out', csr, '-subj', `/CN=${opts.cn}`]);
      openssl([
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        opts.ca.cert,
        '-CAkey',
        opts.ca.key,
        '-set_serial',
        String(this.serial),
        '-days',
        '2',
        '-extfile',
        ext,
        '-out',
        cert,
      ]);
    } else {
      const addext = san ? ['-addext', san] : [];
      openssl([
        'req',
        '-x509',
        '-new',
        '-key',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        `/CN=${opts.cn}`,
        ...addext,
      ]);
    }
    this.serial++;
    const certPem = readFileSync(cert, 'utf8');
    const keyPem = readFileSync(key, 'utf8');
    const pem = this.path(file);
    if (opts.keyApart) {
      writeFileSync(pem, certPem);
      writeFileSync(`${pem}.key`, keyPem);
    } else writeFileSync(pem, certPem + keyPem);
    rmSync(tmp, { recursive: true, force: true });
    return { pem, certPem, keyPem };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
