/**
 * The load-balancing interface. Each algorithm lives in its own file and
 * implements Balancer (HAProxy keeps one file per algorithm behind an ops table,
 * src/lb_*.c; unlike HAProxy's assign_server() switch, the algorithm picks
 * itself). A pick never returns null: it names a server, asks the caller to
 * queue in the backend, or says why nothing can be chosen.
 */
import type { Server } from '../server.js';

export interface PickContext {
  /** Monotonic ms, for dynamic connection limits. */
  now: number;
  /** Client source address (after the PROXY protocol), for `balance source`. */
  srcAddr: string | undefined;
  /** Bytes to hash for the layer-7 hash algorithms; the HTTP layer fills it in. */
  hashKey: Uint8Array | undefined;
  /** A server to avoid when another one is usable (redispatch after a failed connect). */
  avoid: Server | undefined;
  /**
   * A server chosen by persistence (the HTTP layer's `cookie`) instead of the
   * balancer; ignored once a retry redispatches (`avoid` set).
   */
  force?: Server | undefined;
}

export type Pick =
  | { readonly kind: 'server'; readonly server: Server }
  | { readonly kind: 'queue' }
  | { readonly kind: 'none'; readonly reason: string };

/**
 * The servers traffic may go to right now (backend.c recount_servers): the
 * usable active servers, or when none is left the first usable backup, or all
 * usable backups with `option allbackups`. Declaration order.
 */
export interface LbGroup {
  readonly servers: readonly Server[];
  readonly backup: boolean;
}

export interface Balancer {
  /** The `balance` keyword value. */
  readonly algorithm: string;
  /** Weights may change while servers are up (HAProxy's BE_LB_PROP_DYN). */
  readonly dynamic: boolean;
  /**
   * With a non-empty backend queue every newcomer queues behind it, since all
   * servers must be full (roundrobin, static-rr, first: backend.c assign_server).
   */
  readonly queueBehindBackend: boolean;
  /** HAProxy's BE_LB_KIND_RR: a failed connect may move to another server at once. */
  readonly roundRobinKind: boolean;
  pick(ctx: PickContext): Pick;
  /** The usable group or some weight changed. */
  update(group: LbGroup): void;
}

export const QUEUE: Pick = { kind: 'queue' };

export function none(reason: string): Pick {
  return { kind: 'none', reason };
}

export function chosen(server: Server): Pick {
  return { kind: 'server', server };
}

export const NO_SERVER = none('no server available');
