/**
 * hapair extension `hapair_transport udp [port N]`: the same VRRP packet
 * (RFC 3768 / RFC 5798 format, checksum included) carried in a UDP datagram,
 * for hosts where raw sockets are not allowed (no CAP_NET_RAW, containers,
 * clouds that drop protocol 112). Not interoperable with keepalived.
 *
 * Two sockets:
 *  - the receive socket is bound to `port` on `bind` (unicast default: the
 *    local address; multicast default: 0.0.0.0, the only binding that sees
 *    group traffic) and joins the group when there are no unicast peers;
 *  - the send socket is bound to the local address on an ephemeral port, so
 *    adverts leave from the local address and our own multicast copies are
 *    recognised by (source address, source port) even when several nodes share
 *    one address, as on loopback.
 *
 * UDP does not expose the received TTL, so `ttl` is undefined: the RFC's
 * "TTL must be 255" check cannot be made here; adverts are still sent with
 * TTL 255 so that a router hop in between shows in a capture.
 *
 * Peers are written `ADDR` (port = `port`) or `ADDR:PORT` / `[V6ADDR]:PORT`;
 * on one host, nodes on 127.0.0.2 and 127.0.0.3 (same port) or on 127.0.0.1
 * with different ports can talk to each other.
 */
import * as dgram from 'node:dgram';
import { isIP, isIPv6 } from 'node:net';
import { RuntimeCode, RuntimeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { AdvertPayload, ReceivedAdvert, VrrpTransport } from '../types.js';
import { interfaceAddress } from './iface.js';
import { SendErrorLog } from './send-log.js';

const VRRP_GROUP4 = '224.0.0.18';
/** RFC 5798 section 5.1.2.2. */
const VRRP_GROUP6 = 'ff02::12';
const VRRP_TTL = 255;

export interface UdpTransportOptions {
  readonly port: number;
  /** Address the receive socket binds to (see the file comment for defaults). */
  readonly bind?: string;
  /** Source address of our adverts; its family selects udp4 or udp6. */
  readonly localAddress: string;
  /** `ADDR`, `ADDR:PORT` or `[V6ADDR]:PORT`; empty = multicast. */
  readonly unicastPeers: readonly string[];
  readonly mcastGroup?: string;
  /** Interface for multicast membership and sending (vrrp_instance `interface`). */
  readonly interface?: string;
  readonly log: Logger;
}

export interface UdpPeer {
  readonly address: string;
  readonly port: number;
}

/** Parses one unicast peer; throws RuntimeError(ERR_VRRP_TRANSPORT) on a malformed entry. */
export function parseUdpPeer(text: string, defaultPort: number): UdpPeer {
  if (isIP(text) !== 0) return { address: text, port: defaultPort };
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const address = m?.[1] ?? '';
  const port = Number(m?.[2]);
  if (isIP(address) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RuntimeError(
      RuntimeCode.Transport,
      `unicast_peer "${text}": expected ADDR, ADDR:PORT or [V6ADDR]:PORT for hapair_transport udp`,
    );
  }
  return { address, port };
}

/** `fe80::1%eth0` → `fe80::1`: dgram reports link-local sources with their zone. */
function withoutZone(address: string): string {
  const i = address.indexOf('%');
  return i < 0 ? address : address.slice(0, i);
}

function bindSocket(sock: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    sock.once('error', onError);
    sock.bind({ port, address }, () => {
      sock.off('error', onError);
      resolve();
    });
  });
}

/** Address (udp4) or `::%IF` (udp6) naming the interface for multicast options. */
function multicastInterface(opts: UdpTransportOptions, v6: boolean): string {
  if (v6) return opts.interface !== undefined ? `::%${opts.interface}` : '::';
  return opts.interface !== undefined ? interfaceAddress(opts.interface, 4) : opts.localAddress;
}

/**
 * Binds both sockets and joins the group when multicast. Throws
 * RuntimeError(ERR_BIND_FAILED) when an address or port cannot be bound.
 */
export async function createUdpTransport(opts: UdpTransportOptions): Promise<VrrpTransport> {
  const v6 = isIPv6(opts.localAddress);
  const type = v6 ? 'udp6' : 'udp4';
  const peers = opts.unicastPeers.map((p) => parseUdpPeer(p, opts.port));
  const multicast = peers.length === 0;
  const group = opts.mcastGroup ?? (v6 ? VRRP_GROUP6 : VRRP_GROUP4);
  for (const p of multicast ? [{ address: group }] : peers) {
    if (isIPv6(p.address) !== v6) {
      throw new RuntimeError(
        RuntimeCode.Transport,
        `vrrp udp transport: ${p.address} and the local address ${opts.localAddress} differ in family`,
      );
    }
  }
  const mif = multicast ? multicastInterface(opts, v6) : '';
  const rx = dgram.createSocket({ type, reuseAddr: true });
  const tx = dgram.createSocket({ type });
  const rxAddress = opts.bind ?? (multicast ? (v6 ? '::' : '0.0.0.0') : opts.localAddress);
  try {
    await bindSocket(rx, opts.port, rxAddress);
    await bindSocket(tx, 0, opts.localAddress);
    tx.setTTL(VRRP_TTL);
    if (multicast) {
      tx.setMulticastTTL(VRRP_TTL);
      tx.setMulticastInterface(mif);
      rx.addMembership(group, mif);
    }
  } catch (cause) {
    rx.close();
    tx.close();
    const msg = cause instanceof Error ? cause.message : String(cause);
    throw new RuntimeError(
      RuntimeCode.BindFailed,
      `vrrp udp transport on ${rxAddress}:${opts.port} (sending from ${opts.localAddress}): ${msg}`,
      { cause },
    );
  }
  const destinations = multicast ? [{ address: group, port: opts.port }] : peers;
  return new UdpTransport(rx, tx, v6 ? 6 : 4, opts.localAddress, destinations, opts.log);
}

class UdpTransport implements VrrpTransport {
  private listener: ((adv: ReceivedAdvert) => void) | undefined;
  private readonly sendLog: SendErrorLog;
  private closing: Promise<void> | undefined;
  private readonly ownPort: number;
  private readonly ownAddress: string;
  private readonly rxDst: string;

  constructor(
    private readonly rx: dgram.Socket,
    private readonly tx: dgram.Socket,
    readonly family: 4 | 6,
    readonly localAddress: string,
    private readonly destinations: readonly UdpPeer[],
    private readonly log: Logger,
  ) {
    this.sendLog = new SendErrorLog(log);
    this.ownPort = tx.address().port;
    this.ownAddress = withoutZone(localAddress);
    const bound = rx.address().address;
    // A wildcard-bound socket cannot tell group traffic from unicast: '' = unknown.
    this.rxDst = bound === '0.0.0.0' || bound === '::' ? '' : bound;
    rx.on('message', (msg, rinfo) => this.receive(msg, rinfo));
    for (const s of [rx, tx]) s.on('error', (err) => this.log.error({ err }, 'VRRP udp socket error'));
  }

  onAdvert(cb: (adv: ReceivedAdvert) => void): void {
    this.listener = cb;
  }

  send(payload: AdvertPayload): void {
    for (const d of this.destinations) {
      // The address alone: the VRRPv3 pseudo-header has no port.
      const vrrp = typeof payload === 'function' ? payload(d.address) : payload;
      this.tx.send(vrrp, d.port, d.address, (err) => {
        if (err) this.sendLog.failed(`${d.address}:${d.port}`, err.message);
        else this.sendLog.ok(`${d.address}:${d.port}`);
      });
    }
  }

  close(): Promise<void> {
    this.closing ??= Promise.all(
      [this.rx, this.tx].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    ).then(() => undefined);
    return this.closing;
  }

  private receive(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (rinfo.port === this.ownPort && withoutZone(rinfo.address) === this.ownAddress) return;
    // dgram gives each message its own Buffer already; no copy needed.
    this.listener?.({ payload: msg, src: rinfo.address, dst: this.rxDst, ttl: undefined });
  }
}
