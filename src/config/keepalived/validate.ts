/**
 * Cross-object checks of a built keepalived configuration: unique names,
 * references, one VRID per interface and family, sync group membership.
 * Per-instance checks are in validate-instance.ts. Every finding carries the
 * file:line of the statement to change.
 */
import { ConfigCode, type SourceLoc } from '../../core/errors.js';
import type { InstanceDraft, PeerDraft } from './drafts.js';
import { RLIMIT_RTTIME_HAPAIR_MIN_US } from './global-keywords.js';
import type { KeepalivedConfig, VrrpInstance } from './model.js';
import type { ParsedDrafts } from './parser.js';
import { checkInstance, Findings } from './validate-instance.js';
import { canonicalIp } from './values.js';

export interface ValidationReport {
  readonly errors: Findings['errors'];
  readonly warnings: readonly string[];
}

export function validateConfig(drafts: ParsedDrafts, config: KeepalivedConfig): ValidationReport {
  const out = new Findings();
  checkGlobal(drafts, config, out);
  unique(drafts.scripts, 'vrrp_script', out);
  unique(drafts.trackFiles, 'track_file', out);
  unique(drafts.instances, 'vrrp_instance', out);
  unique(drafts.syncGroups, 'vrrp_sync_group', out);
  for (const s of drafts.scripts) {
    if (s.script === undefined)
      out.error(ConfigCode.Missing, s.loc, 'script', `missing in vrrp_script ${s.name}`);
  }
  for (const f of drafts.trackFiles) {
    if (f.path === undefined) out.error(ConfigCode.Missing, f.loc, 'file', `missing in track_file ${f.name}`);
  }
  const names = {
    scripts: new Set(config.scripts.map((s) => s.name)),
    trackFiles: new Set(config.trackFiles.map((f) => f.name)),
  };
  for (const [i, d] of drafts.instances.entries()) checkInstance(d, config.instances[i]!, names, out);
  checkVridClashes(drafts.instances, config.instances, out);
  checkSharedVips(config.instances, out);
  checkSyncGroups(drafts, config, out);
  return out;
}

/** keepalived applies RLIMIT_RTTIME only with real-time scheduling (lib/process.c set_process_priorities). */
function checkGlobal(drafts: ParsedDrafts, config: KeepalivedConfig, out: Findings): void {
  const g = drafts.global;
  const rttime = g.locs.get('vrrp_rlimit_rttime');
  const rt = config.globalDefs.vrrpRealtime;
  if (rttime && rt === undefined)
    out.warn(rttime, 'vrrp_rlimit_rttime', 'has no effect without vrrp_rt_priority');
  const at = rttime ?? g.locs.get('vrrp_rt_priority');
  if (rt && at && rt.rlimitRttime < RLIMIT_RTTIME_HAPAIR_MIN_US) {
    out.warn(
      at,
      rttime ? 'vrrp_rlimit_rttime' : 'vrrp_rt_priority',
      `RLIMIT_RTTIME ${rt.rlimitRttime} µs may get the VRRP process killed: hapair recommends vrrp_rlimit_rttime ${RLIMIT_RTTIME_HAPAIR_MIN_US} or more`,
    );
  }
}

function unique(list: readonly { name: string; loc: SourceLoc }[], section: string, out: Findings): void {
  const seen = new Map<string, SourceLoc>();
  for (const item of list) {
    const first = seen.get(item.name);
    if (first)
      out.error(
        ConfigCode.Duplicate,
        item.loc,
        section,
        `"${item.name}" is already defined at ${first.file}:${first.line}`,
      );
    else seen.set(item.name, item.loc);
  }
}

/** Adverts of instances sharing interface, family and transport reach each other's sockets. */
function channelKey(m: VrrpInstance): string {
  const t = m.transport.kind === 'raw' ? 'raw' : `udp:${m.transport.port}`;
  return `${m.interface}|${m.family}|${t}|${m.vrid}`;
}

/**
 * keepalived.conf(5) "virtual_router_id": the VRID must be unique per interface
 * and family, except for unicast instances whose peers do not overlap.
 */
function checkVridClashes(
  drafts: readonly InstanceDraft[],
  models: readonly VrrpInstance[],
  out: Findings,
): void {
  const seen = new Map<string, number[]>();
  models.forEach((m, i) => {
    if (m.interface === '' || m.vrid === 0) return;
    const key = channelKey(m);
    const earlier = seen.get(key) ?? [];
    const clash = earlier.find((j) => !disjointUnicast(drafts[j]!, drafts[i]!));
    if (clash !== undefined) {
      const other = models[clash]!;
      const d = drafts[i]!;
      out.error(
        ConfigCode.Conflict,
        d.locs.get('virtual_router_id') ?? d.loc,
        'virtual_router_id',
        `VRID ${m.vrid} on ${m.interface} (IPv${m.family}) is already used by vrrp_instance ${other.name} (${other.loc.file}:${other.loc.line})`,
      );
    }
    seen.set(key, [...earlier, i]);
  });
}

function disjointUnicast(a: InstanceDraft, b: InstanceDraft): boolean {
  if (a.unicastPeers.length === 0 || b.unicastPeers.length === 0) return false;
  const peers = new Set(a.unicastPeers.map(peerKey));
  return b.unicastPeers.every((p) => !peers.has(peerKey(p)));
}

function peerKey(p: PeerDraft): string {
  const port = p.hasPort ? p.text.slice(p.text.lastIndexOf(':') + 1) : '';
  return `${canonicalIp(p)}|${port}`;
}

/** Two instances adding the same address fight over it; keepalived accepts it, so a warning. */
function checkSharedVips(models: readonly VrrpInstance[], out: Findings): void {
  const owner = new Map<string, VrrpInstance>();
  for (const m of models) {
    for (const v of m.virtualAddresses) {
      const key = canonicalIp(v);
      const other = owner.get(key);
      if (other && other !== m)
        out.warn(v.loc, 'virtual_ipaddress', `${v.address} is also a VIP of vrrp_instance ${other.name}`);
      else owner.set(key, m);
    }
  }
}

function checkSyncGroups(drafts: ParsedDrafts, config: KeepalivedConfig, out: Findings): void {
  const instances = new Map(config.instances.map((m) => [m.name, m]));
  const groupOf = new Map<string, string>();
  for (const g of drafts.syncGroups) {
    if (g.members.length === 0)
      out.error(ConfigCode.Missing, g.loc, 'group', `missing in vrrp_sync_group ${g.name}`);
    else if (g.members.length === 1) out.warn(g.loc, 'vrrp_sync_group', `${g.name} has a single member`);
    for (const member of g.members) {
      const m = instances.get(member.name);
      if (m === undefined) {
        out.error(ConfigCode.UnknownRef, member.loc, 'group', `no vrrp_instance named "${member.name}"`);
        continue;
      }
      const other = groupOf.get(member.name);
      if (other !== undefined) {
        out.error(
          ConfigCode.Conflict,
          member.loc,
          'group',
          `vrrp_instance ${member.name} is already in vrrp_sync_group ${other}`,
        );
        continue;
      }
      groupOf.set(member.name, g.name);
      checkMemberWeights(m, g.name, config, out);
    }
  }
}

/**
 * keepalived.conf(5) "VRRP synchronization group(s)": trackers of member
 * instances must be unweighted; keepalived ignores weighted ones, hapair refuses them.
 */
function checkMemberWeights(m: VrrpInstance, group: string, config: KeepalivedConfig, out: Findings): void {
  const scripts = new Map(config.scripts.map((s) => [s.name, s.weight]));
  const files = new Map(config.trackFiles.map((f) => [f.name, f.weight]));
  const refs = [
    ...m.trackScripts.map((t) => ({ t, kw: 'track_script', w: t.weight ?? scripts.get(t.name) ?? 0 })),
    ...m.trackInterfaces.map((t) => ({ t, kw: 'track_interface', w: t.weight ?? 0 })),
    ...m.trackFiles.map((t) => ({ t, kw: 'track_file', w: t.weight ?? files.get(t.name) ?? 0 })),
  ];
  for (const { t, kw, w } of refs) {
    if (w !== 0) {
      out.error(
        ConfigCode.Conflict,
        t.loc,
        kw,
        `${t.name} has weight ${w} but ${m.name} is in vrrp_sync_group ${group}: use weight 0`,
      );
    }
  }
  if (m.trackProxy !== undefined && m.trackProxy.weight !== 0) {
    out.error(
      ConfigCode.Conflict,
      m.trackProxy.loc,
      'hapair_track_proxy',
      `weight must be 0 in vrrp_sync_group ${group}`,
    );
  }
}
