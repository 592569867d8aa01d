/**
 * Drafts → the typed model (house rule 2: parse → validate → freeze). Applies
 * what HAProxy resolves after parsing: `log global`, automatic proxy and
 * server ids, `errorfiles` imports, and the legacy fallback of `timeout
 * queue`/`timeout tarpit` to `timeout connect` (cfgparse.c, "Historically,
 * the tarpit and queue timeouts were inherited from contimeout").
 */
import type { GlobalDraft, LogDraft, ProxyDraft, ServerDraft } from './draft.js';
import type {
  GlobalConfig,
  HaproxyConfig,
  HttpErrorsSection,
  LogTarget,
  ProxyConfig,
  ServerCheckParams,
  ServerConfig,
  Userlist,
} from './model.js';
import type { ParseState } from './state.js';

/**
 * HAProxy's auto-numbering of proxies and servers (cfgparse.c
 * check_config_validity): walking the list in order with a counter that
 * starts at `first`, an unnumbered item takes the first id at or above the
 * counter that no item forced, and every item, forced or not, moves the
 * counter one past (so `id 10` on the first proxy leaves the next one 2).
 */
function assignIds<T extends { id?: number }>(items: readonly T[], first = 1): number[] {
  const used = new Set(items.flatMap((i) => (i.id === undefined ? [] : [i.id])));
  let next = first;
  return items.map((i) => {
    let id = i.id;
    if (id === undefined) {
      while (used.has(next)) next++;
      id = next;
      used.add(id);
    }
    next++;
    return id;
  });
}

function buildGlobal(g: GlobalDraft): GlobalConfig {
  const { externalCheck, ...rest } = g;
  return { ...rest, externalCheck };
}

function buildCheck(s: ServerDraft): ServerCheckParams {
  const { agent, ...check } = s.check;
  if (!agent.enabled) return check;
  const { enabled: _on, ...a } = agent;
  return { ...check, agent: a };
}

/** A server line's frozen configuration; also `add server`'s (src/ops/dynamic-server-args.ts). */
export function buildServer(s: ServerDraft, id: number): ServerConfig {
  const { verify, caFile, sni, ssl, addr, check: _c, ...rest } = s;
  const tls = ssl
    ? {
        ssl: {
          verify: verify ?? 'required',
          ...(caFile !== undefined && { caFile }),
          ...(sni !== undefined && { sni }),
        },
      }
    : {};
  // validate.ts guarantees addr: only default-server templates lack one.
  return {
    ...rest,
    id,
    ...(s.id !== undefined && { idForced: true }),
    addr: addr!,
    check: buildCheck(s),
    ...tls,
  };
}

function resolveLogs(logs: readonly LogDraft[], global: readonly LogTarget[]): LogTarget[] {
  return logs.flatMap((l) => ('global' in l ? global : [l]));
}

function errorfiles(px: ProxyDraft, state: ParseState): Map<number, string> {
  const out = new Map<number, string>();
  for (const ref of px.errorfileRefs) {
    const section = state.httpErrors.find((h) => h.name === ref.name);
    for (const [code, file] of section?.errorfiles ?? []) {
      if (ref.codes.length === 0 || ref.codes.includes(code)) out.set(code, file);
    }
  }
  // The proxy's own errorfile lines win over imported sections.
  for (const [code, file] of px.errorfiles) out.set(code, file);
  return out;
}

function buildProxy(
  px: ProxyDraft,
  id: number,
  state: ParseState,
  globalLogs: readonly LogTarget[],
): ProxyConfig {
  const {
    defaultServer: _ds,
    errorfileRefs: _refs,
    httpCheckSteps,
    httpCheck,
    defaultBackend,
    cookie,
    checkArgs,
    externalCheck,
    servers,
    logs,
    stats,
    timeouts,
    ...rest
  } = px;
  const serverIds = assignIds(servers);
  const isBackend = px.kind === 'backend' || px.kind === 'listen';
  const connect = timeouts.connect;
  const t = {
    ...timeouts,
    ...(timeouts.tarpit === undefined && connect !== undefined && { tarpit: connect }),
    ...(isBackend && timeouts.queue === undefined && connect !== undefined && { queue: connect }),
  };
  let cookieOut: ProxyConfig['cookie'];
  if (cookie) {
    const { loc: _loc, ...c } = cookie;
    cookieOut = c;
  }
  return {
    ...rest,
    id,
    ...(px.id !== undefined && { idForced: true }),
    timeouts: t,
    servers: servers.map((s, i) => buildServer(s, serverIds[i]!)),
    logs: resolveLogs(logs, globalLogs),
    errorfiles: errorfiles(px, state),
    ...(defaultBackend && { defaultBackend: defaultBackend.name }),
    ...(cookieOut && { cookie: cookieOut }),
    ...(stats && { stats }),
    ...(checkArgs !== undefined && { checkArgs }),
    ...((externalCheck.command !== undefined || externalCheck.path !== undefined) && { externalCheck }),
    ...(px.checkKind === 'http' &&
      httpCheck && {
        httpCheck: {
          method: httpCheck.method,
          uri: httpCheck.uri,
          version: httpCheck.version,
          steps: httpCheckSteps,
        },
      }),
  };
}

export function buildConfig(state: ParseState): HaproxyConfig {
  const global = buildGlobal(state.global);
  // A stats socket makes HAProxy create its CLI frontend ("GLOBAL") while
  // parsing the global section: it holds id 1 (without reserving it against
  // a forced `id 1`) and the configured proxies are numbered from 2.
  const ids = assignIds(state.proxies, state.global.statsSockets.length > 0 ? 2 : 1);
  const userlists: Userlist[] = state.userlists.map((u) => ({
    name: u.name,
    loc: u.loc,
    users: u.users.map(({ loc: _l, ...user }) => user),
    groups: u.groups.map(({ loc: _l, ...group }) => group),
  }));
  const httpErrors: HttpErrorsSection[] = state.httpErrors.map((h) => ({ ...h }));
  return {
    files: state.files,
    global,
    proxies: state.proxies.map((px, i) => buildProxy(px, ids[i]!, state, global.logs)),
    userlists,
    httpErrors,
    warnings: state.warnings,
  };
}

function refuse(): never {
  throw new TypeError('the configuration model is frozen');
}

/** Object.freeze all the way down; Maps lose their mutators too. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k);
      deepFreeze(v);
    }
    Object.defineProperties(value, {
      set: { value: refuse },
      delete: { value: refuse },
      clear: { value: refuse },
    });
  }
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
