/**
 * `balance roundrobin`: weighted round robin whose weights may change at run
 * time and take effect on the next pick (HAProxy's dynamic FWRR, lb_fwrr.c).
 * Implemented as smooth weighted round robin: each pick adds every candidate's
 * effective weight to its running score, the highest score wins and pays the
 * sum back, which interleaves servers instead of sending bursts. Full servers
 * are skipped; when all are full the connection queues in the backend.
 */
import type { Server } from '../server.js';
import {
  type Balancer,
  chosen,
  type LbGroup,
  NO_SERVER,
  type Pick,
  type PickContext,
  QUEUE,
} from './types.js';

export class RoundRobin implements Balancer {
  readonly algorithm = 'roundrobin';
  readonly dynamic = true;
  readonly queueBehindBackend = true;
  readonly roundRobinKind = true;
  private servers: readonly Server[] = [];
  private firstBackupOnly = false;

  update(group: LbGroup): void {
    const previous = new Set(this.servers);
    for (const s of group.servers) if (!previous.has(s)) s.lbCurrent = 0;
    this.servers = group.servers;
    this.firstBackupOnly = group.backup && group.servers.length === 1;
  }

  pick(ctx: PickContext): Pick {
    const servers = this.servers;
    if (servers.length === 0) return NO_SERVER;
    if (this.firstBackupOnly) return chosen(servers[0]!);
    let best: Server | undefined;
    let avoided: Server | undefined;
    let total = 0;
    for (let i = 0; i < servers.length; i++) {
      const s = servers[i]!;
      if (s.isFull(ctx.now)) continue;
      if (s === ctx.avoid) {
        avoided = s;
        continue;
      }
      s.lbCurrent += s.eweight;
      total += s.eweight;
      if (best === undefined || s.lbCurrent > best.lbCurrent) best = s;
    }
    if (best) {
      best.lbCurrent -= total;
      return chosen(best);
    }
    return avoided ? chosen(avoided) : QUEUE;
  }
}
