/**
 * `track-sc0|1|2 <key> [table <table>]` (configuration.txt 4.3 and
 * "tcp-request connection"), compiled once for the rule families that run it:
 * which counter slot, which table (the rule's proxy's own by default) and the
 * key expression. action.c check_trk_action() is where HAProxy refuses the
 * same things.
 */
import type { Rule } from '../../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';
import type { CompileOptions } from '../acl/compile.js';
import type { SampleContext } from '../acl/types.js';
import type { SampleExpr } from '../sample/types.js';
import { compileKeyExpr } from './key-expr.js';
import { compatibleSample } from './keys.js';
import { SC_SLOTS, type StickTableRef, type StickTables, type TrackedCounter } from './types.js';

export interface TrackSpec {
  readonly slot: number;
  readonly table: StickTableRef;
  readonly key: SampleExpr;
}

/** The slot of a `track-scN` action name, or undefined for another action. */
export function trackSlot(action: string): number | undefined {
  const m = /^track-sc(\d)$/.exec(action);
  const n = m ? Number(m[1]) : Number.NaN;
  return n < SC_SLOTS ? n : undefined;
}

/** Finds the table a rule of proxy `owner` names (`table <t>`, else its own): a ConfigError when there is none. */
export function ruleTable(
  rule: Rule,
  name: string | undefined,
  owner: string,
  tables: StickTables | undefined,
  what: string,
): StickTableRef {
  const t = tables?.get(name ?? owner);
  if (!t) {
    throw new ConfigError(
      ConfigCode.UnknownRef,
      rule.loc,
      rule.family,
      `unable to find table '${name ?? owner}' referenced by ${what}`,
    );
  }
  return t;
}

/** Compiles a `track-scN` rule of proxy `owner` whose action is `action` and args `<key> [table <t>]`. */
export function compileTrack(
  rule: Rule,
  slot: number,
  owner: string,
  tables: StickTables | undefined,
  stage: CompileOptions,
): TrackSpec {
  const what = `track-sc${slot}`;
  const [keyText, tableWord, tableName, ...extra] = rule.args;
  const shapeOk =
    keyText !== undefined &&
    extra.length === 0 &&
    (tableWord === undefined || (tableWord === 'table' && tableName !== undefined));
  if (!shapeOk) {
    throw new ConfigError(ConfigCode.BadArgs, rule.loc, rule.family, `${what} expects <key> [table <table>]`);
  }
  const table = ruleTable(rule, tableName, owner, tables, what);
  const key = compileKeyExpr(keyText, rule.loc, rule.family, stage);
  if (!compatibleSample(table.type, key.type)) {
    throw new ConfigError(
      ConfigCode.Conflict,
      rule.loc,
      rule.family,
      `stick-table '${table.name}' uses a type incompatible with the '${what}' rule`,
    );
  }
  return { slot, table, key };
}

/**
 * Runs a compiled `track-scN` against `ctx`: the entry for the key, tracked
 * (conn_cur, conn_cnt, conn_rate counted), or undefined when the key cannot
 * be fetched or the table has no room.
 */
export function trackEntry(spec: TrackSpec, ctx: SampleContext, now: number): TrackedCounter | undefined {
  const v = spec.key.eval(ctx);
  if (v === undefined) return undefined;
  const k = spec.table.key(v, spec.key.type);
  return k === undefined ? undefined : spec.table.track(k, now);
}
