import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { agentVerdict, parseAgentReply, resolveWeight } from '../../src/checks/agent.js';
import { HealthCheckRunner } from '../../src/checks/runner.js';
import { backend, checkParams, config, RecordingSink, refusedPort, server, ToggleServer } from './helpers.js';

const norm = (s: string) => s.replace(/check duration: \d+ms/g, 'check duration: Nms');

describe('agent reply parsing (doc 5.2 agent-check)', () => {
  it('reads words separated by spaces, tabs or commas, and the #description', () => {
    assert.deepEqual(parseAgentReply('75%,drain\tmaxconn:30 down # going away'), {
      description: 'going away',
      weight: '75%',
      admin: 'drain',
      maxconn: '30',
      health: 'down',
    });
    assert.deepEqual(parseAgentReply('weight:12 UP'), { description: '', weight: '12', health: 'up' });
    assert.equal(parseAgentReply('up bogus other').unknownWord, 'bogus');
  });

  it('maps to HAProxy statuses and info', () => {
    // A `#` only opens the description at the start of a word, as in HAProxy.
    assert.equal(agentVerdict('down#x', 10, true).info, 'agent reports an error : down#x');
    assert.deepEqual(agentVerdict('down #maintenance window', 10, true), {
      status: 'L7STS',
      info: 'via agent : down (maintenance window)',
      word: 'down',
      update: {},
    });
    assert.deepEqual(agentVerdict('50% ready', 10, true), {
      status: 'CHECKED',
      info: '',
      update: { admin: 'ready', weight: 5 },
    });
    assert.equal(agentVerdict('up whatever', 10, true).info, 'via agent : up (whatever)');
    assert.equal(agentVerdict('hello', 10, true).info, 'agent reports an error : hello');
    assert.equal(
      agentVerdict('weight:300', 10, true).info,
      'agent warns : Absolute weight can only be between 0 and 256 inclusive.\n',
    );
  });

  it('percentages apply to the configured weight; static algorithms only take 0 and 100%', () => {
    assert.equal(resolveWeight('150%', 100, true), 150);
    assert.equal(resolveWeight('1000%', 100, true), 256);
    assert.equal(resolveWeight('0%', 100, false), 0);
    assert.equal(resolveWeight('100%', 100, false), 100);
    assert.match(String(resolveWeight('50%', 100, false)), /static LB algorithm/);
  });
});

describe('agent check against a live agent', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
  });

  async function setup(agentReply: { line: string }, agentPort?: number) {
    const web = new ToggleServer();
    const webPort = await web.listen();
    const agent = new ToggleServer();
    const received: string[] = [];
    agent.handler = (s) => {
      s.once('data', (d: Buffer) => {
        received.push(d.toString());
        s.end(`${agentReply.line}\n`);
      });
    };
    const aPort = agentPort ?? (await agent.listen());
    closers.push(
      () => web.close(),
      () => agent.close(),
    );
    const s1 = server('s1', webPort, {
      weight: 10,
      check: checkParams({
        inter: 100,
        rise: 2,
        fall: 2,
        agent: { port: aPort, inter: 80, send: 'hello agent\n' },
      }),
    });
    const sink = new RecordingSink();
    const runner = new HealthCheckRunner({ config: config([backend('be', [s1])]), sink, onLog: sink.onLog });
    runner.start();
    closers.push(() => runner.stop());
    return { web, agent, received, sink, runner };
  }

  it('changes weight, marks DOWN and UP, and sends agent-send', async () => {
    const reply = { line: '50%' };
    const { sink, runner, received } = await setup(reply);
    await sink.until(
      () => sink.events.some((e) => e.type === 'agent' && e.update?.weight === 5),
      3000,
      'weight 5',
    );
    assert.equal(received[0], 'hello agent\n');
    assert.equal(runner.status('be', 's1')?.weight, 5);

    reply.line = 'down # maintenance';
    await sink.until(() => sink.count('down') === 1, 3000, 'agent down');
    const down = sink.events.find((e) => e.type === 'down')!;
    assert.equal(down.info?.cause, 'agent');
    assert.equal(
      norm(sink.lines.find((l) => l.message.includes('is DOWN'))!.message),
      'Server be/s1 is DOWN, reason: Layer7 wrong status, code: 0, info: "via agent : down (maintenance)", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    );
    // The health check keeps passing but cannot bring the server back while the agent says down.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sink.count('up'), 0);

    reply.line = 'up';
    await sink.until(() => sink.count('up') === 1, 3000, 'agent up');
    assert.equal(sink.events.find((e) => e.type === 'up')?.info?.cause, 'agent');
    assert.equal(runner.status('be', 's1')?.agent?.status, 'L7OK');
  });

  it('maint pauses the health check, ready resumes it', async () => {
    const reply = { line: 'maxconn:7' };
    const { sink, web, runner } = await setup(reply);
    await sink.until(
      () => sink.events.some((e) => e.type === 'agent' && e.update?.maxconn === 7),
      3000,
      'maxconn',
    );
    reply.line = 'maint';
    await sink.until(() => runner.status('be', 's1')?.state === 'MAINT', 3000, 'maint');
    assert.ok(sink.events.some((e) => e.type === 'agent' && e.update?.admin === 'maint'));
    await new Promise((r) => setTimeout(r, 50));
    const before = web.connections;
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(web.connections, before, 'no health check runs during maintenance');
    reply.line = 'ready';
    await sink.until(() => runner.status('be', 's1')?.state === 'UP', 3000, 'ready');
    await sink.until(() => web.connections > before, 3000, 'health checks resumed');
  });

  it('an unreachable agent changes nothing', async () => {
    const dead = await refusedPort();
    const { sink, runner } = await setup({ line: 'down' }, dead);
    await sink.until(() => runner.status('be', 's1')?.agent?.status === 'L4CON', 3000, 'agent refused');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sink.count('down'), 0);
    assert.equal(runner.status('be', 's1')?.state, 'UP');
  });
});
