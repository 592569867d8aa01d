// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is keepalived parameter syntax in these strings
/**
 * loadKeepalivedConfig on the valid fixtures: the model the VRRP engine gets,
 * with keepalived's defaults, and the hapair extensions.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadKeepalivedConfig } from '../../src/config/keepalived/index.js';
import type { KeepalivedConfig, VrrpInstance } from '../../src/config/keepalived/model.js';
import { SEED_LB1, VALID, valid } from './keepalived-fixtures.js';

function load(name: string): KeepalivedConfig {
  return loadKeepalivedConfig([valid(name)]);
}

function instance(config: KeepalivedConfig, name: string): VrrpInstance {
  const found = config.instances.find((i) => i.name === name);
  assert.ok(found, `vrrp_instance ${name}`);
  return found;
}

describe('loadKeepalivedConfig: seed and keepalived examples', () => {
  it('loads the seed LB1 config with keepalived defaults', () => {
    const c = loadKeepalivedConfig([SEED_LB1]);
    assert.deepEqual(c.files, [SEED_LB1]);
    assert.equal(c.scripts.length, 1);
    const s = c.scripts[0]!;
    assert.deepEqual(
      {
        name: s.name,
        script: s.script,
        interval: s.interval,
        timeout: s.timeout,
        weight: s.weight,
        rise: s.rise,
        fall: s.fall,
      },
      {
        name: 'chk_haproxy',
        script: 'killall -0 haproxy',
        interval: 2000,
        timeout: 2000,
        weight: 2,
        rise: 1,
        fall: 1,
      },
    );
    assert.deepEqual(s.loc, { file: SEED_LB1, line: 4 });
    const vi = instance(c, 'VI_1');
    assert.equal(vi.initialState, 'MASTER');
    assert.equal(vi.interface, 'eth0');
    assert.equal(vi.vrid, 51);
    assert.equal(vi.priority, 101);
    assert.equal(vi.advertInt, 1000);
    assert.equal(vi.version, 2);
    assert.equal(vi.family, 4);
    assert.deepEqual(vi.virtualAddresses, [
      { address: '192.168.1.1', family: 4, prefix: 32, loc: { file: SEED_LB1, line: 17 } },
    ]);
    assert.deepEqual(vi.trackScripts, [
      { name: 'chk_haproxy', reverse: false, loc: { file: SEED_LB1, line: 20 } },
    ]);
    assert.deepEqual(vi.transport, { kind: 'raw' });
    assert.deepEqual(c.warnings, []);
  });

  it('reads a MASTER/BACKUP pair that agrees on VRID, addresses and password', () => {
    const lb1 = load('pair-lb1-master.conf');
    const lb2 = load('pair-lb2-backup.conf');
    const m = instance(lb1, 'VI_1');
    const b = instance(lb2, 'VI_1');
    assert.deepEqual(
      [m.initialState, m.priority, b.initialState, b.priority],
      ['MASTER', 150, 'BACKUP', 100],
    );
    assert.equal(m.vrid, b.vrid);
    assert.deepEqual(m.auth, { type: 'PASS', pass: '1111' });
    assert.deepEqual(m.auth, b.auth);
    const strip = (i: VrrpInstance) => i.virtualAddresses.map(({ loc: _loc, ...rest }) => rest);
    assert.deepEqual(strip(m), [
      { address: '198.18.0.100', family: 4, prefix: 24, dev: 'eth0', label: 'eth0:1' },
      { address: '198.18.0.101', family: 4, prefix: 24, broadcast: '198.18.0.255', scope: 'global' },
    ]);
    assert.deepEqual(strip(m), strip(b));
    assert.deepEqual(
      m.trackInterfaces.map((t) => [t.name, t.weight]),
      [
        ['eth0', undefined],
        ['eth1', -10],
      ],
    );
    assert.deepEqual(m.notify, {
      master: '/etc/keepalived/notify.sh MASTER',
      backup: '/etc/keepalived/notify.sh BACKUP',
      fault: '/etc/keepalived/notify.sh FAULT',
      any: '/etc/keepalived/notify-any.sh',
      timeout: 0,
    });
    assert.deepEqual(
      [m.garpMasterDelay, m.garpMasterRepeat, b.garpMasterDelay, b.garpMasterRepeat],
      [10000, 3, 5000, 5],
    );
    assert.equal(lb1.globalDefs.routerId, 'LB1');
    assert.equal(lb1.globalDefs.scriptUser, 'keepalived_script');
    assert.equal(lb1.globalDefs.enableScriptSecurity, true);
    const s = lb1.scripts[0]!;
    assert.deepEqual([s.interval, s.timeout, s.fall, s.rise, s.weight], [2000, 1500, 2, 3, -30]);
  });

  it('runs VRRPv3 with a 100 ms advert interval and global GARP settings', () => {
    const c = load('v3-fast-advert.conf');
    const i = instance(c, 'fast');
    assert.deepEqual([i.version, i.advertInt, i.priority, i.initialState], [3, 100, 200, 'BACKUP']);
    assert.deepEqual(
      [i.garpMasterDelay, i.garpMasterRepeat, i.garpMasterRefresh, i.garpLowerPrioRepeat],
      [1000, 2, 60000, 2],
    );
  });

  it('reads unicast peers, nopreempt and preempt_delay', () => {
    const c = load('unicast.conf');
    const i = instance(c, 'VI_uni');
    assert.equal(i.unicastSrcIp, '198.18.2.11');
    assert.deepEqual(i.unicastPeers, ['198.18.2.12', '198.18.2.13']);
    assert.equal(i.nopreempt, true);
    assert.equal(i.preemptDelay, 2500);
    assert.equal(instance(c, 'VI_uni_b').vrid, i.vrid);
  });

  it('derives an IPv6 instance and VRRPv3 from the first address', () => {
    const i = instance(load('ipv6.conf'), 'VI_6');
    assert.deepEqual([i.family, i.version, i.advertInt], [6, 3, 500]);
    assert.deepEqual(
      i.virtualAddresses.map((v) => [v.address, v.prefix, v.dev]),
      [
        ['fe80::61', 64, undefined],
        ['fd00:198:18::100', 64, 'eth0'],
      ],
    );
  });

  it('keeps IPv6 excluded addresses in an IPv4 instance', () => {
    const i = instance(load('mixed-family-excluded.conf'), 'mixed');
    assert.equal(i.family, 4);
    assert.deepEqual(
      i.virtualAddressesExcluded.map((v) => [v.address, v.family]),
      [
        ['fd00:198:18::10', 6],
        ['198.18.10.2', 4],
      ],
    );
  });
});

describe('loadKeepalivedConfig: sections and extensions', () => {
  it('reads the hapair extensions: UDP transport and proxy tracking', () => {
    const c = load('hapair-extensions.conf');
    const udp = instance(c, 'VI_udp');
    assert.deepEqual(udp.transport, { kind: 'udp', port: 11300, bind: '127.0.0.2' });
    assert.deepEqual(udp.unicastPeers, ['127.0.0.3', '127.0.0.4:11301']);
    assert.deepEqual(udp.trackProxy?.weight, -20);
    assert.deepEqual(udp.trackProxy?.backends, ['web', 'api', 'static']);
    assert.equal(udp.notify.timeout, 30000);
    assert.equal(c.globalDefs.scriptTimeout, 30000);
    const fault = instance(c, 'VI_proxy_fault');
    assert.deepEqual([fault.trackProxy?.weight, fault.trackProxy?.backends], [0, []]);
  });

  it('follows include globs in sorted order and skips dot files', () => {
    const c = load('include-main.conf');
    assert.deepEqual(c.files, [
      valid('include-main.conf'),
      join(VALID, 'include.d', '10-scripts.conf'),
      join(VALID, 'include.d', '20-scripts.conf'),
      join(VALID, 'include.d', 'instance-1.inc'),
    ]);
    assert.deepEqual(
      c.scripts.map((s) => [s.name, s.initFail]),
      [
        ['chk_a', false],
        ['chk_b', true],
      ],
    );
    const i = instance(c, 'from_include');
    assert.deepEqual(i.loc, { file: join(VALID, 'include.d', 'instance-1.inc'), line: 1 });
    assert.deepEqual(
      i.trackScripts.map((t) => [t.name, t.weight, t.reverse]),
      [
        ['chk_a', undefined, false],
        ['chk_b', 5, true],
      ],
    );
    assert.equal(c.globalDefs.routerId, 'glob-test');
  });

  it('substitutes $NAME and ${NAME} parameters, recursively, at use time', () => {
    const i = instance(load('definitions.conf'), 'VI_def');
    assert.equal(i.interface, 'eth2');
    assert.equal(i.priority, 180);
    assert.deepEqual([i.virtualAddresses[0]?.address, i.virtualAddresses[0]?.prefix], ['198.18.5.10', 24]);
    assert.equal(i.notify.master, '/usr/local/bin/notify #1 $UNDEFINED_STAYS');
  });

  it('reads sync groups with their notify scripts', () => {
    const c = load('sync-group.conf');
    assert.deepEqual(c.syncGroups, [
      {
        name: 'G1',
        loc: { file: valid('sync-group.conf'), line: 2 },
        members: ['inside', 'outside'],
        notify: {
          master: '/etc/keepalived/group.sh master',
          backup: '/etc/keepalived/group.sh backup',
          stop: '/etc/keepalived/group.sh stop',
          timeout: 0,
        },
      },
    ]);
  });

  it('reads track_file blocks, the deprecated vrrp_track_file name, and per-instance weights', () => {
    const c = load('track-file.conf');
    assert.deepEqual(
      c.trackFiles.map((f) => [f.name, f.path, f.weight, f.weightReverse, f.initFile]),
      [
        ['maint', join(VALID, 'maint.state'), -10, true, { value: 0, overwrite: true }],
        ['legacy', '/var/run/legacy.state', 1, false, undefined],
      ],
    );
    assert.deepEqual(c.warnings, [
      `${valid('track-file.conf')}:8: vrrp_track_file: deprecated: write track_file`,
    ]);
    const i = instance(c, 'VI_tf');
    assert.equal(i.dontTrackPrimary, true);
    assert.deepEqual(
      i.trackFiles.map((t) => [t.name, t.weight]),
      [
        ['maint', undefined],
        ['legacy', 2],
      ],
    );
  });

  it('accepts every brace placement keepalived accepts, and keeps quoted comment characters', () => {
    const c = load('brace-styles.conf');
    assert.equal(c.scripts[0]?.script, "echo '#not a comment' { } !bang");
    assert.equal(c.scripts[0]?.interval, 1000);
    const styles = instance(c, 'styles');
    assert.deepEqual(
      styles.virtualAddresses.map((v) => v.address),
      ['198.18.9.1'],
    );
    assert.deepEqual(
      styles.trackScripts.map((t) => [t.name, t.weight]),
      [['chk_quoted', 3]],
    );
    assert.deepEqual(
      styles.trackInterfaces.map((t) => t.name),
      ['eth1'],
    );
    const b = instance(c, 'styles_b');
    assert.deepEqual([b.interface, b.vrid, b.virtualAddresses[0]?.address], ['eth1', 14, '198.18.9.2']);
  });

  it('reads every supported global_defs keyword and applies them as instance defaults', () => {
    const c = load('global-defs.conf');
    assert.deepEqual(c.globalDefs, {
      routerId: 'node-a',
      scriptUser: 'nobody',
      scriptGroup: 'nogroup',
      enableScriptSecurity: false,
      vrrpVersion: 2,
      vrrpGarpMasterDelay: 0,
      vrrpGarpMasterRepeat: 1,
      vrrpGarpMasterRefresh: 0,
      vrrpGarpLowerPrioRepeat: 2,
      vrrpMcastGroup4: '224.0.0.19',
      vrrpMcastGroup6: 'ff02::13',
      notifyFifo: '/run/hapair/notify.fifo',
      scriptTimeout: 0,
      vrrpPriority: -5,
    });
    const i = instance(c, 'VI_g');
    assert.deepEqual([i.garpMasterDelay, i.garpMasterRepeat, i.garpLowerPrioRepeat], [0, 1, 4]);
  });

  it('returns a deeply frozen model', () => {
    const c = load('pair-lb1-master.conf');
    const i = c.instances[0]!;
    assert.ok(
      Object.isFrozen(c.globalDefs) && Object.isFrozen(i.virtualAddresses[0]) && Object.isFrozen(i.notify),
    );
    assert.throws(() => (i.trackScripts as unknown as unknown[]).push({}), TypeError);
    assert.throws(() => {
      (i as { priority: number }).priority = 1;
    }, TypeError);
  });
});
