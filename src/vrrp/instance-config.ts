/**
 * What a running vrrp_instance needs from its frozen config: the advertised
 * and the extra VIPs, the effective preemption settings, the tracked objects
 * with their resolved weights. keepalived adjusts a few settings when it
 * completes an instance (vrrp.c vrrp_complete_instance); the same
 * adjustments are made here, each with a warning, so the runtime behaves as
 * keepalived would even if the loader let such a combination through.
 */
import type {
  TrackFile,
  TrackRef,
  VirtualAddress,
  VrrpInstance,
  VrrpScript,
} from '../config/keepalived/model.js';
import { ConfigCode, type ConfigCodeValue, ConfigError } from '../core/errors.js';
import { familyOf } from './ip-bytes.js';
import type { TrackerInput } from './priority.js';
import { PRIO_OWNER } from './timers.js';

/** Tracker keys: `script:NAME`, `interface:NAME`, `file:NAME`, or `proxy`. */
export type TrackerKey = `script:${string}` | `interface:${string}` | `file:${string}` | 'proxy';

export interface TrackerSpec extends TrackerInput {
  readonly key: TrackerKey;
}

export interface RunSettings {
  /** Addresses carried in adverts (virtual_ipaddress, RFC 5798 §5.2.9). */
  readonly advertised: readonly VirtualAddress[];
  /** Everything added on MASTER: virtual_ipaddress then virtual_ipaddress_excluded. */
  readonly allVips: readonly VirtualAddress[];
  readonly nopreempt: boolean;
  readonly preemptDelay: number;
  readonly authPass: string | undefined;
  readonly trackers: readonly TrackerSpec[];
  readonly warnings: readonly string[];
}

export interface TrackedDefinitions {
  /** vrrp_script blocks, for the weight of a track_script entry without its own. */
  readonly scripts?: readonly VrrpScript[];
  /** track_file blocks, for the weight and initial value of a track_file entry. */
  readonly trackFiles?: readonly TrackFile[];
}

/**
 * The address of a unicast_peer entry: with hapair_transport udp it may
 * carry a port (`ADDR:PORT`, `[V6ADDR]:PORT`), which is no business of the
 * advert (the v3 pseudo-header holds the address only).
 */
export function peerHost(peer: string): string {
  if (peer.startsWith('[')) return peer.slice(1, peer.indexOf(']'));
  const colon = peer.indexOf(':');
  return colon >= 0 && colon === peer.lastIndexOf(':') ? peer.slice(0, colon) : peer;
}

const fail = (
  c: VrrpInstance,
  keyword: string,
  reason: string,
  code: ConfigCodeValue = ConfigCode.Conflict,
): never => {
  throw new ConfigError(code, c.loc, keyword, `vrrp_instance ${c.name}: ${reason}`);
};

function checkWire(c: VrrpInstance): void {
  if (c.version === 2 && c.family === 6)
    fail(c, 'vrrp_version', 'VRRPv2 is IPv4 only (RFC 3768); use version 3');
  if (c.auth?.type === 'AH')
    fail(c, 'auth_type', 'auth_type AH is not supported by hapair', ConfigCode.Unsupported);
  if (c.version === 2 && c.advertInt % 1000 !== 0)
    fail(c, 'advert_int', 'VRRPv2 needs a whole number of seconds');
  for (const v of c.virtualAddresses) {
    if (v.family !== c.family) fail(c, 'virtual_ipaddress', `${v.address} is not IPv${c.family}`);
  }
  if (c.virtualAddresses.length > 255) fail(c, 'virtual_ipaddress', 'more than 255 addresses in one advert');
  for (const p of c.unicastPeers) {
    if (familyOf(peerHost(p)) !== c.family) fail(c, 'unicast_peer', `${p} is not IPv${c.family}`);
  }
}

function scriptTracker(ref: TrackRef, defs: TrackedDefinitions, c: VrrpInstance): TrackerSpec {
  const script = defs.scripts?.find((s) => s.name === ref.name);
  if (!script) return fail(c, 'track_script', `unknown vrrp_script ${ref.name}`, ConfigCode.UnknownRef);
  // keepalived alloc_track_script: without its own weight the entry takes the script's weight and reverse.
  const weight = ref.weight ?? script.weight;
  const reverse = ref.weight === undefined ? script.weightReverse : ref.reverse;
  const value = script.initFail ? false : undefined;
  return {
    key: `script:${ref.name}`,
    kind: 'script',
    name: ref.name,
    weight,
    reverse,
    value,
  };
}

function fileTracker(ref: TrackRef, defs: TrackedDefinitions, c: VrrpInstance): TrackerSpec {
  const file = defs.trackFiles?.find((f) => f.name === ref.name);
  if (!file) return fail(c, 'track_file', `unknown track_file ${ref.name}`, ConfigCode.UnknownRef);
  // As for scripts: without its own weight the entry takes the file's weight and reverse.
  const weight = ref.weight ?? file.weight;
  const reverse = ref.weight === undefined ? (file.weightReverse ?? false) : ref.reverse;
  const value = file.initFile?.value ?? 0;
  return { key: `file:${ref.name}`, kind: 'file', name: ref.name, weight, reverse, value };
}

function trackers(c: VrrpInstance, defs: TrackedDefinitions): TrackerSpec[] {
  const out: TrackerSpec[] = [];
  // keepalived tracks the instance's own interface unless dont_track_primary.
  // Interfaces start "up": the transport could open on them; the interface
  // monitor reports changes through setTrackerState.
  const ifaces = c.trackInterfaces.map((r) => ({ name: r.name, weight: r.weight ?? 0, reverse: r.reverse }));
  if (!c.dontTrackPrimary && !ifaces.some((i) => i.name === c.interface)) {
    ifaces.unshift({ name: c.interface, weight: 0, reverse: false });
  }
  for (const i of ifaces) out.push({ key: `interface:${i.name}`, kind: 'interface', ...i, value: true });
  for (const r of c.trackScripts) out.push(scriptTracker(r, defs, c));
  for (const r of c.trackFiles) out.push(fileTracker(r, defs, c));
  if (c.trackProxy) {
    out.push({
      key: 'proxy',
      kind: 'proxy',
      name: 'proxy',
      weight: c.trackProxy.weight,
      reverse: false,
      value: undefined,
    });
  }
  return out;
}

/** Resolves the runtime settings; throws ConfigError for what hapair cannot run. */
export function resolveSettings(c: VrrpInstance, defs: TrackedDefinitions = {}): RunSettings {
  checkWire(c);
  const warnings: string[] = [];
  let nopreempt = c.nopreempt;
  let preemptDelay = c.preemptDelay;
  let authPass = c.auth?.pass;
  if (c.priority === PRIO_OWNER && nopreempt) {
    warnings.push('nopreempt is incompatible with priority 255 - resetting nopreempt');
    nopreempt = false;
  }
  if (c.initialState === 'MASTER' && nopreempt) {
    warnings.push('nopreempt will not work with initial state MASTER - clearing');
    nopreempt = false;
  }
  if (c.initialState === 'MASTER' && preemptDelay > 0) {
    warnings.push('preempt delay will not work with initial state MASTER - clearing');
    preemptDelay = 0;
  }
  if (nopreempt && preemptDelay > 0) {
    warnings.push('preempt_delay is incompatible with nopreempt mode - resetting');
    preemptDelay = 0;
  }
  if (c.version === 3 && authPass !== undefined) {
    warnings.push('VRRP version 3 does not support authentication - ignoring');
    authPass = undefined;
  }
  return {
    advertised: c.virtualAddresses,
    allVips: [...c.virtualAddresses, ...c.virtualAddressesExcluded],
    nopreempt,
    preemptDelay,
    authPass,
    trackers: trackers(c, defs),
    warnings,
  };
}
