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
  readonly broadcast?: string;
  readonly scope?: string;
  readonly loc: SourceLoc;
}

export interface VrrpScript {
  readonly name: string;
  readonly loc: SourceLoc;
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
  readonly path: string;
  readonly weight: number;
  readonly initFile?: { readonly value: number; readonly overwrite: boolean };
  readonly loc: SourceLoc;
}

/** hapair extension: tracker of the co-located proxy engine. */
export interface TrackProxy {
  readonly weight: number;
  /** Require at least one UP server in each named backend. */
  readonly backends: readonly string[];
  readonly loc: SourceLoc;
}

export interface NotifyHooks {
  readonly master?: string;
  readonly backup?: string;
  readonly fault?: string;
  readonly stop?: string;
  readonly any?: string;
  /** hapair/keepalived `notify_timeout`? keepalived uses script_timeout in global_defs; ms. */
  readonly timeout: number;
}

export interface VrrpInstance {
  readonly name: string;
  readonly loc: SourceLoc;
  readonly initialState: 'MASTER' | 'BACKUP';
  readonly interface: string;
  readonly vrid: number;
  /** 1–255; default 100. */
  readonly priority: number;
  /** ms; default 1000. v2 needs whole seconds. */
  readonly advertInt: number;
  readonly version: 2 | 3;
  readonly family: 4 | 6;
  readonly nopreempt: boolean;
  /** ms; 0 = none. */
  readonly preemptDelay: number;
  readonly auth?: { readonly type: 'PASS' | 'AH'; readonly pass: string };
  readonly virtualAddresses: readonly VirtualAddress[];
  readonly virtualAddressesExcluded: readonly VirtualAddress[];
  readonly unicastSrcIp?: string;
  readonly unicastPeers: readonly string[];
  readonly mcastSrcIp?: string;
  readonly trackScripts: readonly TrackRef[];
  readonly trackInterfaces: readonly TrackRef[];
  readonly trackFiles: readonly TrackRef[];
  readonly trackProxy?: TrackProxy;
  readonly notify: NotifyHooks;
  readonly garpMasterDelay: number;
  readonly garpMasterRepeat: number;
  readonly garpMasterRefresh: number;
  readonly garpLowerPrioRepeat: number;
  readonly smtpAlert: boolean;
  /** hapair extension `hapair_transport udp [port N]`: VRRP over UDP instead of IP protocol 112. */
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
  readonly enableScriptSecurity: boolean;
  readonly vrrpVersion: 2 | 3;
  readonly vrrpGarpMasterDelay: number;
  readonly vrrpGarpMasterRepeat: number;
  readonly vrrpGarpMasterRefresh: number;
  readonly vrrpGarpLowerPrioRepeat: number;
  readonly vrrpMcastGroup4: string;
  readonly vrrpMcastGroup6: string;
  readonly notifyFifo?: string;
  /** ms; keepalived's script timeout for notify scripts. */
  readonly scriptTimeout: number;
}

export interface KeepalivedConfig {
  readonly files: readonly string[];
  readonly globalDefs: GlobalDefs;
  readonly scripts: readonly VrrpScript[];
  readonly trackFiles: readonly TrackFile[];
  readonly instances: readonly VrrpInstance[];
  readonly syncGroups: readonly VrrpSyncGroup[];
  readonly warnings: readonly string[];
}
