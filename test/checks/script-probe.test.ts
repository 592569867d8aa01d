import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { countResult, initialCounter } from '../../src/checks/probe-counter.js';
import { resolveScriptIds, ScriptProbe } from '../../src/checks/script-probe.js';
import type { ProbeEvent } from '../../src/checks/types.js';
import type { VrrpScript } from '../../src/config/keepalived/model.js';
import { type CommandRunner, realRunner } from '../../src/core/command.js';

const dir = mkdtempSync(join(tmpdir(), 'hapair-script-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function script(over: Partial<VrrpScript>): VrrpScript {
  return {
    name: 'chk',
    loc: { file: 'keepalived.conf', line: 3 },
    script: 'true',
    interval: 50,
    timeout: 1000,
    weight: 0,
    weightReverse: false,
    rise: 1,
    fall: 1,
    initFail: false,
    ...over,
  };
}

function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const iv = setInterval(() => {
      if (pred()) {
        clearInterval(iv);
        resolve();
      } else if (performance.now() - t0 > ms) {
        clearInterval(iv);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 5);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Children of this process that are zombies (state Z in /proc/PID/stat). */
function zombieChildren(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z' && Number(rest[1]) === process.pid) out.push(Number(d));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

describe('keepalived rise/fall counter', () => {
  it('INIT: the first result decides; then rise/fall consecutive results', () => {
    const p = { rise: 2, fall: 3 };
    let s = initialCounter(p, false);
    const first = countResult(p, s, false);
    assert.equal(first.changed, false, 'first failure reports at once');
    s = first.next;
    assert.equal(countResult(p, s, true).changed, undefined);
    s = countResult(p, s, true).next;
    const up = countResult(p, s, true);
    assert.equal(up.changed, true, 'rise successes');
    s = up.next;
    for (const expected of [undefined, undefined, false]) {
      const r = countResult(p, s, false);
      assert.equal(r.changed, expected);
      s = r.next;
    }
  });

  it('init_fail starts failed and needs rise successes', () => {
    const p = { rise: 2, fall: 1 };
    const s = initialCounter(p, true);
    assert.equal(countResult(p, s, false).changed, undefined, 'already failed');
    const one = countResult(p, s, true);
    assert.equal(one.changed, undefined);
    assert.equal(countResult(p, one.next, true).changed, true);
  });
});

describe('vrrp_script probe', () => {
  it('reports state changes with rise/fall, and init_fail starts failed', async () => {
    const ctl = join(dir, 'rc');
    writeFileSync(ctl, '0');
    const events: ProbeEvent[] = [];
    const p = new ScriptProbe({
      script: script({ script: `exit $(cat ${ctl})`, interval: 40, rise: 2, fall: 2, initFail: true }),
      onEvent: (e) => events.push(e),
    });
    assert.equal(p.state(), false);
    p.start();
    await until(() => events.length === 1, 2000, 'up');
    assert.deepEqual(events, [{ name: 'chk', ok: true }]);
    writeFileSync(ctl, '1');
    await until(() => events.length === 2, 2000, 'down');
    assert.deepEqual(events[1], { name: 'chk', ok: false });
    assert.equal(p.state(), false);
    await p.stop();
  });

  it('kills a hanging script and its children at the timeout, as a failure', async () => {
    const pids = join(dir, 'pids');
    const events: { e: ProbeEvent; at: number }[] = [];
    const p = new ScriptProbe({
      script: script({ script: `sleep 30 & echo "$$ $!" > ${pids}; wait`, interval: 5000, timeout: 200 }),
      onEvent: (e) => events.push({ e, at: performance.now() }),
    });
    const t0 = performance.now();
    p.start();
    await until(() => events.length === 1, 3000, 'timeout');
    assert.deepEqual(events[0]!.e, { name: 'chk', ok: false });
    const took = events[0]!.at - t0;
    assert.ok(took >= 195 && took < 600, `killed after ${took.toFixed(0)} ms`);
    const [sh, sleeper] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    await until(() => !alive(sh!) && !alive(sleeper!), 2000, 'process group gone');
    await p.stop();
  });

  it('1,000 runs leave no zombie and no file descriptor behind', async () => {
    const flip = join(dir, 'flip');
    let runs = 0;
    const counting: CommandRunner = {
      run: (f, a, o) => {
        runs++;
        return realRunner.run(f, a, o);
      },
    };
    const fdsBefore = readdirSync('/proc/self/fd').length;
    const events: ProbeEvent[] = [];
    const p = new ScriptProbe({
      script: script({
        script: `if [ -e ${flip} ]; then rm ${flip}; exit 0; else : > ${flip}; exit 1; fi`,
        interval: 1,
      }),
      onEvent: (e) => events.push(e),
      runner: counting,
    });
    const t0 = performance.now();
    p.start();
    await until(() => runs >= 1000, 20_000, '1000 runs');
    await p.stop();
    assert.ok(performance.now() - t0 < 20_000);
    assert.ok(events.length > 900, `alternating results change the state each run (${events.length})`);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(zombieChildren(), []);
    const fdsAfter = readdirSync('/proc/self/fd').length;
    assert.ok(fdsAfter <= fdsBefore, `fds ${fdsBefore} → ${fdsAfter}`);
  });

  it('stop() waits for a running script and no run starts afterwards', async () => {
    let runs = 0;
    const counting: CommandRunner = {
      run: (f, a, o) => {
        runs++;
        return realRunner.run(f, a, o);
      },
    };
    const p = new ScriptProbe({
      script: script({ script: 'sleep 0.1', interval: 20 }),
      onEvent: () => {},
      runner: counting,
    });
    p.start();
    await until(() => runs === 1, 1000, 'first run');
    const t0 = performance.now();
    await p.stop();
    assert.ok(performance.now() - t0 >= 50, 'stop waited for the script');
    assert.equal(runs, 1, 'overlapping runs are skipped, not queued');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(runs, 1);
  });
});

describe('vrrp_script user and group', () => {
  it('resolves names with id/getent and refuses unknown ones', async () => {
    assert.deepEqual(await resolveScriptIds(script({ user: 'root' })), { uid: 0, gid: 0 });
    assert.deepEqual(await resolveScriptIds(script({ user: 'nobody', group: 'nogroup' })), {
      uid: 65534,
      gid: 65534,
    });
    await assert.rejects(resolveScriptIds(script({ user: 'no-such-user-hapair' })), {
      code: 'CFG_UNKNOWN_REF',
      message: /keepalived\.conf:3: user: vrrp_script chk: unknown user 'no-such-user-hapair'/,
    });
    await assert.rejects(resolveScriptIds(script({ user: 'root', group: 'no-such-group-hapair' })), {
      code: 'CFG_UNKNOWN_REF',
    });
    assert.throws(() => new ScriptProbe({ script: script({ user: 'root' }), onEvent: () => {} }), {
      code: 'CFG_UNKNOWN_REF',
    });
  });

  it('runs the script under the resolved ids', {
    skip: process.getuid?.() !== 0 && 'needs root',
  }, async () => {
    const s = script({ script: '[ "$(id -u):$(id -g)" = "65534:65534" ]', user: 'nobody', group: 'nogroup' });
    const events: ProbeEvent[] = [];
    const p = new ScriptProbe({ script: s, ids: await resolveScriptIds(s), onEvent: (e) => events.push(e) });
    p.start();
    await until(() => events.length === 1, 3000, 'result');
    await p.stop();
    assert.deepEqual(events, [{ name: 'chk', ok: true }]);
  });
});
