/**
 * `show table` and `clear table` (management.txt 9.3), answered as HAProxy
 * 2.6's stick_table.c cli_parse_table_req / cli_io_handler_table do: the list
 * of tables, one table's entries filtered by up to four `data.<type> <op>
 * <value>` tests or by `key <k>`, and the removal of the entries nobody
 * tracks. Entries are printed only at operator level or above. The tables
 * are the running engine's (proxy/stick/current.ts).
 */

import { currentStickTables } from '../proxy/stick/current.js';
import { dataType, UNSUPPORTED_DATA_TYPES } from '../proxy/stick/data-types.js';
import { cliKey, compareKeys, formatKey } from '../proxy/stick/keys.js';
import type { StickEntry, StickTable } from '../proxy/stick/table.js';
import type { RuntimeCommand, RuntimeContext } from './cli-context.js';
import { atLeast, usageLine } from './cli-registry.js';

type Action = 'show' | 'clear';

/** STKTABLE_FILTER_LEN: data filters per request. */
const MAX_FILTERS = 4;

const OPS = ['eq', 'ne', 'le', 'ge', 'lt', 'gt'] as const;
type Op = (typeof OPS)[number];

interface Filter {
  readonly data: string;
  readonly op: Op;
  readonly value: number;
}

function head(t: StickTable): string {
  return `# table: ${t.name}, type: ${t.type}, size:${t.size}, used:${t.used}\n`;
}

/** An entry's stored value for filters: 0 for the server name (HAProxy compares nothing there). */
function dataValue(e: StickEntry, data: string, now: number): number {
  return e.read(data, now) ?? 0;
}

/** table_dump_entry_to_buffer(): pointer, key, users, time left, then the stored data in type order. */
function entryLine(t: StickTable, e: StickEntry, now: number): string {
  const ptr = `0x${(0x55a0c3e00000 + e.serial * 0x80).toString(16)}`;
  const exp = t.expire === undefined ? 0 : Math.max(0, Math.round(e.expireAt - now));
  let line = `${ptr}: key=${formatKey(t, e.key)} use=${e.users} exp=${exp}`;
  for (const s of t.layout.slots) {
    const name = s.def.kind === 'rate' ? `${s.def.name}(${s.period})` : s.def.name;
    const value = s.def.kind === 'name' ? (e.serverKey ?? '-') : String(dataValue(e, s.def.name, now));
    line += ` ${name}=${value}`;
  }
  return `${line}\n`;
}

const COMPARE: Readonly<Record<Op, (v: number, x: number) => boolean>> = {
  eq: (v, x) => v === x,
  ne: (v, x) => v !== x,
  le: (v, x) => v <= x,
  ge: (v, x) => v >= x,
  lt: (v, x) => v < x,
  gt: (v, x) => v > x,
};

function matches(e: StickEntry, filters: readonly Filter[], now: number): boolean {
  return filters.every((f) => COMPARE[f.op](dataValue(e, f.data, now), f.value));
}

/** table_prepare_data_request(): the filters from word 3 on, or HAProxy's answer. */
function parseFilters(t: StickTable, args: readonly string[]): Filter[] | string {
  const out: Filter[] = [];
  let i = 0;
  for (; i < MAX_FILTERS; i++) {
    const at = 3 + 3 * i;
    if (i > 0 && !args[at]) break;
    const n = i + 1;
    const data = (args[at] ?? '').slice(5);
    if (!dataType(data) && !UNSUPPORTED_DATA_TYPES.has(data))
      return `Filter entry #${n}: Unknown data type\n`;
    if (!t.slot(data)) return `Filter entry #${n}: Data type not stored in this table\n`;
    const op = args[at + 1] as Op;
    if (!OPS.includes(op))
      return `Filter entry #${n}: Require and operator among "eq", "ne", "le", "ge", "lt", "gt"\n`;
    const text = args[at + 2] ?? '';
    if (!/^[+-]?\d+$/.test(text))
      return `Filter entry #${n}: Require a valid integer value to compare against\n`;
    out.push({ data, op, value: Number(text) });
  }
  const extra = 3 + 3 * i;
  if (args[extra])
    return `Detected extra data in filter, ${extra + 1}th word of input, after '${args[extra - 1]}'\n`;
  return out;
}

/** table_process_entry_per_key(): `key <k>`. */
function perKey(t: StickTable, args: readonly string[], action: Action, ctx: RuntimeContext): string {
  if (!args[4]) return 'Key value expected\n';
  const key = cliKey(t, args[4], action);
  if (typeof key === 'object') return key.error;
  if (!atLeast(ctx.level, 'operator')) return '';
  const now = currentStickTables()!.now();
  const e = t.lookup(key, now);
  if (!e) return '';
  if (action === 'show') return head(t) + entryLine(t, e, now);
  return t.remove(e) ? '' : 'Entry currently in use, cannot remove\n';
}

function sorted(t: StickTable): StickEntry[] {
  return t.all().sort((a, b) => compareKeys(t, a.key, b.key));
}

function tableRequest(args: readonly string[], ctx: RuntimeContext, action: Action): string {
  const tables = currentStickTables();
  const name = args[2];
  if (!name) {
    if (action === 'clear')
      return 'Required arguments: <table> "data.<store_data_type>" <operator> <value> or <table> key <key>\n';
    return (tables?.list() ?? []).map(head).join('');
  }
  const t = tables?.get(name);
  if (!tables || !t) return 'No such table\n';
  const more = args[3];
  if (more === 'key') return perKey(t, args, action, ctx);
  let filters: Filter[] = [];
  if (more?.startsWith('data.')) {
    const parsed = parseFilters(t, args);
    if (typeof parsed === 'string') return parsed;
    filters = parsed;
  } else if (more) {
    return action === 'show'
      ? 'Optional argument only supports "data.<store_data_type>" <operator> <value> and key <key>\n'
      : 'Required arguments: <table> "data.<store_data_type>" <operator> <value> or <table> key <key>\n';
  }
  const now = tables.now();
  t.sweep(now);
  const operator = atLeast(ctx.level, 'operator');
  if (action === 'clear') {
    if (operator) for (const e of t.all()) if (matches(e, filters, now)) t.remove(e);
    return '';
  }
  if (!operator) return `${head(t)}# contents not dumped due to insufficient privileges\n`;
  let out = head(t);
  for (const e of sorted(t)) if (matches(e, filters, now)) out += entryLine(t, e, now);
  return out;
}

export const tableCommands: readonly RuntimeCommand[] = [
  {
    words: ['show', 'table'],
    usage: usageLine(
      'show table <table> [<filter>]*',
      "report table usage stats or dump this table's contents (filter: data/key)",
    ),
    run: (args, ctx) => tableRequest(args, ctx, 'show'),
  },
  {
    words: ['clear', 'table'],
    usage: usageLine('clear table <table> [<filter>]*', 'remove an entry from a table (filter: data/key)'),
    run: (args, ctx) => tableRequest(args, ctx, 'clear'),
  },
];
