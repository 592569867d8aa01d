/**
 * `show stat json` and the stats page's `;json` export: an array per object,
 * each holding one record per non-empty cell with its position, name, tags and
 * typed value (stats.c stats_dump_fields_json, stats_emit_json_field_tags).
 * Strings are JSON-escaped, which HAProxy 2.6 does not do; names that need no
 * escaping come out identical.
 */
import { STAT_FIELDS, type StatRow } from '../proxy/stat-fields.js';
import { fieldMeta, rowKind, rowObject } from './stat-schema.js';

const ORIGIN: Readonly<Record<string, string>> = {
  M: 'Metric',
  S: 'Status',
  K: 'Key',
  C: 'Config',
  P: 'Product',
};
const NATURE: Readonly<Record<string, string>> = {
  G: 'Gauge',
  L: 'Limit',
  m: 'Min',
  M: 'Max',
  R: 'Rate',
  C: 'Counter',
  D: 'Duration',
  A: 'Age',
  T: 'Time',
  N: 'Name',
  O: 'Output',
  a: 'Avg',
};
const SCOPE: Readonly<Record<string, string>> = { P: 'Process', S: 'Service', s: 'System', C: 'Cluster' };

/** `"tags":{…}` for a three-letter descriptor (shared with `show info json`). */
export function jsonTags(tags: string): string {
  const [o = '', n = '', s = ''] = tags;
  return `"tags":{"origin":"${ORIGIN[o] ?? 'Unknown'}","nature":"${NATURE[n] ?? 'Unknown'}","scope":"${SCOPE[s] ?? 'Unknown'}"}`;
}

/** `"value":{"type":…,"value":…}`; strings quoted, numbers bare. */
export function jsonValue(type: string, v: string | number): string {
  const value = type === 'str' ? JSON.stringify(String(v)) : String(v);
  return `"value":{"type":"${type}","value":${value}}`;
}

function jsonRow(row: StatRow): string {
  const kind = rowKind(row);
  const { name: objType } = rowObject(row);
  const head = `"objType":"${objType}","proxyId":${row.iid ?? 0},"id":${row.sid ?? 0},`;
  const pid = row.pid ?? 1;
  const cells: string[] = [];
  STAT_FIELDS.forEach((f, pos) => {
    const v = row[f];
    if (v === undefined) return;
    const m = fieldMeta(kind, f);
    const field = `"field":{"pos":${pos},"name":"${f}"},"processNum":${pid},`;
    cells.push(`{${head}${field}${jsonTags(m.tags)},${jsonValue(m.type, v)}}`);
  });
  return `[${cells.join(',')}]`;
}

/** The whole export, newline included (stats_dump_json_header / _end). */
export function renderStatJson(rows: readonly StatRow[]): string {
  return `[${rows.map(jsonRow).join(',')}]\n`;
}
