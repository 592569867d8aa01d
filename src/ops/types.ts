/**
 * The narrow views the runtime API, the stats page and the Prometheus export
 * need of the rest of hapair. They talk to the proxy engine only through
 * ProxyControl (engine-control.ts adapts the ProxyEngine and the health-check
 * runner to it) and to the VRRP process only through two callbacks, so they
 * work the same whether the engines share their process or not.
 */
import type { Address, HaproxyConfig, ServerAdminState, ServerConfig } from '../config/haproxy/model.js';
import type { StatRow } from '../proxy/stat-fields.js';
import type { VrrpInstanceStatus } from '../vrrp/instance-status.js';

export type CliLevel = 'user' | 'operator' | 'admin';

/** Outcome of a change. `unsupported` marks what hapair cannot do yet (answered as such, never faked). */
export type ControlResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string; readonly unsupported?: boolean };

/** One check (health or agent) of a server, as HAProxy reports it (check-t.h, stats.c). */
export interface CheckView {
  /** HAProxy's check status word: L4OK, L7STS, INI … */
  readonly status: string;
  readonly code?: number;
  readonly durationMs?: number;
  /** Status description: "Layer4 check passed" … */
  readonly desc: string;
  /** Extra information of the last result (`last_chk`). */
  readonly info: string;
  /** The rise/fall counter and its bounds. */
  readonly health: number;
  readonly rise: number;
  readonly fall: number;
  /** Administratively enabled (`enable/disable health|agent`). */
  readonly enabled: boolean;
  /** Paused while the server is in maintenance. */
  readonly paused: boolean;
  readonly port?: number;
  readonly addr?: string;
}

/** Operational state, as HAProxy's srv_state: STOPPED, STARTING (slowstart), RUNNING, STOPPING. */
export type OperState = 'stopped' | 'starting' | 'running' | 'stopping';

export interface ServerView {
  readonly backend: string;
  readonly backendId: number;
  readonly name: string;
  readonly id: number;
  /**
   * Address to connect to (IP or host name) and port (HAProxy's svc_port:
   * with `mapPorts`, an offset to the client's port, 0 for the same port).
   */
  readonly host: string;
  readonly port: number;
  readonly mapPorts?: boolean;
  /** The configured address family. */
  readonly family?: Address['family'];
  /** The check's own `port` setting, when configured. */
  readonly checkPort?: number;
  /** Created by `add server`. */
  readonly dynamic?: boolean;
  /** The host name when the configuration names one. */
  readonly fqdn?: string;
  readonly admin: ServerAdminState;
  /** Still in the maintenance the configuration put it in (`disabled`, SRV_ADMF_CMAINT). */
  readonly configMaint: boolean;
  readonly oper: OperState;
  readonly backup: boolean;
  readonly uweight: number;
  /** Initial (configured) weight. */
  readonly iweight: number;
  /** Seconds since the last state change. */
  readonly lastChangeSec: number;
  /** `balance` lets weights change at run time (roundrobin, leastconn, random, consistent hashing). */
  readonly dynamicWeights: boolean;
  readonly maxconn: number;
  /** Connections to the server now, and the most seen at once. */
  readonly served: number;
  readonly servedMax: number;
  readonly queued: number;
  readonly ssl: boolean;
  /** Ids set with `id` rather than numbered by declaration order. */
  readonly forcedId: boolean;
  readonly backendForcedId: boolean;
  /** Configured `rise`: the health counter HAProxy reports for a server without a check. */
  readonly rise: number;
  readonly check?: CheckView;
  readonly agent?: CheckView;
}

export interface FrontendView {
  readonly name: string;
  readonly id: number;
  readonly maxconn: number;
  /** Every listener paused (`disable frontend`, SIGTTOU). */
  readonly paused: boolean;
  /** Every listener closed (soft stop). */
  readonly stopped: boolean;
}

/** A client connection, for `show sess`. */
export interface SessionView {
  /** Stable while the session lives; printed in hex like HAProxy's stream pointer. */
  readonly id: number;
  readonly proto: 'tcpv4' | 'tcpv6' | 'unix_stream';
  readonly src: string;
  readonly frontend: string;
  readonly backend?: string;
  readonly server?: string;
  readonly ageSec: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** Process-wide figures for `show info` and Prometheus. */
export interface ProcessCounters {
  readonly currConns: number;
  readonly cumConns: number;
  readonly cumReq: number;
  readonly connRate: number;
  readonly sessRate: number;
  readonly maxconn: number;
  readonly hardMaxconn: number;
  readonly sessRateLimit: number;
  readonly listeners: number;
  readonly stopping: boolean;
}

/** A server `add server` built, before the backend has it. */
export interface NewServer {
  readonly config: ServerConfig;
  /** `id` was given (else `config.id` is the next free one). */
  readonly forcedId: boolean;
  /** `disabled` was given. */
  readonly disabled: boolean;
}

/** A new service port for `set server addr … port …`. */
export interface PortChange {
  readonly port: number;
  /** The port is an offset to the client's destination port (`+N`/`-N`). */
  readonly mapPorts: boolean;
}

export type ServerLookup =
  | { readonly kind: 'ok'; readonly server: ServerView }
  | { readonly kind: 'no-backend' }
  | { readonly kind: 'no-server' };

/**
 * What the runtime API asks of the proxy side. Names and ids come from the
 * running configuration; every change returns a ControlResult.
 */
export interface ProxyControl {
  readonly config: HaproxyConfig;
  /** `show stat` rows in HAProxy's order, check and agent columns filled. */
  stats(): StatRow[];
  /** Running backends (and listens), configuration order. */
  backends(): string[];
  frontend(name: string): FrontendView | undefined;
  server(backend: string, server: string): ServerLookup;
  servers(backend?: string): ServerView[];
  sessions(): SessionView[];
  process(): ProcessCounters;

  setServerAdmin(backend: string, server: string, state: ServerAdminState): ControlResult;
  setServerHealth(backend: string, server: string, health: 'up' | 'stopping' | 'down'): ControlResult;
  setServerAgent(backend: string, server: string, up: boolean): ControlResult;
  setServerWeight(backend: string, server: string, weight: number): ControlResult;
  setServerAddr(backend: string, server: string, host: string, port?: PortChange): ControlResult;
  setServerMaxconn(backend: string, server: string, maxconn: number): ControlResult;
  setCheckEnabled(backend: string, server: string, which: 'health' | 'agent', on: boolean): ControlResult;
  setFrontendEnabled(frontend: string, on: boolean): ControlResult;
  setFrontendMaxconn(frontend: string, maxconn: number): ControlResult;
  setGlobalMaxconn(maxconn: number): ControlResult;
  setGlobalSessionRate(limit: number): ControlResult;
  /** Closes every session using the server (`shutdown sessions server`). */
  shutdownServerSessions(backend: string, server: string): ControlResult;
  /** Closes the session `show sess` lists under this id; false when there is none. */
  shutdownSession(id: number): boolean;
  /** `all`: every counter; otherwise only the max values (management.txt "clear counters"). */
  clearCounters(all: boolean): void;
  /** The backend's balancing lets servers be added and removed at run time (BE_LB_PROP_DYN). */
  dynamicBalance(backend: string): boolean;
  /** `add server`: refusals carry HAProxy's answer as the reason, ending with its newline. */
  addServer(backend: string, server: NewServer): ControlResult;
  /** `del server`: refusals carry HAProxy's answer as the reason. */
  delServer(backend: string, server: string): ControlResult;
}

/** A VRRP instance as the runtime API shows it: the VRRP process's status plus its addresses. */
export interface VrrpView extends VrrpInstanceStatus {
  /** virtual_ipaddress as written (`198.18.0.100/24 dev eth0`), when known. */
  readonly vips?: readonly string[];
}

/** Maintenance commands for the VRRP process (`set vrrp …`). */
export type VrrpCommand =
  | { readonly type: 'set-priority'; readonly instance: string; readonly priority: number }
  | { readonly type: 'set-state'; readonly instance: string; readonly state: 'fault' | 'backup' };

export type VrrpStatusSource = () => Promise<readonly VrrpView[]>;
export type VrrpController = (cmd: VrrpCommand) => Promise<ControlResult>;
