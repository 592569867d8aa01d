/**
 * The data types a stick table may store (configuration.txt 11.1 "store"),
 * in HAProxy's STKTABLE_DT_* order: `show table` prints an entry's data in
 * this order whatever the order of the `store` list. `server_id` and
 * `server_key` are enabled by the `stick` rules that use a table.
 */

/**
 * How a value is kept: a counter (uint/ull: HAProxy's 32/64-bit unsigned),
 * a signed integer (server_id), a rate over a period, or the server's name.
 */
export type DataKind = 'uint' | 'ull' | 'sint' | 'rate' | 'name';

export interface DataTypeDef {
  readonly name: string;
  readonly kind: DataKind;
}

/** What hapair stores, in STKTABLE_DT_* order (stick_table-t.h). */
export const DATA_TYPES: readonly DataTypeDef[] = [
  { name: 'server_id', kind: 'sint' },
  { name: 'gpc0', kind: 'uint' },
  { name: 'gpc0_rate', kind: 'rate' },
  { name: 'conn_cnt', kind: 'uint' },
  { name: 'conn_rate', kind: 'rate' },
  { name: 'conn_cur', kind: 'uint' },
  { name: 'sess_cnt', kind: 'uint' },
  { name: 'sess_rate', kind: 'rate' },
  { name: 'http_req_cnt', kind: 'uint' },
  { name: 'http_req_rate', kind: 'rate' },
  { name: 'http_err_cnt', kind: 'uint' },
  { name: 'http_err_rate', kind: 'rate' },
  { name: 'bytes_in_cnt', kind: 'ull' },
  { name: 'bytes_out_cnt', kind: 'ull' },
  { name: 'server_key', kind: 'name' },
];

/** HAProxy 2.8 data types hapair does not store yet: refused by name. */
export const UNSUPPORTED_DATA_TYPES: ReadonlySet<string> = new Set([
  'gpt0',
  'gpc1',
  'gpc1_rate',
  'bytes_in_rate',
  'bytes_out_rate',
  'http_fail_cnt',
  'http_fail_rate',
  'gpt',
  'gpc',
  'gpc_rate',
]);

const BY_NAME = new Map(DATA_TYPES.map((d) => [d.name, d]));

export function dataType(name: string): DataTypeDef | undefined {
  return BY_NAME.get(name);
}

/** One stored data type and where its value lives in an entry's number array. */
export interface DataSlot {
  readonly def: DataTypeDef;
  /** Rate period in ms (`conn_rate(10s)`); 0 for the others. */
  readonly period: number;
  /** Offset in StickEntry.data: one number, or three for a rate (period start, current, previous). */
  readonly offset: number;
}

/** Where each stored data type lives in an entry; built once per table. */
export class DataLayout {
  /** Stored types in STKTABLE_DT_* order. */
  readonly slots: readonly DataSlot[];
  /** Numbers per entry. */
  readonly width: number;
  private readonly byName: ReadonlyMap<string, DataSlot>;

  constructor(store: readonly { readonly data: string; readonly period?: number }[]) {
    const periods = new Map(store.map((s) => [s.data, s.period ?? 0]));
    const slots: DataSlot[] = [];
    let offset = 0;
    for (const def of DATA_TYPES) {
      const period = periods.get(def.name);
      if (period === undefined) continue;
      slots.push({ def, period, offset });
      if (def.kind === 'rate') offset += 3;
      else if (def.kind !== 'name') offset += 1;
    }
    this.slots = slots;
    this.width = offset;
    this.byName = new Map(slots.map((s) => [s.def.name, s]));
  }

  slot(name: string): DataSlot | undefined {
    return this.byName.get(name);
  }
}

/** Adds `n` to a counter's value in `d`: uint counters are 32-bit in HAProxy and wrap, byte counts are 64-bit. */
export function addCount(d: Float64Array, s: DataSlot, n: number): void {
  const v = d[s.offset]! + n;
  d[s.offset] = s.def.kind === 'uint' ? v % 4294967296 : v;
}
