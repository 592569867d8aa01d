/**
 * `show stat` and `show servers state` against HAProxy 2.6's own answers for
 * the same configuration (test/fixtures/ops/README.md has the recipe): the
 * CSV header byte for byte, then every row field by field, apart from values
 * that depend on timing or on ports.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { STAT_FIELDS } from '../../src/proxy/stat-fields.js';
import { ask, type Stack, startStack, waitFor } from './harness.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/ops/', import.meta.url));
const haproxyStat = readFileSync(`${FIXTURES}haproxy-show-stat.csv`, 'utf8');
const haproxyState = readFileSync(`${FIXTURES}haproxy-servers-state.txt`, 'utf8');

/** The fixture's configuration with hapair's paths and ports. */
function fixtureConfig(dir: string, ports: readonly number[], feport: number): string {
  return readFileSync(`${FIXTURES}haproxy-show-stat.cfg`, 'utf8')
    .replace('/tmp/hx-fixture/admin.sock', `${dir}/admin.sock`)
    .replace('127.0.0.1:19280', `127.0.0.1:${feport}`)
    .replace('127.0.0.1:19281', `127.0.0.1:${ports[0]}`)
    .replace('127.0.0.1:19282', `127.0.0.1:${ports[1]}`)
    .replace('127.0.0.1:19283', `127.0.0.1:${ports[2]}`);
}

const FIXED = STAT_FIELDS.length;
/**
 * Timing, ports (see the fixtures' README), and `need_conn_est`: HAProxy
 * counts the health check's own connection in a server's estimated needs,
 * the proxy engine counts client traffic only.
 */
const NOT_COMPARED = new Set(['lastchg', 'downtime', 'check_duration', 'addr', 'need_conn_est']);

function rowsByName(csv: string): Map<string, string[]> {
  const lines = csv.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  return new Map(lines.map((l) => [l.split(',').slice(0, 2).join('/'), l.split(',')]));
}

describe('show stat and show servers state match HAProxy 2.6', () => {
  let st: Stack;
  let ours: string;
  before(async () => {
    st = await startStack((e) => fixtureConfig(e.dir, e.ports, e.free[0]!), { checks: true });
    const sock = `${st.dir}/admin.sock`;
    // s1 is checked every second: wait for its first L4OK, as in the capture.
    assert.ok(
      await waitFor(async () => (await ask(sock, 'show stat')).includes(',L4OK,'), 5000),
      'no L4OK on s1',
    );
    ours = await ask(sock, 'show stat');
  });
  after(() => st.close());

  it('prints the header line exactly as HAProxy 2.6 does', () => {
    assert.equal(ours.split('\n')[0], haproxyStat.split('\n')[0]);
  });

  it('ends the answer with an empty line', () => {
    assert.ok(ours.endsWith(',\n\n'));
    assert.ok(haproxyStat.endsWith(',\n\n'));
  });

  it('lists the same objects in the same order', () => {
    assert.deepEqual([...rowsByName(ours).keys()], [...rowsByName(haproxyStat).keys()]);
  });

  it('fills every fixed column like HAProxy, timing and ports aside', () => {
    const theirs = rowsByName(haproxyStat);
    const diffs: string[] = [];
    for (const [name, cells] of rowsByName(ours)) {
      const ref = theirs.get(name)!;
      STAT_FIELDS.forEach((f, i) => {
        if (!NOT_COMPARED.has(f) && cells[i] !== ref[i])
          diffs.push(`${name} ${f}: hapair '${cells[i]}' haproxy '${ref[i]}'`);
      });
    }
    assert.deepEqual(diffs, []);
  });

  it("puts HAProxy's '-' separator after the fixed columns and one cell per module column", () => {
    const headerCells = ours.split('\n')[0]!.split(',').length;
    for (const cells of rowsByName(ours).values()) {
      assert.equal(cells[FIXED], '-');
      assert.equal(cells.length, headerCells);
    }
  });

  it('answers show servers state like HAProxy, timing and ports aside', async () => {
    const mine = (await ask(`${st.dir}/admin.sock`, 'show servers state')).split('\n');
    const ref = haproxyState.split('\n');
    assert.equal(mine[0], ref[0]);
    assert.equal(mine[1], ref[1]);
    const header = ref[1]!.slice(2).split(' ');
    const skip = new Set(['srv_time_since_last_change', 'srv_port']);
    for (let i = 2; i < ref.length; i++) {
      const a = mine[i]!.split(' ');
      const b = ref[i]!.split(' ');
      header.forEach((h, j) => {
        if (!skip.has(h)) assert.equal(a[j], b[j], `line ${i} ${h}`);
      });
    }
    assert.equal(mine.length, ref.length);
  });
});
