/**
 * `balance source`: the client's address picks the server through the
 * hashing layer, so one client keeps reaching the same server while the
 * server set is stable (backend.c get_server_sh). The chosen server may be
 * full: the connection then waits in that server's queue.
 */
import type { HashType } from '../../config/haproxy/model.js';
import type { Server } from '../server.js';
import { HashSelector } from './hash.js';
import {
  type Balancer,
  chosen,
  type LbGroup,
  NO_SERVER,
  none,
  type Pick,
  type PickContext,
  QUEUE,
} from './types.js';

export class SourceHash implements Balancer {
  readonly algorithm = 'source';
  readonly dynamic: boolean;
  readonly queueBehindBackend = false;
  readonly roundRobinKind = false;
  private readonly selector: HashSelector;
  private empty = true;

  constructor(hashType: HashType, servers: readonly Server[]) {
    this.selector = new HashSelector(hashType, servers);
    this.dynamic = this.selector.consistent;
  }

  update(group: LbGroup): void {
    this.selector.update(group);
    this.empty = group.servers.length === 0;
  }

  pick(ctx: PickContext): Pick {
    if (this.empty) return NO_SERVER;
    const h = ctx.srcAddr === undefined ? undefined : this.selector.hashAddress(ctx.srcAddr);
    // HAProxy refuses to balance a non-IP source (unix socket client) by source.
    if (h === undefined) return none('source address is not an IPv4 or IPv6 address');
    const s = this.selector.lookup(h, ctx.avoid) ?? this.selector.roundRobin(ctx.avoid, ctx.now);
    return s ? chosen(s) : QUEUE;
  }
}
