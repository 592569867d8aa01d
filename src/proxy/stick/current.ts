/**
 * The stick tables of the engine running in this process, for the two users
 * that cannot be handed them: the `src_*` and `table_*` sample fetches (a
 * fetch only sees its SampleContext, which carries no tables) and the
 * runtime API's `show table` / `clear table` (ProxyControl has no table
 * accessor). The engine sets the reference when it is built and clears it
 * when it stops. A worker process runs one engine, so "current" is
 * unambiguous there; a process running two engines with tables at once (a
 * test) sees the last one built.
 */
import type { StickTableSet } from './table-set.js';

let current: StickTableSet | undefined;

export function setCurrentStickTables(tables: StickTableSet): void {
  current = tables;
}

/** Forgets `tables` if they are still the current ones (a newer engine may have replaced them). */
export function clearCurrentStickTables(tables: StickTableSet): void {
  if (current === tables) current = undefined;
}

export function currentStickTables(): StickTableSet | undefined {
  return current;
}
