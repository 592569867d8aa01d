/**
 * Certificates named by `crt` on a bind line (configuration.txt 5.1 "crt"):
 * a PEM file holding the certificate, its chain and its private key, or a
 * directory whose files are all loaded in alphabetic order, except dot files
 * and the companions HAProxy reserves (`.key`, `.issuer`, `.ocsp`, `.sctl`).
 * A PEM file without a private key takes it from "<file>.key", as HAProxy
 * does with its default `ssl-load-extra-files all`.
 *
 * The names a certificate serves for SNI are its DNS subjectAltNames and its
 * CNs, lower-cased (HAProxy's ckch_inst_new_load_store() indexes both).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One loaded certificate: what a TLS context needs, and what SNI selection needs. */
export interface CertEntry {
  readonly file: string;
  /** The leaf certificate followed by its chain, PEM. */
  readonly chain: string;
  readonly key: string;
  /** DH parameters found in the file, if any. */
  readonly dhparam: string | undefined;
  /** Lower-cased DNS names (SANs, then CNs); wildcards keep their leading "*.". */
  readonly names: readonly string[];
  /** 'rsa', 'ec', 'ed25519', … (the leaf's public key type). */
  readonly keyType: string;
}

/** Extensions HAProxy skips when it loads a certificate directory (ssl_crtlist.c crtlist_load_cert_dir()). */
const RESERVED = ['.key', '.issuer', '.ocsp', '.sctl'];

/** The files `crt <path>` loads, in order; throws when the path cannot be read or the directory is empty. */
export function expandCrt(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((name) => !name.startsWith('.') && !RESERVED.some((ext) => name.endsWith(ext)))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => join(path, name))
    .filter((file) => statSync(file).isFile());
  if (files.length === 0) throw new Error(`directory '${path}' holds no certificate`);
  return files;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

function blocks(text: string): { label: string; pem: string }[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: m[0] }));
}

function keyOf(text: string, file: string): string | undefined {
  const keys = blocks(text).filter((b) => b.label.endsWith('PRIVATE KEY'));
  if (keys.length > 1) throw new Error(`'${file}' holds more than one private key`);
  const key = keys[0];
  if (key?.label === 'ENCRYPTED PRIVATE KEY')
    throw new Error(`the private key in '${file}' is encrypted (pass phrases are not supported)`);
  return key?.pem;
}

function readKeyCompanion(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(`${file}.key`, 'latin1');
  } catch {
    return undefined;
  }
  return keyOf(text, `${file}.key`);
}

/** SNI names of a certificate: DNS subjectAltNames, then every CN (X509Certificate prints one per line). */
function namesOf(cert: X509Certificate): string[] {
  const names: string[] = [];
  for (const part of (cert.subjectAltName ?? '').split(', ')) {
    if (part.startsWith('DNS:')) names.push(part.slice(4).toLowerCase());
  }
  for (const line of cert.subject.split('\n')) {
    if (line.startsWith('CN=')) names.push(line.slice(3).toLowerCase());
  }
  return [...new Set(names)];
}

/** Loads one certificate file; throws an Error whose message says what is wrong with it. */
export function loadCertificate(file: string): CertEntry {
  const text = readFileSync(file, 'latin1');
  const found = blocks(text);
  const certs = found.filter((b) => b.label === 'CERTIFICATE').map((b) => b.pem);
  if (certs.length === 0) throw new Error(`no certificate found in '${file}'`);
  const key = keyOf(text, file) ?? readKeyCompanion(file);
  if (key === undefined) throw new Error(`no private key found in '${file}' nor in '${file}.key'`);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certs[0]!);
  } catch (e) {
    throw new Error(`cannot parse the certificate in '${file}': ${(e as Error).message}`);
  }
  let matches: boolean;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey(key));
  } catch (e) {
    throw new Error(`cannot parse the private key of '${file}': ${(e as Error).message}`);
  }
  if (!matches) throw new Error(`the private key does not match the certificate in '${file}'`);
  return {
    file,
    chain: `${certs.join('\n')}\n`,
    key,
    dhparam: found.find((b) => b.label === 'DH PARAMETERS')?.pem,
    names: namesOf(leaf),
    keyType: leaf.publicKey.asymmetricKeyType ?? 'unknown',
  };
}
