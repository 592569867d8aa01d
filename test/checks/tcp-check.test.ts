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

const norm = (s: string) => s.replace(/check duration: \d+ms/g, 'check duration: Nms');
const INTER = 100;

function startRunner(px: ReturnType<typeof backend>) {
  const sink = new RecordingSink();
  const runner = new HealthCheckRunner({ config: config([px]), sink, onLog: sink.onLog });
  runner.start();
  return { sink, runner };
}

describe('plain TCP check', () => {
  const backends: ToggleServer[] = [];
  const runners: HealthCheckRunner[] = [];
  after(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await Promise.all(backends.map((b) => b.close()));
  });

  it('goes DOWN after `fall` refused connects, UP after `rise` successes, with HAProxy lines', async () => {
    const b = new ToggleServer();
    backends.push(b);
    const port = await b.listen();
    const px = backend(
      'be',
      [server('s1', port, { check: checkParams({ inter: INTER, rise: 2, fall: 3 }) })],
      {
        options: { ...backend('x', []).options, logHealthChecks: true },
      },
    );
    const { sink, runner } = startRunner(px);
    runners.push(runner);
    await sink.until(() => runner.status('be', 's1')?.check?.health === 4, 3000, 'fully up');

    const t0 = performance.now();
    await b.close();
    await sink.until(() => sink.count('down') === 1, 3000, 'DOWN');
    const down = sink.events.find((e) => e.type === 'down')!;
    const elapsed = down.at - t0;
    // At most one interval until the next check, then fall-1 more intervals; refusals take ~0 ms.
    assert.ok(elapsed <= 3 * INTER + 150, `DOWN after ${elapsed.toFixed(0)} ms`);
    assert.ok(
      elapsed >= 2 * INTER - 20,
      `three failures take at least two intervals, got ${elapsed.toFixed(0)} ms`,
    );
    assert.equal(down.info?.cause, 'health');
    assert.equal(down.info?.check?.status, 'L4CON');

    const failed = sink.lines.filter((l) => l.message.includes('Health check for server be/s1 failed'));
    assert.deepEqual(
      failed.map((l) => norm(l.message)),
      [
        'Health check for server be/s1 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: Nms, status: 2/3 UP.',
        'Health check for server be/s1 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: Nms, status: 1/3 UP.',
        'Health check for server be/s1 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: Nms, status: 0/2 DOWN.',
      ],
    );
    const downLine = sink.lines.find((l) => l.message.startsWith('Server be/s1 is DOWN'));
    // With log-health-checks the reason was already logged, so HAProxy leaves it out.
    assert.equal(
      downLine?.message,
      'Server be/s1 is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    );
    assert.equal(downLine?.level, 'alert');
    const none = sink.lines.find((l) => l.message.includes('no server available'));
    assert.equal(none?.message, 'backend be has no server available!');
    assert.equal(none?.level, 'emerg');

    const t1 = performance.now();
    await b.listen(port);
    await sink.until(() => sink.count('up') === 1, 3000, 'UP');
    const up = sink.events.find((e) => e.type === 'up')!;
    assert.ok(up.at - t1 <= 2 * INTER + 150, `UP after ${(up.at - t1).toFixed(0)} ms`);
    assert.equal(
      norm(sink.lines.find((l) => l.message.startsWith('Server be/s1 is UP'))!.message),
      'Server be/s1 is UP. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    );
    assert.deepEqual(
      { state: runner.status('be', 's1')?.state, status: runner.status('be', 's1')?.check?.status },
      { state: 'UP', status: 'L4OK' },
    );
  });

  it('without log-health-checks the DOWN line carries the reason', async () => {
    const port = await refusedPort();
    const px = backend('be2', [server('s1', port, { check: checkParams({ inter: INTER }) })]);
    const { sink, runner } = startRunner(px);
    runners.push(runner);
    await sink.until(() => sink.count('down') === 1, 3000, 'DOWN');
    assert.equal(
      norm(sink.lines[0]!.message),
      'Server be2/s1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    );
    assert.equal(sink.lines.length, 2);
    assert.equal(sink.lines[1]!.message, 'backend be2 has no server available!');
  });

  it('uses `check port` and `addr` instead of the server address', async () => {
    const b = new ToggleServer();
    backends.push(b);
    const checkPort = await b.listen();
    const dead = await refusedPort();
    const px = backend('be3', [
      server('s1', dead, { check: checkParams({ inter: INTER, port: checkPort, addr: '127.0.0.1' }) }),
    ]);
    const { sink, runner } = startRunner(px);
    runners.push(runner);
    await sink.until(() => b.connections >= 2, 3000, 'checks on the check port');
    assert.equal(sink.count('down'), 0);
    assert.equal(runner.status('be3', 's1')?.check?.status, 'L4OK');
  });
});

describe('tcp-check sequences', () => {
  const backends: ToggleServer[] = [];
  const runners: HealthCheckRunner[] = [];
  after(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await Promise.all(backends.map((b) => b.close()));
  });

  const pingPong = (reply: string) => (s: import('node:net').Socket) => {
    s.once('data', () => s.write(reply));
  };

  it('send/expect string: wrong reply → DOWN with the step in the info, right reply → UP', async () => {
    const b = new ToggleServer();
    backends.push(b);
    b.handler = pingPong('+OK ready\r\n');
    const port = await b.listen();
    const px = backend(
      'tc',
      [server('s1', port, { check: checkParams({ inter: INTER, rise: 2, fall: 2 }) })],
      {
        checkKind: 'tcp-check',
        tcpCheckSteps: [step('connect'), step('send', 'PING\r\n'), step('expect', 'string', '+OK')],
      },
    );
    const { sink, runner } = startRunner(px);
    runners.push(runner);
    await sink.until(() => runner.status('tc', 's1')?.check?.health === 3, 3000, 'fully up');
    assert.equal(runner.status('tc', 's1')?.check?.status, 'L7OK');
    assert.equal(runner.status('tc', 's1')?.check?.info, '(tcp-check)');

    const t0 = performance.now();
    b.handler = (s) => {
      s.once('data', () => s.end('-ERR nope\r\n'));
    };
    await sink.until(() => sink.count('down') === 1, 3000, 'DOWN');
    assert.ok(sink.events[0]!.at - t0 <= 2 * INTER + 150);
    assert.equal(
      norm(sink.lines[0]!.message),
      'Server tc/s1 is DOWN, reason: Layer7 invalid response, info: "TCPCHK did not match content \'+OK\' at step 3", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    );

    b.handler = pingPong('+OK back\r\n');
    await sink.until(() => sink.count('up') === 1, 3000, 'UP');
    assert.equal(
      norm(sink.lines.find((l) => l.message.includes('is UP'))!.message),
      'Server tc/s1 is UP, reason: Layer7 check passed, code: 0, info: "(tcp-check)", check duration: Nms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    );
  });

  it('a hanging backend times out (L7TOUT) with one check in flight at a time', async () => {
    const b = new ToggleServer();
    backends.push(b);
    const port = await b.listen();
    const px = backend('hang', [server('s1', port, { check: checkParams({ inter: INTER, fall: 2 }) })], {
      checkKind: 'tcp-check',
      tcpCheckSteps: [step('send', 'HELLO\r\n'), step('expect', 'string', 'WORLD')],
      timeouts: { connect: 1000, check: 400 },
    });
    const { sink, runner } = startRunner(px);
    runners.push(runner);
    await sink.until(() => b.connections === 1, 2000, 'first connection');
    // The check is pending for timeout check (400 ms): no second connection may open meanwhile.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.connections, 1, 'a second check started while the first was in flight');
    assert.equal(b.open, 1);
    await sink.until(() => sink.count('down') === 1, 3000, 'DOWN');
    assert.equal(
      norm(sink.lines[0]!.message),
      'Server hang/s1 is DOWN, reason: Layer7 timeout, info: " at step 2 of tcp-check (expect string \'WORLD\')", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    );
    const dur = sink.events[0]!.info!.check!.durationMs;
    assert.ok(dur >= 390 && dur < 600, `timeout check bounds the read: ${dur}`);
  });

  it('without timeout check, `inter` bounds the whole check', async () => {
    const b = new ToggleServer();
    backends.push(b);
    const port = await b.listen();
    const px = backend('hang2', [server('s1', port, { check: checkParams({ inter: 150, fall: 1 }) })], {
      checkKind: 'tcp-check',
      tcpCheckSteps: [step('expect', 'string', 'banner')],
      timeouts: { connect: 5000 },
    });
    const { sink, runner } = startRunner(px);
    runners.push(runner);
    await sink.until(() => sink.count('down') === 1, 3000, 'DOWN');
    const dur = sink.events[0]!.info!.check!.durationMs;
    assert.ok(dur >= 140 && dur < 300, `inter is the check timeout: ${dur}`);
  });

  it('send-binary and expect binary, connect port override', async () => {
    const b = new ToggleServer();
    backends.push(b);
    b.handler = (s) => {
      s.once('data', (d) => s.write(Buffer.from(d[0] === 0xca ? [0xbe, 0xef] : [0])));
    };
    const port = await b.listen();
    const dead = await refusedPort();
    const px = backend('bin', [server('s1', dead, { check: checkParams({ inter: INTER }) })], {
      checkKind: 'tcp-check',
      tcpCheckSteps: [
        step('connect', 'port', String(port)),
        step('send-binary', 'cafe'),
        step('expect', 'binary', 'BEEF'),
      ],
    });
    const { sink, runner } = startRunner(px);
    runners.push(runner);
    await sink.until(() => runner.status('bin', 's1')?.check?.health === 4, 3000, 'fully up');
    assert.equal(sink.count('down'), 0);
  });

  it('a refused connect names the initial connection step', async () => {
    const port = await refusedPort();
    const px = backend('ref', [server('s1', port, { check: checkParams({ inter: INTER }) })], {
      checkKind: 'tcp-check',
      tcpCheckSteps: [step('send', 'x'), step('expect', 'string', 'y')],
    });
    const { sink, runner } = startRunner(px);
    runners.push(runner);
    await sink.until(() => sink.count('down') === 1, 3000, 'DOWN');
    assert.match(
      sink.lines[0]!.message,
      /info: "Connection refused at initial connection step of tcp-check"/,
    );
  });
});
