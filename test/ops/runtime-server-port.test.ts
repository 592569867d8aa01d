/**
 * `set server … addr <ip> port <port>` and `set server … health stopping`
 * (management.txt 9.3; HAProxy 2.6 server.c srv_update_addr_port,
 * srv_set_stopping), through a real stats socket against a real engine and
 * check runner: the answers in HAProxy's words, new connections going to the
 * new port, the health check following it unless the server has a `port` of
 * its own, and a NOLB server taking persistent traffic only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exchange, refusedPort, startServer, type TestServer } from '../proxy/helpers.js';
import { ask, baseConfig, type Stack, startStack, waitFor } from './harness.js';

const UPDATER = " by 'stats socket command'\n\n";

interface Ports {
  readonly refused: number;
  readonly web1: number;
  readonly web2: number;
  readonly checkOk: number;
  readonly agent: number;
  readonly fp: number;
  readonly fk: number;
}

const EXTRA = (o: Ports) => `
frontend fp
    bind 127.0.0.1:${o.fp}
    default_backend bp

backend bp
    server p1 127.0.0.1:${o.refused} check inter 100ms fall 1 rise 1

backend bq
    server q1 127.0.0.1:${o.web1} check inter 100ms fall 1 rise 1 port ${o.checkOk}

backend bx
    server x1 127.0.0.1:${o.web1}
    server x2 127.0.0.1:${o.web1} port ${o.checkOk}

frontend fk
    bind 127.0.0.1:${o.fk}
    default_backend bk

backend bk
    stick-table type ip size 10 expire 1m
    stick on src
    server k1 127.0.0.1:${o.web1}
    server k2 127.0.0.1:${o.web2}

backend ba
    server a1 127.0.0.1:${o.web1} agent-check agent-port ${o.agent} agent-inter 100ms
`;

/** Answers of `n` connections through a frontend, counted by web server name. */
async function spread(port: number, n: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const name = (await exchange(port)).data.trim() || '(none)';
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}

describe('set server addr … port, and health stopping', () => {
  let st: Stack;
  let sock: string;
  let checkOk: TestServer;
  let agent: TestServer;
  let refused = 0;
  let fp = 0;
  let fk = 0;
  const cmd = (c: string) => ask(sock, c);
  const stat = async (px: string, sv: string, field: string) => {
    const lines = (await cmd('show stat')).split('\n');
    const head = lines[0]!.slice(2).split(',');
    return lines.find((l) => l.startsWith(`${px},${sv},`))?.split(',')[head.indexOf(field)];
  };
  /** The `show servers state` fields of one server. */
  const state = async (px: string, sv: string) =>
    (await cmd(`show servers state ${px}`))
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => f[3] === sv);
  const server = (b: string, s: string) => st.engine.backend(b)!.findServer(s)!;

  before(async () => {
    checkOk = await startServer((s) => s.end());
    agent = await startServer((s) => s.end('up\n'));
    refused = await refusedPort();
    fp = await refusedPort();
    fk = await refusedPort();
    st = await startStack(
      (e) =>
        baseConfig(e, {
          tail: EXTRA({
            refused,
            web1: e.ports[0]!,
            web2: e.ports[1]!,
            checkOk: checkOk.port,
            agent: agent.port,
            fp,
            fk,
          }),
        }),
      { checks: true },
    );
    sock = `${st.dir}/admin.sock`;
  });
  after(async () => {
    await st.close();
    await checkOk.close();
    await agent.close();
  });

  it('moves new connections and the health check to the new port', async () => {
    const web2 = st.webs[1]!.port;
    assert.ok(await waitFor(() => server('bp', 'p1').health === 'down'), 'nothing listens on the old port');
    assert.equal(
      await cmd(`set server bp/p1 addr 127.0.0.1 port ${web2}`),
      `no need to change the addr, port changed from '${refused}' to '${web2}'${UPDATER}`,
    );
    assert.ok(await waitFor(() => server('bp', 'p1').health === 'up'), 'the check did not follow the port');
    assert.deepEqual(await spread(fp, 3), { web2: 3 });
    assert.equal((await state('bp', 'p1'))?.[18], String(web2));
    assert.equal(await stat('bp', 'p1', 'addr'), `127.0.0.1:${web2}`);
    assert.equal(
      await cmd(`set server bp/p1 addr 127.0.0.1 port ${web2}`),
      `no need to change the addr, no need to change the port${UPDATER}`,
    );
  });

  it('leaves a check with its own port where it is', async () => {
    assert.ok(await waitFor(() => server('bq', 'q1').health === 'up'));
    const before = checkOk.accepted;
    assert.equal(
      await cmd(`set server bq/q1 addr 127.0.0.1 port ${refused}`),
      `no need to change the addr, port changed from '${st.webs[0]!.port}' to '${refused}'${UPDATER}`,
    );
    assert.ok(await waitFor(() => checkOk.accepted >= before + 3), 'the check stopped reaching its port');
    assert.equal(server('bq', 'q1').health, 'up');
    assert.equal((await state('bq', 'q1'))?.[18], String(refused));
  });

  it("reports a bad port in HAProxy's words, the address change standing", async () => {
    assert.equal(
      await cmd('set server bx/x1 addr 127.0.0.1 port abc'),
      `no need to change the addr, problem converting port 'abc' to an int${UPDATER}`,
    );
    assert.equal(
      await cmd('set server bx/x1 addr 127.0.0.2 port +5'),
      "IP changed from '127.0.0.1' to '127.0.0.2', can't change <port> to port map because it is " +
        "incompatible with current health check port configuration (use 'port' statement from the " +
        `'server' directive.${UPDATER}`,
    );
    const f = await state('bx', 'x1');
    assert.equal(f?.[4], '127.0.0.2');
    assert.equal(f?.[18], String(st.webs[0]!.port));
    assert.equal(
      await cmd('set server bx/x1 addr 127.0.0.1 port'),
      `IP changed from '127.0.0.2' to '127.0.0.1', problem converting port '' to an int${UPDATER}`,
    );
  });

  it('switches to a port map when the server has a check port', async () => {
    const web1 = st.webs[0]!.port;
    assert.equal(
      await cmd('set server bx/x2 addr 127.0.0.1 port +0'),
      `no need to change the addr, port changed from '${web1}' to '+0'${UPDATER}`,
    );
    assert.equal((await state('bx', 'x2'))?.[18], '0');
    assert.equal(
      await cmd('set server bx/x2 addr 127.0.0.1 port -5'),
      `no need to change the addr, port changed from '+0' to '-5'${UPDATER}`,
    );
    assert.equal(
      await cmd(`set server bx/x2 addr 127.0.0.1 port ${web1}`),
      `no need to change the addr, port changed from '+65531' to '${web1}'${UPDATER}`,
    );
  });

  it('health stopping takes an unchecked server out of load balancing as NOLB', async () => {
    assert.equal(await cmd('set server be/s1 health stopping'), '\n');
    assert.deepEqual(await spread(st.port('fe'), 4), { web2: 4 });
    assert.equal(await stat('be', 's1', 'status'), 'NOLB');
    const f = await state('be', 's1');
    assert.equal(f?.[5], '3', 'srv_op_state is SRV_ST_STOPPING');
    assert.equal(f?.[6], '0', 'the admin state is untouched');
    assert.equal(await cmd('set server be/s1 health up'), '\n');
    assert.equal(await stat('be', 's1', 'status'), 'no check');
    assert.deepEqual(await spread(st.port('fe'), 4), { web1: 2, web2: 2 });
  });

  it('a NOLB server keeps its persistent clients', async () => {
    const first = (await exchange(fk)).data.trim();
    const stuck = first === 'web1' ? 'k1' : 'k2';
    const other = first === 'web1' ? 'web2' : 'web1';
    assert.equal(await cmd(`set server bk/${stuck} health stopping`), '\n');
    assert.deepEqual(await spread(fk, 3), { [first]: 3 }, 'stick on src still reaches the NOLB server');
    assert.equal(await cmd('clear table bk'), '\n');
    assert.deepEqual(await spread(fk, 3), { [other]: 3 }, 'new balanced sessions avoid it');
    assert.equal(await cmd(`set server bk/${stuck} health up`), '\n');
  });

  it('health stopping on a checked server lasts until the next passing check', async () => {
    assert.ok(await waitFor(() => server('bp', 'p1').health === 'up'));
    assert.equal(await cmd('set server bp/p1 health stopping'), '\n');
    assert.equal(server('bp', 'p1').stopping, true);
    assert.equal(server('bp', 'p1').admin, 'ready');
    assert.ok(await waitFor(() => !server('bp', 'p1').stopping), 'an L4OK check brings it back UP');
  });

  it('set server agent stopping is refused as HAProxy 2.6 refuses it', async () => {
    assert.equal(
      await cmd('set server ba/a1 agent stopping'),
      "'set server <srv> agent' expects 'up' or 'down'.\n\n",
    );
    assert.equal(
      await cmd('set server be/s1 agent stopping'),
      'agent checks are not enabled on this server.\n\n',
    );
    assert.equal(server('ba', 'a1').stopping, false);
  });
});
