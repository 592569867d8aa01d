/**
 * The hashing layer shared by every hash-based algorithm (`source`, and the
 * HTTP layer's `uri`, `url_param`, `hdr`): `hash-type map-based|consistent
 * [function] [avalanche]` (configuration.txt "hash-type"). It turns a key into
 * a 32-bit hash exactly as HAProxy's backend.c does (gen_hash(), full_hash()
 * for avalanche, and for source addresses the XOR of the address's 32-bit
 * words) and maps the hash to a server through the static map or the ring.
 */
import type { HashType } from '../../config/haproxy/model.js';
import { parseIp } from '../acl/ip.js';
import type { Server } from '../server.js';
import { fullHash, type HashFn, hashFunction } from './hash-functions.js';
import { ServerMap, weightGcd } from './hash-map.js';
import { HashRing } from './hash-ring.js';
import type { LbGroup } from './types.js';

export class HashSelector {
  readonly consistent: boolean;
  private readonly fn: HashFn;
  private readonly avalanche: boolean;
  private readonly map: ServerMap | undefined;
  private readonly ring: HashRing | undefined;

  constructor(hashType: HashType, servers: readonly Server[]) {
    this.consistent = hashType.method === 'consistent';
    this.fn = hashFunction(hashType.fn);
    this.avalanche = hashType.avalanche;
    if (this.consistent) this.ring = new HashRing();
    else this.map = new ServerMap(weightGcd(servers.map((s) => s.cfg.weight)));
  }

  update(group: LbGroup): void {
    this.map?.rebuild(group.servers);
    this.ring?.rebuild(group.servers);
  }

  /** gen_hash() of a key, then the avalanche modifier when configured. */
  hashKey(key: Uint8Array): number {
    const h = this.fn(key);
    return this.avalanche ? fullHash(h) : h;
  }

  /**
   * get_server_sh(): XOR of the address's 32-bit words in network order (one
   * word for IPv4, four for IPv6), then avalanche. The hash function is not
   * used for addresses. Undefined when `addr` is not an IP address.
   */
  hashAddress(addr: string): number | undefined {
    const ip = parseIp(addr);
    if (!ip) return undefined;
    let h = 0;
    for (const w of ip.words) h = (h ^ w) >>> 0;
    return this.avalanche ? fullHash(h) : h;
  }

  lookup(hash: number, avoid: Server | undefined): Server | undefined {
    return this.ring ? this.ring.lookup(hash, avoid) : this.map!.byHash(hash);
  }

  /** Round-robin fallback when the key is missing (assign_server()). */
  roundRobin(avoid: Server | undefined, now: number): Server | undefined {
    return this.ring ? this.ring.nextRoundRobin(avoid, now) : this.map!.nextRoundRobin(avoid, now);
  }
}
