import type { HaproxyConfig } from '../config/haproxy/model.js';
import type { CounterSnapshot } from '../ops/counter-snapshot.js';
import type { CliLevel, VrrpCommand, VrrpView } from '../ops/types.js';
import type { ObservedStatus } from '../proxy/server.js';
import type { StickDump } from '../proxy/stick/handover.js';
import type { StickTableUpdates } from '../proxy/stick/replication.js';

/**
 * Messages between hapair's processes (ARCHITECTURE.md, "Process model").
 * Everything crossing a process boundary is one of these, so both ends agree
 * on the shape at compile time.
 */

/** Parent → VRRP process. */
export type ToVrrp =
  | { readonly type: 'proxy-health'; readonly ok: boolean; readonly reason: string }
  | { readonly type: 'status-request'; readonly id: number }
  /** Re-read the keepalived.conf files; unchanged instances keep running. */
  | { readonly type: 'reload' }
  /** Runtime API `set vrrp priority|state`. */
  | { readonly type: 'control'; readonly id: number; readonly cmd: VrrpCommand }
  | { readonly type: 'stop' };

/** VRRP process → parent. */
export type FromVrrp =
  | { readonly type: 'ready'; readonly instances: readonly string[] }
  | { readonly type: 'failed'; readonly message: string }
  | {
      readonly type: 'transition';
      readonly instance: string;
      readonly from: string;
      readonly to: string;
      readonly reason: string;
    }
  | { readonly type: 'status'; readonly id: number; readonly instances: readonly VrrpView[] }
  | {
      readonly type: 'reloaded';
      readonly ok: boolean;
      readonly message: string;
      readonly kept: readonly string[];
      readonly restarted: readonly string[];
    }
  | { readonly type: 'control-result'; readonly id: number; readonly ok: boolean; readonly reason: string }
  | { readonly type: 'stopped' };

/** How the parent starts the VRRP process: passed as JSON in argv[2]. */
export interface VrrpChildArgs {
  readonly files: readonly string[];
  readonly vipMode: 'ip' | 'log';
  readonly pretty: boolean;
  readonly level: string;
}

/** Master → proxy worker. A `listener` message carries a listening socket handle. */
export type ToWorker =
  | { readonly type: 'listener'; readonly key: string }
  /** The configuration the master validated (structured clone: fork with serialization 'advanced'). */
  | {
      readonly type: 'start';
      readonly config: HaproxyConfig;
      /** Server state to apply before serving (`show servers state` text), e.g. the previous generation's. */
      readonly serverState?: ServerStateHandover;
      /**
       * Stick-table contents to start from: an old worker's (reload) or a live
       * peer's (a crashed worker's replacement); each worker holds the whole table.
       */
      readonly stickTables?: readonly StickDump[];
    }
  /** Asks for the worker's stick-table contents, answered by `stick-tables`. */
  | { readonly type: 'stick-tables-request'; readonly id: number }
  /** Asks for the worker's `show servers state` text, answered by `servers-state`. */
  | { readonly type: 'servers-state-request'; readonly id: number }
  | {
      readonly type: 'server-health';
      readonly backend: string;
      readonly server: string;
      readonly up: boolean;
      readonly reason: string;
    }
  | {
      readonly type: 'server-admin';
      readonly backend: string;
      readonly server: string;
      readonly state: 'ready' | 'drain' | 'maint';
    }
  | {
      readonly type: 'server-weight';
      readonly backend: string;
      readonly server: string;
      readonly weight: number;
    }
  /** HAProxy's NOLB (a conditional check pass): up for persistent traffic, no new balanced sessions. */
  | {
      readonly type: 'server-stopping';
      readonly backend: string;
      readonly server: string;
      readonly reason: string;
    }
  /** An agent's `maxconn:N`. */
  | {
      readonly type: 'server-maxconn';
      readonly backend: string;
      readonly server: string;
      readonly maxconn: number;
    }
  /** A state-changing runtime API command another worker ran, for this worker's engine too. */
  | { readonly type: 'cli-apply'; readonly args: readonly string[]; readonly level: CliLevel }
  /** Asks for this worker's counters, answered by `stats-snapshot` with the same id. */
  | { readonly type: 'stats-snapshot-collect'; readonly id: number }
  /**
   * Answers the worker's `stats-snapshot-request` `id`: the counters of the
   * other workers of its generation that answered in time (none is an answer too).
   */
  | {
      readonly type: 'stats-snapshots';
      readonly id: number;
      readonly snapshots: readonly CounterSnapshot[];
    }
  /** Stick-table changes another worker of this generation made (its pid in `from`), to apply here. */
  | {
      readonly type: 'stick-updates';
      readonly from: number;
      readonly tables: readonly StickTableUpdates[];
    }
  /** That worker exited: the sessions it had tracking entries no longer count. */
  | { readonly type: 'stick-peer-gone'; readonly from: number }
  /** A crashed worker's replacement joined: send it the sessions tracking entries here. */
  | { readonly type: 'stick-resync' }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'stop'; readonly grace: number };

/** Runtime server state handed to new workers: a reload's, or a crashed worker's replacement. */
export interface ServerStateHandover {
  readonly text: string;
  /** Where it came from, for the log. */
  readonly source: string;
  /** `backend/server` of address-literal servers whose configured address is unchanged. */
  readonly keepAddr: readonly string[];
}

/** One live-traffic outcome for a server with `observe`: [backend, server, status]. */
export type ObservedEvent = readonly [string, string, ObservedStatus];

/** Proxy worker → master. */
export type FromWorker =
  | { readonly type: 'ready' }
  /** A state-changing runtime command ran here (stats socket, stats page admin form): the other workers must too. */
  | { readonly type: 'cli-replicate'; readonly args: readonly string[]; readonly level: CliLevel }
  /** Passive health: the outcomes seen since the last message, in order. */
  | { readonly type: 'observed'; readonly events: readonly ObservedEvent[] }
  | { readonly type: 'servers-state'; readonly id: number; readonly text: string }
  | { readonly type: 'stick-tables'; readonly id: number; readonly dump: StickDump }
  /** The stick-table changes this worker's traffic made since its last batch, for the other workers. */
  | { readonly type: 'stick-updates'; readonly tables: readonly StickTableUpdates[] }
  /** The other workers' counters, for a whole-process counter view; answered by `stats-snapshots`. */
  | { readonly type: 'stats-snapshot-request'; readonly id: number }
  /** This worker's counters, answering `stats-snapshot-collect` `id`. */
  | { readonly type: 'stats-snapshot'; readonly id: number; readonly snapshot: CounterSnapshot }
  | { readonly type: 'failed'; readonly message: string }
  | {
      readonly type: 'listener-state';
      readonly bind: string;
      readonly state: 'bound' | 'paused' | 'unbound';
    };

/** How the master starts a worker: passed as JSON in argv[2]. */
export interface WorkerArgs {
  readonly pretty: boolean;
  readonly level: string;
  readonly index: number;
}
