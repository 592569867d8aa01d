import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type HealthParams,
  type HealthState,
  healthSummary,
  initialHealth,
  nextHealthInterval,
  step,
} from '../../src/checks/health-fsm.js';
import type { CheckResult, CheckStatusCode } from '../../src/checks/types.js';

const P: HealthParams = {
  checkEnabled: true,
  agentEnabled: false,
  rise: 2,
  fall: 3,
  inter: 2000,
  fastinter: 500,
  downinter: 10000,
  agentInter: 2000,
};

const res = (status: CheckStatusCode, code?: number): CheckResult => ({
  status,
  info: '',
  durationMs: 1,
  ...(code !== undefined ? { code } : {}),
});

function run(s: HealthState, statuses: CheckStatusCode[], p = P) {
  const actions: string[] = [];
  for (const st of statuses) {
    const r = step(p, s, { type: 'check', result: res(st) });
    s = r.next;
    for (const a of r.actions) if (a.type !== 'report') actions.push(a.type);
  }
  return { s, actions };
}

describe('health FSM (HAProxy rise/fall counter)', () => {
  it('starts UP with health = rise and falls at the first failure (src/server.c)', () => {
    const s0 = initialHealth(P);
    assert.equal(s0.op, 'up');
    assert.equal(s0.health, 2);
    const { s, actions } = run(s0, ['L4CON']);
    assert.deepEqual(actions, ['down']);
    assert.equal(s.health, 0);
  });

  it('a fully UP server needs `fall` consecutive failures', () => {
    let { s } = run(initialHealth(P), ['L4OK']);
    assert.equal(s.health, 4, 'one success from health=rise jumps to rise+fall-1');
    const r1 = run(s, ['L4CON', 'L4CON']);
    assert.deepEqual(r1.actions, []);
    assert.equal(r1.s.op, 'up');
    assert.equal(r1.s.health, 2);
    s = r1.s;
    const r2 = run(s, ['L4CON']);
    assert.deepEqual(r2.actions, ['down']);
  });

  it('a success in between resets the fall count', () => {
    const { s, actions } = run(initialHealth(P), ['L4OK', 'L4CON', 'L4CON', 'L4OK', 'L4CON', 'L4CON']);
    assert.deepEqual(actions, []);
    assert.equal(s.op, 'up');
  });

  it('a DOWN server needs `rise` consecutive successes, a failure restarts from 0', () => {
    const { s: down } = run(initialHealth(P), ['L4CON']);
    const r = run(down, ['L7OK', 'L7STS', 'L7OK']);
    assert.deepEqual(r.actions, []);
    assert.equal(r.s.health, 1);
    const r2 = run(r.s, ['L7OK']);
    assert.deepEqual(r2.actions, ['up']);
    assert.equal(r2.s.health, 4);
  });

  it('L7OKC makes the server stopping (NOLB), a plain success brings it back UP', () => {
    const r = run(initialHealth(P), ['L7OKC', 'L7OK']);
    assert.deepEqual(r.actions, ['stopping', 'up']);
  });

  it('init-state fully-down needs rise successes, down needs one', () => {
    assert.equal(run(initialHealth(P, 'fully-down'), ['L4OK']).s.op, 'down');
    assert.equal(run(initialHealth(P, 'fully-down'), ['L4OK', 'L4OK']).s.op, 'up');
    assert.deepEqual(run(initialHealth(P, 'down'), ['L4OK']).actions, ['up']);
    assert.deepEqual(run(initialHealth(P, 'fully-up'), ['L4CON', 'L4CON']).actions, []);
  });

  it('intervals: inter when fully up, fastinter while transitioning or unchecked, downinter when down', () => {
    const s0 = initialHealth(P);
    assert.equal(nextHealthInterval(P, s0), 500, 'not yet checked');
    const up = run(s0, ['L4OK']).s;
    assert.equal(nextHealthInterval(P, up), 2000);
    assert.equal(nextHealthInterval(P, run(up, ['L4CON']).s), 500, 'going down');
    const down = run(up, ['L4CON', 'L4CON', 'L4CON']).s;
    assert.equal(nextHealthInterval(P, down), 10000);
    assert.equal(nextHealthInterval(P, run(down, ['L4OK']).s), 500, 'going up');
    const plain: HealthParams = { ...P, fastinter: undefined, downinter: undefined };
    assert.equal(nextHealthInterval(plain, down), 2000);
  });

  it('reports every status or health change for log-health-checks', () => {
    const s0 = initialHealth(P);
    const r = step(P, s0, { type: 'check', result: res('L4OK') });
    assert.equal(r.actions[0]?.type, 'report');
    const same = step(P, r.next, { type: 'check', result: res('L4OK') });
    assert.deepEqual(same.actions, [], 'no change, nothing to report');
  });

  it('healthSummary prints X/Y like HAProxy', () => {
    assert.deepEqual(healthSummary(4, 2, 3, 1), { cur: 3, of: 3, word: 'UP' });
    assert.deepEqual(healthSummary(2, 2, 3, 0), { cur: 1, of: 3, word: 'DRAIN' });
    assert.deepEqual(healthSummary(1, 2, 3, 1), { cur: 1, of: 2, word: 'DOWN' });
  });
});

describe('health FSM with an agent', () => {
  const PA: HealthParams = { ...P, agentEnabled: true };

  it('an unreachable agent changes nothing', () => {
    const s0 = initialHealth(PA);
    const r = step(PA, s0, { type: 'agent', result: res('L4CON') });
    assert.equal(r.next.op, 'up');
    assert.ok(r.actions.every((a) => a.type === 'report'));
  });

  it('agent down marks the server DOWN; agent up brings it back only if the health check agrees', () => {
    const s0 = run(initialHealth(PA), ['L4OK'], PA).s;
    const d = step(PA, s0, { type: 'agent', result: res('L7STS'), word: 'down' });
    assert.deepEqual(
      d.actions.filter((a) => a.type !== 'report').map((a) => a.type),
      ['down'],
    );
    const u = step(PA, d.next, { type: 'agent', result: res('L7OK'), word: 'up' });
    assert.equal(u.next.op, 'up');
    // With the agent down, health-check successes cannot bring the server up.
    const blocked = run(d.next, ['L4OK', 'L4OK'], PA);
    assert.equal(blocked.s.op, 'down');
  });

  it('maintenance pauses with health 0; leaving it restarts at health = rise', () => {
    const s0 = run(initialHealth(PA), ['L4OK'], PA).s;
    const m = step(PA, s0, { type: 'maint', on: true });
    assert.equal(m.next.health, 0);
    assert.equal(m.next.op, 'down');
    assert.deepEqual(m.actions, [{ type: 'down', cause: 'admin' }]);
    const ignored = step(PA, m.next, { type: 'check', result: res('L4OK') });
    assert.equal(ignored.next, m.next, 'checks finishing during maintenance are dropped');
    const r = step(PA, m.next, { type: 'maint', on: false });
    assert.equal(r.next.health, 2);
    assert.deepEqual(r.actions, [{ type: 'up', cause: 'admin' }]);
  });
});
