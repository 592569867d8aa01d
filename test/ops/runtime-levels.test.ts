/**
 * Permission levels (management.txt 9.3, HAProxy 2.6 cli_has_level calls):
 * `user` reads, `operator` also clears maxima and lists sessions, `admin`
 * changes things. A refused command answers "Permission denied" and changes
 * nothing; `operator` and `user` lower a session's level, never raise it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ask, baseConfig, type Stack, startStack, talk } from './harness.js';

const DENIED = 'Permission denied\n\n';

/** Commands that need admin, each harmless at admin level on the base config. */
const ADMIN_ONLY = [
  'set weight be/s1 1',
  'set server be/s1 state ready',
  'set server be/s1 health up',
  'set server be/s1 agent up',
  'set server be/s1 addr 127.0.0.1',
  'set maxconn server be/s1 10',
  'set maxconn frontend fe 10',
  'set maxconn global 100',
  'set rate-limit sessions global 10',
  'disable server be/s3',
  'enable server be/s3',
  'disable health be/s1',
  'enable health be/s1',
  'disable agent be/s1',
  'enable agent be/s1',
  'disable frontend fe',
  'enable frontend fe',
  'shutdown sessions server be/s1',
  'shutdown session 0x1',
  'add server be/x 127.0.0.1:1',
  'del server be/s3',
  'clear counters all',
  'set vrrp priority VI_1 100',
];

const USER_OK = [
  'show info',
  'show stat',
  'show backend',
  'show servers state',
  'show servers conn',
  'get weight be/s1',
  'show cli level',
  'show vrrp',
];

describe('permission levels', () => {
  let st: Stack;
  before(async () => {
    st = await startStack((e) => baseConfig(e));
  });
  after(() => st.close());
  const at = (level: string, c: string) => ask(`${st.dir}/${level}.sock`, c);

  for (const c of ADMIN_ONLY) {
    it(`refuses '${c}' below admin`, async () => {
      assert.equal(await at('user', c), DENIED);
      assert.equal(await at('oper', c), DENIED);
    });
  }

  it('leaves the server untouched after a refused change', async () => {
    await at('oper', 'set weight be/s1 7');
    assert.equal(await at('admin', 'get weight be/s1'), '1 (initial 1)\n\n');
  });

  it('lets operator clear the maxima and list sessions, not user', async () => {
    assert.equal(await at('user', 'clear counters'), DENIED);
    assert.equal(await at('oper', 'clear counters'), '\n');
    assert.equal(await at('user', 'show sess'), DENIED);
    assert.match(await at('oper', 'show sess'), /fe=GLOBAL/);
  });

  for (const c of USER_OK) {
    it(`lets user run '${c}'`, async () => {
      assert.notEqual(await at('user', c), DENIED);
    });
  }

  it('lowers the level with operator and user, refuses to raise it', async () => {
    assert.equal(
      await talk(
        `${st.dir}/admin.sock`,
        'operator; set weight be/s1 2; show cli level; user; show cli level\n',
      ),
      `\n${DENIED}operator\n\n\nuser\n\n`,
    );
    assert.equal(await talk(`${st.dir}/user.sock`, 'operator; show cli level\n'), `${DENIED}user\n\n`);
  });
});
