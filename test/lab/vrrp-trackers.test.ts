/**
 * Trackers in a two-node namespace lab (root), with keepalived.conf(5)
 * semantics: a vrrp_script with a negative weight moves the VIP to the peer
 * and back (preemption); an unweighted script and a tracked interface put the
 * instance in FAULT, the interface case handing over at once with a priority 0
 * advert; a track_file weight; `nopreempt` keeps a recovered node BACKUP;
 * `preempt_delay` holds the takeover back for the configured delay, measured.
 *
 * Node a (198.18.0.1, priority 150) is the master, b (198.18.0.2, priority
 * 100) its peer; VRRPv3, advert_int 0.1 s, multicast.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { createLab, type Lab } from '../../src/lab/netns.js';
import { isRoot, skipUnlessRoot } from './root.js';
import {
  dropAddress,
  HapairNode,
  holders,
  type InstanceSpec,
  keepalivedConf,
  sleep,
  VIP,
  v3Timers,
  waitUntil,
} from './vrrp-lab.js';

let lab: Lab | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hapair-trk-'));
const running: HapairNode[] = [];
const FAIL = join(dir, 'fail');
const TRACK_FILE = join(dir, 'track');
/** A vrrp_script failing while FAIL exists; `weight` omitted = 0 (FAULT). */
const script = (weight?: number) =>
  `vrrp_script chk {\n    script "test ! -e ${FAIL}"\n    interval 0.1\n${
    weight === undefined ? '' : `    weight ${weight}\n`
  }}\n`;
const A_DOWN = v3Timers(150, 100).masterDown;
const B_SKEW = v3Timers(100, 100).skew;

before(async () => {
  if (isRoot()) lab = await createLab(2);
});
afterEach(async () => {
  for (const n of running.splice(0)) await n.kill('SIGKILL', true);
  rmSync(FAIL, { force: true });
  if (lab) for (const n of lab.nodes) await dropAddress(lab, n.ns, `${VIP}/24`);
});
after(async () => {
  await lab?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
/** Starts a (priority 150) then b (100) and waits for the election: a MASTER, b BACKUP hearing a. */
async function pair(l: Lab, aSpec: Partial<InstanceSpec>, head = ''): Promise<[HapairNode, HapairNode]> {
  seq++;
  const [na, nb] = l.nodes as [(typeof l.nodes)[0], (typeof l.nodes)[0]];
  const a = new HapairNode(`a${seq}`, na, dir, keepalivedConf({ priority: 150, ...aSpec }, head));
  const b = new HapairNode(`b${seq}`, nb, dir, keepalivedConf({ priority: 100 }));
  running.push(a, b);
  a.start();
  await a.waitState('MASTER', 5000);
  b.start();
  await b.waitState('BACKUP', 5000);
  await waitUntil('b to hear a', async () => (await b.tryShow())?.master.startsWith(na.ipv4) === true, 3000);
  await vipOn(l, [a, b], 'a');
  return [a, b];
}

/** Waits until exactly the node named `who` (a or b) holds the VIP. */
async function vipOn(l: Lab, [a, b]: readonly HapairNode[], who: 'a' | 'b'): Promise<void> {
  const nodes = [
    { name: 'a', ns: a!.node.ns },
    { name: 'b', ns: b!.node.ns },
  ];
  let last: string[] = [];
  await waitUntil(
    `the VIP on ${who} only`,
    async () => {
      last = await holders(l, nodes, VIP);
      return last.length === 1 && last[0] === who;
    },
    3000,
    () => `holders: [${last.join(', ')}]\n${a!.story()}\n${b!.story()}`,
  );
}

describe('VRRP trackers in a namespace lab', { concurrency: false, timeout: 60_000 }, () => {
  it('vrrp_script weight -60: failing moves the VIP to the peer, recovering takes it back (preempt)', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const [a, b] = await pair(lab, { extra: ['track_script {', '    chk', '}'] }, script(-60));
    writeFileSync(FAIL, '');
    await b.waitState('MASTER', 3000, [a]);
    await a.waitState('BACKUP', 3000, [b]);
    await vipOn(lab, [a, b], 'b');
    const degraded = await a.show();
    assert.equal(degraded.priority, 90, degraded.text);
    assert.equal(degraded.basePriority, 150);
    assert.equal(degraded.state, 'BACKUP');
    unlinkSync(FAIL);
    await a.waitState('MASTER', 3000, [b]);
    await b.waitState('BACKUP', 3000, [a]);
    await vipOn(lab, [a, b], 'a');
    assert.equal((await a.show()).priority, 150);
    assert.ok(!a.transitions().some((x) => x.to === 'FAULT'), a.story());
  });

  it('vrrp_script without weight: failing puts the master in FAULT, the peer takes over; recovery preempts', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const [a, b] = await pair(lab, { extra: ['track_script {', '    chk', '}'] }, script());
    const mark = a.transitions().length;
    writeFileSync(FAIL, '');
    await a.waitState('FAULT', 3000, [b]);
    await b.waitState('MASTER', 3000, [a]);
    await vipOn(lab, [a, b], 'b');
    const faulted = await a.show();
    assert.equal(faulted.state, 'FAULT');
    assert.match(faulted.text, /fault: yes/);
    unlinkSync(FAIL);
    await a.waitState('MASTER', 3000, [b]);
    await b.waitState('BACKUP', 3000, [a]);
    await vipOn(lab, [a, b], 'a');
    assert.deepEqual(
      a
        .transitions()
        .slice(mark)
        .map((x) => `${x.from}→${x.to}`),
      ['MASTER→FAULT', 'FAULT→BACKUP', 'BACKUP→MASTER'],
      a.story(),
    );
  });

  it('track_interface link down: FAULT and a priority 0 advert, the peer takes over after Skew_Time', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const ns = lab.nodes[0]!.ns;
    // A second link of a's own (a veth pair inside its namespace: no dummy module needed).
    await lab.exec(ns, 'ip', ['link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
    try {
      for (const dev of ['eth1p', 'eth1']) await lab.exec(ns, 'ip', ['link', 'set', dev, 'up']);
      const [a, b] = await pair(lab, { extra: ['track_interface {', '    eth1', '}'] });
      const before = await b.show();
      await lab.exec(ns, 'ip', ['link', 'set', 'eth1', 'down']);
      await a.waitState('FAULT', 3000, [b]);
      await b.waitState('MASTER', 3000, [a]);
      const fault = a.transitions().find((x) => x.to === 'FAULT')!;
      const took = b.transitions().find((x) => x.to === 'MASTER')!;
      const ms = took.time - fault.time;
      process.stderr.write(
        `track_interface down: b MASTER ${ms} ms after a entered FAULT (Skew_Time ${B_SKEW.toFixed(1)} ms, Master_Down_Interval ${v3Timers(100, 100).masterDown.toFixed(1)} ms)\n`,
      );
      const after = await b.show();
      assert.equal(after.prio0Received, before.prio0Received + 1, 'b heard one priority 0 advert');
      assert.ok(
        ms <= B_SKEW + 100,
        `takeover ${ms} ms after the fault: the priority 0 path, not the timeout`,
      );
      await vipOn(lab, [a, b], 'b');
      await lab.exec(ns, 'ip', ['link', 'set', 'eth1', 'up']);
      await a.waitState('MASTER', 3000, [b]);
      await vipOn(lab, [a, b], 'a');
    } finally {
      await lab.exec(ns, 'ip', ['link', 'del', 'eth1']).catch(() => undefined);
    }
  });

  it('track_file weight -2: value 30 lowers the priority to 90 and hands over; 0 restores it', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const head = `track_file tf {\n    file "${TRACK_FILE}"\n    init_file 0 overwrite\n}\n`;
    const [a, b] = await pair(lab, { extra: ['track_file {', '    tf weight -2', '}'] }, head);
    writeFileSync(TRACK_FILE, '30\n');
    await b.waitState('MASTER', 3000, [a]);
    await vipOn(lab, [a, b], 'b');
    const low = await a.show();
    assert.equal(low.priority, 90, low.text);
    assert.equal(low.state, 'BACKUP');
    writeFileSync(TRACK_FILE, '0\n');
    await a.waitState('MASTER', 3000, [b]);
    await vipOn(lab, [a, b], 'a');
    assert.equal((await a.show()).priority, 150);
  });

  it('nopreempt: the recovered higher-priority node stays BACKUP', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const [a, b] = await pair(lab, { extra: ['nopreempt', 'track_script {', '    chk', '}'] }, script());
    writeFileSync(FAIL, '');
    await a.waitState('FAULT', 3000, [b]);
    await b.waitState('MASTER', 3000, [a]);
    unlinkSync(FAIL);
    await a.waitState('BACKUP', 3000, [b]);
    // Many Master_Down_Intervals: a preempting node would have taken over long before.
    await sleep(10 * A_DOWN);
    assert.equal(a.state, 'BACKUP', a.story());
    assert.equal(b.state, 'MASTER', b.story());
    const view = await a.show();
    assert.equal(view.priority, 150, 'a outranks b and still does not preempt');
    assert.match(view.master, /^198\.18\.0\.2 \(priority 100\)$/);
    await vipOn(lab, [a, b], 'b');
  });

  it('preempt_delay 2: the recovered node takes over only after the delay (measured)', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const [a, b] = await pair(
      lab,
      { extra: ['preempt_delay 2', 'track_script {', '    chk', '}'] },
      script(),
    );
    writeFileSync(FAIL, '');
    await a.waitState('FAULT', 3000, [b]);
    await b.waitState('MASTER', 3000, [a]);
    const mark = a.transitions().length;
    unlinkSync(FAIL);
    await a.waitState('BACKUP', 3000, [b]);
    await a.waitState('MASTER', 6000, [b]);
    const [toBackup, toMaster] = a.transitions().slice(mark);
    assert.equal(toBackup?.to, 'BACKUP', a.story());
    assert.equal(toMaster?.to, 'MASTER', a.story());
    const ms = toMaster!.time - toBackup!.time;
    // keepalived.conf(5): preemption "after startup or seeing a lower priority master" plus
    // preempt_delay; the first lower advert comes within one advert interval, the takeover
    // one Master_Down_Interval after the last advert heard before the delay ran out.
    const max = 2000 + 100 + A_DOWN + 300;
    process.stderr.write(`preempt_delay 2 s: a took over ${ms} ms after recovering (bound ${max} ms)\n`);
    assert.ok(ms >= 2000, `preempted after ${ms} ms, before the 2 s delay`);
    assert.ok(ms <= max, `preempted after ${ms} ms`);
    assert.equal(a.logged(/start preempt delay/).length, 1);
    await b.waitState('BACKUP', 3000, [a]);
    await vipOn(lab, [a, b], 'a');
  });
});
