import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { ToggleServer } from './helpers.js';
import { hold, type Stack, sleep, startStack, waitFor } from './passive-stack.js';

const DEFAULTS = `defaults
  mode tcp
  timeout connect 1s
  timeout client 10s
  timeout server 10s
  retries 0
`;

/** A TCP server that greets with its name and then echoes. */
async function named(name: string): Promise<ToggleServer> {
  const t = new ToggleServer();
  t.handler = (s) => {
    s.write(`${name}\n`);
    s.pipe(s);
  };
  await t.listen();
  return t;
}

/** A listener for health checks only; closing it fails the checks, listening again passes them. */
async function checkPort(): Promise<ToggleServer> {
  const t = new ToggleServer();
  t.handler = (s) => s.destroy();
  await t.listen();
  return t;
}

async function reopen(t: ToggleServer, port: number): Promise<void> {
  t.srv.listen(port, '127.0.0.1');
  await new Promise<void>((r) => t.srv.once('listening', () => r()));
}

/** Which server answers a new connection through the proxy (its greeting), '' when none does. */
async function who(port: number): Promise<string> {
  const c = await hold(port);
  await waitFor(() => c.data().includes('\n'), 1000);
  c.sock.destroy();
  return c.data().trim();
}

const stacks: Stack[] = [];
const servers: ToggleServer[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.stop();
  for (const s of servers.splice(0)) await s.close();
});

async function world(names: string[]): Promise<{ traffic: ToggleServer[]; checks: ToggleServer[] }> {
  const traffic = await Promise.all(names.map(named));
  const checks = await Promise.all(names.map(checkPort));
  servers.push(...traffic, ...checks);
  return { traffic, checks };
}

describe('on-marked-down shutdown-sessions (configuration.txt 5.2)', () => {
  for (const enabled of [true, false]) {
    it(`${enabled ? 'kills' : 'without it, keeps'} the sessions of a server marked DOWN`, async () => {
      const { traffic, checks } = await world(['s1']);
      const opt = enabled ? ' on-marked-down shutdown-sessions' : '';
      const stack = await startStack(
        `${DEFAULTS}frontend fe\n  bind FE\n  default_backend be\nbackend be\n` +
          `  server s1 127.0.0.1:${traffic[0]!.port} check port ${checks[0]!.port} inter 100ms rise 1 fall 1${opt}\n`,
      );
      stacks.push(stack);
      const c = await hold(stack.port);
      assert.ok(await waitFor(() => c.data() === 's1\n'));
      let ended = false;
      void c.closed.then(() => {
        ended = true;
      });
      await checks[0]!.close();
      const srv = stack.server('be', 's1');
      assert.ok(await waitFor(() => srv.health === 'down'));
      if (enabled) {
        assert.ok(await waitFor(() => ended, 2000), 'session closed by the proxy');
        assert.equal(traffic[0]!.open, 0);
      } else {
        await sleep(300);
        assert.equal(ended, false);
        c.sock.write('still here\n');
        assert.ok(await waitFor(() => c.data().includes('still here')));
        c.sock.destroy();
      }
    });
  }
});

describe('on-marked-up shutdown-backup-sessions', () => {
  it('kills the sessions on backup servers when an active server comes UP', async () => {
    const { traffic, checks } = await world(['s1', 'b1']);
    const s1Check = checks[0]!.port;
    await checks[0]!.close();
    const stack = await startStack(
      `${DEFAULTS}frontend fe\n  bind FE\n  default_backend be\nbackend be\n` +
        `  server s1 127.0.0.1:${traffic[0]!.port} check port ${s1Check} inter 100ms rise 1 fall 1 on-marked-up shutdown-backup-sessions\n` +
        `  server b1 127.0.0.1:${traffic[1]!.port} backup\n`,
    );
    stacks.push(stack);
    assert.ok(await waitFor(() => stack.server('be', 's1').health === 'down'));
    const c = await hold(stack.port);
    assert.ok(await waitFor(() => c.data() === 'b1\n'), 'the backup serves while s1 is down');
    let ended = false;
    void c.closed.then(() => {
      ended = true;
    });
    await reopen(checks[0]!, s1Check);
    assert.ok(await waitFor(() => stack.server('be', 's1').health === 'up'));
    assert.ok(await waitFor(() => ended, 2000), 'backup session closed');
    assert.equal(await who(stack.port), 's1');
  });
});

describe('the "check port" + backup soft-stop pattern (architecture seed 4.2)', () => {
  it('closing a check port (not the service) moves traffic to the other server, then to the backup, and back', async () => {
    const { traffic, checks } = await world(['s1', 's2', 'b1']);
    const [c1, c2] = [checks[0]!.port, checks[1]!.port];
    const stack = await startStack(
      `${DEFAULTS}frontend fe\n  bind FE\n  default_backend be\nbackend be\n  balance roundrobin\n` +
        `  server s1 127.0.0.1:${traffic[0]!.port} check port ${c1} inter 100ms rise 2 fall 2\n` +
        `  server s2 127.0.0.1:${traffic[1]!.port} check port ${c2} inter 100ms rise 2 fall 2\n` +
        `  server b1 127.0.0.1:${traffic[2]!.port} backup\n`,
    );
    stacks.push(stack);
    const spread = async (n: number) => {
      const seen = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const w = await who(stack.port);
        seen.set(w, (seen.get(w) ?? 0) + 1);
      }
      return [...seen.keys()].sort().join(',');
    };
    assert.equal(await spread(4), 's1,s2');
    await checks[0]!.close();
    assert.ok(await waitFor(() => stack.server('be', 's1').health === 'down'));
    const s1Served = traffic[0]!.connections;
    assert.equal(await spread(4), 's2');
    assert.equal(traffic[0]!.connections, s1Served, 's1 service port still open but unused');
    const probe = net.connect({ port: traffic[0]!.port, host: '127.0.0.1' });
    await new Promise<void>((r, j) => probe.once('connect', () => r()).once('error', j));
    probe.destroy();
    await checks[1]!.close();
    assert.ok(await waitFor(() => stack.server('be', 's2').health === 'down'));
    assert.equal(await spread(3), 'b1');
    await reopen(checks[0]!, c1);
    assert.ok(await waitFor(() => stack.server('be', 's1').health === 'up'));
    assert.equal(await spread(3), 's1');
    await reopen(checks[1]!, c2);
    assert.ok(await waitFor(() => stack.server('be', 's2').health === 'up'));
    assert.equal(await spread(4), 's1,s2');
  });
});

describe('wire.ts: NOLB and the agent maxconn', () => {
  it('a server leaving NOLB for UP takes new sessions again', async () => {
    const { traffic, checks } = await world(['s1']);
    const stack = await startStack(
      `${DEFAULTS}frontend fe\n  bind FE\n  default_backend be\nbackend be\n` +
        `  server s1 127.0.0.1:${traffic[0]!.port} check port ${checks[0]!.port} inter 100ms\n`,
    );
    stacks.push(stack);
    const srv = stack.server('be', 's1');
    assert.ok(stack.runner.force('be', 's1', 'health', 'stopping'));
    assert.equal(srv.status(), 'NOLB');
    assert.equal(srv.admin, 'ready');
    assert.equal(srv.usable(), false);
    assert.ok(stack.runner.force('be', 's1', 'health', 'up'));
    assert.equal(srv.stopping, false);
    assert.equal(srv.usable(), true);
    assert.equal(await who(stack.port), 's1');
  });

  it("applies the agent's maxconn:N", async () => {
    const { traffic } = await world(['s1']);
    const agent = new ToggleServer();
    servers.push(agent);
    agent.handler = (s) => s.end('maxconn:7 up\n');
    const agentPort = await agent.listen();
    const stack = await startStack(
      `${DEFAULTS}frontend fe\n  bind FE\n  default_backend be\nbackend be\n` +
        `  server s1 127.0.0.1:${traffic[0]!.port} maxconn 100 agent-check agent-port ${agentPort} agent-inter 100ms\n`,
    );
    stacks.push(stack);
    const srv = stack.server('be', 's1');
    assert.equal(srv.maxconn, 100);
    assert.ok(await waitFor(() => srv.maxconn === 7), `maxconn is ${srv.maxconn}`);
  });
});
