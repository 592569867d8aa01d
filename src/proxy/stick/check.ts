/**
 * Start-up checks of what refers to stick tables but is compiled elsewhere
 * (cfgparse.c check_config_validity and smp_resolve_args): table names must
 * be unique, and the stick counter fetches used in ACLs must name tables that
 * exist and counters that exist. Runs when the engine is built, once the
 * tables are (current.ts) so the fetches' own argument checks can see them.
 */
import type { AclDef, Condition, ProxyConfig } from '../../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';
import { lookupFetch } from '../acl/registry.js';
import { STICK_FETCHES } from './fetches.js';

/** Every ACL definition a proxy holds: named ones and the anonymous `{ … }` ones of its conditions. */
function aclDefs(p: ProxyConfig): AclDef[] {
  const conds: (Condition | undefined)[] = [
    ...p.rules.map((r) => r.cond),
    ...p.useBackends.map((u) => u.cond),
    ...p.stickRules.map((r) => r.cond),
    ...p.monitorFail,
    p.stats?.admin,
  ];
  const anonymous = conds.flatMap((c) =>
    (c?.or ?? []).flatMap((terms) => terms.flatMap((t) => (typeof t.acl === 'string' ? [] : [t.acl]))),
  );
  return [...[...p.acls.values()].flat(), ...anonymous];
}

/** Refuses stick-table name clashes (a frontend and a backend of the same name both declaring one). */
export function checkTableNames(proxies: readonly ProxyConfig[]): void {
  const seen = new Map<string, ProxyConfig>();
  for (const p of proxies) {
    if (!p.stickTable) continue;
    const prev = seen.get(p.name);
    if (prev?.stickTable) {
      const at = `${prev.stickTable.loc.file}:${prev.stickTable.loc.line}`;
      throw new ConfigError(
        ConfigCode.Duplicate,
        p.stickTable.loc,
        'stick-table',
        `stick-table name '${p.name}' conflicts with table declared in ${prev.kind} '${prev.name}' at ${at}`,
      );
    }
    seen.set(p.name, p);
  }
}

/** Checks the arguments of the stick counter fetches in every ACL of `proxies`. */
export function checkStickFetches(proxies: readonly ProxyConfig[]): void {
  for (const p of proxies) {
    for (const def of aclDefs(p)) {
      if (!STICK_FETCHES.has(def.fetch)) continue;
      const name = def.name === '' ? 'anonymous acl' : `acl '${def.name}'`;
      const needsTable = def.fetch.startsWith('src_') || def.fetch === 'table_cnt';
      if (needsTable && def.fetchArgs.length === 0) {
        throw new ConfigError(
          ConfigCode.Unsupported,
          def.loc,
          'acl',
          `${name}: '${def.fetch}' without a table argument (the current proxy's table) is not supported by hapair yet`,
        );
      }
      const why = lookupFetch(def.fetch)?.checkArgs?.(def.fetchArgs);
      if (!why) continue;
      const code = why.startsWith('unable to find') ? ConfigCode.UnknownRef : ConfigCode.BadArgs;
      throw new ConfigError(code, def.loc, 'acl', `${name}: ${def.fetch}: ${why}`);
    }
  }
}
