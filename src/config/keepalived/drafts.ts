/**
 * Mutable drafts the keyword handlers fill while a keepalived.conf is parsed.
 * build.ts turns them into the frozen model (model.ts) once every file is
 * read, because some defaults depend on sections that may come later
 * (global_defs vrrp_version, vrrp_garp_*). Absent fields mean "not written".
 */
import type { SourceLoc } from '../../core/errors.js';
import type { TrackRef, VirtualAddress } from './model.js';

interface DraftBase {
  /** Line of the last use of each keyword in this block, for later errors and "repeated" warnings. */
  readonly locs: Map<string, SourceLoc>;
}

export interface GlobalDraft extends DraftBase {
  routerId?: string;
  scriptUser?: string;
  scriptGroup?: string;
  enableScriptSecurity: boolean;
  vrrpVersion?: 2 | 3;
  garpMasterDelay?: number;
  garpMasterRepeat?: number;
  garpMasterRefresh?: number;
  garpLowerPrioRepeat?: number;
  mcastGroup4?: string;
  mcastGroup6?: string;
  notifyFifo?: string;
  notifyTimeout?: number;
  vrrpPriority?: number;
  rtPriority?: number;
  /** µs. */
  rlimitRttime?: number;
  cpuAffinity?: number[];
}

export interface ScriptDraft extends DraftBase {
  readonly name: string;
  readonly loc: SourceLoc;
  script?: string;
  interval?: number;
  timeout?: number;
  weight?: number;
  weightReverse: boolean;
  rise?: number;
  fall?: number;
  user?: string;
  group?: string;
  initFail: boolean;
}

export interface TrackFileDraft extends DraftBase {
  readonly name: string;
  readonly loc: SourceLoc;
  path?: string;
  weight?: number;
  weightReverse: boolean;
  initFile?: { readonly value: number; readonly overwrite: boolean };
}

export interface NotifyDraft {
  master?: string;
  backup?: string;
  fault?: string;
  stop?: string;
  any?: string;
}

export interface AuthDraft extends DraftBase {
  readonly loc: SourceLoc;
  type?: 'PASS' | 'AH';
  pass?: string;
}

export interface ProxyTrackDraft extends DraftBase {
  readonly loc: SourceLoc;
  weight?: number;
  readonly backends: string[];
}

/** One address written in an instance, in file order: keepalived takes the instance family from the first. */
export interface AddressUse {
  readonly family: 4 | 6;
  readonly text: string;
  readonly keyword: string;
  readonly loc: SourceLoc;
}

export interface PeerDraft {
  readonly text: string;
  readonly address: string;
  readonly family: 4 | 6;
  /** Written as `ADDR:PORT` / `[V6ADDR]:PORT` (hapair_transport udp only). */
  readonly hasPort: boolean;
  readonly loc: SourceLoc;
}

export type TransportDraft =
  | { readonly kind: 'raw' }
  | { readonly kind: 'udp'; readonly port: number; readonly bind?: string };

export interface InstanceDraft extends DraftBase {
  readonly name: string;
  readonly loc: SourceLoc;
  state?: 'MASTER' | 'BACKUP';
  interface?: string;
  vrid?: number;
  priority?: number;
  advertInt?: number;
  version?: 2 | 3;
  nopreempt: boolean;
  preemptDelay?: number;
  auth?: AuthDraft;
  readonly vips: VirtualAddress[];
  readonly evips: VirtualAddress[];
  unicastSrcIp?: string;
  readonly unicastPeers: PeerDraft[];
  mcastSrcIp?: string;
  readonly trackScripts: TrackRef[];
  readonly trackInterfaces: TrackRef[];
  readonly trackFiles: TrackRef[];
  trackProxy?: ProxyTrackDraft;
  readonly notify: NotifyDraft;
  garpMasterDelay?: number;
  garpMasterRepeat?: number;
  garpMasterRefresh?: number;
  garpLowerPrioRepeat?: number;
  transport?: TransportDraft;
  dontTrackPrimary: boolean;
  readonly addresses: AddressUse[];
}

export interface SyncGroupDraft extends DraftBase {
  readonly name: string;
  readonly loc: SourceLoc;
  readonly members: { readonly name: string; readonly loc: SourceLoc }[];
  readonly notify: NotifyDraft;
}

/** Draft type of each section (and nested keyword block) the registry dispatches in. */
export interface SectionDrafts {
  global_defs: GlobalDraft;
  vrrp_script: ScriptDraft;
  track_file: TrackFileDraft;
  vrrp_instance: InstanceDraft;
  vrrp_sync_group: SyncGroupDraft;
  'vrrp_instance.authentication': AuthDraft;
  'vrrp_instance.hapair_track_proxy': ProxyTrackDraft;
}

export type SectionName = keyof SectionDrafts;

export function newGlobalDraft(): GlobalDraft {
  return { locs: new Map(), enableScriptSecurity: false };
}

export function newScriptDraft(name: string, loc: SourceLoc): ScriptDraft {
  return { name, loc, locs: new Map(), weightReverse: false, initFail: false };
}

export function newTrackFileDraft(name: string, loc: SourceLoc): TrackFileDraft {
  return { name, loc, locs: new Map(), weightReverse: false };
}

export function newInstanceDraft(name: string, loc: SourceLoc): InstanceDraft {
  return {
    name,
    loc,
    locs: new Map(),
    nopreempt: false,
    vips: [],
    evips: [],
    unicastPeers: [],
    trackScripts: [],
    trackInterfaces: [],
    trackFiles: [],
    notify: {},
    dontTrackPrimary: false,
    addresses: [],
  };
}

export function newSyncGroupDraft(name: string, loc: SourceLoc): SyncGroupDraft {
  return { name, loc, locs: new Map(), members: [], notify: {} };
}
