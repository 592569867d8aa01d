/**
 * keepalived semantics the loader reproduces (defaults derived from other
 * settings), warnings for accepted-but-suspicious input, and errors that the
 * fixtures do not cover, on small files in a temporary directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadKeepalivedConfig } from '../../src/config/keepalived/index.js';
import type { KeepalivedConfig, VrrpInstance } from '../../src/config/keepalived/model.js';
import { loadErrors } from './keepalived-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'hapair-ka-sem-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;

function file(text: string): string {
  const path = join(dir, `t${++count}.conf`);
  writeFileSync(path, text);
  return path;
}

function load(text: string): KeepalivedConfig {
  return loadKeepalivedConfig([file(text)]);
}

/** An instance block with the mandatory keywords, plus `body`. */
function vi(name: string, body: string, vrid = 1, iface = 'eth0'): string {
  return `vrrp_instance ${name} {\n interface ${iface}\n virtual_router_id ${vrid}\n${body}\n}\n`;
}

const VIP = ' virtual_ipaddress {\n  198.18.0.1\n }';

function only(text: string): VrrpInstance {
  const c = load(text);
  assert.equal(c.instances.length, 1);
  return c.instances[0]!;
}

/** [code, line, keyword] of every error. */
function errors(text: string): [string, number | undefined, string | undefined][] {
  return loadErrors([file(text)]).errors.map((e) => [e.code, e.loc?.line, e.keyword]);
}

describe('keepalived defaults derived from other settings', () => {
  it('derives priority from state MASTER and state from priority 255 (vrrp.c)', () => {
    assert.deepEqual(pick(only(vi('a', ` state MASTER\n${VIP}`))), ['MASTER', 255]);
    assert.deepEqual(pick(only(vi('a', ` priority 255\n${VIP}`))), ['MASTER', 255]);
    assert.deepEqual(pick(only(vi('a', VIP))), ['BACKUP', 100]);
    assert.deepEqual(pick(only(vi('a', ` state BACKUP\n priority 255\n${VIP}`))), ['BACKUP', 255]);
  });

  it('takes the version from global_defs, except for IPv6 instances which use 3', () => {
    assert.equal(only(`global_defs {\n vrrp_version 3\n}\n${vi('a', VIP)}`).version, 3);
    const v6 = only(`global_defs {\n vrrp_version 2\n}\n${vi('a', ' virtual_ipaddress {\n  fe80::5\n }')}`);
    assert.deepEqual([v6.family, v6.version], [6, 3]);
    assert.equal(
      only(vi('a', ` unicast_src_ip fd00:198:18::2\n${' virtual_ipaddress_excluded {\n  198.18.0.9\n }'}`))
        .family,
      6,
    );
  });

  it('keeps MASTER when BACKUP follows it, as keepalived does, with a warning', () => {
    const c = load(vi('a', ` state MASTER\n state BACKUP\n${VIP}`));
    assert.equal(c.instances[0]?.initialState, 'MASTER');
    assert.deepEqual(c.warnings.length, 1);
    assert.match(c.warnings[0]!, /:5: state: MASTER was set before and is kept$/);
  });
});

function pick(i: VrrpInstance): [string, number] {
  return [i.initialState, i.priority];
}

describe('keepalived warnings', () => {
  it('warns about overridden values, truncated passwords and questionable combinations', () => {
    const text =
      vi(
        'a',
        ` priority 50\n priority 60\n state MASTER\n nopreempt\n authentication {\n  auth_type PASS\n  auth_pass abcdefghij\n }\n${VIP}`,
      ) +
      vi('b', ' unicast_src_ip 198.18.0.5\n virtual_ipaddress {\n  198.18.0.1\n }', 2) +
      vi('c', '', 3) +
      'vrrp_sync_group G {\n group {\n  c\n }\n}\n';
    const c = load(text);
    const a = c.instances[0]!;
    assert.deepEqual([a.priority, a.auth?.pass], [60, 'abcdefgh']);
    const w = c.warnings.map((line) => line.slice(line.indexOf(':') + 1));
    assert.deepEqual(w, [
      '5: priority: repeated: overrides ' + `${join(dir, `t${count}.conf`)}:4 (the last value wins)`,
      '10: auth_pass: truncated to 8 characters, as keepalived does',
      '7: nopreempt: has no effect with state MASTER: use state BACKUP',
      '19: unicast_src_ip: no unicast_peer: adverts are multicast (keepalived does the same)',
      '24: vrrp_instance: c has no virtual_ipaddress',
      '21: virtual_ipaddress: 198.18.0.1 is also a VIP of vrrp_instance a',
      '29: vrrp_sync_group: G has a single member',
    ]);
  });
});

describe('keepalived errors beyond the fixtures', () => {
  it('reports every error of a stage in one run, in file order', () => {
    const e = loadErrors([file(vi('a', ` priority 300\n advert_int x\n bogus 1\n${VIP}`))]);
    assert.deepEqual(
      e.errors.map((x) => [x.code, x.loc?.line]),
      [
        ['CFG_RANGE', 4],
        ['CFG_BAD_UNIT', 5],
        ['CFG_UNKNOWN_KEYWORD', 6],
      ],
    );
    assert.equal(e.message.split('\n').length, 3);
  });

  it('needs at least one file, and a readable one', () => {
    assert.equal(loadErrors([]).errors[0]?.code, 'CFG_MISSING');
    const e = loadErrors([join(dir, 'absent.conf')]).errors[0]!;
    assert.equal(e.code, 'CFG_IO');
    assert.match(e.message, /absent\.conf/);
  });

  it('reads several files as one configuration, definitions included', () => {
    const first = file('$IF=eth9\nvrrp_script s {\n script "/bin/true"\n}\n');
    const second = file(
      `vrrp_instance a {\n interface $IF\n virtual_router_id 9\n track_script {\n  s\n }\n${VIP}\n}\n`,
    );
    const c = loadKeepalivedConfig([first, second]);
    assert.deepEqual(c.files, [first, second]);
    assert.equal(c.instances[0]?.interface, 'eth9');
  });

  it('checks hapair_transport and address options', () => {
    assert.deepEqual(errors(vi('a', ` hapair_transport udp port 0\n${VIP}`)), [
      ['CFG_RANGE', 4, 'hapair_transport'],
    ]);
    assert.deepEqual(errors(vi('a', ` hapair_transport tcp\n${VIP}`)), [
      ['CFG_BAD_ARGS', 4, 'hapair_transport'],
    ]);
    assert.deepEqual(errors(vi('a', ` hapair_transport udp bind ::1\n${VIP}`)), [
      ['CFG_CONFLICT', 4, 'hapair_transport'],
    ]);
    const vip = (line: string) => errors(vi('a', ` virtual_ipaddress {\n  ${line}\n }`));
    assert.deepEqual(vip('198.18.0.1/33'), [['CFG_BAD_ADDRESS', 5, 'virtual_ipaddress']]);
    assert.deepEqual(vip('198.18.0.1 use_vmac'), [['CFG_UNSUPPORTED', 5, 'virtual_ipaddress']]);
    assert.deepEqual(vip('fe80::1 brd fe80::ff'), [['CFG_BAD_ARGS', 5, 'virtual_ipaddress']]);
    assert.deepEqual(vip('198.18.0.1 dev'), [['CFG_BAD_ARGS', 5, 'virtual_ipaddress']]);
    assert.deepEqual(vip('198.18.0.1 scope galaxy'), [['CFG_BAD_ARGS', 5, 'virtual_ipaddress']]);
  });

  it('checks authentication', () => {
    const auth = (body: string, extra = VIP) => errors(vi('a', ` authentication {\n${body}\n }\n${extra}`));
    assert.deepEqual(auth('  auth_type PASS'), [['CFG_MISSING', 4, 'auth_pass']]);
    assert.deepEqual(auth('  auth_type XOR\n  auth_pass x'), [['CFG_BAD_ARGS', 5, 'auth_type']]);
    // IPv6 means VRRPv3, which has no authentication at all.
    assert.deepEqual(auth('  auth_type AH\n  auth_pass x', ' virtual_ipaddress {\n  fe80::1\n }'), [
      ['CFG_CONFLICT', 4, 'authentication'],
    ]);
    assert.deepEqual(
      errors(
        vi('a', ` state MASTER\n priority 100\n authentication {\n  auth_type AH\n  auth_pass x\n }\n${VIP}`),
      ),
      [['CFG_CONFLICT', 7, 'auth_type']],
    );
  });

  it('allows a shared VRID only on another interface, family, transport port or with disjoint unicast peers', () => {
    const peers = (p: string) =>
      ` unicast_peer {\n  ${p}\n }\n virtual_ipaddress {\n  198.18.0.${p.length}\n }`;
    assert.equal(load(vi('a', VIP) + vi('b', VIP.replace('.1', '.2'), 1, 'eth1')).instances.length, 2);
    assert.equal(load(vi('a', VIP) + vi('b', ' virtual_ipaddress {\n  fe80::2\n }')).instances.length, 2);
    assert.equal(
      load(vi('a', VIP) + vi('b', ` hapair_transport udp\n${VIP.replace('.1', '.2')}`)).instances.length,
      2,
    );
    assert.deepEqual(errors(vi('a', peers('198.18.0.7')) + vi('b', peers('198.18.0.7'))), [
      ['CFG_CONFLICT', 13, 'virtual_router_id'],
    ]);
  });

  it('refuses an instance in two sync groups and misplaced top-level keywords', () => {
    const groups = 'vrrp_sync_group G1 {\n group {\n  a b\n }\n}\nvrrp_sync_group G2 {\n group { a }\n}\n';
    assert.deepEqual(errors(groups + vi('a', VIP) + vi('b', VIP.replace('.1', '.2'), 2)), [
      ['CFG_CONFLICT', 7, 'group'],
    ]);
    assert.deepEqual(errors('vrrp_instanse x {\n}\n'), [['CFG_UNKNOWN_KEYWORD', 1, 'vrrp_instanse']]);
    assert.match(
      loadErrors([file('priority 100\n')]).message,
      /priority: unknown top-level keyword: it belongs inside a block/,
    );
    assert.deepEqual(errors('vrrp_instance {\n}\n'), [['CFG_BAD_ARGS', 1, 'vrrp_instance']]);
    assert.deepEqual(errors('vrrp_instance a\n'), [['CFG_SYNTAX', 1, 'vrrp_instance']]);
    assert.deepEqual(errors('vrrp_sync_group G {\n track_script {\n  s\n }\n}\n'), [
      ['CFG_UNSUPPORTED', 2, 'track_script'],
    ]);
  });

  it('refuses weights out of range and unknown weight options', () => {
    assert.deepEqual(errors('vrrp_script s {\n script x\n weight 254\n}\n'), [['CFG_RANGE', 3, 'weight']]);
    assert.deepEqual(errors('vrrp_script s {\n script x\n weight 2 backwards\n}\n'), [
      ['CFG_BAD_ARGS', 3, 'weight'],
    ]);
    assert.deepEqual(errors(vi('a', ` hapair_track_proxy {\n  weight 5 reverse\n }\n${VIP}`)), [
      ['CFG_BAD_ARGS', 5, 'weight'],
    ]);
    assert.deepEqual(errors('vrrp_script s {\n script /bin/check arg\n}\n'), [['CFG_BAD_ARGS', 2, 'script']]);
  });
});

describe('VRRP process scheduling keywords (global_defs)', () => {
  const global = (body: string) => `global_defs {\n${body}\n}\n${vi('a', VIP)}`;

  it("reads vrrp_rt_priority with keepalived's RLIMIT_RTTIME default, or vrrp_rlimit_rttime", () => {
    const c = load(global(' vrrp_rt_priority 99\n vrrp_rlimit_rttime 200000'));
    assert.deepEqual(c.globalDefs.vrrpRealtime, { priority: 99, rlimitRttime: 200000 });
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(load(global(' vrrp_rt_priority 10')).globalDefs.vrrpRealtime, {
      priority: 10,
      rlimitRttime: 10000,
    });
    const none = load(global(' vrrp_priority 0')).globalDefs;
    assert.ok(!('vrrpRealtime' in none) && !('vrrpCpuAffinity' in none));
  });

  it("warns below the RLIMIT_RTTIME hapair recommends, keepalived's default included", () => {
    const tail = (c: KeepalivedConfig) => c.warnings.map((w) => w.slice(w.indexOf(':') + 1));
    const killed = 'may get the VRRP process killed: hapair recommends vrrp_rlimit_rttime 200000 or more';
    assert.deepEqual(tail(load(global(' vrrp_rt_priority 10'))), [
      `2: vrrp_rt_priority: RLIMIT_RTTIME 10000 µs ${killed}`,
    ]);
    assert.deepEqual(tail(load(global(' vrrp_rt_priority 10\n vrrp_rlimit_rttime 199999'))), [
      `3: vrrp_rlimit_rttime: RLIMIT_RTTIME 199999 µs ${killed}`,
    ]);
  });

  it('warns that vrrp_rlimit_rttime alone changes nothing', () => {
    const c = load(global(' vrrp_rlimit_rttime 20000'));
    assert.equal(c.globalDefs.vrrpRealtime, undefined);
    assert.deepEqual(
      c.warnings.map((w) => w.slice(w.indexOf(':') + 1)),
      ['2: vrrp_rlimit_rttime: has no effect without vrrp_rt_priority'],
    );
  });

  it('reads vrrp_cpu_affinity as a sorted list without duplicates', () => {
    const last = cpus().length - 1;
    assert.deepEqual(load(global(` vrrp_cpu_affinity ${last} 0 ${last}`)).globalDefs.vrrpCpuAffinity, [
      ...new Set([0, last]),
    ]);
  });

  it('refuses values out of range, missing or malformed', () => {
    const at = (body: string) => errors(global(body));
    assert.deepEqual(at(' vrrp_rt_priority 0'), [['CFG_RANGE', 2, 'vrrp_rt_priority']]);
    assert.deepEqual(at(' vrrp_rt_priority 100'), [['CFG_RANGE', 2, 'vrrp_rt_priority']]);
    assert.deepEqual(at(' vrrp_rt_priority high'), [['CFG_BAD_ARGS', 2, 'vrrp_rt_priority']]);
    assert.deepEqual(at(' vrrp_rt_priority'), [['CFG_BAD_ARGS', 2, 'vrrp_rt_priority']]);
    assert.deepEqual(at(' vrrp_rt_priority 10 20'), [['CFG_BAD_ARGS', 2, 'vrrp_rt_priority']]);
    // keepalived raises 1 to 2 (its soft limit, half the value, must not be 0); hapair says so.
    assert.deepEqual(at(' vrrp_rlimit_rttime 1'), [['CFG_RANGE', 2, 'vrrp_rlimit_rttime']]);
    assert.deepEqual(at(' vrrp_rlimit_rttime 4294967296'), [['CFG_RANGE', 2, 'vrrp_rlimit_rttime']]);
    assert.deepEqual(at(' vrrp_rlimit_rttime 10ms'), [['CFG_BAD_ARGS', 2, 'vrrp_rlimit_rttime']]);
    assert.deepEqual(at(' vrrp_cpu_affinity'), [['CFG_BAD_ARGS', 2, 'vrrp_cpu_affinity']]);
    assert.deepEqual(at(' vrrp_cpu_affinity 0 -1'), [['CFG_RANGE', 2, 'vrrp_cpu_affinity']]);
    assert.deepEqual(at(' vrrp_cpu_affinity 0-1'), [['CFG_BAD_ARGS', 2, 'vrrp_cpu_affinity']]);
  });

  it('refuses a CPU this host does not have, as keepalived does', () => {
    const n = cpus().length;
    const e = loadErrors([file(global(` vrrp_cpu_affinity 0 ${n}`))]).errors;
    assert.deepEqual(
      e.map((x) => [x.code, x.keyword]),
      [['CFG_RANGE', 'vrrp_cpu_affinity']],
    );
    assert.match(e[0]!.message, new RegExp(`CPU ${n} does not exist: this host has ${n} online CPUs`));
  });

  it('refuses vrrp_no_swap with the reason and a way out', () => {
    const e = loadErrors([file(global(' vrrp_no_swap'))]).errors;
    assert.deepEqual(
      e.map((x) => [x.code, x.loc?.line, x.keyword]),
      [['CFG_UNSUPPORTED', 2, 'vrrp_no_swap']],
    );
    assert.match(e[0]!.message, /mlockall.*MemorySwapMax=0/);
  });
});
