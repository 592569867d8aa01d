/**
 * The keepalived keyword registry: what the docs generator renders, and the
 * parser's refusals (unsupported, wrong section, unknown with a suggestion).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keepalivedRegistry } from '../../src/config/keepalived/registry.js';

const SECTIONS = new Set([
  'global_defs',
  'vrrp_script',
  'vrrp_instance',
  'vrrp_sync_group',
  'track_file',
  'vrrp_instance.authentication',
  'vrrp_instance.hapair_track_proxy',
]);

describe('keepalivedRegistry', () => {
  it('documents every keyword: usage, doc, default value, module and known sections', () => {
    const all = keepalivedRegistry.all();
    assert.ok(all.length >= 50, `only ${all.length} keywords`);
    for (const spec of all) {
      assert.ok(spec.usage.length > 0, `${spec.name}: usage`);
      assert.ok(spec.doc.length > 10, `${spec.name}: doc`);
      assert.ok(
        spec.defaultValue !== undefined && spec.defaultValue.length > 0,
        `${spec.name}: defaultValue`,
      );
      assert.ok(['vrrp', 'checks'].includes(spec.module), `${spec.name}: module ${spec.module}`);
      assert.ok(
        spec.sections.length > 0 && spec.sections.every((s) => SECTIONS.has(s)),
        `${spec.name}: sections`,
      );
    }
  });

  it('registers the keywords of each section in the module that implements them', () => {
    const byName = new Map(keepalivedRegistry.all().map((s) => [s.name, s]));
    assert.equal(byName.get('interval')?.module, 'checks');
    assert.deepEqual(byName.get('interval')?.sections, ['vrrp_script']);
    assert.equal(byName.get('virtual_router_id')?.module, 'vrrp');
    assert.deepEqual(byName.get('notify_master')?.sections, ['vrrp_instance', 'vrrp_sync_group']);
    assert.deepEqual(byName.get('weight')?.sections, [
      'vrrp_script',
      'track_file',
      'vrrp_instance.hapair_track_proxy',
    ]);
    for (const name of [
      'router_id',
      'vrrp_version',
      'hapair_transport',
      'hapair_track_proxy',
      'auth_pass',
      'init_file',
      'vrrp_rt_priority',
      'vrrp_rlimit_rttime',
      'vrrp_cpu_affinity',
    ]) {
      assert.ok(byName.has(name), name);
    }
  });

  it('lists the keepalived keywords hapair refuses, each with a reason', () => {
    const refused = new Map(keepalivedRegistry.allUnsupported().map((u) => [u.name, u.reason]));
    assert.equal(refused.get('smtp_alert'), 'smtp_alert is not supported: use notify scripts');
    for (const name of [
      'notification_email',
      'lvs_sync_daemon',
      'use_vmac',
      'native_ipv6',
      'track_process',
      'virtual_routes',
      'virtual_rules',
      'vrrp_strict',
      'vrrp_no_swap',
    ]) {
      assert.ok((refused.get(name) ?? '').length > 10, name);
    }
    for (const spec of keepalivedRegistry.all())
      assert.ok(!refused.has(spec.name), `${spec.name} both supported and refused`);
  });

  it('suggests the closest keyword of the section', () => {
    assert.equal(keepalivedRegistry.suggest(['prority', '100'], 'vrrp_instance'), 'priority');
    assert.equal(keepalivedRegistry.suggest(['intervall', '2'], 'vrrp_script'), 'interval');
    assert.equal(keepalivedRegistry.suggest(['zzzzzz'], 'vrrp_instance'), undefined);
  });
});
