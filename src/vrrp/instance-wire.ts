/**
 * How one vrrp_instance's adverts look on the wire: what it sends (version,
 * VRID, advertised addresses, interval, password, pseudo-header addresses)
 * and what it expects from its peers when validating theirs.
 */
import type { VrrpInstance } from '../config/keepalived/model.js';
import { ConfigCode, ConfigError } from '../core/errors.js';
import type { RunSettings } from './instance-config.js';
import { canonicalAddress, familyOf } from './ip-bytes.js';
import { type DecodeContext, type DecodeResult, decode, type EncodeInput, encode } from './packet.js';
import type { AdvertPayload, ReceivedAdvert } from './types.js';

/** IANA multicast groups (RFC 3768 §5.2.2, RFC 5798 §5.1.2.2). */
export const VRRP_GROUP4 = '224.0.0.18';
export const VRRP_GROUP6 = 'ff02::12';

export class AdvertWire {
  /** Our primary address, canonical (no zone): the equal-priority tie-break compares it. */
  readonly localAddress: string;
  private readonly addresses: readonly string[];
  private readonly group: string;
  /** VRRPv3 to unicast peers: the checksum differs per destination. */
  private readonly perPeer: boolean;
  private readonly rxDst: string;

  /** Throws ConfigError when the transport's address is not of the instance's family. */
  constructor(
    private readonly cfg: VrrpInstance,
    private readonly settings: RunSettings,
    private readonly src: string,
    mcastGroup: string | undefined,
  ) {
    if (familyOf(src) !== cfg.family) {
      throw new ConfigError(
        ConfigCode.Conflict,
        cfg.loc,
        'unicast_src_ip',
        `vrrp_instance ${cfg.name}: source address ${src} is not IPv${cfg.family}`,
      );
    }
    this.localAddress = canonicalAddress(src);
    this.addresses = settings.advertised.map((v) => v.address);
    this.group = mcastGroup ?? (cfg.family === 4 ? VRRP_GROUP4 : VRRP_GROUP6);
    this.perPeer = cfg.version === 3 && cfg.unicastPeers.length > 0;
    this.rxDst = cfg.unicastPeers.length > 0 ? src : this.group;
  }

  /**
   * One advert with the configured version, interval and authentication. The
   * VRRPv3 checksum covers the IP destination (RFC 5798 §5.2.8), so with
   * unicast peers each destination gets its own bytes, as keepalived
   * recomputes the checksum per peer (vrrp.c vrrp_send_pkt); the multicast
   * group and VRRPv2 (checksum over the VRRP packet alone) share one buffer.
   */
  encode(priority: number): AdvertPayload {
    const input: EncodeInput = {
      version: this.cfg.version,
      family: this.cfg.family,
      vrid: this.cfg.vrid,
      priority,
      addresses: this.addresses,
      advertIntMs: this.cfg.advertInt,
      ...(this.settings.authPass !== undefined ? { authPass: this.settings.authPass } : {}),
      src: this.src,
      dst: this.group,
    };
    if (!this.perPeer) return encode(input);
    return (dst) => encode({ ...input, dst });
  }

  /** Validates a received packet against this instance (packet.ts decode). */
  decode(adv: ReceivedAdvert): DecodeResult {
    const ctx: DecodeContext = {
      version: this.cfg.version,
      family: this.cfg.family,
      vrid: this.cfg.vrid,
      addresses: this.addresses,
      authPass: this.settings.authPass,
      advertIntMs: this.cfg.advertInt,
      src: adv.src,
      // A transport that cannot see the destination (UDP) gets the one the peer must have used.
      dst: adv.dst === '' ? this.rxDst : adv.dst,
      ttl: adv.ttl,
      checkTtl: this.cfg.unicastPeers.length === 0,
    };
    return decode(adv.payload, ctx);
  }
}
