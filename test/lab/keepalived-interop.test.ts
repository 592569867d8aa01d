/**
 * hapair as a drop-in VRRP peer of Debian's keepalived 2.2.7, in a two-node
 * namespace lab (root): elections both ways, takeover when the peer is
 * SIGKILLed, preemption, and a priority 0 handover on SIGTERM; VRRPv2 with
 * PASS authentication over multicast, and VRRPv3 over unicast.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { createLab, type Lab } from '../../src/lab/netns.js';
import { MAIN_JS } from '../../src/lab/node-process.js';
import { isRoot, skipUnlessRoot } from './root.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let lab: Lab | undefined;
const tmp = mkdtempSync(join(tmpdir(), 'hapair-ka-'));
const VIP = '198.18.0.160';

before(async () => {
  if (isRoot()) lab = await createLab(2);
});
after(async () => {
  await lab?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

interface Variant {
  readonly name: string;
  readonly version: 2 | 3;
  readonly auth: boolean;
  readonly unicast: boolean;
}

function conf(v: Variant, prio: number, self: string, peer: string): string {
  return `vrrp_instance VI_KA {
    state BACKUP
    interface eth0
    virtual_router_id 61
    priority ${prio}
    version ${v.version}
    advert_int 1
${v.auth ? '    authentication {\n        auth_type PASS\n        auth_pass s3cret\n    }\n' : ''}${v.unicast ? `    unicast_src_ip ${self}\n    unicast_peer {\n        ${peer}\n    }\n` : ''}    virtual_ipaddress {
        ${VIP}/24 dev eth0
    }
}
`;
}

/** A peer process whose log lines are collected, for both programs. */
class Peer {
  log = '';
  proc: ChildProcess | undefined;
  constructor(
    private readonly ns: string,
    private readonly argv: () => [string, string[]],
  ) {}
  start(): void {
    const [cmd, args] = this.argv();
    this.proc = lab!.spawn(this.ns, cmd, args);
    for (const s of [this.proc.stdout!, this.proc.stderr!]) {
      createInterface({ input: s }).on('line', (l) => {
        this.log += `${l}\n`;
      });
    }
  }
  async kill(sig: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(sig);
    await exited;
  }
  async waitLog(re: RegExp, ms: number, from = 0): Promise<void> {
    const t0 = performance.now();
    while (!re.test(this.log.slice(from)) && performance.now() - t0 < ms) await sleep(50);
    assert.match(this.log.slice(from), re);
  }
}

async function holds(ns: string): Promise<boolean> {
  const r = await lab!.exec(ns, 'ip', ['-4', 'addr', 'show', 'dev', 'eth0']);
  return r.stdout.includes(`${VIP}/`);
}

const HAPAIR_MASTER = /→ MASTER/;
const HAPAIR_BACKUP_AFTER_MASTER = /MASTER → BACKUP/;
const KA_MASTER = /Entering MASTER STATE/;
const KA_BACKUP = /Entering BACKUP STATE(?! \(init\))/;

for (const v of [
  { name: 'VRRPv2, PASS auth, multicast', version: 2, auth: true, unicast: false },
  { name: 'VRRPv3, unicast', version: 3, auth: false, unicast: true },
] as const satisfies readonly Variant[]) {
  describe(`keepalived interop: ${v.name}`, { concurrency: false }, () => {
    it('hapair master / keepalived backup: election, SIGKILL takeover, preemption, SIGTERM handover', async (t) => {
      if (skipUnlessRoot(t) || !lab) return;
      const [a, b] = lab.nodes as [(typeof lab.nodes)[0], (typeof lab.nodes)[0]];
      const hc = join(tmp, `h-${v.version}.conf`);
      const kc = join(tmp, `k-${v.version}.conf`);
      writeFileSync(hc, conf(v, 150, a.ipv4, b.ipv4));
      writeFileSync(kc, conf(v, 100, b.ipv4, a.ipv4));
      const hp = new Peer(a.ns, () => [process.execPath, [MAIN_JS, 'vrrp', '-f', hc]]);
      const ka = new Peer(b.ns, () => [
        'keepalived',
        [
          '-n',
          '-l',
          '-D',
          '-G',
          '--vrrp',
          '-f',
          kc,
          '-p',
          join(tmp, `ka${v.version}.pid`),
          '-r',
          join(tmp, `kv${v.version}.pid`),
        ],
      ]);
      try {
        hp.start();
        await hp.waitLog(HAPAIR_MASTER, 10_000);
        ka.start();
        await sleep(5000);
        assert.ok(await holds(a.ns), 'hapair holds the VIP');
        assert.ok(!(await holds(b.ns)), 'keepalived does not');
        assert.doesNotMatch(ka.log, KA_MASTER, 'keepalived accepted our adverts and stayed BACKUP');

        const kaMark = ka.log.length;
        await hp.kill('SIGKILL');
        await ka.waitLog(KA_MASTER, 6000, kaMark);
        await sleep(500);
        assert.ok(await holds(b.ns), 'keepalived took the VIP over');
        // The SIGKILLed hapair left its VIP behind (a crash cannot clean up); a
        // restarted hapair re-syncs: it preempts and keepalived drops to BACKUP.
        const kaMark2 = ka.log.length;
        hp.start();
        await ka.waitLog(KA_BACKUP, 8000, kaMark2);
        await sleep(500);
        assert.ok(await holds(a.ns));
        assert.ok(!(await holds(b.ns)));

        const kaMark3 = ka.log.length;
        const t0 = performance.now();
        await hp.kill('SIGTERM');
        await ka.waitLog(KA_MASTER, 3000, kaMark3);
        // Priority 0 handover: keepalived takes over after Skew_Time, not Master_Down_Interval.
        assert.ok(performance.now() - t0 < 2500, 'takeover well before Master_Down_Interval');
        assert.ok(!(await holds(a.ns)), 'hapair removed its VIP on stop');
      } finally {
        await hp.kill('SIGKILL');
        await ka.kill('SIGTERM');
        await lab
          .exec(a.ns, 'ip', ['addr', 'flush', 'dev', 'eth0', 'label', 'eth0', 'to', `${VIP}/32`])
          .catch(() => undefined);
      }
    });

    it('keepalived master / hapair backup: hapair stays BACKUP, then takes over when keepalived dies', async (t) => {
      if (skipUnlessRoot(t) || !lab) return;
      const [a, b] = lab.nodes as [(typeof lab.nodes)[0], (typeof lab.nodes)[0]];
      const hc = join(tmp, `h2-${v.version}.conf`);
      const kc = join(tmp, `k2-${v.version}.conf`);
      writeFileSync(hc, conf(v, 100, a.ipv4, b.ipv4));
      writeFileSync(kc, conf(v, 150, b.ipv4, a.ipv4));
      const hp = new Peer(a.ns, () => [process.execPath, [MAIN_JS, 'vrrp', '-f', hc]]);
      const ka = new Peer(b.ns, () => [
        'keepalived',
        [
          '-n',
          '-l',
          '-D',
          '-G',
          '--vrrp',
          '-f',
          kc,
          '-p',
          join(tmp, `ka2${v.version}.pid`),
          '-r',
          join(tmp, `kv2${v.version}.pid`),
        ],
      ]);
      try {
        ka.start();
        await ka.waitLog(KA_MASTER, 10_000);
        hp.start();
        await sleep(4500);
        assert.doesNotMatch(hp.log, HAPAIR_MASTER, 'hapair heard keepalived and stayed BACKUP');
        assert.ok(await holds(b.ns));
        assert.ok(!(await holds(a.ns)));
        await ka.kill('SIGKILL');
        await hp.waitLog(HAPAIR_MASTER, 6000);
        await sleep(300);
        assert.ok(await holds(a.ns));
        assert.doesNotMatch(hp.log, HAPAIR_BACKUP_AFTER_MASTER);
      } finally {
        await hp.kill('SIGTERM');
        await ka.kill('SIGKILL');
        await lab.exec(b.ns, 'ip', ['addr', 'del', `${VIP}/24`, 'dev', 'eth0']).catch(() => undefined);
      }
    });
  });
}
