/**
 * A server at run time: health (UP/NOLB/DOWN, set by the check runner or the
 * runtime API) crossed with the admin state (READY/DRAIN/MAINT), user and
 * effective weights, the address and port it connects to, the slot count and
 * the server's own queue. Field names follow HAProxy's struct server
 * (include/haproxy/server-t.h) where one exists.
 */
import type { ServerAdminState, ServerConfig } from '../config/haproxy/model.js';
import type { Logger } from '../core/logger.js';
import type { Backend } from './backend.js';
import { ProxyCounters } from './counters.js';
import { PendQueue } from './queue.js';

/** Effective weights are user weights scaled by 16 for smooth ramps (backend-t.h BE_WEIGHT_SCALE). */
export const BE_WEIGHT_SCALE = 16;

export type ServerHealth = 'up' | 'down';

/**
 * What live traffic tells about a server, for passive health (configuration.txt
 * 5.2 "observe"; HAProxy's HANA_STATUS_*): a connection established or failed,
 * an HTTP response with a valid or an error status, an invalid response.
 */
export type ObservedStatus = 'l4-ok' | 'l4-err' | 'http-ok' | 'http-sts' | 'http-rsp';

export type ServerObserver = (srv: Server, status: ObservedStatus) => void;

/** What `add server` knows of a server it created (HAProxy's SRV_F_DYNAMIC). */
export interface DynamicServer {
  /** `id` was given (SRV_F_FORCED_ID). */
  readonly forcedId: boolean;
  /** `disabled` was given: the maintenance counts as the configuration's (SRV_ADMF_CMAINT). */
  readonly disabled: boolean;
}

export class Server {
  readonly cfg: ServerConfig;
  readonly backend: Backend;
  readonly name: string;
  readonly id: number;
  /** Position in the backend's server list (declaration order). */
  readonly index: number;
  readonly backup: boolean;
  readonly log: Logger;
  readonly queue = new PendQueue();
  readonly counters = new ProxyCounters();
  /** Connection limits; `set maxconn server` changes them (Backend.setMaxconn). */
  maxconn: number;
  minconn: number;
  readonly maxqueue: number;

  health: ServerHealth = 'up';
  /**
   * NOLB, HAProxy's SRV_ST_STOPPING (`set server health stopping`, a check's
   * conditional pass): still up for persistent traffic, but no new
   * load-balanced sessions. Only meaningful while the health is up.
   */
  stopping = false;
  admin: ServerAdminState;
  /** Weight set by the configuration or `set weight` (0–256). */
  uweight: number;
  /** Effective weight in BE_WEIGHT_SCALE units, ramped during slowstart, 0 while draining. */
  eweight = 0;
  /** Sessions holding a connection slot on this server. */
  served = 0;
  /** Monotonic ms of the last state change (lastchg, slowstart origin). */
  lastChange: number;
  /** A DOWN/MAINT → UP transition with `slowstart` is ramping the weight up. */
  warming = false;
  /** Accumulated downtime in ms, and when the current DOWN period began. */
  downtimeMs = 0;
  downSince: number | undefined;
  /** Address to connect to when the configuration names a host: resolved once at start-up. */
  connectHost: string | undefined;
  /**
   * The service port (HAProxy's svc_port), changed by `set server addr … port`.
   * With `mapPorts` (SRV_F_MAPPORTS: no port or `+N`/`-N` written) it is an
   * offset added to the client's destination port, modulo 2^16 as HAProxy's
   * 16-bit port arithmetic does.
   */
  svcPort: number;
  mapPorts: boolean;
  /** `set server addr` moved the server: reports show its address and port now. */
  addrChanged = false;
  /** Set when `add server` created it. */
  dynamic: DynamicServer | undefined;
  /** Reason given with the last health change, for stats and logs. */
  lastReason = '';
  /** Scratch for balancers (HAProxy keeps lb positions in struct server too). */
  lbCurrent = 0;
  lbLastPick = 0;
  /** Set by the health checks for servers with `observe`; unset, observing costs one test. */
  observer: ServerObserver | undefined;

  constructor(backend: Backend, cfg: ServerConfig, index: number, log: Logger, now: number) {
    this.backend = backend;
    this.cfg = cfg;
    this.name = cfg.name;
    this.id = cfg.id;
    this.index = index;
    this.backup = cfg.backup;
    this.log = log;
    this.admin = cfg.initialState;
    this.uweight = cfg.weight;
    this.maxconn = cfg.maxconn;
    // configuration.txt "minconn": unset means a static limit equal to maxconn.
    this.minconn = cfg.minconn > 0 && cfg.minconn < cfg.maxconn ? cfg.minconn : cfg.maxconn;
    this.maxqueue = cfg.maxqueue;
    this.lastChange = now;
    if (this.admin === 'maint') this.downSince = now;
    const a = cfg.addr;
    const ip = a.family === 'ipv4' || a.family === 'ipv6' || a.family === 'hostname';
    this.mapPorts = ip && (a.portOffset !== undefined || a.port === 0);
    this.svcPort = (a.portOffset ?? a.port) & 0xffff;
  }

  /** The port to connect to for a client that reached `dstPort` (an IP server). */
  connectPort(dstPort: number): number {
    return this.mapPorts ? (dstPort + this.svcPort) & 0xffff : this.svcPort;
  }

  /** Can take new load-balanced traffic (srv_willbe_usable). */
  usable(): boolean {
    return this.health === 'up' && !this.stopping && this.admin !== 'maint' && this.eweight > 0;
  }

  /** Up and not in maintenance: may still serve queued or persistent traffic. */
  running(): boolean {
    return this.health === 'up' && this.admin !== 'maint';
  }

  /**
   * Effective connection limit (queue.c srv_dynamic_maxconn): with minconn
   * below maxconn the limit follows the backend load, max(minconn,
   * beconn × maxconn / fullconn), reaching maxconn at fullconn; slowstart
   * scales it down while the server warms up, never below 1.
   */
  dynamicMaxconn(now: number): number {
    const be = this.backend;
    let max: number;
    if (be.beconn >= be.fullconn || this.minconn === this.maxconn) max = this.maxconn;
    else max = Math.max(this.minconn, Math.floor((be.beconn * this.maxconn) / be.fullconn));
    if (this.warming && this.cfg.slowstart > 0) {
      const elapsed = now - this.lastChange;
      if (elapsed >= 0 && elapsed < this.cfg.slowstart) {
        const ratio = Math.floor((100 * elapsed) / this.cfg.slowstart);
        max = Math.max(1, Math.floor((max * ratio) / 100));
      }
    }
    return max;
  }

  /** No slot left without queueing: a queue exists or the limit is reached. */
  isFull(now: number): boolean {
    return this.maxconn > 0 && (this.queue.length > 0 || this.served >= this.dynamicMaxconn(now));
  }

  /**
   * Recomputes eweight (server.c server_recalc_eweight): full scale, or during
   * slowstart (16 × elapsed + slowstart) / slowstart steps; 0 while draining.
   * Returns true when the value changed.
   */
  recalcWeight(now: number): boolean {
    let w = BE_WEIGHT_SCALE;
    if (this.warming) {
      const elapsed = now - this.lastChange;
      if (elapsed >= this.cfg.slowstart || elapsed < 0) this.warming = false;
      else w = Math.floor((BE_WEIGHT_SCALE * elapsed + this.cfg.slowstart) / this.cfg.slowstart);
    }
    const next = this.admin === 'drain' ? 0 : this.uweight * w;
    const changed = next !== this.eweight;
    this.eweight = next;
    return changed;
  }

  /** Slowstart throttle percentage for `show stat` (server.h server_throttle_rate), undefined when not warming. */
  throttle(): number | undefined {
    if (!this.warming) return undefined;
    if (this.uweight === 0) return 100;
    return Math.floor((100 * this.eweight + BE_WEIGHT_SCALE - 1) / (BE_WEIGHT_SCALE * this.uweight));
  }

  /** The status word HAProxy prints for a server in `show stat`. */
  status(): string {
    if (this.admin === 'maint') return 'MAINT';
    if (this.health === 'down') return 'DOWN';
    if (this.stopping) return 'NOLB';
    if (this.admin === 'drain') return 'DRAIN';
    return this.cfg.check.enabled ? 'UP' : 'no check';
  }

  /** Reports live traffic to the passive health check, if any. */
  observe(status: ObservedStatus): void {
    this.observer?.(this, status);
  }

  /** A final HTTP status: 100–499, 501 and 505 are valid (configuration.txt 5.2 "observe"). */
  observeHttpStatus(code: number): void {
    if (!this.observer) return;
    const ok = code >= 100 && (code < 500 || code === 501 || code === 505);
    this.observer(this, ok ? 'http-ok' : 'http-sts');
  }

  /** Total downtime in ms up to `now`. */
  downtime(now: number): number {
    return this.downtimeMs + (this.downSince !== undefined ? now - this.downSince : 0);
  }
}
