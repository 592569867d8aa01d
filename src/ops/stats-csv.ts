/**
 * `show stat` in CSV (management.txt 9.1): a `# ` header naming every column,
 * then one line per object, each cell followed by a comma, with HAProxy's `-`
 * separator after the fixed columns and the statistics-module columns after
 * it (stats.c stats_dump_csv_header / stats_dump_fields_csv).
 */
import { STAT_FIELDS, type StatRow, type StatValue } from '../proxy/stat-fields.js';
import { MODULE_FIELDS } from './stat-schema.js';

/** The header line, newline included. */
export function statCsvHeader(): string {
  return `# ${STAT_FIELDS.join(',')},-,${MODULE_FIELDS.join(',')},\n`;
}

/** tools.c csv_enc_append(quote=1): quoted only when the text holds a comma, quote or line break. */
export function csvCell(v: StatValue): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[\n\r,"]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const MODULE_CELLS = ','.repeat(MODULE_FIELDS.length);

/** One object's line, newline included. */
export function statCsvLine(row: StatRow): string {
  let out = '';
  for (const f of STAT_FIELDS) out += `${csvCell(row[f])},`;
  return `${out}-,${MODULE_CELLS}\n`;
}

/** Header then every row: the body of `show stat` and of the stats page's `;csv`. */
export function renderStatCsv(rows: readonly StatRow[]): string {
  return statCsvHeader() + rows.map(statCsvLine).join('');
}
