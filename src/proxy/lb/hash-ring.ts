/**
 * The consistent-hash ring (src/lb_chash.c). Every server owns `eweight`
 * points (its weight × 16); point j of the server with id N sits at
 * full_hash(N × 4096 + j), so the same ids and weights give the same ring as
 * HAProxy, and a server leaving only moves the keys that were its own. A key
 * goes to the closer of the points just before and just after it.
 */
import type { Server } from '../server.js';
import { fullHash } from './hash-functions.js';

/** SRV_UWGHT_RANGE × BE_WEIGHT_SCALE (server-t.h): spacing of server ids on the key space. */
export const SRV_EWGHT_RANGE = 256 * 16;

export class HashRing {
  private keys = new Uint32Array(0);
  private owners: Server[] = [];
  /** Last point used by the round-robin fallback (lbprm.chash.last), -1 if none. */
  private last = -1;

  get size(): number {
    return this.keys.length;
  }

  rebuild(servers: readonly Server[]): void {
    const points: { key: number; owner: Server; order: number }[] = [];
    for (const s of servers) {
      const base = Math.imul(s.id, SRV_EWGHT_RANGE);
      for (let j = 0; j < s.eweight; j++) {
        points.push({ key: fullHash((base + j) >>> 0), owner: s, order: points.length });
      }
    }
    points.sort((a, b) => a.key - b.key || a.order - b.order);
    this.keys = Uint32Array.from(points, (p) => p.key);
    this.owners = points.map((p) => p.owner);
    if (this.last >= this.keys.length) this.last = -1;
  }

  /** Index of the first point with key >= hash (eb32_lookup_ge), or keys.length. */
  private lowerBound(hash: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** chash_get_server_hash(): closest point to `hash`, skipping `avoid` clockwise. */
  lookup(hash: number, avoid: Server | undefined): Server | undefined {
    const n = this.keys.length;
    if (n === 0) return undefined;
    const h = hash >>> 0;
    let next = this.lowerBound(h);
    if (next === n) next = 0;
    const prev = next === 0 ? n - 1 : next - 1;
    const dp = (h - this.keys[prev]!) >>> 0;
    const dn = (this.keys[next]! - h) >>> 0;
    let at = dp <= dn ? prev : next;
    let wraps = 0;
    while (this.owners[at] === avoid) {
      at++;
      if (at === n) {
        at = 0;
        if (++wraps > 1) break;
      }
    }
    return this.owners[at];
  }

  /**
   * chash_get_next_server(): walks the ring from the last point, skipping full
   * servers; `avoid` is returned only when nothing else can take the connection.
   */
  nextRoundRobin(avoid: Server | undefined, now: number): Server | undefined {
    const n = this.keys.length;
    if (n === 0) return undefined;
    const stop = this.last < 0 ? -1 : this.last;
    let node = this.last;
    let avoided: Server | undefined;
    let avoidedNode = -1;
    for (let steps = 0; steps < n; steps++) {
      node = node + 1 >= n ? 0 : node + 1;
      this.last = node;
      const s = this.owners[node]!;
      if (!s.isFull(now)) {
        if (s !== avoid) return s;
        avoided = s;
        avoidedNode = node;
      }
      if (node === stop) break;
    }
    if (avoided) this.last = avoidedNode;
    return avoided;
  }
}
