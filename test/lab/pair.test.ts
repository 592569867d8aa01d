/**
 * The HA pair in network namespaces (root): two hapair boxes with real VIPs,
 * raw VRRP and GARP, a client probing the VIP every 10 ms. Each scenario
 * reports the client-observed outage (last good answer before → first good
 * answer after) and asserts the issue's bound.
 */
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { PairLab, type PairLabOptions } from '../../src/lab/pair-lab.js';
import { AddressMonitor } from './lab-observers.js';
import { skipUnlessRoot } from './root.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const labs: PairLab[] = [];
const destroyAll = async () => {
  for (const l of labs.splice(0)) await l.destroy();
};
after(destroyAll);

async function upPair(
  version: 2 | 3,
  advertInt: number,
  more: Omit<PairLabOptions, 'version' | 'advertInt'> = {},
): Promise<PairLab> {
  const pl = await PairLab.create({ version, advertInt, ...more });
  labs.push(pl);
  pl.startNodes();
  await pl.nodes[0].waitFor('MASTER', 15_000);
  await pl.nodes[1].waitFor('BACKUP', 5000).catch(() => undefined);
  pl.startProbe(10);
  await sleep(800);
  return pl;
}

async function vipHolders(pl: PairLab): Promise<string[]> {
  const holders: string[] = [];
  for (const [i, ns] of pl.lbNs.entries()) {
    const r = await pl.lab.exec(ns, 'ip', ['-4', 'addr', 'show', 'dev', 'eth0']);
    if (r.stdout.includes('198.18.0.100/')) holders.push(`lb${i + 1}`);
  }
  return holders;
}

/** The client's answers around `at`: "ms after `at` (answer end): body or error". */
function answers(pl: PairLab, at: number, ms = 1000): string {
  return pl.probes
    .filter((p) => p.w > at - 50 && p.w < at + ms)
    .map((p) => `${p.w - at}: ${p.ok ? p.body : p.error}`)
    .join(', ');
}

function report(name: string, o: ReturnType<PairLab['outage']>): void {
  process.stderr.write(`# lab ${name}: outage ${o.ms} ms, ${o.failed} failed requests\n`);
}

describe('HA pair lab', { concurrency: false }, () => {
  afterEach(destroyAll);
  it('box death (SIGKILL all + link down), VRRPv3 advert_int 0.1: served by the backup within 1 s', async (t) => {
    if (skipUnlessRoot(t)) return;
    const pl = await upPair(3, 0.1);
    const t0 = Date.now();
    await Promise.all([pl.nodes[0].kill('SIGKILL', { group: true }), pl.lab.linkDown(pl.lbNs[0])]);
    await pl.nodes[1].waitFor('MASTER', 5000);
    await sleep(1500);
    const o = pl.outage(t0);
    report('box death v3/0.1', o);
    assert.ok(o.ms !== undefined && o.ms < 1000, `outage ${o.ms} ms`);
    // The dead box's namespace still lists the VIP on its downed link; the survivor must hold it.
    assert.ok((await vipHolders(pl)).includes('lb2'));
  });

  it('box death, VRRPv2 advert_int 1: served within 3 × 1 s + skew + 0.5 s', async (t) => {
    if (skipUnlessRoot(t)) return;
    const pl = await upPair(2, 1);
    const t0 = Date.now();
    await Promise.all([pl.nodes[0].kill('SIGKILL', { group: true }), pl.lab.linkDown(pl.lbNs[0])]);
    await pl.nodes[1].waitFor('MASTER', 8000);
    await sleep(1000);
    const o = pl.outage(t0);
    report('box death v2/1', o);
    assert.ok(o.ms !== undefined && o.ms < 3000 + (156 * 1000) / 256 + 500 + 1000, `outage ${o.ms} ms`);
  });

  it('SIGTERM of the master: priority 0 advert, outage ≤ 300 ms', async (t) => {
    if (skipUnlessRoot(t)) return;
    const pl = await upPair(3, 0.1);
    const t0 = Date.now();
    await pl.nodes[0].kill('SIGTERM');
    await pl.nodes[1].waitFor('MASTER', 5000);
    await sleep(1000);
    const o = pl.outage(t0);
    report('SIGTERM', o);
    assert.ok(o.ms !== undefined && o.ms <= 300, `outage ${o.ms} ms`);
    assert.deepEqual(await vipHolders(pl), ['lb2']);
  });

  it('SIGKILL of the master hapair process alone: the VIP ends on exactly one box within 2 s', async (t) => {
    if (skipUnlessRoot(t)) return;
    const pl = await upPair(3, 0.1);
    const t0 = Date.now();
    await pl.nodes[0].kill('SIGKILL');
    await pl.nodes[1].waitFor('MASTER', 2000);
    await sleep(1000);
    assert.deepEqual(await vipHolders(pl), ['lb2']);
    const o = pl.outage(t0);
    report('SIGKILL proxy process', o);
    assert.ok(o.firstOk !== undefined && o.firstOk - t0 < 2000);
  });

  it('every proxy worker of the master SIGKILLed (-W, nbthread 2), VRRP alive: lb2 serves within 1 s; the restarted workers preempt back', async (t) => {
    if (skipUnlessRoot(t)) return;
    // What lb1's VRRP process is told about its proxy (master.ts reportHealth → "proxy tracker: …").
    const tracker: { at: number; msg: string }[] = [];
    const pl = await upPair(3, 0.1, {
      masterWorker: true,
      nbthread: 2,
      onLog: (node, rec) => {
        if (node === 'lb1' && String(rec.msg).startsWith('proxy tracker'))
          tracker.push({ at: performance.now(), msg: String(rec.msg) });
      },
    });
    const [lb1, lb2] = pl.nodes;
    const vipOnLb2 = await AddressMonitor.start(pl.lab, pl.lbNs[1]);
    const serving = lb1.workerPids;
    assert.equal(serving.length, 2, `lb1 serves with nbthread 2 workers (${serving.join(', ')})`);
    const victims = lb1.signalWorkers('SIGKILL');
    // Taken once the signals are sent: a request started later certainly found the workers dead.
    const t0 = Date.now();
    const killAt = performance.now();
    assert.deepEqual(victims.sort(), serving.sort(), 'every worker of lb1 killed');
    assert.ok(!victims.includes(lb1.pid!), 'the master is not a victim');

    const fault = await lb1.waitFor('FAULT', 2000, killAt);
    const took = await lb2.waitFor('MASTER', 2000, killAt);
    const restarted = await lb1.waitWorkersReady(2, killAt, 10_000);
    const back = await lb1.waitFor('MASTER', 10_000, killAt);
    await lb2.waitFor('BACKUP', 3000, killAt);
    await sleep(1000);
    const events: [number, string][] = [
      ...tracker.map((x): [number, string] => [x.at, `lb1 ${x.msg}`]),
      ...[lb1, lb2].flatMap((n) =>
        n.transitions.map((x): [number, string] => [x.at, `${n.name} → ${x.to}: ${x.reason}`]),
      ),
      ...restarted.map((w): [number, string] => [w.at, `lb1 worker ${w.index} ready (pid ${w.pid})`]),
    ];
    const story = events
      .filter(([when]) => when > killAt)
      .sort((a, b) => a[0] - b[0])
      .map(([when, what]) => `${Math.round(when - killAt)} ms ${what}`)
      .join('\n');
    process.stderr.write(`# lab -W workers SIGKILLed:\n${story.replace(/^/gm, '#   ')}\n`);

    // The master tells the tracker when a worker dies, not when its replacement
    // (200 ms later, then Node's start-up) is ready: lb1 hands over in that gap
    // (FAULT: priority 0 advert).
    const firstRestart = Math.min(...restarted.map((w) => w.at));
    const unhealthy = tracker.find((x) => x.at > killAt && /unhealthy \(\d\/2 workers serving\)/.test(x.msg));
    assert.ok(
      unhealthy && unhealthy.at < firstRestart,
      `the gap is reported before a worker is back\n${story}`,
    );
    assert.ok(fault!.at < firstRestart && fault!.at - killAt < 1000, story);
    assert.ok(
      took!.at - killAt < 1000,
      `lb2 MASTER ${Math.round(took!.at - killAt)} ms after the kill\n${story}`,
    );
    const vipAdded = vipOnLb2.added('198.18.0.100', t0);
    assert.ok(
      vipAdded !== undefined && vipAdded - t0 < 1000,
      `VIP on lb2 ${vipAdded! - t0} ms after the kill`,
    );

    // The client: served by lb2 (the web servers see it as 198.18.0.2) within 1 s.
    const o = pl.outage(t0);
    report('-W workers SIGKILLed', o);
    assert.match(o.firstBody ?? '', /via 198\.18\.0\.2$/, `first answer after the kill: ${answers(pl, t0)}`);
    assert.ok(
      o.firstOk !== undefined && o.firstOk - t0 < 1000,
      `served ${o.firstOk! - t0} ms after the kill`,
    );
    assert.ok(o.ms !== undefined && o.ms < 1000, `outage ${o.ms} ms`);

    // Preemption: lb1 is master again only once both restarted workers serve.
    assert.ok(
      restarted.every((w) => !victims.includes(w.pid)),
      story,
    );
    assert.ok(Math.max(...restarted.map((w) => w.at)) < back!.at, story);
    assert.ok(
      tracker.some((x) => x.at > killAt && x.msg.includes('healthy (all workers serving)')),
      story,
    );
    assert.equal(lb1.state, 'MASTER');
    assert.equal(lb2.state, 'BACKUP');
    assert.deepEqual(await vipHolders(pl), ['lb1']);
    assert.match(pl.probes.at(-1)?.body ?? '', /via 198\.18\.0\.1$/);
  });

  it('link down on the master: FAULT and takeover; link up: the master preempts back', async (t) => {
    if (skipUnlessRoot(t)) return;
    const pl = await upPair(3, 0.1);
    const [lb1, lb2] = pl.nodes;
    await pl.lab.linkDown(pl.lbNs[0]);
    await lb1.waitFor('FAULT', 3000);
    await lb2.waitFor('MASTER', 3000);
    await pl.lab.linkUp(pl.lbNs[0]);
    await lb1.waitFor('MASTER', 5000);
    await lb2.waitFor('BACKUP', 3000);
    await sleep(500);
    assert.deepEqual(await vipHolders(pl), ['lb1']);
  });

  it('every backend server down for the master: the native proxy tracker hands the VIP over within 1 s', async (t) => {
    if (skipUnlessRoot(t)) return;
    let noServerAt = 0;
    const pl = await PairLab.create({
      version: 3,
      advertInt: 0.1,
      onLog: (node, rec) => {
        if (
          node === 'lb1' &&
          !noServerAt &&
          String(rec.msg).includes('backend be_web has no server available')
        )
          noServerAt = performance.now();
      },
    });
    labs.push(pl);
    pl.startNodes();
    await pl.nodes[0].waitFor('MASTER', 15_000);
    await pl.nodes[1].waitFor('BACKUP', 5000).catch(() => undefined);
    pl.startProbe(10);
    await sleep(1500);
    // Cut lb1 (only) from both web servers: its checks fail, lb2's keep passing.
    for (const web of [pl.lab.nodes[2]!, pl.lab.nodes[3]!]) {
      await pl.lab.exec(pl.lbNs[0], 'ip', ['route', 'add', 'blackhole', `${web.ipv4}/32`]);
    }
    const took = await pl.nodes[1].waitFor('MASTER', 10_000);
    assert.ok(noServerAt > 0, 'lb1 logged that be_web has no server available');
    const ms = took!.at - noServerAt;
    process.stderr.write(
      `# lab backends down: takeover ${Math.round(ms)} ms after lb1 lost its last server\n`,
    );
    assert.ok(ms < 1000, `takeover ${ms} ms after the proxy became unhealthy`);
    await sleep(1000);
    assert.deepEqual(await vipHolders(pl), ['lb2']);
    assert.match(pl.probes.at(-1)?.body ?? '', /via 198\.18\.0\.2/);
  });

  it('split brain: lb1 and lb2 cut from each other both become master; healed, one master and the client follows', async (t) => {
    if (skipUnlessRoot(t)) return;
    const pl = await upPair(3, 0.1);
    const [lb1, lb2] = pl.nodes;
    // Cut only the lb1 <-> lb2 path: isolated bridge ports cannot talk to each
    // other, but both still talk to the client's and the webs' ports.
    const isolate = (on: 'on' | 'off') =>
      Promise.all(
        ['p0', 'p1'].map((port) =>
          pl.lab.exec(pl.lab.sw, 'bridge', ['link', 'set', 'dev', port, 'isolated', on]),
        ),
      );
    await isolate('on');
    await lb2.waitFor('MASTER', 3000);
    assert.equal(lb1.state, 'MASTER');
    assert.deepEqual(await vipHolders(pl), ['lb1', 'lb2']);
    await sleep(500);
    const healAt = Date.now();
    const healPerf = performance.now();
    await isolate('off');
    const back = await lb2.waitFor('BACKUP', 2000);
    // Exactly one master within 2 advert intervals (plus process scheduling).
    assert.ok(back!.at - healPerf < 2 * 100 + 150, `one master after ${Math.round(back!.at - healPerf)} ms`);
    await sleep(1200);
    assert.equal(lb1.state, 'MASTER');
    assert.deepEqual(await vipHolders(pl), ['lb1']);
    // The client is back on lb1 within 1 s of the heal (the winner's GARP).
    const firstOnLb1 = pl.probes.find((p) => p.w > healAt && p.ok && p.body?.includes('via 198.18.0.1'));
    const story = pl.probes
      .filter((p) => p.w > healAt - 200 && p.w < healAt + 3000)
      .map((p) => `${p.w - healAt}:${p.ok ? p.body : p.error}`)
      .join(' ');
    assert.ok(firstOnLb1 && firstOnLb1.w - healAt < 1000, `client follows lb1 within 1 s: ${story}`);
    const after = pl.probes.filter((p) => p.w > healAt + 1000);
    assert.ok(after.length > 0 && after.every((p) => p.ok && p.body?.includes('via 198.18.0.1')));
  });

  it('link down then up with nopreempt: the backup keeps the VIP', async (t) => {
    if (skipUnlessRoot(t)) return;
    const pl = await PairLab.create({ version: 3, advertInt: 0.1, nopreempt: true });
    labs.push(pl);
    pl.startNodes();
    // With nopreempt whichever node wins the first election keeps it; start from that one.
    await Promise.race(pl.nodes.map((n) => n.waitFor('MASTER', 15_000)));
    const m = pl.nodes[0].state === 'MASTER' ? 0 : 1;
    const [master, other] = [pl.nodes[m]!, pl.nodes[1 - m]!];
    await pl.lab.linkDown(pl.lbNs[m]!);
    await Promise.all([other.waitFor('MASTER', 3000), master.waitFor('FAULT', 3000)]);
    await pl.lab.linkUp(pl.lbNs[m]!);
    await sleep(2500);
    const story = pl.nodes
      .map((n) => `${n.name}: ${n.transitions.map((x) => `${x.to} (${x.reason})`).join(' | ')}`)
      .join('\n');
    assert.equal(other.state, 'MASTER', story);
    assert.equal(master.state, 'BACKUP', story);
    assert.deepEqual(await vipHolders(pl), [`lb${2 - m}`]);
  });
});
