/**
 * VRRP over IP protocol 112 (RFC 3768 section 5.2, RFC 5798 section 5.1), IPv4
 * only, on a raw socket from raw-socket. Like keepalived (vrrp.c,
 * vrrp_build_ip4) we write the IPv4 header ourselves with IP_HDRINCL: raw-socket
 * cannot bind(), so writing the source address is the only way to honour
 * unicast_src_ip, and it puts TTL 255 and TOS 0xc0 on the wire exactly. The
 * kernel fills in the header checksum, the total length and the IP id.
 *
 * Receiving: a raw IPv4 socket delivers the IP header too, which is how we see
 * the TTL (RFC 3768 section 7.1: drop unless 255) and the destination.
 */
import { isIPv4 } from 'node:net';
import * as raw from 'raw-socket';
import { RuntimeCode, RuntimeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { AdvertPayload, ReceivedAdvert, VrrpTransport } from '../types.js';
import { interfaceAddress, interfaceIndex } from './iface.js';
import { SendErrorLog } from './send-log.js';

/** IANA protocol number of VRRP (RFC 3768 section 5.2.4). */
export const VRRP_PROTOCOL = 112;
/** IANA group for VRRP over IPv4 (RFC 3768 section 5.2.2). */
export const VRRP_GROUP4 = '224.0.0.18';
/** RFC 3768 section 5.2.3: sent with TTL 255, received only with TTL 255. */
const VRRP_TTL = 255;
/** Precedence "internetwork control" (RFC 791), keepalived's IPTOS_PREC_INTERNETCONTROL. */
const VRRP_TOS = 0xc0;
const IPV4_HEADER = 20;

/** Linux <linux/in.h>, <asm-generic/socket.h>: raw-socket exports none of these. */
const SOL_SOCKET = 1;
const SOL_IP = 0;
const SO_BINDTODEVICE = 25;
const IP_HDRINCL = 3;
const IP_MULTICAST_IF = 32;
const IP_MULTICAST_LOOP = 34;
const IP_ADD_MEMBERSHIP = 35;
const IP_MULTICAST_ALL = 49;

/**
 * raw-socket's native wrapper is weak and its poll handle does not root it: a
 * transport its owner forgot (keeping only the onAdvert callback) would be
 * collected and its socket closed without a word. Open sockets stay here until
 * close().
 */
const liveSockets = new Set<raw.Socket>();

export interface RawTransportOptions {
  readonly interface: string;
  readonly family: 4;
  /** unicast_src_ip / mcast_src_ip; default: the interface's primary IPv4 address. */
  readonly localAddress?: string;
  /** unicast_peer list; empty = multicast to `mcastGroup`. */
  readonly unicastPeers: readonly string[];
  /** vrrp_mcast_group4; default 224.0.0.18. */
  readonly mcastGroup?: string;
  readonly log: Logger;
}

/** struct ip_mreqn { in_addr imr_multiaddr; in_addr imr_address; int imr_ifindex; } (12 bytes). */
function ipMreqn(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(12);
  writeIpv4(b, 0, group);
  b.writeInt32LE(ifindex, 8);
  return b;
}

function writeIpv4(buf: Buffer, offset: number, address: string): void {
  const parts = address.split('.');
  for (let i = 0; i < 4; i++) buf[offset + i] = Number(parts[i]);
}

function readIpv4(buf: Buffer, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

/** One datagram: our IPv4 header (checksum, length and id left to the kernel) + the VRRP payload. */
export function buildIpv4Packet(src: string, dst: string, payload: Buffer): Buffer {
  const pkt = Buffer.alloc(IPV4_HEADER + payload.length);
  pkt[0] = 0x45;
  pkt[1] = VRRP_TOS;
  pkt.writeUInt16BE(pkt.length, 2);
  pkt[8] = VRRP_TTL;
  pkt[9] = VRRP_PROTOCOL;
  writeIpv4(pkt, 12, src);
  writeIpv4(pkt, 16, dst);
  payload.copy(pkt, IPV4_HEADER);
  return pkt;
}

/**
 * Splits a received IPv4 datagram into header facts and a copied payload, or
 * returns a reason string when it is not a well-formed IPv4 packet.
 */
export function parseIpv4Packet(buf: Buffer): ReceivedAdvert | string {
  if (buf.length < IPV4_HEADER) return `short packet (${buf.length} bytes)`;
  const b0 = buf[0] ?? 0;
  if (b0 >> 4 !== 4) return `IP version ${b0 >> 4}`;
  const ihl = (b0 & 0x0f) * 4;
  const total = Math.min(buf.readUInt16BE(2), buf.length);
  if (ihl < IPV4_HEADER || ihl > total) return `bad IP header length ${ihl}`;
  return {
    payload: Buffer.from(buf.subarray(ihl, total)),
    src: readIpv4(buf, 12),
    dst: readIpv4(buf, 16),
    ttl: buf[8],
  };
}

function openSocket(ifname: string): raw.Socket {
  try {
    return raw.createSocket({ protocol: VRRP_PROTOCOL, addressFamily: raw.AddressFamily.IPv4 });
  } catch (cause) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    if (/not permitted|permission denied/i.test(msg)) {
      throw new RuntimeError(
        RuntimeCode.NoPrivilege,
        `vrrp on ${ifname}: cannot open a raw IP protocol 112 socket (${msg}): run as root or with ` +
          'CAP_NET_RAW (and CAP_NET_ADMIN for the VIPs), e.g. systemd AmbientCapabilities=, ' +
          'or use `hapair_transport udp` in the vrrp_instance',
        { cause },
      );
    }
    throw new RuntimeError(RuntimeCode.Transport, `vrrp on ${ifname}: raw socket: ${msg}`, { cause });
  }
}

function configureSocket(sock: raw.Socket, ifname: string, ifindex: number, group?: string): void {
  const name = Buffer.from(`${ifname}\0`);
  sock.setOption(SOL_SOCKET, SO_BINDTODEVICE, name, name.length);
  sock.setOption(SOL_IP, IP_HDRINCL, 1);
  // Without this Linux hands us every group joined by any socket on the host
  // (a co-located keepalived's 224.0.0.18 membership, for one).
  sock.setOption(SOL_IP, IP_MULTICAST_ALL, 0);
  if (group === undefined) return;
  sock.setOption(SOL_IP, IP_MULTICAST_LOOP, 0);
  const mreq = ipMreqn(group, ifindex);
  sock.setOption(SOL_IP, IP_MULTICAST_IF, mreq, mreq.length);
  // Nothing sent to the group reaches a raw socket that has not joined it.
  sock.setOption(SOL_IP, IP_ADD_MEMBERSHIP, mreq, mreq.length);
}

/**
 * Opens the protocol-112 socket on `opts.interface`. Throws
 * RuntimeError(ERR_NO_PRIVILEGE) without CAP_NET_RAW and
 * RuntimeError(ERR_VRRP_TRANSPORT) for a missing interface or a refused option.
 */
export function createRawTransport(opts: RawTransportOptions): VrrpTransport {
  if (opts.family !== 4) {
    throw new RuntimeError(
      RuntimeCode.Transport,
      'VRRP over IPv6 raw transport not supported yet; use hapair_transport udp',
    );
  }
  const ifname = opts.interface;
  const ifindex = interfaceIndex(ifname);
  const localAddress = opts.localAddress ?? interfaceAddress(ifname, 4);
  const group = opts.mcastGroup ?? VRRP_GROUP4;
  const peers = [...opts.unicastPeers];
  for (const a of [localAddress, group, ...peers]) {
    if (!isIPv4(a)) {
      throw new RuntimeError(RuntimeCode.Transport, `vrrp on ${ifname}: "${a}" is not an IPv4 address`);
    }
  }
  const sock = openSocket(ifname);
  try {
    configureSocket(sock, ifname, ifindex, peers.length === 0 ? group : undefined);
  } catch (cause) {
    sock.close();
    const msg = cause instanceof Error ? cause.message : String(cause);
    throw new RuntimeError(RuntimeCode.Transport, `vrrp on ${ifname}: socket option refused: ${msg}`, {
      cause,
    });
  }
  return new RawTransport(sock, opts.log, localAddress, peers.length === 0 ? [group] : peers);
}

class RawTransport implements VrrpTransport {
  readonly family = 4 as const;
  private listener: ((adv: ReceivedAdvert) => void) | undefined;
  private dead: string | undefined;
  private readonly sendLog: SendErrorLog;
  private readonly closed: Promise<void>;

  constructor(
    private readonly sock: raw.Socket,
    private readonly log: Logger,
    readonly localAddress: string,
    private readonly destinations: readonly string[],
  ) {
    this.sendLog = new SendErrorLog(log);
    liveSockets.add(sock);
    this.closed = new Promise((resolve) =>
      sock.once('close', () => {
        liveSockets.delete(sock);
        resolve();
      }),
    );
    sock.on('message', (buf) => this.receive(buf));
    // raw-socket closes the socket after emitting 'error'; a later send() would
    // silently open a fresh socket without our options, so we refuse to send.
    sock.on('error', (err) => {
      this.dead = err.message;
      this.log.error({ err }, 'VRRP raw socket failed: no more adverts sent or received');
    });
  }

  onAdvert(cb: (adv: ReceivedAdvert) => void): void {
    this.listener = cb;
  }

  send(payload: AdvertPayload): void {
    if (this.dead !== undefined) {
      const why = this.dead === 'closed' ? 'socket closed' : `socket failed: ${this.dead}`;
      for (const dst of this.destinations) this.sendLog.failed(dst, why);
      return;
    }
    for (const dst of this.destinations) {
      const vrrp = typeof payload === 'function' ? payload(dst) : payload;
      const pkt = buildIpv4Packet(this.localAddress, dst, vrrp);
      this.sock.send(pkt, 0, pkt.length, dst, (e) =>
        e ? this.sendLog.failed(dst, e.message) : this.sendLog.ok(dst),
      );
    }
  }

  close(): Promise<void> {
    if (this.dead === undefined) {
      this.dead = 'closed';
      this.sock.close();
    }
    return this.closed;
  }

  private receive(buf: Buffer): void {
    const adv = parseIpv4Packet(buf);
    if (typeof adv === 'string') {
      this.log.debug({ reason: adv }, 'dropped non-IPv4 datagram on the VRRP socket');
      return;
    }
    if (adv.src === this.localAddress) return;
    this.listener?.(adv);
  }
}
