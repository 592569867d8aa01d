/**
 * `balance static-rr`: round robin over the static server map (lb_map.c
 * map_get_server_rr). Weights are fixed while servers are up; no slowstart.
 */
import type { Server } from '../server.js';
import { ServerMap, weightGcd } from './hash-map.js';
import {
  type Balancer,
  chosen,
  type LbGroup,
  NO_SERVER,
  type Pick,
  type PickContext,
  QUEUE,
} from './types.js';

export class StaticRoundRobin implements Balancer {
  readonly algorithm = 'static-rr';
  readonly dynamic = false;
  readonly queueBehindBackend = true;
  readonly roundRobinKind = true;
  private readonly map: ServerMap;

  constructor(servers: readonly Server[]) {
    this.map = new ServerMap(weightGcd(servers.map((s) => s.cfg.weight)));
  }

  update(group: LbGroup): void {
    this.map.rebuild(group.servers);
  }

  pick(ctx: PickContext): Pick {
    if (this.map.total === 0) return NO_SERVER;
    const s = this.map.nextRoundRobin(ctx.avoid, ctx.now);
    return s ? chosen(s) : QUEUE;
  }
}
