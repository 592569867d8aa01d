/**
 * The typed model of a keepalived.conf (VRRP part), frozen before use.
 * Times are milliseconds. Defaults follow keepalived.conf(5).
 */
import type { SourceLoc } from '../../core/errors.js';

export interface VirtualAddress {
  /** Address without prefix. */
  readonly address: string;
  readonly family: 4 | 6;
  /** Prefix length; keepalived default /32 (/128). */
  readonly prefix: number;
  /** Interface; defaults to the instance's interface. */
  readonly dev?: string;
  readonly label?: string;
  /** `brd`: an IPv4 address, or `+` / `-` as `ip addr` takes them. */
  readonly broadcast?: string;
  readonly scope?: string;
  readonly loc: SourceLoc;
}

export interface VrrpScript {
  readonly name: string;
  readonly loc: SourceLoc;
  /**
   * The command line as written between the double quotes: the runner splits it
   * into argv as keepalived does (unquoted spaces separate words, single quotes
   * group, backslash escapes), keepalived.conf(5) "Quoted strings".
   */
  readonly script: string;
  /** ms, default 1000. */
  readonly interval: number;
  /** ms, default = interval. */
  readonly timeout: number;
  /** Default 0. */
  readonly weight: number;
  /** `weight N reverse`. */
  readonly weightReverse: boolean;
  readonly rise: number;
  readonly fall: number;
  readonly user?: string;
  readonly group?: string;
  readonly initFail: boolean;
}

export interface TrackRef {
  /** Script, interface, file or hapair-proxy name. */
  readonly name: string;
  /** Undefined = use the tracked object's own weight (scripts) or 0 (Fault). */
  readonly weight?: number;
  readonly reverse: boolean;
  readonly loc: SourceLoc;
}

export interface TrackFile {
  readonly name: string;
  /** Resolved against the directory of the file that declares it. */
  readonly path: string;
  /** Default 1 (keepalived.conf(5) "Track files"). */
  readonly weight: number;
  /** `weight N reverse`. */
  readonly weightReverse?: boolean;
  readonly initFile?: { readonly value: number; readonly overwrite: boolean };
  readonly loc: SourceLoc;
}

/** hapair extension: tracker of the co-located proxy engine. */
export interface TrackProxy {
  /** 0 (default) = Fault while the proxy is unhealthy; otherwise added/subtracted like a track_script weight. */
  readonly weight: number;
  /** Require at least one UP server in each named backend; empty = the proxy engine being alive is enough. */
  readonly backends: readonly string[];
  readonly loc: SourceLoc;
}

export interface NotifyHooks {
  readonly master?: string;
  readonly backup?: string;
  readonly fault?: string;
  readonly stop?: string;
  readonly any?: string;
  /**
   * ms a notify script may run before it is killed; 0 = no limit (keepalived does
   * not time notify scripts out). From global_defs `hapair_notify_timeout`.
   */
  readonly timeout: number;
}

export interface VrrpInstance {
  readonly name: string;
  readonly loc: SourceLoc;
  /** Default BACKUP, or MASTER when the priority is 255 (keepalived). */
  readonly initialState: 'MASTER' | 'BACKUP';
  readonly interface: string;
  readonly vrid: number;
  /** 1–255 (255 = address owner); default 100, or 255 when `state MASTER` is given without a priority (keepalived). */
  readonly priority: number;
  /** ms; default 1000. v2 needs whole seconds (1–255 s), v3 centiseconds (10 ms–40.95 s). */
  readonly advertInt: number;
  /** `version`, else global_defs vrrp_version; IPv6 instances always use 3. */
  readonly version: 2 | 3;
  /** Family of the first address written (VIP, unicast_src_ip, mcast_src_ip or unicast_peer); 4 when none. */
  readonly family: 4 | 6;
  readonly nopreempt: boolean;
  /** ms; 0 = none. */
  readonly preemptDelay: number;
  readonly auth?: { readonly type: 'PASS' | 'AH'; readonly pass: string };
  readonly virtualAddresses: readonly VirtualAddress[];
  readonly virtualAddressesExcluded: readonly VirtualAddress[];
  readonly unicastSrcIp?: string;
  /** As written: `ADDR`, or with hapair_transport udp also `ADDR:PORT` / `[V6ADDR]:PORT`. */
  readonly unicastPeers: readonly string[];
  readonly mcastSrcIp?: string;
  readonly trackScripts: readonly TrackRef[];
  readonly trackInterfaces: readonly TrackRef[];
  readonly trackFiles: readonly TrackRef[];
  readonly trackProxy?: TrackProxy;
  readonly notify: NotifyHooks;
  /** ms; default global_defs vrrp_garp_master_delay. */
  readonly garpMasterDelay: number;
  readonly garpMasterRepeat: number;
  /** ms; 0 = no periodic refresh. */
  readonly garpMasterRefresh: number;
  readonly garpLowerPrioRepeat: number;
  /** Always false: hapair refuses smtp_alert (no email), see docs/compat.md. */
  readonly smtpAlert: boolean;
  /** hapair extension `hapair_transport udp [port N] [bind ADDR]`: VRRP over UDP (default port 11200) instead of IP protocol 112. */
  readonly transport:
    | { readonly kind: 'raw' }
    | { readonly kind: 'udp'; readonly port: number; readonly bind?: string };
  readonly dontTrackPrimary: boolean;
}

export interface VrrpSyncGroup {
  readonly name: string;
  readonly loc: SourceLoc;
  readonly members: readonly string[];
  readonly notify: NotifyHooks;
}

export interface GlobalDefs {
  readonly routerId?: string;
  readonly scriptUser?: string;
  readonly scriptGroup?: string;
  readonly enableScriptSecurity: boolean;
  readonly vrrpVersion: 2 | 3;
  /** ms; default 5000. */
  readonly vrrpGarpMasterDelay: number;
  /** Default 5. */
  readonly vrrpGarpMasterRepeat: number;
  /** ms; default 0 (no refresh). */
  readonly vrrpGarpMasterRefresh: number;
  /** Default vrrp_garp_master_repeat. */
  readonly vrrpGarpLowerPrioRepeat: number;
  readonly vrrpMcastGroup4: string;
  readonly vrrpMcastGroup6: string;
  readonly notifyFifo?: string;
  /** ms; hapair extension `hapair_notify_timeout`, copied into each NotifyHooks.timeout; 0 = no limit. */
  readonly scriptTimeout: number;
  /** `vrrp_priority`: the VRRP process's nice value; unset, hapair's default (src/vrrp/child.ts). */
  readonly vrrpPriority?: number;
  /** `vrrp_rt_priority` with its `vrrp_rlimit_rttime`; absent, the VRRP process is normally scheduled. */
  readonly vrrpRealtime?: VrrpRealtime;
  /** `vrrp_cpu_affinity`: CPU ids, sorted, unique; absent, the CPUs hapair was started with. */
  readonly vrrpCpuAffinity?: readonly number[];
}

/** Real-time scheduling of the VRRP process (keepalived lib/process.c set_process_priorities). */
export interface VrrpRealtime {
  /** SCHED_RR priority, 1–99. */
  readonly priority: number;
  /** µs; RLIMIT_RTTIME hard limit, the soft limit being half of it. Default 10000. */
  readonly rlimitRttime: number;
}

export interface KeepalivedConfig {
  readonly files: readonly string[];
  readonly globalDefs: GlobalDefs;
  readonly scripts: readonly VrrpScript[];
  readonly trackFiles: readonly TrackFile[];
  readonly instances: readonly VrrpInstance[];
  readonly syncGroups: readonly VrrpSyncGroup[];
  /** `file:line: keyword: reason` lines for accepted input worth a look (overridden values, truncated auth_pass …). */
  readonly warnings: readonly string[];
}
