/**
 * VRRPv3 over IPv4 to several unicast peers, against Debian's keepalived
 * 2.2.7, in a three-node namespace lab (root). The v3 checksum covers the IP
 * destination (RFC 5798 §5.2.8), so every peer must get an advert
 * checksummed for its own address, as keepalived sends them (vrrp.c
 * vrrp_send_pkt); with one checksum for all, one keepalived would drop every
 * advert, become MASTER and take the VIP beside hapair.
 *
 * Node a (198.18.0.1) runs hapair, priority 150; b (198.18.0.2) and c
 * (198.18.0.3) run keepalived, priorities 100 and 50; each lists the other
 * two as unicast_peer; advert_int 1 s, so that b's and c's Skew_Time differ by
 * 195 ms and only b takes over when hapair dies.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLab, type Lab, type LabNode } from '../../src/lab/netns.js';
import { KeepalivedNode } from './lab-observers.js';
import { isRoot, skipUnlessRoot } from './root.js';
import { HapairNode, holders, keepalivedConf, sleep, VIP, v3Timers, waitUntil } from './vrrp-lab.js';

let lab: Lab | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hapair-ucast-'));

before(async () => {
  if (isRoot()) lab = await createLab(3);
});
after(async () => {
  await lab?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** keepalived.conf for `self`: VRRPv3, advert_int 1, unicast to every other node. */
function conf(l: Lab, self: LabNode, priority: number): string {
  const peers = l.nodes.filter((n) => n !== self).map((n) => `    ${n.ipv4}`);
  return keepalivedConf({
    priority,
    version: 3,
    advertInt: 1,
    extra: [`unicast_src_ip ${self.ipv4}`, 'unicast_peer {', ...peers, '}'],
  });
}

const KA_MASTER = /\(VI_1\) Entering MASTER STATE/;
const KA_BACKUP = /\(VI_1\) Entering BACKUP STATE/;
/** keepalived vrrp.c vrrp_check_packet, on a v3 checksum that does not match. */
const BAD_SUM = /\(VI_1\) Invalid VRRPv3 checksum/;

describe('VRRPv3 unicast to two keepalived 2.2.7 peers', { concurrency: false }, () => {
  it('both keepalived backups accept our adverts; when hapair dies exactly one takes the VIP', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const [na, nb, nc] = lab.nodes as [LabNode, LabNode, LabNode];
    const names = [
      { name: 'hapair', ns: na.ns },
      { name: 'ka-b', ns: nb.ns },
      { name: 'ka-c', ns: nc.ns },
    ];
    const hp = new HapairNode('a', na, dir, conf(lab, na, 150));
    const kb = new KeepalivedNode(lab, 'ka-b', nb, dir, conf(lab, nb, 100));
    const kc = new KeepalivedNode(lab, 'ka-c', nc, dir, conf(lab, nc, 50));
    const story = () =>
      [
        hp.story(),
        ...[kb, kc].map(
          (k) =>
            `${k.name}:\n${k.lines
              .slice(-10)
              .map((l) => `  ${l.text}`)
              .join('\n')}`,
        ),
      ].join('\n');
    try {
      hp.start();
      await hp.waitState('MASTER', 10_000);
      kb.start();
      kc.start();
      await kb.waitLog(KA_BACKUP, 5000);
      await kc.waitLog(KA_BACKUP, 5000);
      // Long past keepalived's Master_Down_Interval (3.8 s for priority 50):
      // a backup dropping our adverts would be MASTER by now.
      await sleep(v3Timers(50, 1000).masterDown + 2000);
      for (const k of [kb, kc]) {
        assert.equal(k.find(BAD_SUM), undefined, `${k.name} dropped an advert of hapair\n${story()}`);
        assert.equal(k.find(KA_MASTER), undefined, `${k.name} did not hear hapair\n${story()}`);
      }
      assert.equal(hp.state, 'MASTER', story());
      assert.deepEqual(await holders(lab, names, VIP), ['hapair']);
      const shown = await hp.show();
      assert.equal(shown.state, 'MASTER');

      // The box dies: node and VRRP process at once, no priority 0 advert.
      const died = Date.now();
      await hp.kill('SIGKILL', true);
      await kb.waitLog(KA_MASTER, v3Timers(100, 1000).masterDown + 3000, died);
      await waitUntil(
        'ka-b to hold the VIP',
        async () => (await holders(lab!, names.slice(1), VIP)).length > 0,
        3000,
        story,
      );
      // c heard b's first advert before its own, later, Master_Down_Interval ran out.
      await sleep(2000);
      assert.deepEqual(await holders(lab, names.slice(1), VIP), ['ka-b'], story());
      assert.equal(kc.find(KA_MASTER), undefined, `ka-c became MASTER too\n${story()}`);
    } finally {
      await hp.kill('SIGKILL', true);
      await kb.kill('SIGTERM');
      await kc.kill('SIGTERM');
    }
  });
});
