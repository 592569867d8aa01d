/**
 * Stick counters of a whole session: `tcp-request connection track-sc0|1|2`
 * (configuration.txt 4.2 "tcp-request connection") fills a slot the first
 * time a rule of that slot applies; the session counts itself once it is
 * established (sess_cnt, sess_rate) and gives the entries back, with the
 * bytes it moved, when it ends (session.c session_store_counters).
 */
import type { ProxyConfig, Rule } from '../../config/haproxy/model.js';
import type { CompileOptions } from '../acl/compile.js';
import type { SampleContext } from '../acl/types.js';
import { compileTrack, trackEntry, trackSlot } from './track.js';
import { SC_SLOTS, type StickTables, type TrackedCounter } from './types.js';

/** A session as its connection rules see it: slots are allocated by the first tracking rule. */
export interface StickSession extends SampleContext {
  sc: (TrackedCounter | undefined)[] | undefined;
}

export type ConnStickAction = (s: StickSession, now: number) => void;

/**
 * Compiles a `tcp-request connection` rule if it is a stick counter action
 * (`track-scN <key> [table <t>]`); undefined for the other actions.
 */
export function compileConnStickRule(
  rule: Rule,
  proxy: ProxyConfig,
  tables: StickTables | undefined,
  stage: CompileOptions,
): ConnStickAction | undefined {
  const slot = trackSlot(rule.action);
  if (slot === undefined) return undefined;
  const spec = compileTrack(rule, slot, proxy.name, tables, stage);
  return (s, now) => {
    const sc = s.sc ?? new Array<TrackedCounter | undefined>(SC_SLOTS).fill(undefined);
    // Only the first tracking rule of a slot applies (tcp_exec_l4_rules).
    if (sc[slot] !== undefined) return;
    const e = trackEntry(spec, s, now);
    if (!e) return;
    sc[slot] = e;
    s.sc = sc;
  };
}

/** The session got past its connection rules and handshakes (session_count_new). */
export function countStickSession(
  sc: readonly (TrackedCounter | undefined)[] | undefined,
  now: number,
): void {
  if (!sc) return;
  for (const e of sc) e?.countSession(now);
}

/** The session ends: its bytes are counted and its entries released. */
export function releaseStickCounters(
  sc: readonly (TrackedCounter | undefined)[] | undefined,
  bytesIn: number,
  bytesOut: number,
  now: number,
): void {
  if (!sc) return;
  for (const e of sc) {
    if (!e) continue;
    e.countBytes(bytesIn, bytesOut, now);
    e.release(now);
  }
}
