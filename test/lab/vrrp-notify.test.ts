/**
 * Notify hooks in a namespace lab (root), keepalived.conf(5) "notify
 * scripts": notify_master / notify_backup / notify_fault / notify_stop and the
 * generic `notify` (with "INSTANCE name state priority" appended) run once per
 * transition; a notify_master that hangs is killed at hapair_notify_timeout
 * and does not delay the adverts, as captured on the peer's link.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { createLab, type Lab } from '../../src/lab/netns.js';
import { KeepalivedNode, VrrpCapture } from './lab-observers.js';
import { isRoot, skipUnlessRoot } from './root.js';
import { dropAddress, HapairNode, keepalivedConf, sleep, VIP, waitUntil } from './vrrp-lab.js';

let lab: Lab | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hapair-notify-'));
const running: HapairNode[] = [];
const TRACK = join(dir, 'track');
/** Appends its arguments as one line (one write(2) with O_APPEND: concurrent runs never interleave). */
const REC = join(dir, 'rec.sh');
const HANG = join(dir, 'hang.sh');
const HANG_PID = join(dir, 'hang.pid');

before(async () => {
  writeFileSync(REC, `#!/bin/sh\nlog="$1"; shift\nprintf '%s\\n' "$*" >> "${dir}/$log"\n`);
  writeFileSync(HANG, `#!/bin/sh\necho $$ > ${HANG_PID}\nexec sleep 30\n`);
  chmodSync(REC, 0o755);
  chmodSync(HANG, 0o755);
  if (isRoot()) lab = await createLab(2);
});
afterEach(async () => {
  for (const n of running.splice(0)) await n.kill('SIGKILL', true);
  if (lab) for (const n of lab.nodes) await dropAddress(lab, n.ns, `${VIP}/24`);
});
after(async () => {
  await lab?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function lines(file: string): string[] {
  const p = join(dir, file);
  return existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean) : [];
}

/** Every notify hook of keepalived.conf(5), each recording into `log`. */
function hooks(log: string): string[] {
  return [
    ...['master', 'backup', 'fault', 'stop'].map((s) => `notify_${s} "${REC} ${log} ${s}"`),
    `notify "${REC} ${log} any"`,
  ];
}

/**
 * Whether `pid` still runs. A zombie counts as gone: the script's shell forks
 * it, so once killed it is reparented to PID 1, which may never reap it.
 */
function alive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

describe('VRRP notify hooks in a namespace lab', { concurrency: false, timeout: 60_000 }, () => {
  it('notify_master/_backup/_fault/_stop and notify run exactly once per transition with keepalived arguments', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const [na, nb] = lab.nodes as [(typeof lab.nodes)[0], (typeof lab.nodes)[0]];
    const head = `track_file tf {\n    file "${TRACK}"\n    init_file 0 overwrite\n}\n`;
    const extra = [...hooks('n1.log'), 'track_file {', '    tf weight 0', '}'];
    const a = new HapairNode('n1-a', na, dir, keepalivedConf({ priority: 150, extra }, head));
    const b = new HapairNode('n1-b', nb, dir, keepalivedConf({ priority: 100 }));
    running.push(a, b);
    a.start();
    await a.waitState('MASTER', 5000);
    b.start();
    await b.waitState('BACKUP', 5000);
    await sleep(300);
    writeFileSync(TRACK, '1\n');
    await a.waitState('FAULT', 3000, [b]);
    await b.waitState('MASTER', 3000, [a]);
    writeFileSync(TRACK, '0\n');
    await waitUntil(
      'a to preempt again',
      () => a.transitions().filter((x) => x.to === 'MASTER').length === 2,
      3000,
      () => a.story(),
    );
    await sleep(300);
    await a.kill('SIGTERM');
    const states = a.transitions().map((x) => x.to);
    assert.deepEqual(states, ['BACKUP', 'MASTER', 'FAULT', 'BACKUP', 'MASTER', 'STOP'], a.story());
    await waitUntil(
      'every notify line',
      () => lines('n1.log').length >= 2 * states.length,
      3000,
      () => lines('n1.log').join('\n'),
    );
    await sleep(300);
    const got = lines('n1.log');
    // One specific script and one generic run per transition, in transition order for each kind.
    assert.deepEqual(
      got.filter((l) => !l.startsWith('any')),
      states.map((s) => s.toLowerCase()),
      got.join('\n'),
    );
    assert.deepEqual(
      got.filter((l) => l.startsWith('any')),
      states.map((s) => `any INSTANCE VI_1 ${s} 150`),
      got.join('\n'),
    );
  });

  it('a hanging notify_master is killed at its timeout and adverts keep their interval', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const [na, nb] = lab.nodes as [(typeof lab.nodes)[0], (typeof lab.nodes)[0]];
    rmSync(HANG_PID, { force: true });
    const head = 'global_defs {\n    hapair_notify_timeout 1\n}\n';
    const a = new HapairNode(
      'n2-a',
      na,
      dir,
      keepalivedConf({ priority: 150, extra: [`notify_master "${HANG}"`] }, head),
    );
    const b = new HapairNode('n2-b', nb, dir, keepalivedConf({ priority: 100 }));
    running.push(a, b);
    // What the peer receives, timestamped by its kernel.
    const capture = await VrrpCapture.start(lab, nb.ns);
    // b is master first, so a's takeover (and its hanging notify_master) happens with a peer watching.
    b.start();
    await b.waitState('MASTER', 5000);
    a.start();
    await a.waitState('MASTER', 5000, [b]);
    await b.waitState('BACKUP', 3000, [a]);
    const becameMaster = a.transitions().find((x) => x.to === 'MASTER')!.time;
    await waitUntil(
      'the hung script to be killed',
      () => a.logged(/notify script killed at its timeout/).length > 0,
      4000,
      () => a.story(),
    );
    const killed = a.logged(/notify script killed at its timeout/)[0]!;
    await sleep(600);

    assert.ok(Number(killed.ms) >= 1000 && Number(killed.ms) < 1500, `killed after ${String(killed.ms)} ms`);
    const pid = Number(readFileSync(HANG_PID, 'utf8'));
    assert.ok(pid > 0 && !alive(pid), `the hung script (pid ${pid}) is gone`);
    // a's adverts on the wire, from its first as master until 500 ms after the kill.
    const adverts = capture
      .from(na.ipv4, becameMaster - 5, killed.time + 500)
      .filter((x) => x.priority === 150)
      .map((x) => x.ts);
    const gaps = adverts.slice(1).map((ts, i) => ts - adverts[i]!);
    const maxGap = Math.max(...gaps);
    const span = killed.time + 500 - becameMaster;
    process.stderr.write(
      `hung notify_master: killed after ${String(killed.ms)} ms; ${adverts.length} adverts in ${Math.round(span)} ms, largest gap ${maxGap.toFixed(1)} ms\n`,
    );
    assert.ok(adverts.length >= Math.floor(span / 100) - 1, `${adverts.length} adverts in ${span} ms`);
    assert.ok(maxGap <= 150, `an advert gap of ${maxGap.toFixed(1)} ms (> 1.5 × advert_int)`);
    assert.deepEqual(
      b.transitions().map((x) => x.to),
      ['BACKUP', 'MASTER', 'BACKUP'],
      'the peer never took over while the script hung',
    );
  });

  it('no FAULT notification at startup while a weight-0 vrrp_script has not reported (keepalived stays INIT)', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const na = lab.nodes[0]!;
    // The script's first run takes 1 s: long enough to see what each program does meanwhile.
    const head = `vrrp_script slow {\n    script "/bin/sleep 1"\n    interval 2\n    timeout 3\n}\n`;
    const conf = (log: string) =>
      keepalivedConf(
        { priority: 150, vrid: 61, extra: [...hooks(log), 'track_script {', '    slow', '}'] },
        head,
      );
    const ka = new KeepalivedNode(lab, 'n3-ka', na, dir, conf('n3-ka.log')).start();
    try {
      await ka.waitLog(/\(VI_1\) Entering MASTER STATE/, 5000);
    } finally {
      await ka.kill('SIGTERM');
    }
    await dropAddress(lab, na.ns, `${VIP}/24`);
    const a = new HapairNode('n3-a', na, dir, conf('n3-hp.log'));
    running.push(a);
    a.start();
    await a.waitState('MASTER', 5000);
    await sleep(300);
    const kaLines = lines('n3-ka.log').filter((l) => l.startsWith('any'));
    const hpLines = lines('n3-hp.log').filter((l) => l.startsWith('any'));
    process.stderr.write(`keepalived: ${kaLines.join(' | ')}\nhapair:     ${hpLines.join(' | ')}\n`);
    assert.deepEqual(kaLines.slice(0, 2), ['any INSTANCE VI_1 BACKUP 150', 'any INSTANCE VI_1 MASTER 150']);
    assert.deepEqual(hpLines, kaLines.slice(0, 2), a.story());
    assert.deepEqual(
      lines('n3-hp.log').filter((l) => l === 'fault'),
      [],
    );
  });
});
