/**
 * `balance leastconn` (lb_fwlc.c): the server with the fewest connections in
 * flight (served + queued) relative to its weight. The key is HAProxy's
 * integer (inflight + 1) × 4096 / eweight; equal keys rotate, the least
 * recently picked first, as re-inserting into HAProxy's tree does. A server
 * stays eligible while served + queued < its limit + maxqueue, so it may queue
 * the connection on itself.
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

/** SRV_UWGHT_MAX × BE_WEIGHT_SCALE (server-t.h). */
const SRV_EWGHT_MAX = 256 * 16;

function eligible(s: Server, now: number): boolean {
  return s.maxconn === 0 || s.served + s.queue.length < s.dynamicMaxconn(now) + s.maxqueue;
}

function key(s: Server): number {
  const inflight = s.served + s.queue.length;
  return inflight === 0 ? 0 : Math.floor(((inflight + 1) * SRV_EWGHT_MAX) / s.eweight);
}

export class LeastConn implements Balancer {
  readonly algorithm = 'leastconn';
  readonly dynamic = true;
  readonly queueBehindBackend = false;
  readonly roundRobinKind = false;
  private servers: readonly Server[] = [];
  private firstBackupOnly = false;
  private seq = 0;

  update(group: LbGroup): void {
    this.servers = group.servers;
    this.firstBackupOnly = group.backup && group.servers.length === 1;
  }

  pick(ctx: PickContext): Pick {
    const servers = this.servers;
    if (servers.length === 0) return NO_SERVER;
    if (this.firstBackupOnly) return chosen(servers[0]!);
    let best: Server | undefined;
    let bestKey = 0;
    let avoided: Server | undefined;
    for (let i = 0; i < servers.length; i++) {
      const s = servers[i]!;
      if (!eligible(s, ctx.now)) continue;
      if (s === ctx.avoid) {
        avoided = s;
        continue;
      }
      const k = key(s);
      if (best === undefined || k < bestKey || (k === bestKey && s.lbLastPick < best.lbLastPick)) {
        best = s;
        bestKey = k;
      }
    }
    const s = best ?? avoided;
    if (!s) return QUEUE;
    s.lbLastPick = ++this.seq;
    return chosen(s);
  }
}
