/**
 * Test doubles at the declared VRRP seams (ARCHITECTURE.md "Seams"): an
 * in-memory LAN of VrrpTransports driven by a ManualClock, and a VipDriver
 * that records what it is asked to do. Plus a factory for VrrpInstance
 * models, built directly as the keepalived.conf loader would.
 */
import { pino } from 'pino';
import type { VirtualAddress, VrrpInstance } from '../../src/config/keepalived/model.js';
import type { ManualClock } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/logger.js';
import type { AdvertPayload, ReceivedAdvert, VipDriver, VrrpTransport } from '../../src/vrrp/types.js';

export interface Sniffed {
  readonly from: string;
  readonly at: number;
  /**
   * The bytes sent; for a per-destination advert (VRRPv3 to unicast peers)
   * those for the first receiver (the sender's own address when alone), whose
   * fields differ from the others' only in the checksum.
   */
  readonly payload: Buffer;
}

/**
 * A broadcast segment: every payload sent reaches every other attached
 * transport, asynchronously (a zero-delay timer on the ManualClock), as a
 * socket would deliver it, with TTL 255 and the multicast group as destination
 * (group '' = a transport that sees neither TTL nor destination, like UDP).
 * A per-destination payload is unicast: each transport gets the bytes made
 * for its own address, with that address as destination (unless group '').
 */
export class FakeLan {
  readonly sniffed: Sniffed[] = [];
  private readonly ports: FakeTransport[] = [];

  constructor(
    private readonly clock: ManualClock,
    private readonly group = '224.0.0.18',
  ) {}

  attach(localAddress: string, family: 4 | 6 = 4): FakeTransport {
    const t = new FakeTransport(this, localAddress, family);
    this.ports.push(t);
    return t;
  }

  /** Sends raw bytes as if from `src` (crafted or foreign packets). */
  inject(src: string, payload: Buffer, extra: Partial<ReceivedAdvert> = {}): void {
    for (const p of this.ports) {
      if (p.localAddress === src) continue;
      this.clock.setTimeout(
        () => p.deliver({ payload: Buffer.from(payload), src, dst: this.group, ttl: 255, ...extra }),
        0,
      );
    }
  }

  carry(from: FakeTransport, payload: AdvertPayload): void {
    if (from.muted) return;
    if (typeof payload !== 'function') {
      this.sniffed.push({ from: from.localAddress, at: this.clock.now(), payload: Buffer.from(payload) });
      this.inject(from.localAddress, payload);
      return;
    }
    const to = this.ports.filter((p) => p !== from);
    const first = payload(to[0]?.localAddress ?? from.localAddress);
    this.sniffed.push({ from: from.localAddress, at: this.clock.now(), payload: first });
    for (const p of to) {
      const adv = { payload: payload(p.localAddress), src: from.localAddress, ttl: 255 };
      const dst = this.group === '' ? '' : p.localAddress;
      this.clock.setTimeout(() => p.deliver({ ...adv, dst }), 0);
    }
  }

  /** Adverts sent by `from`, optionally since `t`. */
  sentBy(from: string, since = Number.NEGATIVE_INFINITY): Sniffed[] {
    return this.sniffed.filter((s) => s.from === from && s.at >= since);
  }
}

export class FakeTransport implements VrrpTransport {
  /** A muted transport sends nothing: the box is dead or cut off. */
  muted = false;
  closed = false;
  private listener: ((adv: ReceivedAdvert) => void) | undefined;

  constructor(
    private readonly lan: FakeLan,
    readonly localAddress: string,
    readonly family: 4 | 6,
  ) {}

  send(payload: AdvertPayload): void {
    this.lan.carry(this, payload);
  }

  onAdvert(cb: (adv: ReceivedAdvert) => void): void {
    this.listener = cb;
  }

  deliver(adv: ReceivedAdvert): void {
    if (!this.muted) this.listener?.(adv);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export interface VipCall {
  readonly op: 'add' | 'remove' | 'announce';
  readonly addresses: readonly string[];
  readonly dev: string;
  readonly at: number;
}

/** Records VIP operations and keeps the resulting set of addresses. */
export class RecordingVip implements VipDriver {
  readonly calls: VipCall[] = [];
  readonly held = new Set<string>();

  constructor(private readonly clock: ManualClock) {}

  async add(vips: readonly VirtualAddress[], dev: string): Promise<void> {
    this.record('add', vips, dev);
    for (const v of vips) this.held.add(v.address);
  }

  async remove(vips: readonly VirtualAddress[], dev: string): Promise<void> {
    this.record('remove', vips, dev);
    for (const v of vips) this.held.delete(v.address);
  }

  announce(vips: readonly VirtualAddress[], dev: string): void {
    this.record('announce', vips, dev);
  }

  private record(op: VipCall['op'], vips: readonly VirtualAddress[], dev: string): void {
    this.calls.push({ op, addresses: vips.map((v) => v.address), dev, at: this.clock.now() });
  }
}

const loc = { file: 'keepalived.conf', line: 1 };

export function vip(address: string, family: 4 | 6 = 4): VirtualAddress {
  return { address, family, prefix: family === 4 ? 32 : 128, loc };
}

/** A vrrp_instance with keepalived's defaults, VRID 51, VIP 198.18.0.100 on eth0. */
export function instanceConfig(over: Partial<VrrpInstance> = {}): VrrpInstance {
  return {
    name: 'VI_1',
    loc,
    initialState: 'BACKUP',
    interface: 'eth0',
    vrid: 51,
    priority: 100,
    advertInt: 1000,
    version: 2,
    family: 4,
    nopreempt: false,
    preemptDelay: 0,
    virtualAddresses: [vip('198.18.0.100')],
    virtualAddressesExcluded: [],
    unicastPeers: [],
    trackScripts: [],
    trackInterfaces: [],
    trackFiles: [],
    notify: { timeout: 5000 },
    garpMasterDelay: 5000,
    garpMasterRepeat: 5,
    garpMasterRefresh: 0,
    garpLowerPrioRepeat: 0,
    smtpAlert: false,
    transport: { kind: 'raw' },
    dontTrackPrimary: false,
    ...over,
  };
}

export function captureLog(): { log: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void records.push(JSON.parse(s)) });
  return { log, records };
}
