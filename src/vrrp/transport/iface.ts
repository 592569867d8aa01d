/**
 * Interface facts the transports need at startup: the kernel's interface index
 * and the interface's primary address. Both are read from the calling
 * process's own network namespace (sysfs and getifaddrs), so a process meant
 * for a namespace must itself run inside it (`ip netns exec`).
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { RuntimeCode, RuntimeError } from '../../core/errors.js';

/**
 * Index of `ifname` from /sys/class/net/IF/ifindex. Reading sysfs is cheap and
 * synchronous-safe at startup, unlike systeminformation's interface scan,
 * which blocks the event loop for a long time.
 */
export function interfaceIndex(ifname: string): number {
  if (ifname === '' || ifname.includes('/') || ifname.startsWith('.')) {
    throw new RuntimeError(RuntimeCode.Transport, `interface "${ifname}": not a valid interface name`);
  }
  let text: string;
  try {
    text = readFileSync(`/sys/class/net/${ifname}/ifindex`, 'utf8');
  } catch (cause) {
    throw new RuntimeError(
      RuntimeCode.Transport,
      `interface ${ifname}: not found in this network namespace`,
      {
        cause,
      },
    );
  }
  const index = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(index) || index <= 0) {
    throw new RuntimeError(RuntimeCode.Transport, `interface ${ifname}: unreadable ifindex "${text.trim()}"`);
  }
  return index;
}

/**
 * The first address of `family` on `ifname`: the kernel lists the primary
 * address of a subnet before its secondaries, which is the address keepalived
 * uses as the advert source when no unicast_src_ip / mcast_src_ip is set.
 * IPv6 prefers a link-local address, as RFC 5798 section 5.1.2.1 requires for
 * the source of VRRPv3 adverts over IPv6.
 */
export function interfaceAddress(ifname: string, family: 4 | 6): string {
  const entries = networkInterfaces()[ifname];
  if (entries === undefined) {
    throw new RuntimeError(RuntimeCode.Transport, `interface ${ifname}: not found in this network namespace`);
  }
  const wanted = family === 4 ? 'IPv4' : 'IPv6';
  const candidates = entries.filter((e) => e.family === wanted);
  const pick =
    family === 6 ? (candidates.find((e) => e.address.startsWith('fe80:')) ?? candidates[0]) : candidates[0];
  if (pick === undefined) {
    throw new RuntimeError(RuntimeCode.Transport, `interface ${ifname}: has no IPv${family} address`);
  }
  return pick.address;
}
