/**
 * Stick counter actions of the HTTP rule sets (configuration.txt 4.3
 * "http-request track-sc0", "http-request sc-inc-gpc0"): registered with the
 * HTTP rule engine, which runs them per transaction. A slot already tracked
 * is left alone (only the first tracking rule of a slot applies).
 */
import { type RuleFamily, registerAction } from '../http/rules/types.js';
import { compileTrack, trackEntry } from './track.js';
import { SC_SLOTS } from './types.js';

const FAMILIES: readonly RuleFamily[] = ['http-request', 'http-response'];

for (const family of FAMILIES) {
  for (let slot = 0; slot < SC_SLOTS; slot++) {
    registerAction(family, `track-sc${slot}`, (rule, env) => {
      const spec = compileTrack(rule, slot, env.proxy.name, env.tables, env.stage);
      return (tx) => {
        if (tx.sc?.[slot] !== undefined) return undefined;
        const e = trackEntry(spec, tx, tx.now);
        // The transaction refuses a slot its session already tracks: give the entry back.
        if (e && !tx.track(slot, e)) e.release(tx.now);
        return undefined;
      };
    });
  }
  // `sc-inc-gpc0` alone means counter 0 (stick_table.c parse_inc_gpc).
  const incGpc0 = [
    ['sc-inc-gpc0', 0] as const,
    ...Array.from({ length: SC_SLOTS }, (_, n) => [`sc-inc-gpc0(${n})`, n] as const),
  ];
  for (const [name, slot] of incGpc0) {
    registerAction(family, name, () => (tx) => {
      tx.sc?.[slot]?.incGpc0(tx.now);
      return undefined;
    });
  }
}
