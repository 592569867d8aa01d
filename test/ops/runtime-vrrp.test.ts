/**
 * `show vrrp` and `set vrrp …` on the stats socket. The statuses come from
 * real VRRP instance runners electing a master on the fake LAN (the VRRP
 * transport seam); the control callback stands for the IPC channel to the
 * VRRP process, so the test checks what the runtime API sends over it and
 * prints back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ControlResult, VrrpCommand } from '../../src/ops/types.js';
import { ask, baseConfig, type Stack, startStack } from './harness.js';
import { electedPair, viewOf } from './vrrp-pair.js';

describe('VRRP commands', () => {
  let st: Stack;
  let pair: ReturnType<typeof electedPair>;
  const sent: VrrpCommand[] = [];
  let reply: ControlResult = { ok: true };
  const cmd = (level: string, c: string) => ask(`${st.dir}/${level}.sock`, c);
  before(async () => {
    pair = electedPair();
    st = await startStack((e) => baseConfig(e), {
      vrrpStatus: async () => [viewOf(pair.a)],
      vrrpControl: async (c) => {
        sent.push(c);
        return reply;
      },
    });
  });
  // The runners live on a manual clock: no real timer keeps them running.
  after(() => st.close());

  it('show vrrp prints one block per instance with state, priorities, VIPs, counters and the last transition', async () => {
    const out = await cmd('user', 'show vrrp');
    const s = pair.a.runner.status();
    assert.ok(out.startsWith('vrrp_instance VI_1\n  state: MASTER\n  vrid: 51\n'), out);
    assert.match(out, /^ {2}priority: 150 \(base 150\)$/m);
    assert.match(out, /^ {2}vips: 198\.18\.0\.100$/m);
    assert.match(out, /^ {2}master: 198\.18\.0\.11 \(priority 150\)$/m);
    assert.match(out, new RegExp(`^  adverts_sent: ${s.counters.advertsSent}$`, 'm'));
    assert.ok(s.counters.advertsSent > 10);
    assert.match(out, /^ {2}drops: ttl=0 version=0 type=0 vrid=0 checksum=0 .* \(errors 0\)$/m);
    assert.match(out, /^ {2}last_transition: BACKUP -> MASTER at \d{4}-\d\d-\d\dT[\d:.]+Z \(.+\)$/m);
    assert.ok(!out.slice(0, -1).includes('\n\n'), 'an empty line inside the answer would end it early');
    assert.ok(out.endsWith('\n\n'));
  });

  it('show vrrp <instance> shows that one, or says it does not exist', async () => {
    assert.ok((await cmd('user', 'show vrrp VI_1')).startsWith('vrrp_instance VI_1\n'));
    assert.equal(await cmd('user', 'show vrrp VI_9'), 'No such VRRP instance.\n\n');
  });

  it('set vrrp priority and set vrrp state send the command to the VRRP process', async () => {
    sent.length = 0;
    assert.equal(await cmd('admin', 'set vrrp priority VI_1 90'), '\n');
    assert.equal(await cmd('admin', 'set vrrp state VI_1 fault'), '\n');
    assert.equal(await cmd('admin', 'set vrrp state VI_1 backup'), '\n');
    assert.deepEqual(sent, [
      { type: 'set-priority', instance: 'VI_1', priority: 90 },
      { type: 'set-state', instance: 'VI_1', state: 'fault' },
      { type: 'set-state', instance: 'VI_1', state: 'backup' },
    ]);
  });

  it('validates before sending anything', async () => {
    sent.length = 0;
    assert.equal(
      await cmd('admin', 'set vrrp priority VI_1 255'),
      "'set vrrp priority' expects an integer between 1 and 254.\n\n",
    );
    assert.equal(
      await cmd('admin', 'set vrrp priority VI_1 abc'),
      "'set vrrp priority' expects an integer between 1 and 254.\n\n",
    );
    assert.equal(
      await cmd('admin', 'set vrrp state VI_1 master'),
      "'set vrrp state' expects 'fault' or 'backup'.\n\n",
    );
    assert.equal(await cmd('admin', 'set vrrp priority VI_9 100'), 'No such VRRP instance.\n\n');
    assert.equal(
      await cmd('admin', 'set vrrp'),
      "'set vrrp' expects 'priority <instance> <1-254>' or 'state <instance> fault|backup'.\n\n",
    );
    assert.equal(await cmd('oper', 'set vrrp state VI_1 fault'), 'Permission denied\n\n');
    assert.deepEqual(sent, []);
  });

  it("prints the VRRP process's refusal", async () => {
    reply = { ok: false, reason: 'instance VI_1 is in a sync group: change the group instead' };
    assert.equal(
      await cmd('admin', 'set vrrp state VI_1 fault'),
      'instance VI_1 is in a sync group: change the group instead\n\n',
    );
    reply = { ok: true };
  });

  it('says so when no VRRP runs', async () => {
    const other = await startStack((e) => baseConfig(e), { webs: 3 });
    try {
      assert.equal(
        await ask(`${other.dir}/admin.sock`, 'show vrrp'),
        'No VRRP instance runs in this hapair.\n\n',
      );
      assert.equal(
        await ask(`${other.dir}/admin.sock`, 'set vrrp state VI_1 fault'),
        'No VRRP instance runs in this hapair.\n\n',
      );
    } finally {
      await other.close();
    }
  });
});
