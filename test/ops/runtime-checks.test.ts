/**
 * Runtime API commands that reach into the health checks and the run-time
 * limits (management.txt 9.3; server.c, proxy.c and cli.c of HAProxy 2.6),
 * through a real stats socket against a real engine and check runner:
 * forcing a checked server's health and agent (later results count from the
 * forced state), enabling and disabling checks, `set maxconn server|global`
 * with connections waiting for the slots they free, and `set server addr`
 * moving new connections and the checks to another loopback address.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ServerStateEvent } from '../../src/proxy/backend.js';
import { echoServer, exchange, refusedPort, startServer, type TestServer } from '../proxy/helpers.js';
import { ask, baseConfig, type Stack, sleep, startStack, waitFor } from './harness.js';

const EXTRA = (o: {
  check: number;
  web: number;
  agent: number;
  echo: number;
  moved: number;
  fq: number;
  fm: number;
}) => `
backend bc
    server c1 127.0.0.1:${o.check} check inter 200ms
    server c2 127.0.0.1:${o.web} check inter 200ms agent-check agent-port ${o.agent} agent-inter 200ms

frontend fq
    bind 127.0.0.1:${o.fq}
    default_backend bq

backend bq
    timeout queue 10s
    server q1 127.0.0.1:${o.echo}

frontend fm
    bind 127.0.0.1:${o.fm}
    default_backend bm

backend bm
    server m1 127.0.0.1:${o.moved} check inter 200ms
`;

/** A TCP server on 127.0.0.2 (another loopback address) answering `moved`. */
async function movedServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    s.end('moved\n');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.2', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

/** A client connection that has sent `ping`; `echoed` resolves when the echo comes back. */
function client(port: number): { sock: net.Socket; echoed: Promise<void> } {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {});
  sock.write('ping');
  const echoed = new Promise<void>((r) => sock.once('data', () => r()));
  return { sock, echoed };
}

/** Resolves true when `p` settles within `ms`. */
const within = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), sleep(ms).then(() => false)]);

describe('runtime commands on checks and limits', () => {
  let st: Stack;
  let sock: string;
  let checkTarget: TestServer;
  let agent: TestServer;
  let echo: TestServer;
  let moved: { port: number; close(): Promise<void> };
  let agentWord = 'up';
  let fm = 0;
  const events: ServerStateEvent[] = [];
  const cmd = (c: string) => ask(sock, c);
  const stat = async (px: string, sv: string, field: string) => {
    const lines = (await cmd('show stat')).split('\n');
    const head = lines[0]!.slice(2).split(',');
    const row = lines.find((l) => l.startsWith(`${px},${sv},`))!.split(',');
    return row[head.indexOf(field)];
  };
  const health = (b: string, s: string) => st.engine.backend(b)!.findServer(s)!.health;

  before(async () => {
    checkTarget = await startServer((s) => s.end());
    agent = await startServer((s) => s.end(`${agentWord}\n`));
    echo = await echoServer();
    moved = await movedServer();
    fm = await refusedPort();
    st = await startStack(
      (e) =>
        baseConfig(e, {
          tail: EXTRA({
            check: checkTarget.port,
            web: e.ports[0]!,
            agent: agent.port,
            echo: echo.port,
            moved: moved.port,
            fq: e.free[2]!,
            fm,
          }),
        }),
      { checks: true },
    );
    sock = `${st.dir}/admin.sock`;
    st.engine.on('server-state', (ev: ServerStateEvent) => events.push(ev));
    assert.ok(await waitFor(async () => (await stat('bc', 'c1', 'check_status')) === 'L4OK'));
    assert.ok(await waitFor(async () => (await stat('bc', 'c2', 'agent_status')) === 'L7OK'));
  });
  after(async () => {
    await st.close();
    for (const s of [checkTarget, agent, echo, moved]) await s.close();
  });

  it('set server health down forces a checked server down; its next checks bring it back', async () => {
    assert.equal(await cmd('set server bc/c1 health down'), '\n');
    assert.equal(health('bc', 'c1'), 'down');
    const ev = events.find((e) => e.server === 'c1' && e.health === 'down');
    assert.equal(ev?.reason, 'changed from CLI');
    // health 0 of rise 2: two passing checks (200 ms apart) make it UP again.
    assert.ok(await waitFor(() => health('bc', 'c1') === 'up', 3000));
    assert.equal(await stat('bc', 'c1', 'status'), 'UP');
    assert.equal(await cmd('set server bc/c1 health up'), '\n');
    assert.equal(await stat('bc', 'c1', 'check_health'), '4');
  });

  it('set server agent down forces the agent; its next reply counts from there', async () => {
    assert.equal(await cmd('set server bc/c2 agent down'), '\n');
    assert.equal(health('bc', 'c2'), 'down');
    assert.ok(await waitFor(() => health('bc', 'c2') === 'up', 3000), 'the agent said up again');
    agentWord = 'down';
    assert.ok(await waitFor(() => health('bc', 'c2') === 'down', 3000));
    assert.equal(await cmd('set server bc/c2 agent up'), '\n');
    assert.equal(health('bc', 'c2'), 'up');
    assert.ok(await waitFor(() => health('bc', 'c2') === 'down', 3000), 'the agent said down again');
    agentWord = 'up';
    assert.ok(await waitFor(() => health('bc', 'c2') === 'up', 3000));
    assert.equal(
      await cmd('set server bc/c2 agent foo'),
      "'set server <srv> agent' expects 'up' or 'down'.\n\n",
    );
  });

  it('disable agent empties its columns and refuses set server agent; enable agent resumes it', async () => {
    assert.equal(await cmd('disable agent bc/c2'), '\n');
    assert.equal(await stat('bc', 'c2', 'agent_status'), '');
    assert.equal(
      await cmd('set server bc/c2 agent down'),
      'agent checks are not enabled on this server.\n\n',
    );
    assert.equal(health('bc', 'c2'), 'up');
    assert.equal(await cmd('enable agent bc/c2'), '\n');
    assert.ok(await waitFor(async () => (await stat('bc', 'c2', 'agent_status')) === 'L7OK'));
  });

  it('disable health stops the check and keeps the state; enable health checks again', async () => {
    assert.equal(await cmd('disable health bc/c1'), '\n');
    assert.equal(await stat('bc', 'c1', 'status'), 'no check');
    assert.equal(await stat('bc', 'c1', 'check_status'), '');
    await checkTarget.close();
    await sleep(700);
    assert.equal(health('bc', 'c1'), 'up', 'a disabled check changed the state');
    assert.equal(await cmd('enable health bc/c1'), '\n');
    assert.ok(await waitFor(() => health('bc', 'c1') === 'down', 3000));
    assert.equal(await stat('bc', 'c1', 'check_status'), 'L4CON');
    assert.equal(await stat('bc', 'c1', 'status'), 'DOWN');
  });

  it('set maxconn server limits the server; raising it lets the queued connection in', async () => {
    assert.equal(await cmd('set maxconn server bq/q1 1'), '\n');
    assert.equal(await stat('bq', 'q1', 'slim'), '1');
    const a = client(st.port('fq'));
    await a.echoed;
    const b = client(st.port('fq'));
    try {
      assert.equal(await within(b.echoed, 300), false, 'served beyond maxconn 1');
      // Its only server full, the connection waits in the backend's queue.
      assert.equal(await stat('bq', 'BACKEND', 'qcur'), '1');
      assert.equal(await cmd('set maxconn server bq/q1 2'), '\n');
      assert.equal(await within(b.echoed, 2000), true, 'the queued connection was not served');
      assert.equal(await stat('bq', 'BACKEND', 'qcur'), '0');
      assert.equal(await stat('bq', 'q1', 'slim'), '2');
    } finally {
      a.sock.destroy();
      b.sock.destroy();
    }
    assert.equal(await cmd('set maxconn server bq/q1 x'), 'maxconn string empty or preceded by garbage\n');
    assert.equal(await cmd('set maxconn server bq/q1 5x'), 'Trailing garbage in maxconn string\n');
    assert.equal(await cmd('set maxconn server bq/q1'), 'Require <maxconn>.\n\n');
  });

  it('set maxconn global holds new connections until it is raised', async () => {
    await waitFor(() => st.engine.currentConnections === 0);
    assert.equal(await cmd('set maxconn global 1'), '\n');
    const a = client(st.port('fq'));
    await a.echoed;
    const b = client(st.port('fq'));
    try {
      assert.equal(await within(b.echoed, 300), false, 'accepted beyond maxconn 1');
      assert.equal(await cmd('set maxconn global 1000'), '\n');
      assert.equal(await within(b.echoed, 2000), true, 'the waiting connection was not accepted');
    } finally {
      a.sock.destroy();
      b.sock.destroy();
    }
  });

  it('set server addr moves new connections and the checks to the new address', async () => {
    assert.ok(await waitFor(() => health('bm', 'm1') === 'down', 3000), 'nothing listens on 127.0.0.1');
    assert.equal(
      await cmd('set server bm/m1 addr 127.0.0.2'),
      "IP changed from '127.0.0.1' to '127.0.0.2' by 'stats socket command'\n\n",
    );
    assert.ok(await waitFor(() => health('bm', 'm1') === 'up', 3000), 'the check did not follow');
    assert.equal((await exchange(fm)).data, 'moved\n');
    assert.equal(await stat('bm', 'm1', 'addr'), `127.0.0.2:${moved.port}`);
    const state = (await cmd('show servers state bm')).split('\n')[2]!.split(' ');
    assert.equal(state[4], '127.0.0.2');
    assert.equal(
      await cmd(`set server bm/m1 addr 127.0.0.2 port ${moved.port}`),
      "no need to change the addr, no need to change the port by 'stats socket command'\n\n",
    );
  });
});
