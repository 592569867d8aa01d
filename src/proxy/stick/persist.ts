/**
 * Stick-table persistence (configuration.txt 4.2 "stick match", "stick on",
 * "stick store-request"; stream.c process_sticking_rules and
 * process_store_rules), for any mode:
 *
 * - stickServer(), when the server is about to be chosen: `stick match` and
 *   `stick on` rules look their key up in order; the first entry found names
 *   the server (by stored name, then by id, as `server_key` / `server_id`),
 *   used if it is not down or in maintenance, or anyway with `option
 *   persist`. Every entry found is refreshed.
 * - stickStore(), once the connection to the server is established:
 *   `stick store-request` and `stick on` rules store that server under their
 *   key, at most one key per table (the first rule whose key is found) and
 *   eight per request.
 *
 * Rules are compiled per backend when the engine is built
 * (compileStickRules), which is where unknown tables and keys a table cannot
 * hold are refused.
 */

import { ConfigCode, ConfigError } from '../../core/errors.js';
import { AclCompiler, type AclTest, type CompileOptions } from '../acl/compile.js';
import type { SampleContext } from '../acl/types.js';
import type { Backend } from '../backend.js';
import type { SampleExpr } from '../sample/types.js';
import type { Server } from '../server.js';
import { compileKeyExpr } from './key-expr.js';
import { compatibleSample } from './keys.js';
import type { StickEntry, StickTable } from './table.js';
import type { StickTableSet } from './table-set.js';

interface CompiledStickRule {
  readonly match: boolean;
  readonly store: boolean;
  readonly table: StickTable;
  readonly key: SampleExpr;
  readonly test: AclTest | undefined;
}

/** HAProxy keeps up to 8 pending stores per stream (stream-t.h `store[8]`). */
const MAX_STORES = 8;

const compiled = new WeakMap<Backend, readonly CompiledStickRule[]>();

/** Compiles the `stick` rules of `be` against the engine's tables; ConfigError on a bad one. */
export function compileStickRules(be: Backend, tables: StickTableSet): void {
  const p = be.cfg;
  if (p.stickRules.length === 0) return;
  const stage: CompileOptions = {
    maxLayer: p.mode === 'http' ? 'l7' : 'l4',
    stage: `stick (mode ${p.mode})`,
  };
  const acls = new AclCompiler(p.acls);
  const rules = p.stickRules.map((r): CompiledStickRule => {
    const keyword = `stick ${r.kind}`;
    const table = tables.get(r.table ?? p.name);
    if (!table) {
      throw new ConfigError(
        ConfigCode.UnknownRef,
        r.loc,
        keyword,
        `unable to find stick-table '${r.table ?? p.name}'`,
      );
    }
    const key = compileKeyExpr(r.expr, r.loc, keyword, stage);
    if (!compatibleSample(table.type, key.type)) {
      throw new ConfigError(
        ConfigCode.Conflict,
        r.loc,
        keyword,
        `type of fetch not usable with type of stick-table '${table.name}'`,
      );
    }
    return {
      match: r.kind === 'on' || r.kind === 'match',
      store: r.kind === 'on' || r.kind === 'store-request',
      table,
      key,
      test: r.cond ? acls.condition(r.cond, stage) : undefined,
    };
  });
  compiled.set(be, rules);
}

/** Whether `be` has rules storing servers, i.e. whether stickStore() has anything to do. */
export function hasStickStores(be: Backend): boolean {
  return compiled.get(be)?.some((r) => r.store) ?? false;
}

function entryFor(
  r: CompiledStickRule,
  ctx: SampleContext,
  now: number,
  create: boolean,
): StickEntry | undefined {
  if (r.test && !r.test(ctx)) return undefined;
  const v = r.key.eval(ctx);
  if (v === undefined) return undefined;
  const k = r.table.key(v, r.key.type);
  if (k === undefined) return undefined;
  return create ? r.table.get(k, now) : r.table.lookup(k, now);
}

/** The backend's server an entry names: by stored name first, then by id. */
function serverOf(be: Backend, e: StickEntry): Server | undefined {
  const byName = e.serverKey === undefined ? undefined : be.findServer(e.serverKey);
  if (byName) return byName;
  const id = e.serverId;
  return id > 0 ? be.servers.find((s) => s.id === id) : undefined;
}

/**
 * The server the `stick match` / `stick on` rules of `be` send this request
 * or connection to, or undefined (load balancing decides). Call it when the
 * backend is known and before the server is picked; a server already chosen
 * by a cookie wins (the caller keeps it), the entries are refreshed anyway.
 */
export function stickServer(be: Backend, ctx: SampleContext, now: number): Server | undefined {
  const rules = compiled.get(be);
  if (!rules) return undefined;
  let chosen: Server | undefined;
  for (const r of rules) {
    if (!r.match) continue;
    const e = entryFor(r, ctx, now, false);
    if (!e) continue;
    r.table.touch(e, now);
    if (chosen) continue;
    const srv = serverOf(be, e);
    if (srv && (srv.running() || be.cfg.options.persist)) chosen = srv;
  }
  return chosen;
}

/**
 * Stores `server` under the keys of the `stick store-request` / `stick on`
 * rules of `be`. Call it once the connection to `server` is established
 * (the server really used, after retries and redispatch).
 */
export function stickStore(be: Backend, ctx: SampleContext, server: Server, now: number): void {
  const rules = compiled.get(be);
  if (!rules) return;
  const done: StickTable[] = [];
  for (const r of rules) {
    if (!r.store || done.includes(r.table)) continue;
    const e = entryFor(r, ctx, now, true);
    if (!e) continue;
    e.storeServer(server.id, server.name, now);
    done.push(r.table);
    if (done.length === MAX_STORES) break;
  }
}
