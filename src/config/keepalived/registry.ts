/**
 * The keepalived.conf keyword registry, populated from the modules that
 * implement the keywords (house rule 3): global_defs here, vrrp_script in
 * checks, vrrp_instance / vrrp_sync_group in vrrp. The docs generator
 * (src/config/docs.ts) renders `keepalivedRegistry.all()` and `allUnsupported()`.
 *
 * Sections: global_defs, vrrp_script, vrrp_instance, vrrp_sync_group,
 * track_file, and the keyword blocks vrrp_instance.authentication and
 * vrrp_instance.hapair_track_proxy.
 */
import { scriptKeywordSet } from '../../checks/script-keywords.js';
import { vrrpKeywordSet } from '../../vrrp/keywords.js';
import { KeywordRegistry } from '../registry.js';
import type { KeepalivedCtx, KeywordSet } from './context.js';
import { globalKeywordSet } from './global-keywords.js';
import { trackFileKeywordSet } from './track-file-keywords.js';
import { weightKeywordSet } from './weight-keyword.js';

const sets: readonly KeywordSet[] = [
  globalKeywordSet,
  scriptKeywordSet,
  trackFileKeywordSet,
  weightKeywordSet,
  vrrpKeywordSet,
];

export const keepalivedRegistry = new KeywordRegistry<KeepalivedCtx>('keepalived');
for (const set of sets) {
  keepalivedRegistry.registerAll(set.specs);
  for (const [name, reason] of set.unsupported) keepalivedRegistry.markUnsupported(name, reason);
}
