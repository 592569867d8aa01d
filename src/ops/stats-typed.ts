/**
 * `show stat typed` (management.txt 9.2 "Typed output format"): one line per non-empty
 * cell, `K.iid.sid.pos.name.pid:tags:type:value`, where K is the object letter
 * and the three tag letters describe origin, nature and scope
 * (stats.c stats_dump_fields_typed / stats_emit_field_tags).
 */
import { STAT_FIELDS, type StatRow } from '../proxy/stat-fields.js';
import { fieldMeta, rowKind, rowObject } from './stat-schema.js';

function typedRow(row: StatRow): string {
  const kind = rowKind(row);
  const { letter } = rowObject(row);
  const prefix = `${letter}.${row.iid ?? 0}.${row.sid ?? 0}.`;
  const pid = row.pid ?? 1;
  let out = '';
  STAT_FIELDS.forEach((f, pos) => {
    const v = row[f];
    if (v === undefined) return;
    const m = fieldMeta(kind, f);
    out += `${prefix}${pos}.${f}.${pid}:${m.tags}:${m.type}:${v}\n`;
  });
  return out;
}

export function renderStatTyped(rows: readonly StatRow[]): string {
  return rows.map(typedRow).join('');
}
