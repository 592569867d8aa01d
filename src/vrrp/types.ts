/**
 * Seams of the VRRP engine: the transport (raw IP 112 or UDP) and the VIP
 * driver. Tests may fake exactly these (ARCHITECTURE.md, "Seams").
 */
import type { VirtualAddress } from '../config/keepalived/model.js';

export interface ReceivedAdvert {
  /** The VRRP packet itself (no IP header), copied: safe to keep. */
  readonly payload: Buffer;
  /** Source IP address of the sender. */
  readonly src: string;
  /** Destination IP address (multicast group or our unicast address); '' when unknown. */
  readonly dst: string;
  /** IP TTL / hop limit as received; undefined when the transport cannot see it (UDP). */
  readonly ttl: number | undefined;
}

/**
 * One advert as handed to a transport: the same bytes for every destination,
 * or a function giving the bytes for one destination address (no port, no
 * brackets). VRRPv3 needs the function with unicast peers: its checksum
 * covers the IP destination (RFC 5798 §5.2.8), so each peer gets its own, as
 * keepalived computes it per peer (vrrp.c vrrp_send_pkt).
 */
export type AdvertPayload = Buffer | ((dst: string) => Buffer);

export interface VrrpTransport {
  /** Address family the transport carries. */
  readonly family: 4 | 6;
  /** The primary address adverts are sent from (for tie-breaks and the v3 pseudo-header). */
  readonly localAddress: string;
  /** Sends one VRRP packet to the multicast group or to each unicast peer. */
  send(payload: AdvertPayload): void;
  onAdvert(cb: (adv: ReceivedAdvert) => void): void;
  close(): Promise<void>;
}

export interface VipDriver {
  /** Adds the addresses (idempotent: an address already present is not an error). */
  add(vips: readonly VirtualAddress[], defaultDev: string): Promise<void>;
  /** Removes the addresses (idempotent). */
  remove(vips: readonly VirtualAddress[], defaultDev: string): Promise<void>;
  /** Gratuitous ARP / unsolicited NA for the addresses, asynchronously; never blocks adverts. */
  announce(vips: readonly VirtualAddress[], defaultDev: string): void;
}
