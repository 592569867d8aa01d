/**
 * Hand-made VRRP packets for the lab's bad-advert tests, and the injector
 * process that puts them on the wire from a namespace (fixtures/inject-main.ts).
 * The builders are written from RFC 3768 §5.3 (VRRPv2) and RFC 5798 §5.2
 * (VRRPv3), not with hapair's codec, so a codec bug cannot hide itself.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../../src/lab/netns.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/inject-main.js', import.meta.url));

/** RFC 1071 Internet checksum of `parts` concatenated. */
export function inetChecksum(...parts: Buffer[]): number {
  const buf = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < buf.length; i += 2) sum += (buf[i]! << 8) | (buf[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function v4(addr: string): Buffer {
  return Buffer.from(addr.split('.').map(Number));
}

export interface AdvertSpec {
  /** Field layout: 2 = RFC 3768 (interval in s, 8 bytes of authentication), 3 = RFC 5798. */
  readonly layout: 2 | 3;
  /** The version nibble written; defaults to `layout`. */
  readonly version?: number;
  readonly type?: number;
  readonly vrid: number;
  readonly priority: number;
  readonly addresses: readonly string[];
  /** The address count written; defaults to the number of addresses. */
  readonly count?: number;
  /** v2: seconds; v3: centiseconds. */
  readonly interval: number;
  /** v2 only: 0 none, 1 simple text password. */
  readonly authType?: number;
  /** v2 only: the password, NUL-padded to 8 bytes. */
  readonly authPass?: string;
  /** v3 pseudo-header (RFC 5798 §5.2.8). */
  readonly src: string;
  readonly dst: string;
  /** Bytes appended after the packet (covered by the checksum). */
  readonly trailer?: Buffer;
  /** Keep only this many bytes (after the checksum was computed). */
  readonly truncateTo?: number;
  /** XOR the correct checksum with this (non-zero = a wrong checksum). */
  readonly checksumXor?: number;
}

/** One VRRP packet as `spec` says, with a correct checksum unless told otherwise. */
export function vrrpPacket(spec: AdvertSpec): Buffer {
  const head = Buffer.alloc(8);
  head[0] = ((spec.version ?? spec.layout) << 4) | (spec.type ?? 1);
  head[1] = spec.vrid;
  head[2] = spec.priority;
  head[3] = spec.count ?? spec.addresses.length;
  if (spec.layout === 2) {
    head[4] = spec.authType ?? 0;
    head[5] = spec.interval;
  } else {
    head.writeUInt16BE(spec.interval & 0x0fff, 4);
  }
  const auth = Buffer.alloc(spec.layout === 2 ? 8 : 0);
  if (spec.authPass !== undefined) Buffer.from(spec.authPass).copy(auth, 0, 0, 8);
  const pkt = Buffer.concat([head, ...spec.addresses.map(v4), auth, spec.trailer ?? Buffer.alloc(0)]);
  // v2: the VRRP packet alone (RFC 3768 §5.3.8); v3 over IPv4: plus the pseudo-header (RFC 5798 §5.2.8).
  const pseudo = Buffer.alloc(spec.layout === 3 ? 12 : 0);
  if (spec.layout === 3) {
    v4(spec.src).copy(pseudo, 0);
    v4(spec.dst).copy(pseudo, 4);
    pseudo[9] = 112;
    pseudo.writeUInt16BE(pkt.length, 10);
  }
  pkt.writeUInt16BE(inetChecksum(pseudo, pkt) ^ (spec.checksumXor ?? 0), 6);
  return spec.truncateTo === undefined ? pkt : pkt.subarray(0, spec.truncateTo);
}

/** An IPv4 datagram carrying `payload` as protocol 112, TOS 0xc0 (the kernel fills length and checksum). */
export function ipv4Datagram(src: string, dst: string, ttl: number, payload: Buffer): Buffer {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip[1] = 0xc0;
  ip.writeUInt16BE(20 + payload.length, 2);
  ip[8] = ttl;
  ip[9] = 112;
  v4(src).copy(ip, 12);
  v4(dst).copy(ip, 16);
  return Buffer.concat([ip, payload]);
}

interface InjectEvent {
  readonly event: 'ready' | 'sent' | 'error';
  readonly message?: string;
}

/** The injector process in a namespace: `send()` resolves once the kernel took the datagram. */
export class Injector {
  private readonly waiting: Array<(e: InjectEvent) => void> = [];

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.waiting.shift()?.(JSON.parse(line) as InjectEvent);
    });
  }

  private next(what: string): Promise<InjectEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`injector: no answer to ${what}`)), 5000);
      this.waiting.push((e) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
  }

  static async start(lab: Lab, ns: string): Promise<Injector> {
    const inj = new Injector(lab.spawn(ns, process.execPath, [FIXTURE, '--if', 'eth0']));
    const first = await inj.next('start');
    assert.equal(first.event, 'ready', JSON.stringify(first));
    return inj;
  }

  async send(dst: string, datagram: Buffer): Promise<void> {
    const done = this.next('send');
    this.child.stdin!.write(`send ${dst} ${datagram.toString('hex')}\n`);
    const e = await done;
    assert.equal(e.event, 'sent', JSON.stringify(e));
  }

  close(): void {
    this.child.stdin!.end('quit\n');
  }
}
