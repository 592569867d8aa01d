/**
 * Sample fetches about proxies and servers (configuration.txt 7.3.2):
 * `nbsrv`, `be_conn`, `srv_is_up`. A fetch only sees its SampleContext, which
 * carries no backend, so the running engine's backends are reached through
 * the lookup it registers here (as stick/current.ts does for the tables).
 * Without a registered lookup these fetches return nothing (no match).
 */
import type { Backend } from '../backend.js';
import { registerFetch } from './registry.js';
import type { SampleContext } from './types.js';

type BackendLookup = (name: string) => Backend | undefined;

let current: BackendLookup | undefined;

/** Called by the engine once its backends exist; a newer engine replaces the lookup. */
export function setCurrentBackends(lookup: BackendLookup): void {
  current = lookup;
}

/** Forgets `lookup` if it is still the current one. */
export function clearCurrentBackends(lookup: BackendLookup): void {
  if (current === lookup) current = undefined;
}

/** The named backend, or the transaction's own one without a name (HAProxy's default argument). */
function backendOf(ctx: SampleContext, args: readonly string[]): Backend | undefined {
  const name = args[0] ?? ctx.http?.backend ?? ctx.backendName;
  return name === undefined ? undefined : current?.(name);
}

/**
 * be_usable_srv(): the usable active servers, else the backups that would
 * serve (all with `option allbackups`, otherwise only the first one).
 */
function usableServers(be: Backend): number {
  if (be.srvAct > 0) return be.srvAct;
  if (be.cfg.options.allbackups) return be.srvBck;
  return be.srvBck > 0 ? 1 : 0;
}

const ONE_BACKEND = { layer: 'l4', minArgs: 0, maxArgs: 1 } as const;

registerFetch('nbsrv', {
  ...ONE_BACKEND,
  type: 'int',
  fetch: (ctx, args) => {
    const be = backendOf(ctx, args);
    return be ? usableServers(be) : undefined;
  },
});

registerFetch('be_conn', {
  ...ONE_BACKEND,
  type: 'int',
  fetch: (ctx, args) => backendOf(ctx, args)?.beconn,
});

/** `srv_is_up(<backend>/<server>)`, or `srv_is_up(<server>)` in the transaction's backend. */
registerFetch('srv_is_up', {
  layer: 'l4',
  minArgs: 1,
  maxArgs: 1,
  type: 'bool',
  fetch: (ctx, args) => {
    const ref = args[0]!;
    const slash = ref.indexOf('/');
    const be = backendOf(ctx, slash < 0 ? [] : [ref.slice(0, slash)]);
    const srv = be?.findServer(slash < 0 ? ref : ref.slice(slash + 1));
    return srv ? srv.usable() : undefined;
  },
});
