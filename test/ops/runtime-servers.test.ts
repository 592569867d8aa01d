/**
 * Runtime API commands on servers, through a real stats socket against a real
 * proxy engine: each command's answer (HAProxy 2.6's words) and its effect on
 * traffic through the frontend or on what the engine reports.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exchange } from '../proxy/helpers.js';
import { ask, baseConfig, type Stack, startStack } from './harness.js';

/** Answers of `n` connections through the frontend, counted by web server name. */
async function spread(st: Stack, n: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await exchange(st.port('fe'));
    const name = r.data.trim() || '(none)';
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}

const EXTRA = (checkPort: number) => `
backend bs
    balance static-rr
    server a 127.0.0.1:${checkPort} weight 2

backend bc
    server c1 127.0.0.1:${checkPort} check inter 200ms
`;

describe('server commands', () => {
  let st: Stack;
  let sock: string;
  const cmd = (c: string) => ask(sock, c);
  const statOf = async (sv: string) =>
    (await cmd('show stat'))
      .split('\n')
      .find((l) => l.startsWith(`be,${sv},`))!
      .split(',');
  before(async () => {
    st = await startStack((e) => baseConfig(e, { tail: EXTRA(e.ports[0]!) }), { checks: true });
    sock = `${st.dir}/admin.sock`;
  });
  after(() => st.close());

  it('get weight reports the user and initial weights', async () => {
    assert.equal(await cmd('get weight be/s3'), '5 (initial 5)\n\n');
    assert.equal(await cmd('get weight be/zz'), 'No such server.\n\n');
    assert.equal(await cmd('get weight zz/s1'), 'No such backend.\n\n');
    assert.equal(await cmd('get weight be'), "Require 'backend/server'.\n\n");
    assert.equal(await cmd('get weight be/#2'), '1 (initial 1)\n\n');
  });

  it('set weight changes the pick ratio of roundrobin', async () => {
    assert.equal(await cmd('set weight be/s1 3'), '\n');
    assert.equal(await cmd('get weight be/s1'), '3 (initial 1)\n\n');
    assert.deepEqual(await spread(st, 8), { web1: 6, web2: 2 });
    assert.equal((await statOf('s1'))[18], '3');
    assert.equal(await cmd('set weight be/s1 100%'), '\n');
    assert.deepEqual(await spread(st, 4), { web1: 2, web2: 2 });
  });

  it("set weight refuses what HAProxy refuses, in HAProxy's words", async () => {
    assert.equal(
      await cmd('set weight be/s1 300'),
      'Absolute weight can only be between 0 and 256 inclusive.\n\n',
    );
    assert.equal(await cmd('set weight be/s1 abc'), 'Empty weight string empty or preceded by garbage\n');
    assert.equal(await cmd('set weight be/s1 5x'), 'Trailing garbage in weight string\n');
    assert.equal(await cmd('set weight be/s1 -5%'), 'Relative weight must be positive.\n\n');
    assert.equal(await cmd('set weight be/s1'), 'Require <weight> or <weight%>.\n\n');
    assert.equal(
      await cmd('set weight bs/a 1'),
      "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n\n",
    );
    assert.equal(await cmd('set weight bs/a 0%'), '\n');
    assert.equal(await cmd('get weight bs/a'), '0 (initial 2)\n\n');
  });

  it('set server state maint takes the server out of load balancing, ready brings it back', async () => {
    assert.equal(await cmd('set server be/s1 state maint'), '\n');
    assert.deepEqual(await spread(st, 4), { web2: 4 });
    assert.equal((await statOf('s1'))[17], 'MAINT');
    assert.equal(await cmd('set server be/s1 state ready'), '\n');
    assert.deepEqual(await spread(st, 4), { web1: 2, web2: 2 });
    assert.equal(
      await cmd('set server be/s1 state foo'),
      "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n",
    );
  });

  it('set server state drain stops new traffic and reports DRAIN', async () => {
    assert.equal(await cmd('set server be/s2 state drain'), '\n');
    assert.deepEqual(await spread(st, 3), { web1: 3 });
    assert.equal((await statOf('s2'))[17], 'DRAIN');
    assert.equal(await cmd('set server be/s2 state ready'), '\n');
  });

  it('set server weight works like set weight', async () => {
    assert.equal(await cmd('set server be/s2 weight 0'), '\n');
    assert.deepEqual(await spread(st, 3), { web1: 3 });
    assert.equal(await cmd('set server be/s2 weight 1'), '\n');
  });

  it('disable server / enable server put a server in and out of maintenance', async () => {
    assert.equal(await cmd('disable server be/s2'), '\n');
    assert.deepEqual(await spread(st, 3), { web1: 3 });
    assert.equal(await cmd('enable server be/s2'), '\n');
    assert.deepEqual(await spread(st, 2), { web1: 1, web2: 1 });
  });

  it('set server health forces an unchecked server down and up', async () => {
    assert.equal(await cmd('set server be/s1 health down'), '\n');
    assert.equal((await statOf('s1'))[17], 'DOWN');
    assert.deepEqual(await spread(st, 3), { web2: 3 });
    assert.equal(await cmd('set server be/s1 health up'), '\n');
    assert.deepEqual(await spread(st, 2), { web1: 1, web2: 1 });
    assert.equal(
      await cmd('set server be/s1 health foo'),
      "'set server <srv> health' expects 'up', 'stopping', or 'down'.\n\n",
    );
  });

  it('says what it cannot do yet instead of faking it', async () => {
    assert.equal(
      await cmd('set server be/s1 fqdn x.example'),
      "'set server <srv> fqdn' is not supported by hapair yet.\n\n",
    );
    assert.deepEqual(await spread(st, 2), { web1: 1, web2: 1 });
  });

  it('set server addr reports what would change, like HAProxy', async () => {
    const port = st.webs[0]!.port;
    assert.equal(
      await cmd(`set server be/s1 addr 127.0.0.1 port ${port}`),
      "no need to change the addr, no need to change the port by 'stats socket command'\n\n",
    );
    assert.equal(await cmd('set server be/s1 addr foo'), "Invalid addr 'foo' by 'stats socket command'\n\n");
    assert.equal(
      await cmd('set server be/s1 addr'),
      'set server <b>/<s> addr requires an address and optionally a port.\n\n',
    );
  });

  it('checks the agent and health settings before acting', async () => {
    assert.equal(await cmd('set server be/s1 agent up'), 'agent checks are not enabled on this server.\n\n');
    assert.equal(
      await cmd('enable agent be/s1'),
      'Agent was not configured on this server, cannot enable.\n\n',
    );
    assert.equal(
      await cmd('enable health be/s1'),
      'Health check was not configured on this server, cannot enable.\n\n',
    );
    assert.equal(await cmd('disable agent be/s1'), '\n');
    assert.equal(await cmd('disable health be/s1'), '\n');
    assert.equal(
      await cmd('set server be/s1 bogus'),
      'usage: set server <backend>/<server> addr | agent | health | state | weight\n\n',
    );
  });

  it('add server and del server refuse what HAProxy refuses, in its words', async () => {
    assert.equal(
      await cmd('add server be/s1 127.0.0.1:1'),
      'Already exists a server with the same name in backend.\n\n',
    );
    assert.equal(await cmd('add server zz/x 127.0.0.1:1'), 'No such backend.\n');
    assert.equal(await cmd('del server be/s1'), 'Only servers in maintenance mode can be deleted.\n');
    assert.equal(await cmd('del server be/zz'), 'No such server.\n');
    const names = (await cmd('show servers state be')).split('\n').slice(2, -2);
    assert.deepEqual(
      names.map((l) => l.split(' ')[3]),
      ['s1', 's2', 's3'],
    );
  });
});
