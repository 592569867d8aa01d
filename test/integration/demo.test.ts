/**
 * `npm start`'s unprivileged path, as a newcomer without root sees it: two real
 * hapair processes on loopback elect a master over the UDP transport, the
 * master is SIGKILLed, the backup takes over, the old master preempts back.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';

it('the loopback HA pair demo shows an election, a takeover and a preemption', () => {
  const r = spawnSync(join(process.cwd(), 'bin/hapair'), ['lab', 'demo', '--udp', '--once'], {
    encoding: 'utf8',
    timeout: 90_000,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const out = r.stdout;
  assert.match(out, /VIP is only LOGGED/);
  assert.match(out, /\[lb1\] BACKUP → MASTER/);
  const took = /lb2 took over after ([\d.]+) s/.exec(out);
  assert.ok(took, out);
  // VRRPv3 at 0.2 s: Master_Down_Interval for priority 100 is 0.72 s.
  assert.ok(Number(took[1]) < 1.5, `takeover took ${took[1]} s`);
  assert.match(out, /\[lb2\] MASTER → BACKUP: higher priority advert from 127\.0\.0\.11 prio 150/);
  assert.match(out, /client through the master: .*lb2\/web1/);
  assert.match(out, /probe failures during the whole demo: 0/);
});
