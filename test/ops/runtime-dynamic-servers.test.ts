/**
 * `add server` and `del server` (management.txt 9.3; HAProxy 2.6 server.c
 * cli_parse_add_server, cli_parse_delete_server) through a real stats socket
 * against a real engine and check runner: a new server starts in
 * maintenance, takes its round-robin share once ready, has its checks
 * disabled until `enable health`, and is gone from traffic, `show stat` and
 * `show servers state` once deleted; every refusal in HAProxy's words.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { echoServer, exchange, refusedPort, startServer, type TestServer } from '../proxy/helpers.js';
import { ask, baseConfig, type Stack, startStack, waitFor } from './harness.js';

const EXTRA = (o: { web1: number; fd: number; fh: number; echo: number }) => `
frontend fd
    bind 127.0.0.1:${o.fd}
    default_backend bd

backend bd
    balance roundrobin
    server d1 127.0.0.1:${o.web1}

frontend fh
    bind 127.0.0.1:${o.fh}
    default_backend bh

backend bh
    server h1 127.0.0.1:${o.echo} disabled

backend bs
    balance static-rr
    server a 127.0.0.1:${o.web1}

backend bc
    balance source
    hash-type consistent
    server c1 127.0.0.1:${o.web1}
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

describe('add server / del server', () => {
  let st: Stack;
  let sock: string;
  let echo: TestServer;
  let agent: TestServer;
  let fd = 0;
  let fh = 0;
  let refused = 0;
  const cmd = (c: string) => ask(sock, c);
  const statRow = async (px: string, sv: string) => {
    const lines = (await cmd('show stat')).split('\n');
    const head = lines[0]!.slice(2).split(',');
    const row = lines.find((l) => l.startsWith(`${px},${sv},`))?.split(',');
    return row && ((field: string) => row[head.indexOf(field)]);
  };
  const state = async (px: string, sv: string) =>
    (await cmd(`show servers state ${px}`))
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => f[3] === sv);
  const server = (b: string, s: string) => st.engine.backend(b)?.findServer(s);

  before(async () => {
    echo = await echoServer();
    agent = await startServer((s) => s.end('50%\n'));
    fd = await refusedPort();
    fh = await refusedPort();
    refused = await refusedPort();
    st = await startStack(
      (e) => baseConfig(e, { tail: EXTRA({ web1: e.ports[0]!, fd, fh, echo: echo.port }) }),
      { checks: true },
    );
    sock = `${st.dir}/admin.sock`;
  });
  after(async () => {
    await st.close();
    await echo.close();
    await agent.close();
  });

  it('adds a server in maintenance, which takes its round-robin share once ready', async () => {
    const web2 = st.webs[1]!.port;
    assert.equal(await cmd(`add server bd/d2 127.0.0.1:${web2}`), 'New server registered.\n\n');
    const f = await state('bd', 'd2');
    assert.deepEqual(
      [f?.[2], f?.[4], f?.[5], f?.[6], f?.[7], f?.[16], f?.[18]],
      ['2', '127.0.0.1', '0', '1', '1', '0', String(web2)],
      'srv_id 2, stopped, FMAINT only, weight 1, id not forced, the port',
    );
    assert.equal((await statRow('bd', 'd2'))?.('status'), 'MAINT');
    assert.deepEqual(await spread(fd, 3), { web1: 3 }, 'no traffic in maintenance');
    assert.equal(await cmd('set server bd/d2 state ready'), '\n');
    assert.deepEqual(await spread(fd, 4), { web1: 2, web2: 2 });
    assert.equal((await statRow('bd', 'd2'))?.('status'), 'no check');
  });

  it('deletes a server only once in maintenance; then it is gone from traffic and reports', async () => {
    assert.equal(await cmd('del server bd/d2'), 'Only servers in maintenance mode can be deleted.\n');
    assert.equal(await cmd('set server bd/d2 state maint'), '\n');
    assert.equal(await cmd('del server bd/d2'), 'Server deleted.\n');
    assert.deepEqual(await spread(fd, 3), { web1: 3 });
    assert.equal(await statRow('bd', 'd2'), undefined);
    assert.equal(await state('bd', 'd2'), undefined);
    assert.equal(await cmd('get weight bd/d2'), 'No such server.\n\n');
    assert.equal(await cmd('del server bd/d2'), 'No such server.\n');
  });

  it('numbers a new server with the lowest free id, or the one given', async () => {
    assert.equal(
      await cmd(`add server bd/d3 127.0.0.1:${refused} id 7 weight 3`),
      'New server registered.\n\n',
    );
    const f = await state('bd', 'd3');
    assert.deepEqual([f?.[2], f?.[7], f?.[8], f?.[16]], ['7', '3', '3', '1']);
    assert.equal(await cmd(`add server bd/d4 127.0.0.1:${refused}`), 'New server registered.\n\n');
    assert.equal((await state('bd', 'd4'))?.[2], '2');
    assert.equal(
      await cmd(`add server bd/d5 127.0.0.1:${refused} id 7`),
      "'id' : custom id 7 already used at (null):0 ('server d3').\n\n",
    );
    const d1 = st.cfg.proxies.find((p) => p.name === 'bd')!.servers[0]!.loc;
    assert.equal(
      await cmd(`add server bd/d5 127.0.0.1:${refused} id 1`),
      `'id' : custom id 1 already used at ${d1.file}:${d1.line} ('server d1').\n\n`,
    );
    assert.equal(await cmd('del server bd/d3'), 'Server deleted.\n');
    assert.equal(await cmd('del server bd/#2'), 'Server deleted.\n');
    assert.deepEqual(await spread(fd, 2), { web1: 2 });
  });

  it('starts the checks of a new server disabled, until enable health', async () => {
    assert.equal(
      await cmd(`add server bd/dc 127.0.0.1:${refused} check inter 100ms fall 1`),
      'New server registered.\n\n',
    );
    assert.equal(await cmd('set server bd/dc state ready'), '\n');
    const row = await statRow('bd', 'dc');
    assert.equal(row?.('status'), 'no check', 'the check is configured but disabled');
    assert.equal(row?.('check_status'), '');
    assert.equal(server('bd', 'dc')?.health, 'up');
    assert.equal(await cmd('enable health bd/dc'), '\n');
    assert.ok(await waitFor(() => server('bd', 'dc')?.health === 'down'), 'the enabled check did not run');
    assert.equal((await statRow('bd', 'dc'))?.('check_status'), 'L4CON');
    assert.deepEqual(await spread(fd, 3), { web1: 3 });
    assert.equal(await cmd('set server bd/dc state maint'), '\n');
    assert.equal(await cmd('del server bd/dc'), 'Server deleted.\n');
    assert.equal(await statRow('bd', 'dc'), undefined);
  });

  it('starts the agent of a new server disabled, until enable agent', async () => {
    assert.equal(
      await cmd(
        `add server bd/da 127.0.0.1:${refused} weight 10 agent-check agent-port ${agent.port} agent-inter 100ms`,
      ),
      'New server registered.\n\n',
    );
    const before = agent.accepted;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(agent.accepted, before, 'the agent ran before enable agent');
    assert.equal(await cmd('get weight bd/da'), '10 (initial 10)\n\n');
    assert.equal(await cmd('enable agent bd/da'), '\n');
    assert.ok(await waitFor(() => server('bd', 'da')?.uweight === 5), "the agent's 50% was not applied");
    assert.equal(await cmd('del server bd/da'), 'Server deleted.\n');
    const after = agent.accepted;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(agent.accepted, after, 'the agent of a deleted server still runs');
  });

  it('refuses to delete a server still serving a connection', async () => {
    assert.equal(await cmd(`add server bh/h2 127.0.0.1:${echo.port}`), 'New server registered.\n\n');
    assert.equal(await cmd('set server bh/h2 state ready'), '\n');
    const c = net.connect(fh, '127.0.0.1');
    c.on('error', () => {});
    c.write('ping');
    await new Promise<void>((r) => c.once('data', () => r()));
    try {
      assert.equal(server('bh', 'h2')?.served, 1);
      assert.equal(await cmd('set server bh/h2 state maint'), '\n');
      assert.equal(
        await cmd('del server bh/h2'),
        'Server still has connections attached to it, cannot remove it.\n',
      );
    } finally {
      c.destroy();
    }
    assert.ok(await waitFor(() => server('bh', 'h2')?.served === 0));
    assert.equal(await cmd('del server bh/h2'), 'Server deleted.\n');
  });

  it('deletes a configured server in maintenance too', async () => {
    assert.equal(await cmd('del server bh/h1'), 'Server deleted.\n');
    assert.deepEqual((await cmd('show servers state bh')).split('\n').slice(2).filter(Boolean), []);
  });

  it("refuses what HAProxy refuses, in HAProxy's words", async () => {
    const cases: [string, string][] = [
      ['add server bd', "Require 'backend/server'.\n"],
      ['add server bd/', "Require 'backend/server'.\n"],
      ['add server zz/x 127.0.0.1:1', 'No such backend.\n'],
      [
        'add server bs/x 127.0.0.1:1',
        'Backend must use a dynamic load balancing to support dynamic servers.\n',
      ],
      ['add server bd/x', "'server' expects <name> and <addr>[:<port>] as arguments.\n\n"],
      ['add server bd/x@y 127.0.0.1:1', "character '@' is not permitted in server name 'x@y'.\n\n"],
      ['add server bd/d1 127.0.0.1:1', 'Already exists a server with the same name in backend.\n\n'],
      ['add server bd/x 127.0.0.1:1 cookie c1', "'cookie' option is not accepted for dynamic server\n\n"],
      ['add server bd/x 127.0.0.1:1 no-check', "'no-check' option is not accepted for dynamic server\n\n"],
      ['add server bd/x 127.0.0.1:1 bogus', "unknown keyword 'bogus'.\n\n"],
      ['add server bd/x 127.0.0.1:1 weigth 2', "unknown keyword 'weigth'; did you mean 'weight' maybe ?\n\n"],
      ['add server bd/x 127.0.0.1:1 tfo', "'tfo' option is not supported by hapair yet.\n\n"],
      ['add server bd/x 127.0.0.1:1 id 0', "'id' : custom id has to be > 0.\n\n"],
      ['add server bd/x 127.0.0.1:1 weight 300', "'weight' : weight 300 out of range [0..256].\n\n"],
      [
        'add server bd/x 127.0.0.1:1 agent-check',
        'server x does not have agent port. Agent check has been disabled.\n\n',
      ],
      ['del server bd', "Require 'backend/server'.\n"],
      ['del server zz/x', 'No such backend.\n'],
      ['del server bd/d1', 'Only servers in maintenance mode can be deleted.\n'],
    ];
    for (const [c, want] of cases) assert.equal(await cmd(c), want, c);
    assert.equal(server('bd', 'x'), undefined);
    assert.deepEqual(await spread(fd, 2), { web1: 2 });
  });

  it('accepts a backend balancing by consistent hashing', async () => {
    assert.equal(await cmd(`add server bc/c2 127.0.0.1:${refused}`), 'New server registered.\n\n');
    assert.equal(await cmd('del server bc/c2'), 'Server deleted.\n');
  });

  it('needs the admin level', async () => {
    for (const level of ['user', 'oper']) {
      const at = (c: string) => ask(`${st.dir}/${level}.sock`, c);
      assert.equal(await at(`add server bd/lv 127.0.0.1:${refused}`), 'Permission denied\n\n');
      assert.equal(await at('del server bh/h1'), 'Permission denied\n\n');
    }
    assert.equal(server('bd', 'lv'), undefined);
  });
});
