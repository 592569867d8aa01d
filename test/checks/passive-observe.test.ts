import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type HealthParams, initialHealth, step } from '../../src/checks/health-fsm.js';
import { observedVerdict } from '../../src/checks/observe.js';
import type { CheckResult } from '../../src/checks/types.js';
import { refusedPort, ToggleServer } from './helpers.js';
import { get, loadText, type Stack, startStack, statusServer, waitFor } from './passive-stack.js';

const HANA: CheckResult = { status: 'HANA', info: 'Detected 10 consecutive errors', durationMs: -1 };
const P: HealthParams = {
  checkEnabled: true,
  agentEnabled: false,
  rise: 2,
  fall: 3,
  inter: 2000,
  agentInter: 2000,
};
const fullyUp = { ...initialHealth(P), health: P.rise + P.fall - 1 };

const DEFAULTS = `defaults
  timeout connect 1s
  timeout client 5s
  timeout server 5s
  retries 0
`;

describe('passive health keywords (configuration.txt 5.2)', () => {
  const cfgFor = (mode: string, params: string) =>
    `${DEFAULTS}  mode ${mode}\nbackend be\n  server s1 127.0.0.1:8080 ${params}\n`;

  it('parses observe, error-limit, on-error, on-marked-down and on-marked-up', () => {
    const s = loadText(
      cfgFor(
        'http',
        'check observe layer7 error-limit 4 on-error sudden-death on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions',
      ),
    ).proxies[0]!.servers[0]!;
    assert.equal(s.check.observe, 'layer7');
    assert.equal(s.check.errorLimit, 4);
    assert.equal(s.check.onError, 'sudden-death');
    assert.equal(s.check.onMarkedDown, 'shutdown-sessions');
    assert.equal(s.check.onMarkedUp, 'shutdown-backup-sessions');
    const d = loadText(cfgFor('tcp', 'check')).proxies[0]!.servers[0]!.check;
    assert.equal(d.observe, undefined);
    assert.equal(d.errorLimit, 10);
    assert.equal(d.onError, 'fail-check');
    assert.equal(
      loadText(cfgFor('tcp', 'check observe layer4 observe none')).proxies[0]!.servers[0]!.check.observe,
      undefined,
    );
  });

  it('refuses bad values with file:line and the keyword', () => {
    const bad: [string, string, RegExp][] = [
      ['tcp', 'check observe layer5', /observe.*'none', 'layer4', 'layer7' but got 'layer5'/],
      ['tcp', 'check error-limit 0', /error-limit/],
      ['tcp', 'check on-error retry', /on-error.*'fastinter', 'fail-check', 'sudden-death', 'mark-down'/],
      ['tcp', 'check on-marked-down kill', /on-marked-down.*'shutdown-sessions'/],
      ['tcp', 'check on-marked-up kill', /on-marked-up.*'shutdown-backup-sessions'/],
      ['tcp', 'observe layer4', /haproxy\.cfg:8.*observe.*requires 'check'/],
      ['tcp', 'check observe layer7', /haproxy\.cfg:8.*observe.*'layer7' can only be used in http proxies/],
    ];
    for (const [mode, params, re] of bad) {
      assert.throws(
        () => loadText(cfgFor(mode, params)),
        (e: Error) => re.test(e.message),
        params,
      );
    }
  });
});

describe('passive health state machine (check.c __health_adjust)', () => {
  it('classifies observed events per mode as analyze_statuses[] does', () => {
    assert.equal(observedVerdict('layer4', 'l4-ok'), 'ok');
    assert.equal(observedVerdict('layer4', 'l4-err'), 'error');
    assert.equal(observedVerdict('layer4', 'http-sts'), 'ignore');
    assert.equal(observedVerdict('layer7', 'l4-ok'), 'ignore');
    assert.equal(observedVerdict('layer7', 'l4-err'), 'error');
    assert.equal(observedVerdict('layer7', 'http-ok'), 'ok');
    assert.equal(observedVerdict('layer7', 'http-sts'), 'error');
    assert.equal(observedVerdict('layer7', 'http-rsp'), 'error');
  });

  it('fail-check counts one failed check, fastinter changes nothing', () => {
    const r = step(P, fullyUp, { type: 'observe', onError: 'fail-check', result: HANA });
    assert.equal(r.next.health, 3);
    assert.equal(r.next.op, 'up');
    assert.equal(r.next.checkStatus, 'HANA');
    const f = step(P, fullyUp, { type: 'observe', onError: 'fastinter', result: HANA });
    assert.deepEqual(f.next, fullyUp);
  });

  it('sudden-death leaves the server one failed check from DOWN', () => {
    const r = step(P, fullyUp, { type: 'observe', onError: 'sudden-death', result: HANA });
    assert.equal(r.next.health, P.rise);
    assert.equal(r.next.op, 'up');
    const fail: CheckResult = { status: 'L4CON', info: '', durationMs: 1 };
    const d = step(P, r.next, { type: 'check', result: fail });
    assert.equal(d.next.op, 'down');
    assert.ok(d.actions.some((a) => a.type === 'down'));
  });

  it('mark-down takes the server DOWN at once; maintenance ignores it', () => {
    const r = step(P, fullyUp, { type: 'observe', onError: 'mark-down', result: HANA });
    assert.equal(r.next.op, 'down');
    assert.equal(r.next.health, 0);
    assert.deepEqual(
      r.actions.find((a) => a.type === 'down'),
      { type: 'down', cause: 'health' },
    );
    const m = { ...fullyUp, maint: true };
    assert.deepEqual(step(P, m, { type: 'observe', onError: 'mark-down', result: HANA }).next, m);
  });
});

describe('observe layer7 on live HTTP traffic', () => {
  let stack: Stack | undefined;
  let web: Awaited<ReturnType<typeof statusServer>> | undefined;
  after(async () => {
    await stack?.stop();
    await web?.close();
  });

  it('marks the server DOWN after error-limit consecutive 5xx; 2xx, 501 and 505 reset the count', async () => {
    web = await statusServer('s1');
    stack = await startStack(
      `${DEFAULTS}  mode http\nfrontend fe\n  bind FE\n  default_backend be\nbackend be\n` +
        `  server s1 127.0.0.1:${web.port} check inter 10s observe layer7 error-limit 3 on-error mark-down\n`,
    );
    const srv = stack.server('be', 's1');
    const run = async (...codes: number[]) => {
      for (const c of codes) assert.equal((await get(stack!.port, `/s/${c}`)).status, c);
    };
    await run(500, 503, 200, 500, 502, 501, 500, 504, 505, 599, 500);
    assert.equal(srv.health, 'up', 'never three 5xx in a row');
    await run(404, 500, 502);
    assert.equal(srv.health, 'up');
    await run(503);
    assert.ok(await waitFor(() => srv.health === 'down'));
    const down = stack.lines.find((l) => l.message.startsWith('Server be/s1 is DOWN'));
    assert.match(
      down?.message ?? '',
      /^Server be\/s1 is DOWN, reason: Health analyze, info: "Detected 3 consecutive errors, last one was: Wrong http response"\. 0 active and 0 backup servers left\./,
    );
    assert.equal(stack.runner.status('be', 's1')?.check?.status, 'HANA');
    assert.equal((await get(stack.port, '/s/200')).status, 503, 'no server left');
  });
});

describe('observe layer7 with on-marked-down shutdown-sessions', () => {
  let stack: Stack | undefined;
  let web: Awaited<ReturnType<typeof statusServer>> | undefined;
  after(async () => {
    await stack?.stop();
    await web?.close();
  });

  it('the response that reaches the limit is still delivered, then the server is DOWN', async () => {
    web = await statusServer('s1');
    stack = await startStack(
      `${DEFAULTS}  mode http\nfrontend fe\n  bind FE\n  default_backend be\nbackend be\n` +
        `  server s1 127.0.0.1:${web.port} check inter 10s observe layer7 error-limit 1 on-error mark-down on-marked-down shutdown-sessions\n`,
    );
    const r = await get(stack.port, '/s/500');
    assert.deepEqual(r, { status: 500, body: 's1' });
    assert.ok(await waitFor(() => stack!.server('be', 's1').health === 'down'));
  });
});

describe('observe layer4 on live TCP traffic', () => {
  const stacks: Stack[] = [];
  const servers: ToggleServer[] = [];
  after(async () => {
    for (const s of stacks) await s.stop();
    for (const s of servers) await s.close();
  });

  const connectOnce = (port: number) =>
    new Promise<void>((resolve) => {
      import('node:net').then(({ default: net }) => {
        const c = net.connect({ port, host: '127.0.0.1' });
        c.on('error', () => {});
        c.on('close', () => resolve());
      });
    });

  it('fail-check: each error-limit refused connects count as one failed check', async () => {
    const chk = new ToggleServer();
    servers.push(chk);
    const checkPort = await chk.listen();
    const refused = await refusedPort();
    const stack = await startStack(
      `${DEFAULTS}  mode tcp\nfrontend fe\n  bind FE\n  default_backend be\nbackend be\n` +
        `  server s1 127.0.0.1:${refused} check port ${checkPort} inter 10s rise 1 fall 2 observe layer4 error-limit 2\n`,
    );
    stacks.push(stack);
    assert.ok(
      await waitFor(() => stack.runner.status('be', 's1')?.check?.health === 2),
      'first check passed',
    );
    const srv = stack.server('be', 's1');
    await connectOnce(stack.port);
    await connectOnce(stack.port);
    assert.equal(stack.runner.status('be', 's1')?.check?.health, 1, 'one simulated failed check');
    assert.equal(srv.health, 'up');
    await connectOnce(stack.port);
    assert.equal(srv.health, 'up', 'one error is below the limit');
    await connectOnce(stack.port);
    assert.ok(await waitFor(() => srv.health === 'down'));
    assert.equal(chk.connections, 1, 'the active check did not run again');
  });

  it('fastinter: the limit brings the next check forward to fastinter', async () => {
    const chk = new ToggleServer();
    servers.push(chk);
    const checkPort = await chk.listen();
    const refused = await refusedPort();
    const stack = await startStack(
      `${DEFAULTS}  mode tcp\nfrontend fe\n  bind FE\n  default_backend be\nbackend be\n` +
        `  server s1 127.0.0.1:${refused} check port ${checkPort} inter 20s fastinter 100ms observe layer4 error-limit 1 on-error fastinter\n`,
    );
    stacks.push(stack);
    assert.ok(await waitFor(() => chk.connections === 1));
    await connectOnce(stack.port);
    const started = performance.now();
    assert.ok(await waitFor(() => chk.connections === 2, 2000), 'a check ran long before inter');
    assert.ok(performance.now() - started < 1500);
    assert.equal(stack.server('be', 's1').health, 'up');
  });
});
