/**
 * `show stat` rows match HAProxy 2.6's for the same configuration and the same
 * single client connection: the column order, which columns each row kind
 * fills, and the values that do not depend on timing or payload. The
 * reference output is test/fixtures/stats/show-stat-tcp.csv (recipe in the
 * README next to it).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { STAT_FIELDS } from '../../src/proxy/stat-fields.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import { exchange, namedServer, runEngine, waitFor } from './helpers.js';

const csv = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/stats/show-stat-tcp.csv'),
  'utf8',
)
  .trim()
  .split('\n');
const header = csv[0]!.slice(2).split(',');
const haproxyRows = csv.slice(1).map((l) => {
  const v = l.split(',');
  return Object.fromEntries(header.map((h, i) => [h, v[i] ?? '']));
});

/** Fields whose value depends on the run (bytes, timings), compared for presence only. */
const VARIABLE = new Set([
  'bin',
  'bout',
  'lastchg',
  'lastsess',
  'qtime',
  'ctime',
  'ttime',
  'qtime_max',
  'ctime_max',
  'ttime_max',
  'addr',
]);

describe('show stat', () => {
  it('has HAProxy 2.6 columns in the same order', () => {
    assert.deepEqual([...STAT_FIELDS], header.slice(0, header.indexOf('-')));
  });

  it('fills the same columns with the same values for a tcp frontend, servers and backend', async () => {
    const s1 = await namedServer('s1');
    try {
      const fe = makeProxy({
        kind: 'frontend',
        name: 'fe',
        id: 2,
        binds: [makeBind('127.0.0.1:0')],
        defaultBackend: 'be',
      });
      const be = makeProxy({
        kind: 'backend',
        name: 'be',
        id: 3,
        servers: [
          makeServer('s1', `127.0.0.1:${s1.port}`, { id: 1, maxconn: 10, maxqueue: 5 }),
          makeServer('s2', '127.0.0.1:9', { id: 2, backup: true }),
        ],
      });
      const r = await runEngine(makeConfig([fe, be], { maxconn: 1000 }));
      try {
        await exchange(r.port('fe'), 'GET / HTTP/1.0\r\n\r\n');
        await waitFor(() => r.engine.currentConnections === 0);
        const ours = r.engine.stats();
        assert.deepEqual(
          ours.map((x) => `${x.pxname}/${x.svname}`),
          haproxyRows.map((x) => `${x.pxname}/${x.svname}`),
        );
        const diffs: string[] = [];
        ours.forEach((row, i) => {
          const ref = haproxyRows[i]!;
          for (const f of STAT_FIELDS) {
            const mine = row[f] === undefined ? '' : String(row[f]);
            const theirs = ref[f] ?? '';
            const same = VARIABLE.has(f) ? (mine === '') === (theirs === '') : mine === theirs;
            if (!same) diffs.push(`${row.svname}.${f}: hapair '${mine}' haproxy '${theirs}'`);
          }
        });
        assert.deepEqual(diffs, []);
      } finally {
        await r.stop();
      }
    } finally {
      await s1.close();
    }
  });
});
