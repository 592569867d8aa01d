/**
 * keepalived.conf reload in the VRRP process (issue #9: "a VRRP instance whose
 * config did not change keeps its state and VIP across the reload"): a real
 * VrrpDaemon on the UDP transport over loopback, with the logging VIP driver.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadKeepalivedConfig } from '../../src/config/keepalived/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { VrrpDaemon } from '../../src/vrrp/daemon.js';
import { waitFor } from '../proxy/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'hapair-vrrp-reload-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An instance alone on its VRID: it becomes MASTER after Master_Down_Interval. */
function instance(name: string, vrid: number, prio: number, port: number, extra = ''): string {
  return `vrrp_instance ${name} {
    state BACKUP
    interface lo
    virtual_router_id ${vrid}
    priority ${prio}
    version 3
    advert_int 0.05
    unicast_src_ip 127.0.0.1
    unicast_peer {
        127.0.0.1:${port + 1}
    }
    hapair_transport udp port ${port} bind 127.0.0.1
${extra}    virtual_ipaddress {
        198.18.9.${vrid}/32 dev lo
    }
}
`;
}

function load(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  return loadKeepalivedConfig([file]);
}

describe('VrrpDaemon.reload', () => {
  it('keeps unchanged instances untouched, restarts changed ones, stops removed ones, starts new ones', async () => {
    const base = 42000 + (process.pid % 1000) * 8;
    const a = instance('VI_KEEP', 11, 150, base);
    const first = load(
      'a.conf',
      a + instance('VI_CHANGE', 12, 150, base + 2) + instance('VI_GONE', 13, 150, base + 4),
    );
    const daemon = await VrrpDaemon.start({ config: first, log: silentLogger, vipMode: 'log' });
    try {
      const state = (n: string) => daemon.status().find((s) => s.name === n)?.state;
      assert.ok(await waitFor(() => daemon.status().every((s) => s.state === 'MASTER'), 3000));
      const keptSince = daemon.status().find((s) => s.name === 'VI_KEEP')!.lastTransition;
      const transitions: string[] = [];
      daemon.onTransition((name, t) => transitions.push(`${name}:${t.from}>${t.to}`));

      // VI_KEEP moves in the file (a comment above it) but does not change.
      const next = load(
        'b.conf',
        `# reordered\n${instance('VI_NEW', 14, 150, base + 6)}${a}${instance('VI_CHANGE', 12, 120, base + 2)}`,
      );
      const r = await daemon.reload(next);
      assert.deepEqual(r.kept, ['VI_KEEP']);
      assert.deepEqual(r.stopped.sort(), ['VI_CHANGE', 'VI_GONE']);
      assert.deepEqual(r.started.sort(), ['VI_CHANGE', 'VI_NEW']);
      assert.deepEqual(
        daemon.status().map((s) => s.name),
        ['VI_NEW', 'VI_KEEP', 'VI_CHANGE'],
      );
      assert.equal(state('VI_KEEP'), 'MASTER');
      assert.equal(daemon.status().find((s) => s.name === 'VI_CHANGE')!.basePriority, 120);
      assert.ok(await waitFor(() => state('VI_NEW') === 'MASTER' && state('VI_CHANGE') === 'MASTER', 3000));
      assert.equal(daemon.status().find((s) => s.name === 'VI_KEEP')!.lastTransition, keptSince);
      assert.ok(!transitions.some((t) => t.startsWith('VI_KEEP:')), transitions.join(' '));
    } finally {
      await daemon.stop();
    }
  });
});

describe('VrrpDaemon.control (runtime API set vrrp …)', () => {
  it('set vrrp state fault|backup and set vrrp priority act on the running instance', async () => {
    const base = 43000 + (process.pid % 1000) * 4;
    const daemon = await VrrpDaemon.start({
      config: load('c.conf', instance('VI_OPS', 21, 150, base)),
      log: silentLogger,
      vipMode: 'log',
    });
    try {
      const st = () => daemon.status()[0]!;
      assert.ok(await waitFor(() => st().state === 'MASTER', 3000));
      assert.deepEqual(daemon.control({ type: 'set-state', instance: 'VI_OPS', state: 'fault' }), {
        ok: true,
        reason: '',
      });
      assert.equal(st().state, 'FAULT');
      assert.match(st().reasons.join(' '), /runtime API/);
      daemon.control({ type: 'set-state', instance: 'VI_OPS', state: 'backup' });
      assert.ok(await waitFor(() => st().state === 'MASTER', 3000), 'alone again, it becomes master');
      daemon.control({ type: 'set-priority', instance: 'VI_OPS', priority: 90 });
      assert.equal(st().effectivePriority, 90);
      assert.equal(st().basePriority, 150);
      assert.equal(daemon.control({ type: 'set-priority', instance: 'nope', priority: 90 }).ok, false);
    } finally {
      await daemon.stop();
    }
  });
});
