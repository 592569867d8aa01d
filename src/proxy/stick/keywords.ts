/**
 * Stick-table keywords (configuration.txt 4.2 "stick-table", "stick on",
 * "stick match", "stick store-request", 11.1): parsed and checked for their
 * own shape here; table references, key expressions and conditions are
 * resolved when the engine is built (check.ts, persist.ts, track.ts).
 * `tcp-request connection track-sc0|1|2` is registered here too, as a
 * longer keyword than `tcp-request connection`, next to the code running it.
 */
import { badArgs, proxyOf, splitCondition } from '../../config/haproxy/args.js';
import {
  BACKENDS,
  FRONTENDS,
  NAMED_PROXIES,
  type SectionCtx,
  type SectionSpec,
  withModule,
} from '../../config/haproxy/context.js';
import type { Rule, StickRule, StickTableConfig } from '../../config/haproxy/model.js';
import type { KeywordCall } from '../../config/registry.js';
import { sizeValue, timeValue } from '../../config/units.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';
import { dataType, UNSUPPORTED_DATA_TYPES } from './data-types.js';
import { SC_SLOTS } from './types.js';

/**
 * Key lengths of string and binary tables: HAProxy keeps 32 bytes per key by
 * default, a string's terminating NUL included (31 characters), and `len N`
 * characters or bytes when given (stick_table.c stktable_parse_type).
 */
const DEFAULT_LEN = { string: 31, binary: 32 } as const;
const FIXED_LEN = { ip: 4, ipv6: 16, integer: 4 } as const;

const unsupported = (call: KeywordCall, what: string) =>
  new ConfigError(ConfigCode.Unsupported, call.loc, call.keyword, `${what} is not supported by hapair yet`);

/** One `store` word: `gpc0,conn_rate(30s),…` → data types with their periods. */
function parseStore(
  ctx: SectionCtx,
  call: KeywordCall,
  word: string,
  out: StickTableConfig['store'][number][],
) {
  for (const item of word.split(/,(?![^(]*\))/)) {
    const m = /^([a-z0-9_]+)(?:\(([^)]*)\))?$/.exec(item);
    if (!m) throw badArgs(call, `invalid store option '${item}'`);
    const [, name, arg] = m as unknown as [string, string, string | undefined];
    const def = dataType(name);
    if (!def) {
      if (UNSUPPORTED_DATA_TYPES.has(name)) throw unsupported(call, `store option '${name}'`);
      throw badArgs(call, `unknown store option '${name}'`);
    }
    if (out.some((s) => s.data === name)) {
      ctx.warn(call.loc, call.keyword, `store option '${name}' already enabled, ignored.`);
      continue;
    }
    if (def.kind === 'rate') {
      if (arg === undefined || arg === '') throw badArgs(call, `missing argument to store option '${name}'`);
      const period = timeValue(arg, call.loc, call.keyword);
      if (period === 0) throw badArgs(call, `store option '${name}' needs a period greater than 0`);
      out.push({ data: name, period });
    } else {
      if (arg !== undefined) throw badArgs(call, `unexpected argument to store option '${name}'`);
      out.push({ data: name });
    }
  }
}

/** `stick-table type <type> [len <n>] size <size> [expire <t>] [nopurge] [store <list>]*` (§11.1). */
function stickTable(ctx: SectionCtx, call: KeywordCall): void {
  const px = proxyOf(ctx);
  if (px.stickTable) {
    throw new ConfigError(
      ConfigCode.Duplicate,
      call.loc,
      call.keyword,
      `stick-table name '${px.name}' conflicts with table declared at ${px.stickTable.loc.file}:${px.stickTable.loc.line}`,
    );
  }
  const a = call.args;
  let type: StickTableConfig['type'] | undefined;
  let len = 0;
  let size = 0;
  let expire: number | undefined;
  let nopurge = false;
  const store: StickTableConfig['store'][number][] = [];
  const value = (i: number): string => {
    if (a[i] === undefined) throw badArgs(call, `missing argument after '${a[i - 1]}'`);
    return a[i]!;
  };
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!;
    if (w === 'type') {
      const t = value(++i);
      if (t !== 'ip' && t !== 'ipv6' && t !== 'integer' && t !== 'string' && t !== 'binary')
        throw badArgs(call, `unknown type '${t}'`);
      type = t;
      len = t === 'string' || t === 'binary' ? DEFAULT_LEN[t] : FIXED_LEN[t];
      if ((t === 'string' || t === 'binary') && a[i + 1] === 'len') {
        i += 2;
        if (!/^\d+$/.test(a[i] ?? '') || Number(a[i]) === 0)
          throw badArgs(call, "'len' expects a positive integer argument");
        len = Number(a[i]);
      }
    } else if (w === 'size') size = sizeValue(value(++i), call.loc, call.keyword);
    else if (w === 'expire') expire = timeValue(value(++i), call.loc, call.keyword);
    else if (w === 'nopurge') nopurge = true;
    else if (w === 'store') parseStore(ctx, call, value(++i), store);
    else if (w === 'peers') throw unsupported(call, "'peers' (stick-table synchronisation)");
    else if (w === 'srvkey') {
      if (value(++i) !== 'name') throw unsupported(call, `'srvkey ${a[i]}'`);
    } else throw badArgs(call, `unknown argument '${w}'`);
  }
  if (size === 0) throw badArgs(call, 'missing size');
  if (type === undefined) throw badArgs(call, 'missing type');
  px.stickTable = { type, len, size, ...(expire !== undefined && { expire }), nopurge, store, loc: call.loc };
}

const STICK_KINDS: Readonly<Record<string, StickRule['kind']>> = {
  on: 'on',
  match: 'match',
  'store-request': 'store-request',
  store: 'store-request',
};

/** `stick on|match|store-request <pattern> [table <table>] [{if|unless} <cond>]`. */
function stick(ctx: SectionCtx, call: KeywordCall): void {
  const { head, cond } = splitCondition(call);
  const [kindWord, expr, tableWord, table, ...extra] = head;
  if (kindWord === 'store-response') throw unsupported(call, "'stick store-response'");
  const kind = kindWord === undefined ? undefined : STICK_KINDS[kindWord];
  if (!kind) throw badArgs(call, "expects 'on', 'match', or 'store'");
  if (expr === undefined) throw badArgs(call, 'expects a fetch method');
  if (tableWord !== undefined && (tableWord !== 'table' || table === undefined))
    throw badArgs(call, `unknown keyword '${tableWord}'`);
  if (extra.length > 0) throw badArgs(call, `unknown keyword '${extra[0]}'`);
  const rule: StickRule = {
    kind,
    expr,
    ...(table !== undefined && { table }),
    ...(cond && { cond }),
    loc: call.loc,
  };
  proxyOf(ctx).stickRules.push(rule);
}

/** `tcp-request connection track-scN <key> [table <table>] [{if|unless} <cond>]`. */
function connTrack(ctx: SectionCtx, call: KeywordCall): void {
  const { head, cond } = splitCondition(call);
  const action = call.keyword.split(' ')[2]!;
  if (head.length !== 1 && !(head.length === 3 && head[1] === 'table'))
    throw badArgs(call, `expects <key> [table <table>]`);
  const rule: Rule = { family: 'tcp-request connection', action, args: head, loc: call.loc };
  proxyOf(ctx).rules.push(cond ? { ...rule, cond } : rule);
}

export const stickKeywords: SectionSpec[] = withModule<SectionCtx>('proxy', [
  {
    name: 'stick-table',
    sections: NAMED_PROXIES,
    usage:
      'stick-table type {ip | ipv6 | integer | string [len <length>] | binary [len <length>]} size <size> [expire <expire>] [nopurge] [store <data_type>]*',
    doc: "Declare this proxy's stick table (tracked counters, stickiness).",
    parse: stickTable,
  },
  {
    name: 'stick',
    sections: BACKENDS,
    usage: 'stick {on | match | store-request} <pattern> [table <table>] [{if | unless} <condition>]',
    doc: 'Stick clients to the server a stick table learnt for their key.',
    parse: stick,
  },
  ...Array.from({ length: SC_SLOTS }, (_, n) => ({
    name: `tcp-request connection track-sc${n}`,
    sections: FRONTENDS,
    usage: `tcp-request connection track-sc${n} <key> [table <table>] [{if | unless} <condition>]`,
    doc: `Track the connection's key in stick counter ${n} for the whole session.`,
    parse: connTrack,
  })),
]);
