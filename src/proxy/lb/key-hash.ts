/**
 * Layer-7 hash balancing (`balance uri`, `url_param`, `hdr`): the HTTP layer
 * extracts the key as HAProxy's get_server_uh/ph/hh do and puts its bytes in
 * PickContext.hashKey; this balancer hashes them with the configured
 * function. Without a key it falls back to round robin over the same map or
 * ring, as assign_server() does when the hashed parameter is absent.
 */
import type { HashType } from '../../config/haproxy/model.js';
import type { Server } from '../server.js';
import { HashSelector } from './hash.js';
import {
  type Balancer,
  chosen,
  type LbGroup,
  NO_SERVER,
  type Pick,
  type PickContext,
  QUEUE,
} from './types.js';

export class KeyHash implements Balancer {
  readonly algorithm: string;
  readonly dynamic: boolean;
  readonly queueBehindBackend = false;
  readonly roundRobinKind = false;
  private readonly selector: HashSelector;
  private empty = true;

  constructor(algorithm: string, hashType: HashType, servers: readonly Server[]) {
    this.algorithm = algorithm;
    this.selector = new HashSelector(hashType, servers);
    this.dynamic = this.selector.consistent;
  }

  update(group: LbGroup): void {
    this.selector.update(group);
    this.empty = group.servers.length === 0;
  }

  /** The hash HAProxy computes for `key` (exposed for the HTTP layer and tests). */
  hashOf(key: Uint8Array): number {
    return this.selector.hashKey(key);
  }

  pick(ctx: PickContext): Pick {
    if (this.empty) return NO_SERVER;
    const key = ctx.hashKey;
    const s =
      (key !== undefined ? this.selector.lookup(this.selector.hashKey(key), ctx.avoid) : undefined) ??
      this.selector.roundRobin(ctx.avoid, ctx.now);
    return s ? chosen(s) : QUEUE;
  }
}
