/**
 * The static server map (src/lb_map.c): an array with one slot per weight
 * unit, filled so that servers are spread evenly and, for equal scores, in
 * declaration order. Used by `static-rr` and by `hash-type map-based`.
 * Weights are divided by their greatest common divisor first, as
 * init_server_map() does, so `hash % total` lands where HAProxy's does.
 */
import type { Server } from '../server.js';

/** GCD of the non-zero weights (1 when all are zero), HAProxy's lbprm.wmult for maps. */
export function weightGcd(weights: readonly number[]): number {
  let g = 0;
  for (const w of weights) {
    let a = w;
    let b = g;
    while (b) [a, b] = [b, a % b];
    g = a;
  }
  return g || 1;
}

export class ServerMap {
  private table: Server[] = [];
  private scores: number[] = [];
  private rrIdx = 0;
  private readonly gcd: number;

  constructor(gcd: number) {
    this.gcd = gcd;
  }

  get total(): number {
    return this.table.length;
  }

  /** Map weight of a server: ceil(uweight / gcd). */
  weightOf(s: Server): number {
    return Math.ceil(s.uweight / this.gcd);
  }

  /**
   * recalc_server_map(): for each slot, every server adds its weight to its
   * score; the best score (ties: first declared) takes the slot and pays `tot`.
   */
  rebuild(servers: readonly Server[]): void {
    let tot = 0;
    for (const s of servers) tot += this.weightOf(s);
    const table = new Array<Server>(tot);
    const scores = this.scores;
    scores.length = servers.length;
    scores.fill(0);
    for (let o = 0; o < tot; o++) {
      let best = -1;
      let max = 0;
      for (let i = 0; i < servers.length; i++) {
        if (tot === 1) {
          best = i;
          break;
        }
        scores[i]! += this.weightOf(servers[i]!);
        const v = Math.trunc((scores[i]! + tot) / tot);
        if (best < 0 || v > max) {
          max = v;
          best = i;
        }
      }
      table[o] = servers[best]!;
      scores[best]! -= tot;
    }
    this.table = table;
  }

  /** map_get_server_hash(): the server at `hash % total`. */
  byHash(hash: number): Server | undefined {
    return this.table.length ? this.table[hash % this.table.length] : undefined;
  }

  /**
   * map_get_server_rr(): next slot whose server is not full; `avoid` is only
   * returned when no other server can take the connection.
   */
  nextRoundRobin(avoid: Server | undefined, now: number): Server | undefined {
    const tot = this.table.length;
    if (tot === 0) return undefined;
    if (this.rrIdx >= tot) this.rrIdx = 0;
    const start = this.rrIdx;
    let idx = start;
    let avoided: Server | undefined;
    let avoidedIdx = 0;
    do {
      const s = this.table[idx++]!;
      if (idx === tot) idx = 0;
      if (!s.isFull(now)) {
        if (s !== avoid) {
          this.rrIdx = idx;
          return s;
        }
        avoided = s;
        avoidedIdx = idx;
      }
    } while (idx !== start);
    if (avoided) this.rrIdx = avoidedIdx;
    return avoided;
  }
}
