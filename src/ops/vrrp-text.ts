/**
 * `show vrrp`: hapair's own command, one block per VRRP instance. A block is
 * a `vrrp_instance NAME` line followed by indented `key: value` lines; no
 * empty line inside, because an empty line ends an answer on the stats
 * socket and clients read up to it.
 */
import { DROP_REASONS } from '../vrrp/packet.js';
import type { VrrpView } from './types.js';

function yesNo(b: boolean): string {
  return b ? 'yes' : 'no';
}

function lastTransition(v: VrrpView): string {
  const t = v.lastTransition;
  if (!t) return 'none';
  return `${t.from} -> ${t.to} at ${new Date(t.at).toISOString()} (${t.reason})`;
}

function trackers(v: VrrpView): string {
  if (v.trackers.length === 0) return 'none';
  return v.trackers.map((t) => `${t.key}=${t.value === undefined ? 'unknown' : String(t.value)}`).join(' ');
}

function block(v: VrrpView): string {
  const c = v.counters;
  const lines = [
    `vrrp_instance ${v.name}`,
    `state: ${v.state}`,
    `vrid: ${v.vrid}`,
    `version: ${v.version}`,
    `family: IPv${v.family}`,
    `interface: ${v.interface}`,
    `local_address: ${v.localAddress}`,
    `priority: ${v.effectivePriority} (base ${v.basePriority})`,
    `fault: ${yesNo(v.fault)}`,
    `reasons: ${v.reasons.length > 0 ? v.reasons.join('; ') : 'none'}`,
    `vips: ${v.vips && v.vips.length > 0 ? v.vips.join(', ') : 'none'}`,
    `master: ${v.master ? `${v.master.address} (priority ${v.master.priority})` : 'unknown'}`,
    `advert_int: ${v.advertIntMs} ms (master ${v.masterAdverIntMs} ms)`,
    `preempt: ${v.preempt}`,
    `adverts_sent: ${c.advertsSent}`,
    `adverts_received: ${c.advertsReceived}`,
    `priority_zero: sent ${c.prio0Sent}, received ${c.prio0Received}`,
    `drops: ${DROP_REASONS.map((r) => `${r}=${c.drops[r]}`).join(' ')} (errors ${c.dropErrors})`,
    `transitions: ${c.transitions} (became master ${c.becameMaster})`,
    `last_transition: ${lastTransition(v)}`,
    `trackers: ${trackers(v)}`,
  ];
  return `${lines[0]}\n${lines
    .slice(1)
    .map((l) => `  ${l}\n`)
    .join('')}`;
}

export function renderVrrp(instances: readonly VrrpView[], only?: string): string {
  const shown = only ? instances.filter((v) => v.name === only) : instances;
  if (only && shown.length === 0) return 'No such VRRP instance.\n';
  if (shown.length === 0) return 'No VRRP instance.\n';
  return shown.map(block).join('');
}
