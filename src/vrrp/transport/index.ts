/**
 * Picks the transport a vrrp_instance asked for: IP protocol 112 (keepalived's
 * wire format, the default) or the hapair_transport udp extension.
 */
import type { VrrpInstance } from '../../config/keepalived/model.js';
import { RuntimeCode, RuntimeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { VrrpTransport } from '../types.js';
import { interfaceAddress } from './iface.js';
import { createRawTransport } from './raw.js';
import { createUdpTransport } from './udp.js';

export interface TransportDeps {
  readonly log: Logger;
  /** global_defs vrrp_mcast_group4 (default 224.0.0.18). */
  readonly mcastGroup4?: string;
  /** global_defs vrrp_mcast_group6 (default ff02::12). */
  readonly mcastGroup6?: string;
}

/**
 * Source address of our adverts: unicast_src_ip, else mcast_src_ip (keepalived
 * treats them alike), else the interface's primary address of the family.
 * A default IPv6 link-local address carries the interface as its zone so the
 * UDP socket can bind to it.
 */
function localAddressOf(instance: VrrpInstance): string {
  const configured = instance.unicastSrcIp ?? instance.mcastSrcIp;
  if (configured !== undefined) return configured;
  const address = interfaceAddress(instance.interface, instance.family);
  return address.startsWith('fe80:') ? `${address}%${instance.interface}` : address;
}

/**
 * Opens the instance's transport. Throws RuntimeError: ERR_NO_PRIVILEGE (raw
 * without CAP_NET_RAW), ERR_BIND_FAILED (udp), ERR_VRRP_TRANSPORT (IPv6 raw,
 * missing interface or address).
 */
export async function createTransport(instance: VrrpInstance, deps: TransportDeps): Promise<VrrpTransport> {
  const log = deps.log;
  const group = instance.family === 6 ? deps.mcastGroup6 : deps.mcastGroup4;
  const t = instance.transport;
  if (t.kind === 'udp') {
    return createUdpTransport({
      port: t.port,
      ...(t.bind !== undefined ? { bind: t.bind } : {}),
      localAddress: localAddressOf(instance),
      unicastPeers: instance.unicastPeers,
      ...(group !== undefined ? { mcastGroup: group } : {}),
      interface: instance.interface,
      log,
    });
  }
  if (instance.family === 6) {
    // raw-socket reads with recvfrom(): an IPv6 raw socket gets no IP header and
    // no ancillary data, so the hop limit (RFC 5798 section 5.1.1.3: must be 255)
    // cannot be checked. Refuse rather than accept spoofable adverts.
    throw new RuntimeError(
      RuntimeCode.Transport,
      `vrrp_instance ${instance.name}: VRRP over IPv6 raw transport not supported yet; use hapair_transport udp`,
    );
  }
  return createRawTransport({
    interface: instance.interface,
    family: 4,
    localAddress: localAddressOf(instance),
    unicastPeers: instance.unicastPeers,
    ...(group !== undefined ? { mcastGroup: group } : {}),
    log,
  });
}
