/**
 * Reads what certificate selection needs from a TLS ClientHello (RFC 8446
 * §4.1.2, RFC 5246 §7.4.1.2) before OpenSSL sees it: the server name (RFC
 * 6066 §3) and whether the client can verify ECDSA and RSA signatures. Node
 * gives its SNI callback the name only, while HAProxy's ClientHello callback
 * (ssl_clienthello.c) also picks between an ECDSA and an RSA certificate of
 * the same name from the signature_algorithms extension and the cipher list.
 *
 * Only a ClientHello held whole in its first record is read; anything else
 * (a fragmented hello, or bytes that are not TLS) is left to OpenSSL, which
 * then selects by name alone or fails the handshake.
 */

export type HelloScan =
  | { readonly kind: 'need-more' }
  | { readonly kind: 'unreadable' }
  | {
      readonly kind: 'hello';
      readonly sni: string | undefined;
      readonly ecdsa: boolean;
      readonly rsa: boolean;
    };

const NEED_MORE: HelloScan = { kind: 'need-more' };
const UNREADABLE: HelloScan = { kind: 'unreadable' };

/** RFC 8446 §5.1: a record carries at most 2^14 bytes (plus expansion for older versions). */
const MAX_RECORD = 16384 + 2048;

const EXT_SERVER_NAME = 0x0000;
const EXT_SIGNATURE_ALGORITHMS = 0x000d;

/**
 * Cipher suites authenticated by ECDSA (the IANA TLS registry's ECDHE_ECDSA
 * and ECDH_ECDSA suites), and TLS 1.3's 0x13xx suites, which any key may
 * authenticate: HAProxy counts both as making ECDSA usable.
 */
function ecdsaCapableSuite(s: number): boolean {
  if (s >> 8 === 0x13) return true;
  return (
    (s >= 0xc001 && s <= 0xc00a) ||
    (s >= 0xc023 && s <= 0xc026) ||
    (s >= 0xc02b && s <= 0xc02e) ||
    s === 0xc048 ||
    s === 0xc049 ||
    s === 0xc05c ||
    s === 0xc05d ||
    (s >= 0xc0ac && s <= 0xc0af) ||
    s === 0xcca9
  );
}

/** Scans the start of a client's byte stream for its ClientHello. */
export function scanClientHello(b: Buffer): HelloScan {
  if (b.length < 5) return b.length > 0 && b[0] !== 0x16 ? UNREADABLE : NEED_MORE;
  if (b[0] !== 0x16 || b[1] !== 0x03) return UNREADABLE;
  const recLen = b.readUInt16BE(3);
  if (recLen > MAX_RECORD) return UNREADABLE;
  if (b.length < 5 + recLen) return NEED_MORE;
  if (recLen < 4 || b[5] !== 0x01) return UNREADABLE;
  const helloLen = b.readUIntBE(6, 3);
  if (helloLen > recLen - 4) return UNREADABLE;
  try {
    return parseHello(b.subarray(9, 9 + helloLen));
  } catch {
    return UNREADABLE;
  }
}

/** The ClientHello body; a read past its end throws (caught above as unreadable). */
function parseHello(h: Buffer): HelloScan {
  let p = 2 + 32;
  p += 1 + h.readUInt8(p);
  const suitesLen = h.readUInt16BE(p);
  p += 2;
  let ecdsaSuite = false;
  for (let i = 0; i + 1 < suitesLen; i += 2) {
    if (ecdsaCapableSuite(h.readUInt16BE(p + i))) ecdsaSuite = true;
  }
  p += suitesLen;
  p += 1 + h.readUInt8(p);
  let sni: string | undefined;
  let sigalgs: Buffer | undefined;
  if (p + 2 <= h.length) {
    const end = p + 2 + h.readUInt16BE(p);
    p += 2;
    while (p + 4 <= end) {
      const type = h.readUInt16BE(p);
      const len = h.readUInt16BE(p + 2);
      const body = h.subarray(p + 4, p + 4 + len);
      if (body.length !== len) throw new RangeError('truncated extension');
      if (type === EXT_SERVER_NAME) sni = serverName(body);
      else if (type === EXT_SIGNATURE_ALGORITHMS) sigalgs = body.subarray(2, 2 + body.readUInt16BE(0));
      p += 4 + len;
    }
  }
  // Without signature_algorithms (before TLS 1.2) RSA is assumed, as HAProxy does.
  let ecdsa = false;
  let rsa = sigalgs === undefined;
  for (let i = 0; sigalgs && i + 1 < sigalgs.length; i += 2) {
    const hash = sigalgs[i]!;
    const sign = sigalgs[i + 1]!;
    if (sign === 1) rsa = true;
    else if (sign === 3) ecdsa = true;
    // RSA-PSS code points of TLS 1.3 (RFC 8446 §4.2.3): 0x0804-0x0806, 0x0809-0x080b.
    else if (hash === 0x08 && ((sign >= 4 && sign <= 6) || (sign >= 9 && sign <= 0x0b))) rsa = true;
  }
  return { kind: 'hello', sni, ecdsa: ecdsa && ecdsaSuite, rsa };
}

/** RFC 6066 §3: a list of (type, name) where type 0 is host_name. */
function serverName(body: Buffer): string | undefined {
  let p = 2;
  const end = 2 + body.readUInt16BE(0);
  while (p + 3 <= end) {
    const type = body.readUInt8(p);
    const len = body.readUInt16BE(p + 1);
    if (type === 0) return body.toString('latin1', p + 3, p + 3 + len);
    p += 3 + len;
  }
  return undefined;
}
