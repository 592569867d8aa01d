/**
 * Checks of one vrrp_instance that need the whole instance, run after
 * parsing (keepalived does them in vrrp.c vrrp_complete_instance, and mostly
 * "fixes" the value with a log line; hapair refuses instead, house rule 3).
 */
import {
  ConfigCode,
  type ConfigCodeValue,
  ConfigError,
  formatConfigMessage,
  type SourceLoc,
} from '../../core/errors.js';
import type { InstanceDraft } from './drafts.js';
import type { VrrpInstance } from './model.js';
import { canonicalIp } from './values.js';

/** RFC 5798 section 5.2.7: Max Advertise Interval is 12 bits of centiseconds. */
const V3_ADVERT_MAX_MS = 4095 * 10;
/** RFC 3768 section 5.3.7: Advertisement Interval is 8 bits of seconds. */
const V2_ADVERT_MAX_MS = 255 * 1000;

export class Findings {
  readonly errors: ConfigError[] = [];
  readonly warnings: string[] = [];

  error(code: ConfigCodeValue, loc: SourceLoc, keyword: string, reason: string): void {
    this.errors.push(new ConfigError(code, loc, keyword, reason));
  }

  warn(loc: SourceLoc, keyword: string, reason: string): void {
    this.warnings.push(formatConfigMessage(loc, keyword, reason));
  }
}

/** Names of the objects an instance may refer to. */
export interface KnownNames {
  readonly scripts: ReadonlySet<string>;
  readonly trackFiles: ReadonlySet<string>;
}

export function checkInstance(d: InstanceDraft, m: VrrpInstance, names: KnownNames, out: Findings): void {
  const at = (keyword: string): SourceLoc => d.locs.get(keyword) ?? d.loc;
  if (d.interface === undefined)
    out.error(ConfigCode.Missing, d.loc, 'interface', `missing in vrrp_instance ${d.name}`);
  if (d.vrid === undefined)
    out.error(ConfigCode.Missing, d.loc, 'virtual_router_id', `missing in vrrp_instance ${d.name}`);
  checkFamily(d, out);
  checkTransport(d, m, out, at);
  checkVersion(d, m, out, at);
  checkAuth(d, m, out);
  checkAddresses(d, m, out);
  for (const t of m.trackScripts) {
    if (!names.scripts.has(t.name))
      out.error(ConfigCode.UnknownRef, t.loc, 'track_script', `no vrrp_script named "${t.name}"`);
  }
  for (const t of m.trackFiles) {
    if (!names.trackFiles.has(t.name))
      out.error(ConfigCode.UnknownRef, t.loc, 'track_file', `no track_file named "${t.name}"`);
  }
  // keepalived.conf(5) "nopreempt" / "preempt_delay": "the initial state must not be MASTER".
  if (m.initialState === 'MASTER' && m.priority !== 255) {
    if (m.nopreempt)
      out.warn(at('nopreempt'), 'nopreempt', 'has no effect with state MASTER: use state BACKUP');
    if (m.preemptDelay > 0)
      out.warn(at('preempt_delay'), 'preempt_delay', 'has no effect with state MASTER: use state BACKUP');
  }
  if (m.unicastSrcIp !== undefined && m.unicastPeers.length === 0) {
    out.warn(
      at('unicast_src_ip'),
      'unicast_src_ip',
      'no unicast_peer: adverts are multicast (keepalived does the same)',
    );
  }
}

/** keepalived takes the family from the first address; VIPs of the other family must be excluded ones. */
function checkFamily(d: InstanceDraft, out: Findings): void {
  const first = d.addresses[0];
  if (first === undefined) return;
  for (const a of d.addresses) {
    if (a.family === first.family) continue;
    out.error(
      ConfigCode.Conflict,
      a.loc,
      a.keyword,
      `${a.text} is IPv${a.family} but vrrp_instance ${d.name} is IPv${first.family} (from ${first.text}, line ${first.loc.line}); ` +
        'put addresses of the other family in virtual_ipaddress_excluded',
    );
  }
}

function checkTransport(
  d: InstanceDraft,
  m: VrrpInstance,
  out: Findings,
  at: (k: string) => SourceLoc,
): void {
  const t = m.transport;
  if (t.kind === 'raw') {
    for (const p of d.unicastPeers) {
      if (p.hasPort) {
        out.error(
          ConfigCode.BadAddress,
          p.loc,
          'unicast_peer',
          `"${p.text}": a port is only allowed with hapair_transport udp`,
        );
      }
    }
    return;
  }
  if (t.bind !== undefined && t.bind.includes(':') !== (m.family === 6)) {
    out.error(
      ConfigCode.Conflict,
      at('hapair_transport'),
      'hapair_transport',
      `bind ${t.bind} is not an IPv${m.family} address`,
    );
  }
}

function checkVersion(d: InstanceDraft, m: VrrpInstance, out: Findings, at: (k: string) => SourceLoc): void {
  if (d.version === 2 && m.family === 6) {
    out.error(
      ConfigCode.Conflict,
      at('version'),
      'version',
      'VRRPv2 is IPv4 only (RFC 3768); IPv6 instances use version 3',
    );
    return;
  }
  const where = at('advert_int');
  const ms = m.advertInt;
  if (m.version === 2 && (ms % 1000 !== 0 || ms > V2_ADVERT_MAX_MS)) {
    out.error(
      ConfigCode.Range,
      where,
      'advert_int',
      `${ms / 1000} s: VRRPv2 needs whole seconds, 1..255 (RFC 3768 section 5.3.7); use version 3 for less`,
    );
  } else if (m.version === 3 && (ms % 10 !== 0 || ms > V3_ADVERT_MAX_MS)) {
    out.error(
      ConfigCode.Range,
      where,
      'advert_int',
      `${ms / 1000} s: VRRPv3 needs 0.01 s steps, 0.01..40.95 (RFC 5798 section 5.2.7)`,
    );
  }
}

function checkAuth(d: InstanceDraft, m: VrrpInstance, out: Findings): void {
  const a = d.auth;
  if (a === undefined) return;
  if (m.version === 3) {
    out.error(
      ConfigCode.Conflict,
      a.loc,
      'authentication',
      'VRRPv3 has no authentication (RFC 5798 section 9): remove it or use version 2',
    );
    return;
  }
  if (a.type === undefined) out.error(ConfigCode.Missing, a.loc, 'auth_type', 'missing in authentication');
  if (a.pass === undefined) out.error(ConfigCode.Missing, a.loc, 'auth_pass', 'missing in authentication');
  // No IPv6 case: IPv6 instances run VRRPv3, whose authentication is refused above.
  // vrrp.c: an AH master needs a received advert for the sequence number before taking over.
  if (a.type === 'AH' && m.initialState === 'MASTER' && m.priority !== 255) {
    out.error(
      ConfigCode.Conflict,
      a.locs.get('auth_type') ?? a.loc,
      'auth_type',
      'AH needs state BACKUP unless priority is 255',
    );
  }
}

function checkAddresses(d: InstanceDraft, m: VrrpInstance, out: Findings): void {
  if (m.virtualAddresses.length === 0 && m.virtualAddressesExcluded.length === 0) {
    out.warn(d.loc, 'vrrp_instance', `${d.name} has no virtual_ipaddress`);
  }
  const seen = new Map<string, SourceLoc>();
  const lists = [
    { keyword: 'virtual_ipaddress', vips: m.virtualAddresses },
    { keyword: 'virtual_ipaddress_excluded', vips: m.virtualAddressesExcluded },
  ];
  for (const { keyword, vips } of lists) {
    for (const v of vips) {
      const key = canonicalIp(v);
      const first = seen.get(key);
      if (first)
        out.error(ConfigCode.Duplicate, v.loc, keyword, `${v.address} already listed at line ${first.line}`);
      else seen.set(key, v.loc);
    }
  }
}
