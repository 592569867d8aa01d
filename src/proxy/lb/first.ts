/**
 * `balance first` (lb_fas.c): the server with the lowest id that still has a
 * free slot gets the connection, so servers fill up one after the other up to
 * their maxconn. Weights only matter as "usable or not".
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

export class First implements Balancer {
  readonly algorithm = 'first';
  readonly dynamic = true;
  readonly queueBehindBackend = true;
  readonly roundRobinKind = false;
  private byId: readonly Server[] = [];
  private firstBackupOnly = false;

  update(group: LbGroup): void {
    this.byId = [...group.servers].sort((a, b) => a.id - b.id);
    this.firstBackupOnly = group.backup && group.servers.length === 1;
  }

  pick(ctx: PickContext): Pick {
    if (this.byId.length === 0) return NO_SERVER;
    if (this.firstBackupOnly) return chosen(this.byId[0]!);
    let avoided: Server | undefined;
    for (const s of this.byId) {
      if (s.isFull(ctx.now)) continue;
      if (s !== ctx.avoid) return chosen(s);
      avoided = s;
    }
    return avoided ? chosen(avoided) : QUEUE;
  }
}
