/**
 * The read-only runtime API commands: `show info` (text, typed, JSON),
 * `show stat` in CSV, typed and JSON with HAProxy's filters, `show backend`,
 * `show servers state|conn`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STAT_FIELDS } from '../../src/proxy/stat-fields.js';
import { exchange } from '../proxy/helpers.js';
import { ask, baseConfig, type Stack, startStack } from './harness.js';

describe('show commands', () => {
  let st: Stack;
  let sock: string;
  const cmd = (c: string) => ask(sock, c);
  before(async () => {
    st = await startStack((e) => baseConfig(e));
    sock = `${st.dir}/admin.sock`;
    await exchange(st.port('fe'));
  });
  after(() => st.close());

  it("show info prints HAProxy's Name: value lines in HAProxy's order", async () => {
    const out = await cmd('show info');
    assert.ok(out.endsWith('\n\n'));
    const fields = new Map(
      out
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
    );
    assert.equal(fields.get('Name'), 'hapair');
    assert.equal(fields.get('Pid'), String(process.pid));
    assert.equal(fields.get('Maxconn'), '1000');
    assert.equal(fields.get('CumConns'), '1');
    assert.match(fields.get('Uptime') ?? '', /^0d 0h00m\d\ds$/);
    const order = [
      'Name',
      'Version',
      'Nbthread',
      'Pid',
      'Uptime',
      'Maxconn',
      'CurrConns',
      'CumConns',
      'node',
      'Start_time_sec',
    ];
    const keys = [...fields.keys()];
    assert.deepEqual(
      order.map((k) => keys.indexOf(k)),
      [...order.map((k) => keys.indexOf(k))].sort((a, b) => a - b),
    );
  });

  it('show info typed and json carry the positions and tags HAProxy uses', async () => {
    const typed = await cmd('show info typed');
    assert.match(typed, /^0\.Name\.1:POS:str:hapair$/m);
    assert.match(typed, /^6\.Pid\.1:SGP:u32:\d+$/m);
    assert.match(typed, /^18\.CumConns\.1:MCP:u32:1$/m);
    const json = JSON.parse(await cmd('show info json')) as {
      field: { pos: number; name: string };
      value: { value: unknown };
    }[];
    const pid = json.find((e) => e.field.name === 'Pid')!;
    assert.deepEqual(pid, {
      field: { pos: 6, name: 'Pid' },
      processNum: 1,
      tags: { origin: 'Status', nature: 'Gauge', scope: 'Process' },
      value: { type: 'u32', value: process.pid },
    });
  });

  it('show stat counts the traffic that went through', async () => {
    const rows = (await cmd('show stat')).split('\n').filter((l) => l && !l.startsWith('#'));
    const fe = rows.find((r) => r.startsWith('fe,FRONTEND,'))!.split(',');
    assert.equal(fe[STAT_FIELDS.indexOf('stot')], '1');
    assert.equal(fe[STAT_FIELDS.indexOf('status')], 'OPEN');
  });

  it('show stat <iid> <type> <sid> filters like HAProxy', async () => {
    const names = async (c: string) =>
      (await cmd(c))
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split(',').slice(0, 2).join('/'));
    assert.deepEqual(await names('show stat -1 4 -1'), ['be/s1', 'be/s2', 'be/s3']);
    assert.deepEqual(await names('show stat be 2 -1'), ['be/BACKEND']);
    assert.deepEqual(await names('show stat -1 5 2'), ['fe/FRONTEND', 'be/s2']);
    assert.deepEqual(await names('show stat -1 4 -1 up'), ['be/s1', 'be/s2']);
    assert.deepEqual(await names('show stat -1 4 -1 no-maint'), ['be/s1', 'be/s2']);
    assert.equal(await cmd('show stat zz 1 -1'), 'No such proxy.\n\n');
    assert.deepEqual(await names('show stat domain proxy be 2 -1'), ['be/BACKEND']);
    assert.equal(await cmd('show stat domain dns'), 'Invalid statistics domain.\n\n');
  });

  it('show stat typed prints one line per non-empty cell', async () => {
    const out = await cmd('show stat -1 4 1 typed');
    assert.match(out, /^S\.3\.1\.0\.pxname\.1:KNS:str:be$/m);
    assert.match(out, /^S\.3\.1\.17\.status\.1:SGP:str:no check$/m);
    assert.match(out, /^S\.3\.1\.55\.lastsess\.1:MAP:s32:/m);
    assert.doesNotMatch(out, /\.tracked\./);
  });

  it('show stat json is an array per object with HAProxy field records', async () => {
    const out = await cmd('show stat json');
    assert.ok(out.endsWith(']\n\n'));
    const objs = JSON.parse(out) as {
      objType: string;
      proxyId: number;
      id: number;
      field: { name: string };
      value: { type: string; value: unknown };
    }[][];
    assert.equal(objs.length, 5);
    const s1 = objs.find((o) => o.some((f) => f.field.name === 'svname' && f.value.value === 's1'))!;
    assert.ok(s1.every((f) => f.objType === 'Server' && f.proxyId === 3 && f.id === 1));
    assert.deepEqual(s1.find((f) => f.field.name === 'weight')?.value, { type: 'u32', value: 1 });
  });

  it('show version prints the version', async () => {
    assert.equal(await cmd('show version'), '0.1.0\n\n');
  });

  it('show backend lists the backends', async () => {
    assert.equal(await cmd('show backend'), '# name\nbe\n\n');
  });

  it('show servers state <backend> and unknown backends', async () => {
    const out = await cmd('show servers state be');
    assert.ok(out.startsWith('1\n# be_id be_name srv_id srv_name srv_addr srv_op_state'));
    assert.match(out, /^3 be 3 s3 127\.0\.0\.1 0 5 5 5 \d+ 1 0 0 8 0 0 0 - \d+ - 0 0 - - 0$/m);
    assert.equal(await cmd('show servers state zz'), "Can't find backend.\n\n");
  });

  it('show servers conn has one line per server with the thread column', async () => {
    const out = await cmd('show servers conn');
    const lines = out.split('\n');
    assert.equal(
      lines[0],
      '# bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est unsafe_nb safe_nb idle_lim idle_cur idle_per_thr[1]',
    );
    assert.match(lines[1]!, /^be\/s1 3\/1 127\.0\.0\.1 \d+ - 0 0 [01] 0 0 0 0 0 0$/);
    assert.equal(lines.length, 6);
  });
});
