/**
 * `balance random [draws]` (backend.c get_server_rnd): draws random points on
 * the consistent-hash ring (weights respected) and keeps the least loaded of
 * the drawn servers ("power of two choices" with the default of 2 draws). A
 * full winner sends the connection to the backend queue.
 */
import type { Server } from '../server.js';
import { HashRing } from './hash-ring.js';
import {
  type Balancer,
  chosen,
  type LbGroup,
  NO_SERVER,
  type Pick,
  type PickContext,
  QUEUE,
} from './types.js';

export class RandomDraws implements Balancer {
  readonly algorithm = 'random';
  readonly dynamic = true;
  readonly queueBehindBackend = false;
  readonly roundRobinKind = true;
  private readonly ring = new HashRing();
  private readonly draws: number;
  private readonly rand: () => number;

  /** `rand` returns a uniform value in [0, 1); tests may pass a seeded one. */
  constructor(draws: number, rand: () => number = Math.random) {
    this.draws = Math.max(1, draws);
    this.rand = rand;
  }

  update(group: LbGroup): void {
    this.ring.rebuild(group.servers);
  }

  pick(ctx: PickContext): Pick {
    if (this.ring.size === 0) return NO_SERVER;
    let curr: Server | undefined;
    for (let d = 0; d < this.draws; d++) {
      const prev = curr;
      curr = this.ring.lookup((this.rand() * 0x100000000) >>> 0, ctx.avoid);
      if (!curr) break;
      if (prev && prev !== curr && curr.served * prev.eweight > prev.served * curr.eweight) curr = prev;
    }
    if (!curr) return NO_SERVER;
    return curr.isFull(ctx.now) ? QUEUE : chosen(curr);
  }
}
