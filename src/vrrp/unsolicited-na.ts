/**
 * IPv6 counterpart of `arping -U`: unsolicited Neighbour Advertisements
 * (RFC 4861 section 7.2.6) telling the link that ADDRESS now lives at our MAC,
 * as keepalived sends for IPv6 VIPs (vrrp_ndisc.c). Debian has no tool for it
 * (ndisc6 only solicits), so this file is both the packet builder and a tiny
 * program the VIP driver runs through its CommandRunner, which keeps it off
 * the advert path and lets `ip netns exec` place it in a namespace:
 *
 *   node unsolicited-na.js IFNAME ADDRESS COUNT
 *
 * It sends COUNT adverts back to back to all-nodes ff02::1 with hop limit 255
 * (receivers drop anything else, RFC 4861 section 7.1.2) from the interface's
 * link-local address, then exits 0; a failure prints one line and exits 1.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as raw from 'raw-socket';
import { addressBytes } from './ip-bytes.js';
import { interfaceIndex } from './transport/iface.js';

const ICMPV6_PROTOCOL = 58;
const ND_NEIGHBOR_ADVERT = 136;
const ND_OPT_TARGET_LL_ADDR = 2;
const ALL_NODES = 'ff02::1';
const ND_HOP_LIMIT = 255;
/** Linux <linux/in6.h>; raw-socket exports none of these. */
const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const SOL_IPV6 = 41;
const IPV6_MULTICAST_IF = 17;
const IPV6_MULTICAST_HOPS = 18;

/**
 * The ICMPv6 message: NA with Override set, Router set when we forward, the
 * target, and a target link-layer address option. The checksum stays 0: Linux
 * always computes it for ICMPv6 raw sockets (ipv6(7), IPV6_CHECKSUM).
 */
export function buildUnsolicitedNa(target: string, mac: Buffer, router: boolean): Buffer {
  if (mac.length !== 6) throw new RangeError(`MAC of ${mac.length} bytes`);
  const na = Buffer.alloc(32);
  na[0] = ND_NEIGHBOR_ADVERT;
  na[4] = (router ? 0x80 : 0) | 0x20;
  addressBytes(target, 6).copy(na, 8);
  na[24] = ND_OPT_TARGET_LL_ADDR;
  na[25] = 1;
  mac.copy(na, 26);
  return na;
}

function readMac(ifname: string): Buffer {
  const text = readFileSync(`/sys/class/net/${ifname}/address`, 'utf8').trim();
  return Buffer.from(text.split(':').map((h) => Number.parseInt(h, 16)));
}

function forwarding(ifname: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/**
 * raw-socket's native wrapper is weak and its poll handle does not root it: a
 * socket referenced only by a pending send would be collected (closing it and
 * letting the process exit before sending). Strong references until closed.
 */
const liveSockets = new Set<raw.Socket>();

/** Opens the socket on `ifname`, sends `count` adverts, closes; rejects on any error. */
export async function sendUnsolicitedNa(ifname: string, target: string, count: number): Promise<void> {
  const ifindex = interfaceIndex(ifname);
  const na = buildUnsolicitedNa(target, readMac(ifname), forwarding(ifname));
  const sock = raw.createSocket({ protocol: ICMPV6_PROTOCOL, addressFamily: raw.AddressFamily.IPv6 });
  liveSockets.add(sock);
  try {
    const name = Buffer.from(`${ifname}\0`);
    sock.setOption(SOL_SOCKET, SO_BINDTODEVICE, name, name.length);
    sock.setOption(SOL_IPV6, IPV6_MULTICAST_IF, ifindex);
    sock.setOption(SOL_IPV6, IPV6_MULTICAST_HOPS, ND_HOP_LIMIT);
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve, reject) =>
        sock.send(na, 0, na.length, ALL_NODES, (err) => (err ? reject(err) : resolve())),
      );
    }
  } finally {
    sock.close();
    liveSockets.delete(sock);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const [ifname, target, countText] = argv;
  const count = Number(countText);
  if (ifname === undefined || target === undefined || !Number.isInteger(count) || count < 1 || count > 100) {
    throw new Error('usage: unsolicited-na IFNAME IPV6-ADDRESS COUNT(1-100)');
  }
  await sendUnsolicitedNa(ifname, target, count);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`unsolicited-na: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
