/**
 * Drafts → typed model, with keepalived's defaults (keepalived.conf(5), vrrp.h,
 * global_data.c) applied once every section is known. The result is checked
 * by validate.ts and frozen by deepFreeze() before anyone reads it.
 * Missing mandatory values are given neutral placeholders here ('' / 0);
 * validate.ts reports them, so a model with placeholders never escapes.
 */
import { SCRIPT_DEFAULTS } from '../../checks/script-keywords.js';
import type { InstanceDraft, SyncGroupDraft } from './drafts.js';
import { RLIMIT_RTTIME_DEFAULT_US, VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6 } from './global-keywords.js';
import type {
  GlobalDefs,
  KeepalivedConfig,
  NotifyHooks,
  TrackFile,
  VrrpInstance,
  VrrpScript,
  VrrpSyncGroup,
} from './model.js';
import type { ParsedDrafts } from './parser.js';

/** vrrp.h: VRRP_PRIO_DFL, VRRP_PRIO_OWNER, VRRP_ADVER_DFL; global_data.c GARP defaults. */
const PRIORITY_DEFAULT = 100;
const PRIORITY_OWNER = 255;
const ADVERT_INT_DEFAULT_MS = 1000;
const GARP_DELAY_DEFAULT_MS = 5000;
const GARP_REPEAT_DEFAULT = 5;
/** keepalived.conf(5) "Track files": the file value is multiplied by 1 unless a weight is given. */
const TRACK_FILE_WEIGHT_DEFAULT = 1;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Drops undefined properties so optional model fields are absent, not present-but-undefined. */
function defined<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined) delete obj[key];
  return obj;
}

export function buildConfig(drafts: ParsedDrafts, files: readonly string[]): Mutable<KeepalivedConfig> {
  const globalDefs = buildGlobal(drafts);
  return {
    files: [...files],
    globalDefs,
    scripts: drafts.scripts.map(
      (d): VrrpScript =>
        defined({
          name: d.name,
          loc: d.loc,
          script: d.script ?? '',
          interval: d.interval ?? SCRIPT_DEFAULTS.interval,
          timeout: d.timeout ?? d.interval ?? SCRIPT_DEFAULTS.interval,
          weight: d.weight ?? SCRIPT_DEFAULTS.weight,
          weightReverse: d.weightReverse,
          rise: d.rise ?? SCRIPT_DEFAULTS.rise,
          fall: d.fall ?? SCRIPT_DEFAULTS.fall,
          user: d.user,
          group: d.group,
          initFail: d.initFail,
        }),
    ),
    trackFiles: drafts.trackFiles.map(
      (d): TrackFile =>
        defined({
          name: d.name,
          path: d.path ?? '',
          weight: d.weight ?? TRACK_FILE_WEIGHT_DEFAULT,
          weightReverse: d.weightReverse,
          initFile: d.initFile,
          loc: d.loc,
        }),
    ),
    instances: drafts.instances.map((d) => buildInstance(d, globalDefs)),
    syncGroups: drafts.syncGroups.map((d) => buildSyncGroup(d, globalDefs)),
    warnings: [],
  };
}

function buildGlobal(drafts: ParsedDrafts): GlobalDefs {
  const g = drafts.global;
  const repeat = g.garpMasterRepeat ?? GARP_REPEAT_DEFAULT;
  return defined({
    routerId: g.routerId,
    scriptUser: g.scriptUser,
    scriptGroup: g.scriptGroup,
    enableScriptSecurity: g.enableScriptSecurity,
    vrrpVersion: g.vrrpVersion ?? 2,
    vrrpGarpMasterDelay: g.garpMasterDelay ?? GARP_DELAY_DEFAULT_MS,
    vrrpGarpMasterRepeat: repeat,
    vrrpGarpMasterRefresh: g.garpMasterRefresh ?? 0,
    // vrrp.c vrrp_complete_init: the lower-priority repeat defaults to the master repeat.
    vrrpGarpLowerPrioRepeat: g.garpLowerPrioRepeat ?? repeat,
    vrrpMcastGroup4: g.mcastGroup4 ?? VRRP_MCAST_GROUP4,
    vrrpMcastGroup6: g.mcastGroup6 ?? VRRP_MCAST_GROUP6,
    notifyFifo: g.notifyFifo,
    scriptTimeout: g.notifyTimeout ?? 0,
    vrrpPriority: g.vrrpPriority,
    vrrpRealtime:
      g.rtPriority === undefined
        ? undefined
        : { priority: g.rtPriority, rlimitRttime: g.rlimitRttime ?? RLIMIT_RTTIME_DEFAULT_US },
    vrrpCpuAffinity: g.cpuAffinity,
  });
}

function notifyHooks(notify: InstanceDraft['notify'], g: GlobalDefs): NotifyHooks {
  return defined({ ...notify, timeout: g.scriptTimeout });
}

/** Family of an instance: the first address written (vrrp_parser.c), IPv4 when there is none. */
function instanceFamily(d: InstanceDraft): 4 | 6 {
  return d.addresses[0]?.family ?? 4;
}

function buildInstance(d: InstanceDraft, g: GlobalDefs): VrrpInstance {
  const family = instanceFamily(d);
  // vrrp.c vrrp_complete_instance: a MASTER without priority is the address owner,
  // and an instance without state is MASTER only when it owns the addresses.
  const priority = d.priority ?? (d.state === 'MASTER' ? PRIORITY_OWNER : PRIORITY_DEFAULT);
  const auth =
    d.auth?.type !== undefined && d.auth.pass !== undefined
      ? { type: d.auth.type, pass: d.auth.pass }
      : undefined;
  const proxy = d.trackProxy;
  return defined({
    name: d.name,
    loc: d.loc,
    initialState: d.state ?? (priority === PRIORITY_OWNER ? 'MASTER' : 'BACKUP'),
    interface: d.interface ?? '',
    vrid: d.vrid ?? 0,
    priority,
    advertInt: d.advertInt ?? ADVERT_INT_DEFAULT_MS,
    version: d.version ?? (family === 6 ? 3 : g.vrrpVersion),
    family,
    nopreempt: d.nopreempt,
    preemptDelay: d.preemptDelay ?? 0,
    auth,
    virtualAddresses: [...d.vips],
    virtualAddressesExcluded: [...d.evips],
    unicastSrcIp: d.unicastSrcIp,
    unicastPeers: d.unicastPeers.map((p) => p.text),
    mcastSrcIp: d.mcastSrcIp,
    trackScripts: [...d.trackScripts],
    trackInterfaces: [...d.trackInterfaces],
    trackFiles: [...d.trackFiles],
    trackProxy: proxy
      ? { weight: proxy.weight ?? 0, backends: [...proxy.backends], loc: proxy.loc }
      : undefined,
    notify: notifyHooks(d.notify, g),
    garpMasterDelay: d.garpMasterDelay ?? g.vrrpGarpMasterDelay,
    garpMasterRepeat: d.garpMasterRepeat ?? g.vrrpGarpMasterRepeat,
    garpMasterRefresh: d.garpMasterRefresh ?? g.vrrpGarpMasterRefresh,
    garpLowerPrioRepeat: d.garpLowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat,
    smtpAlert: false,
    transport: d.transport ?? { kind: 'raw' },
    dontTrackPrimary: d.dontTrackPrimary,
  });
}

function buildSyncGroup(d: SyncGroupDraft, g: GlobalDefs): VrrpSyncGroup {
  return {
    name: d.name,
    loc: d.loc,
    members: d.members.map((m) => m.name),
    notify: notifyHooks(d.notify, g),
  };
}

/** Freezes `value` and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
