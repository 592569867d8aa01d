/**
 * PROXY protocol header sent ahead of a check when `check-send-proxy` (or a
 * `tcp-check connect send-proxy` rule) asks for it, as HAProxy does so that
 * servers requiring the header accept check connections. Format: the PROXY
 * protocol specification (haproxy doc/proxy-protocol.txt), v1 text and v2 binary.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** v2 signature: \r\n\r\n\0\r\nQUIT\n (section 2.2). */
const V2_SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

export interface Endpoints {
  readonly srcAddr?: string;
  readonly srcPort?: number;
  readonly dstAddr?: string;
  readonly dstPort?: number;
}

function stripMapped(addr: string): string {
  return addr.startsWith('::ffff:') && isIPv4(addr.slice(7)) ? addr.slice(7) : addr;
}

export function proxyHeader(version: 1 | 2, ep: Endpoints): Buffer {
  const src4 = ep.srcAddr !== undefined ? stripMapped(ep.srcAddr) : undefined;
  const dst4 = ep.dstAddr !== undefined ? stripMapped(ep.dstAddr) : undefined;
  // IPv4 when both ends are IPv4 (or IPv4-mapped), IPv6 when both are IPv6, UNKNOWN otherwise.
  if (src4 && dst4 && isIPv4(src4) && isIPv4(dst4)) {
    return version === 1 ? v1(4, src4, dst4, ep) : v2(4, src4, dst4, ep);
  }
  const six = ep.srcAddr && ep.dstAddr && isIPv6(ep.srcAddr) && isIPv6(ep.dstAddr);
  const fam = six ? 6 : 0;
  return version === 1 ? v1(fam, ep.srcAddr, ep.dstAddr, ep) : v2(fam, ep.srcAddr, ep.dstAddr, ep);
}

function v1(fam: 0 | 4 | 6, src: string | undefined, dst: string | undefined, ep: Endpoints): Buffer {
  if (fam === 0) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  const proto = fam === 4 ? 'TCP4' : 'TCP6';
  return Buffer.from(`PROXY ${proto} ${src} ${dst} ${ep.srcPort ?? 0} ${ep.dstPort ?? 0}\r\n`, 'latin1');
}

function v2(fam: 0 | 4 | 6, src: string | undefined, dst: string | undefined, ep: Endpoints): Buffer {
  // Command PROXY (0x21); family/transport: 0x11 TCP over IPv4, 0x21 TCP over IPv6, 0x00 UNSPEC.
  if (fam === 0) return Buffer.concat([V2_SIG, Buffer.from([0x21, 0x00, 0x00, 0x00])]);
  const alen = fam === 4 ? 4 : 16;
  const body = Buffer.alloc(alen * 2 + 4);
  ipBytes(src ?? '', fam).copy(body, 0);
  ipBytes(dst ?? '', fam).copy(body, alen);
  body.writeUInt16BE(ep.srcPort ?? 0, alen * 2);
  body.writeUInt16BE(ep.dstPort ?? 0, alen * 2 + 2);
  const head = Buffer.from([0x21, fam === 4 ? 0x11 : 0x21, 0, 0]);
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([V2_SIG, head, body]);
}

function ipBytes(addr: string, fam: 4 | 6): Buffer {
  if (fam === 4) return Buffer.from(addr.split('.').map((x) => Number(x)));
  const last = addr.lastIndexOf(':');
  if (addr.includes('.', last)) {
    // IPv4-embedded tail (`::ffff:192.0.2.1`): rewrite it as two hex groups.
    const b = Buffer.from(
      addr
        .slice(last + 1)
        .split('.')
        .map((x) => Number(x)),
    );
    return ipBytes(
      `${addr.slice(0, last + 1)}${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`,
      6,
    );
  }
  const [headPart = '', tailPart] = addr.split('::');
  const head = headPart === '' ? [] : headPart.split(':');
  const tail = tailPart === undefined || tailPart === '' ? [] : tailPart.split(':');
  const groups =
    tailPart === undefined ? head : [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return out;
}
