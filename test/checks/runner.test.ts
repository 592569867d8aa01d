import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { HealthCheckRunner } from '../../src/checks/runner.js';
import {
  backend,
  checkParams,
  config,
  RecordingSink,
  refusedPort,
  server,
  step,
  ToggleServer,
} from './helpers.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

async function listening(): Promise<ToggleServer> {
  const t = new ToggleServer();
  await t.listen();
  closers.push(() => t.close());
  return t;
}

describe('HealthCheckRunner scheduling', () => {
  it('spreads the first checks over the smallest interval (start_checks)', async () => {
    const servers = await Promise.all([0, 1, 2, 3].map(() => listening()));
    const firsts: number[] = [];
    servers.forEach((s, i) => {
      s.srv.once('connection', () => {
        firsts[i] = performance.now();
      });
    });
    const px = backend(
      'spread',
      servers.map((s, i) => server(`s${i}`, s.port, { check: checkParams({ inter: 1000 }) })),
    );
    const sink = new RecordingSink();
    const runner = new HealthCheckRunner({ config: config([px]), sink });
    const t0 = performance.now();
    runner.start();
    closers.push(() => runner.stop());
    await sink.until(() => firsts.filter((x) => x !== undefined).length === 4, 3000, 'four first checks');
    const offsets = firsts.map((t) => t - t0);
    offsets.forEach((o, i) => {
      assert.ok(
        Math.abs(o - i * 250) < 60,
        `server ${i} first checked at ${o.toFixed(0)} ms, expected ~${i * 250}`,
      );
    });
  });

  it('spread-checks adds ±N% to every interval', async () => {
    for (const [rnd, expected] of [
      [0, 150],
      [0.99999, 50],
    ] as const) {
      const s = await listening();
      const times: number[] = [];
      s.srv.on('connection', () => times.push(performance.now()));
      const px = backend(`jit${rnd}`, [
        server('s1', s.port, { check: checkParams({ inter: 100, rise: 1, fall: 1 }) }),
      ]);
      const runner = new HealthCheckRunner({
        config: config([px], 50),
        sink: new RecordingSink(),
        random: () => rnd,
      });
      runner.start();
      await new RecordingSink().until(() => times.length >= 5, 3000, 'five checks');
      await runner.stop();
      const gaps = times.slice(1, 5).map((t, i) => t - times[i]!);
      for (const g of gaps)
        assert.ok(Math.abs(g - expected) < 40, `gap ${g.toFixed(0)} ms, expected ~${expected}`);
    }
  });

  it('stop() aborts a hanging check at once and nothing runs afterwards', async () => {
    const s = await listening();
    const px = backend('stop', [server('s1', s.port, { check: checkParams({ inter: 100 }) })], {
      checkKind: 'tcp-check',
      tcpCheckSteps: [step('expect', 'string', 'never')],
      timeouts: { connect: 1000, check: 5000 },
    });
    const sink = new RecordingSink();
    const runner = new HealthCheckRunner({ config: config([px]), sink });
    runner.start();
    await sink.until(() => s.open === 1, 2000, 'check connected');
    const t0 = performance.now();
    await runner.stop();
    assert.ok(performance.now() - t0 < 100, 'stop waited for the check timeout');
    await sink.until(() => s.open === 0, 1000, 'check connection closed');
    const n = s.connections;
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(s.connections, n);
    assert.equal(sink.events.length, 0, 'an aborted check reports nothing');
  });

  it('setMaintenance() pauses the health check and leaving it checks at once', async () => {
    const s = await listening();
    const px = backend('mnt', [server('s1', s.port, { check: checkParams({ inter: 100 }) })]);
    const sink = new RecordingSink();
    const runner = new HealthCheckRunner({ config: config([px]), sink });
    runner.start();
    closers.push(() => runner.stop());
    await sink.until(() => s.connections >= 2, 2000, 'checks');
    runner.setMaintenance('mnt', 's1', true);
    assert.equal(runner.status('mnt', 's1')?.state, 'MAINT');
    assert.deepEqual(sink.events.at(-1)?.info, { cause: 'admin' });
    await new Promise((r) => setTimeout(r, 50));
    const n = s.connections;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s.connections, n, 'no check during maintenance');
    runner.setMaintenance('mnt', 's1', false);
    await sink.until(() => s.connections > n, 60, 'immediate check after maintenance');
    assert.equal(runner.status('mnt', 's1')?.state, 'UP');
    assert.equal(sink.events.at(-1)?.type, 'up');
    assert.equal(sink.lines.length, 0, 'admin changes are logged by the proxy engine, not here');
  });

  it('a server declared `disabled` starts in maintenance without checks', async () => {
    const s = await listening();
    const px = backend('dis', [
      server('s1', s.port, { initialState: 'maint', check: checkParams({ inter: 50 }) }),
    ]);
    const runner = new HealthCheckRunner({ config: config([px]), sink: new RecordingSink() });
    runner.start();
    closers.push(() => runner.stop());
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(s.connections, 0);
    assert.equal(runner.status('dis', 's1')?.state, 'MAINT');
    assert.equal(runner.status('nope', 's1'), undefined);
  });
});

describe('HealthCheckRunner log lines', () => {
  it('uses the counts provider, names backup servers and says when running on backup', async () => {
    const dead = await refusedPort();
    const px = backend('bk', [server('b1', dead, { backup: true, check: checkParams({ inter: 100 }) })]);
    const sink = new RecordingSink();
    const runner = new HealthCheckRunner({
      config: config([px]),
      sink,
      onLog: sink.onLog,
      counts: () => ({ active: 0, backup: 2, sessions: 4, requeued: 1, queued: 3 }),
    });
    runner.start();
    closers.push(() => runner.stop());
    await sink.until(() => sink.count('down') === 1, 2000, 'DOWN');
    assert.equal(
      sink.lines[0]!.message.replace(/\d+ms/, 'Nms'),
      'Backup Server bk/b1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: Nms. 0 active and 2 backup servers left. Running on backup. 4 sessions active, 1 requeued, 3 remaining in queue.',
    );
    assert.equal(sink.lines.length, 1, 'servers remain: no "has no server available"');
  });

  it('a listen section is called "proxy" when it has no server left', async () => {
    const dead = await refusedPort();
    const px = backend('ls', [server('s1', dead, { check: checkParams({ inter: 100 }) })], {
      kind: 'listen',
    });
    const sink = new RecordingSink();
    const runner = new HealthCheckRunner({ config: config([px]), sink, onLog: sink.onLog });
    runner.start();
    closers.push(() => runner.stop());
    await sink.until(() => sink.lines.length === 2, 2000, 'two lines');
    assert.equal(sink.lines[1]!.message, 'proxy ls has no server available!');
  });
});

describe('HealthCheckRunner configuration errors', () => {
  const make = (px: ReturnType<typeof backend>) => () =>
    new HealthCheckRunner({ config: config([px]), sink: new RecordingSink() });

  it('rejects an agent without agent-port and a server without any port', () => {
    assert.throws(
      make(backend('a', [server('s1', 80, { check: checkParams({ agent: { inter: 2000 } }) })])),
      {
        code: 'CFG_MISSING',
        message: /test\.cfg:1: agent-check: server 's1': requires the 'agent-port' parameter/,
      },
    );
    assert.throws(make(backend('p', [server('s1', 0)])), { code: 'CFG_MISSING' });
  });

  it('rejects log-format arguments hapair does not evaluate, and bad patterns', () => {
    assert.throws(
      make(
        backend('lf', [server('s1', 80)], {
          checkKind: 'tcp-check',
          tcpCheckSteps: [step('expect', 'string-lf', '%[x]')],
        }),
      ),
      { code: 'CFG_UNSUPPORTED' },
    );
    assert.throws(
      make(
        backend('re', [server('s1', 80)], {
          checkKind: 'tcp-check',
          tcpCheckSteps: [step('expect', 'rstring', '(')],
        }),
      ),
      { code: 'CFG_BAD_ARGS' },
    );
    assert.throws(
      make(
        backend('hs', [server('s1', 80)], {
          checkKind: 'http',
          httpCheck: {
            method: 'GET',
            uri: '/',
            version: 'HTTP/1.0',
            steps: [step('expect', 'status', '2xx')],
          },
        }),
      ),
      { code: 'CFG_BAD_ARGS' },
    );
  });
});
