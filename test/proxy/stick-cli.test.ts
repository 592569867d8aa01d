/**
 * `show table` and `clear table` over a real stats socket (management.txt
 * 9.3): the table list, entries as HAProxy prints them, data and key
 * filters, HAProxy's answers to bad requests, levels, and removal of entries
 * not in use.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ask, type Stack, startStack } from '../ops/harness.js';
import { waitFor } from './helpers.js';
import { fetchFrom, type HeldConn, hold } from './stick-helpers.js';

describe('show table / clear table', () => {
  let st: Stack;
  let fe: number;
  const admin = (c: string) => ask(`${st.dir}/admin.sock`, c);
  const user = (c: string) => ask(`${st.dir}/user.sock`, c);
  const used = (t: string) => st.engine.stickTables.get(t)!.used;

  before(async () => {
    st = await startStack(
      (env) => `global
    stats socket ${env.dir}/admin.sock mode 600 level admin
    stats socket ${env.dir}/user.sock mode 600 level user
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:${env.free[0]}
    stick-table type ip size 100 expire 1m store gpc0,conn_cnt,conn_rate(10s)
    tcp-request connection track-sc0 src
    default_backend be
backend be
    stick-table type ip size 50
    stick on src
    server s1 127.0.0.1:${env.ports[0]}
    server s2 127.0.0.1:${env.ports[1]}
backend names
    stick-table type string len 8 size 10 store http_req_cnt
`,
      { webs: 2 },
    );
    fe = st.port('fe');
    for (const src of ['127.0.0.1', '127.0.0.1', '127.0.0.2']) assert.match(await fetchFrom(fe, src), /^web/);
    assert.ok(
      await waitFor(() =>
        st.engine.stickTables
          .get('fe')!
          .all()
          .every((e) => e.ref === 0),
      ),
    );
  });
  after(() => st.close());

  const line = (key: string, cnt: number) =>
    new RegExp(`^0x[0-9a-f]+: key=${key} use=0 exp=\\d+ gpc0=0 conn_cnt=${cnt} conn_rate\\(10000\\)=${cnt}$`);

  it('lists the tables, the last declared first', async () => {
    assert.equal(
      await admin('show table'),
      '# table: names, type: string, size:10, used:0\n' +
        '# table: be, type: ip, size:50, used:2\n' +
        '# table: fe, type: ip, size:100, used:2\n\n',
    );
  });

  it("dumps a table's entries in key order, with their stored data", async () => {
    const out = (await admin('show table fe')).split('\n');
    assert.equal(out[0], '# table: fe, type: ip, size:100, used:2');
    assert.match(out[1]!, line('127.0.0.1', 2));
    assert.match(out[2]!, line('127.0.0.2', 1));
    assert.deepEqual(out.slice(3), ['', '']);
    const exp = Number(/exp=(\d+)/.exec(out[1]!)![1]);
    assert.ok(exp > 55_000 && exp <= 60_000, `exp=${exp}`);
    const be = (await admin('show table be')).split('\n');
    assert.match(be[1]!, /^0x[0-9a-f]+: key=127\.0\.0\.1 use=0 exp=0 server_id=1 server_key=s1$/);
    assert.match(be[2]!, /^0x[0-9a-f]+: key=127\.0\.0\.2 use=0 exp=0 server_id=2 server_key=s2$/);
  });

  it('filters on data values and keys', async () => {
    const gt = (await admin('show table fe data.conn_cnt gt 1')).split('\n');
    assert.equal(gt.length, 4);
    assert.match(gt[1]!, line('127.0.0.1', 2));
    const both = (await admin('show table fe data.conn_cnt le 1 data.gpc0 eq 0')).split('\n');
    assert.equal(both.length, 4);
    assert.match(both[1]!, line('127.0.0.2', 1));
    const none = await admin('show table fe data.conn_rate gt 5');
    assert.equal(none, '# table: fe, type: ip, size:100, used:2\n\n');
    const key = (await admin('show table fe key 127.0.0.2')).split('\n');
    assert.equal(key[0], '# table: fe, type: ip, size:100, used:2');
    assert.match(key[1]!, line('127.0.0.2', 1));
    assert.equal(await admin('show table fe key 10.0.0.1'), '\n', 'absent key: nothing');
  });

  it("answers bad requests with HAProxy's messages", async () => {
    const cases: [string, string][] = [
      ['show table nosuch', 'No such table\n'],
      ['show table fe data.foo gt 1', 'Filter entry #1: Unknown data type\n'],
      ['show table fe data.http_req_cnt gt 1', 'Filter entry #1: Data type not stored in this table\n'],
      [
        'show table fe data.gpc0 gt 0 data.conn_cnt is 1',
        'Filter entry #2: Require and operator among "eq", "ne", "le", "ge", "lt", "gt"\n',
      ],
      ['show table fe data.gpc0 gt x', 'Filter entry #1: Require a valid integer value to compare against\n'],
      ['show table fe data.gpc0 gt 1 extra', 'Filter entry #2: Unknown data type\n'],
      [
        `show table fe${' data.gpc0 ge 0'.repeat(4)} more`,
        "Detected extra data in filter, 16th word of input, after '0'\n",
      ],
      [
        'show table fe foo',
        'Optional argument only supports "data.<store_data_type>" <operator> <value> and key <key>\n',
      ],
      ['show table fe key', 'Key value expected\n'],
      [
        'clear table',
        'Required arguments: <table> "data.<store_data_type>" <operator> <value> or <table> key <key>\n',
      ],
      [
        'clear table names foo',
        'Required arguments: <table> "data.<store_data_type>" <operator> <value> or <table> key <key>\n',
      ],
    ];
    for (const [cmd, want] of cases) assert.equal(await admin(cmd), `${want}\n`, cmd);
  });

  it('shows only the table heads to the user level, and lets it clear nothing', async () => {
    assert.equal(
      await user('show table fe'),
      '# table: fe, type: ip, size:100, used:2\n# contents not dumped due to insufficient privileges\n\n',
    );
    assert.equal(await user('show table fe key 127.0.0.1'), '\n');
    assert.equal(await user('clear table fe'), '\n');
    assert.equal(used('fe'), 2);
  });

  it('clears entries by key, by data filter or all, never one in use', async () => {
    const held: HeldConn = hold(fe, '127.0.0.3');
    try {
      await held.ready;
      assert.ok(await waitFor(() => st.engine.stickTables.get('fe')!.lookup('127.0.0.3', 0)?.ref === 1));
      assert.match(await admin('show table fe key 127.0.0.3'), /key=127\.0\.0\.3 use=1 /);
      assert.equal(await admin('clear table fe key 127.0.0.3'), 'Entry currently in use, cannot remove\n\n');
      assert.equal(await admin('clear table fe data.conn_cnt gt 1'), '\n');
      assert.equal(used('fe'), 2, '127.0.0.1 went');
      assert.equal(await admin('clear table fe key 127.0.0.2'), '\n');
      assert.equal(used('fe'), 1);
      assert.equal(await admin('clear table be'), '\n');
      assert.equal(used('be'), 0);
      assert.equal(await admin('clear table fe'), '\n');
      assert.equal(used('fe'), 1, 'the tracked entry stays');
    } finally {
      await held.close();
    }
  });
});
