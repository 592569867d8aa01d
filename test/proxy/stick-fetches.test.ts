/**
 * Every stick counter fetch (configuration.txt 7.3.3 `sc_*`, `sc0_*`…`sc2_*`,
 * `src_*`, `table_cnt`) over every data type hapair stores: the tracked
 * slot's value, an untracked slot (no sample), an alternate table (absent
 * key reads 0), a data type the table does not store (no sample), and the
 * start-up checks of their arguments.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { lookupFetch } from '../../src/proxy/acl/registry.js';
import type { SampleContext } from '../../src/proxy/acl/types.js';
import { clearCurrentStickTables, setCurrentStickTables } from '../../src/proxy/stick/current.js';
import '../../src/proxy/stick/fetches.js';
import type { StickEntry } from '../../src/proxy/stick/table.js';
import { StickTableSet } from '../../src/proxy/stick/table-set.js';
import { loadText } from './stick-helpers.js';

const ALL =
  'server_id,gpc0,gpc0_rate(10s),conn_cnt,conn_rate(10s),conn_cur,sess_cnt,sess_rate(10s),' +
  'http_req_cnt,http_req_rate(10s),http_err_cnt,http_err_rate(10s),bytes_in_cnt,bytes_out_cnt';

const CFG = `backend all
  stick-table type ip size 100 expire 1m store ${ALL}
backend other
  stick-table type ip size 100 store gpc0
backend bare
  stick-table type ip size 100
`;

const conn = (src: string) =>
  ({ family: 'ipv4', srcAddr: src, srcPort: 40000, dstAddr: '127.0.0.1', dstPort: 80 }) as const;
const ctxOf = (sc: (StickEntry | undefined)[], src = '10.0.0.1'): SampleContext => ({ conn: conn(src), sc });
const fetch = (name: string, args: string[], ctx: SampleContext) => {
  const def = lookupFetch(name);
  assert.ok(def, `fetch ${name} is registered`);
  assert.ok(args.length >= def.minArgs && args.length <= def.maxArgs, `${name}(${args}) arity`);
  return def.fetch(ctx, args);
};

/** Fetch suffix → value after the events below. */
const EXPECTED: Record<string, number> = {
  conn_cur: 1,
  conn_cnt: 1,
  conn_rate: 1,
  sess_cnt: 1,
  sess_rate: 1,
  http_req_cnt: 2,
  http_req_rate: 2,
  http_err_cnt: 1,
  http_err_rate: 1,
  get_gpc0: 1,
  gpc0_rate: 1,
  kbytes_in: 3,
  kbytes_out: 5,
};

describe('stick counter fetches', () => {
  const clock = new ManualClock();
  let set: StickTableSet;
  let e: StickEntry;

  before(() => {
    set = new StickTableSet(loadText(CFG).proxies, clock);
    setCurrentStickTables(set);
    e = set.get('all')!.track('10.0.0.1', 0)!;
    e.countSession(0);
    e.countHttpRequest(0);
    e.countHttpRequest(0);
    e.countHttpError(0);
    e.countBytes(3 * 1024 + 100, 5 * 1024, 0);
    e.incGpc0(0);
    clock.advance(100);
  });
  after(() => clearCurrentStickTables(set));

  it('stores and reads every supported data type', () => {
    e.storeServer(3, 's3', clock.now());
    const read = (d: string) => e.read(d, clock.now());
    assert.deepEqual(
      ['server_id', 'gpc0', 'gpc0_rate', 'conn_cnt', 'conn_rate', 'conn_cur', 'sess_cnt', 'sess_rate'].map(
        read,
      ),
      [3, 1, 1, 1, 1, 1, 1, 1],
    );
    assert.deepEqual(
      ['http_req_cnt', 'http_req_rate', 'http_err_cnt', 'http_err_rate', 'bytes_in_cnt', 'bytes_out_cnt'].map(
        read,
      ),
      [2, 2, 1, 1, 3172, 5120],
    );
  });

  for (const [suffix, want] of Object.entries(EXPECTED)) {
    it(`sc_${suffix}, sc0_${suffix}, sc1_${suffix}, src_${suffix}`, () => {
      const tracked = ctxOf([e]);
      assert.equal(fetch(`sc_${suffix}`, ['0'], tracked), want);
      assert.equal(fetch(`sc0_${suffix}`, [], tracked), want);
      assert.equal(fetch(`sc1_${suffix}`, [], tracked), undefined, 'slot 1 is not tracked');
      assert.equal(fetch(`sc_${suffix}`, ['2'], tracked), undefined, 'slot 2 is not tracked');
      assert.equal(fetch(`sc2_${suffix}`, [], ctxOf([undefined, undefined, e])), want);
      assert.equal(fetch(`src_${suffix}`, ['all'], ctxOf([])), want, 'looked up by source address');
      assert.equal(fetch(`src_${suffix}`, ['all'], ctxOf([], '10.9.9.9')), 0, 'unknown source: 0');
      assert.equal(fetch(`sc_${suffix}`, ['0', 'bare'], tracked), 0, 'key absent from the other table: 0');
    });
  }

  it('a data type the table does not store gives no sample', () => {
    const bare = set.get('bare')!;
    const b = bare.track('10.0.0.1', clock.now())!;
    assert.equal(fetch('sc_conn_cur', ['0'], ctxOf([b])), undefined);
    assert.equal(fetch('sc0_http_req_rate', ['bare'], ctxOf([e])), undefined, 'same key, other table');
    assert.equal(fetch('src_conn_rate', ['bare'], ctxOf([])), undefined);
    assert.equal(fetch('sc_get_gpc0', ['0'], ctxOf([b])), undefined);
    b.release(clock.now());
  });

  it('sc_inc_gpc0 and src_inc_gpc0 count and answer the new value; src_ creates the entry', () => {
    const tracked = ctxOf([e]);
    assert.equal(fetch('sc_inc_gpc0', ['0'], tracked), 2);
    assert.equal(fetch('sc0_inc_gpc0', [], tracked), 3);
    assert.equal(fetch('src_inc_gpc0', ['all'], ctxOf([])), 4);
    assert.equal(fetch('sc1_inc_gpc0', [], tracked), undefined, 'not tracked');
    assert.equal(e.read('gpc0_rate', clock.now()), 4);
    const other = set.get('other')!;
    assert.equal(fetch('src_inc_gpc0', ['other'], ctxOf([], '10.0.0.7')), 1);
    assert.equal(other.lookup('10.0.0.7', clock.now())?.read('gpc0', clock.now()), 1);
    assert.equal(fetch('sc_inc_gpc0', ['0', 'bare'], tracked), 0, 'gpc0 not stored there');
    assert.equal(fetch('src_get_gpc0', ['other'], ctxOf([], '10.0.0.7')), 1);
  });

  it('sc_tracked and table_cnt', () => {
    const tracked = ctxOf([e]);
    assert.equal(fetch('sc_tracked', ['0'], tracked), true);
    assert.equal(fetch('sc0_tracked', [], tracked), true);
    assert.equal(fetch('sc1_tracked', [], tracked), false);
    assert.equal(fetch('sc_tracked', ['2', 'all'], tracked), false);
    assert.equal(fetch('sc2_tracked', [], ctxOf([])), false);
    assert.equal(fetch('table_cnt', ['all'], tracked), 1);
    assert.equal(fetch('table_cnt', ['nosuch'], tracked), undefined);
  });

  it('rates decay as time passes', () => {
    clock.advance(15_000 - clock.now());
    assert.equal(fetch('sc_http_req_rate', ['0'], ctxOf([e])), 1, '2 events, half of their period left');
    assert.equal(fetch('sc_http_req_cnt', ['0'], ctxOf([e])), 2);
    clock.advance(10_000);
    assert.equal(fetch('sc_http_req_rate', ['0'], ctxOf([e])), 0);
  });

  it('checks counter numbers and table names at start-up', () => {
    const check = (name: string, args: string[]) => lookupFetch(name)!.checkArgs!(args);
    assert.match(check('sc_conn_cur', ['3'])!, /between 0 and 2/);
    assert.match(check('sc_conn_cur', ['x'])!, /between 0 and 2/);
    assert.equal(check('sc_conn_cur', ['2', 'all']), undefined);
    assert.equal(check('sc_conn_cur', ['0', 'nosuch']), "unable to find table 'nosuch'");
    assert.equal(check('sc1_tracked', ['nosuch']), "unable to find table 'nosuch'");
    assert.equal(check('src_http_err_rate', ['nosuch']), "unable to find table 'nosuch'");
    assert.equal(check('table_cnt', ['other']), undefined);
  });
});
