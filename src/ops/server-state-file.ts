/**
 * Server-state files read at start-up, before the first connection
 * (configuration.txt "server-state-file", "server-state-base",
 * "load-server-state-from-file", "server-state-file-name"; HAProxy's
 * apply_server_state() in src/server_state.c). Each enabled backend with
 * servers reads, as its `load-server-state-from-file` says:
 * - `global`: the global `server-state-file`, read once; only the lines of
 *   this backend apply to it.
 * - `local`: its own file (`server-state-file-name`, default its name),
 *   where lines naming another backend are skipped and lines naming a server
 *   it does not have are reported.
 * - `none` (the default): nothing.
 * A file that cannot be read is a warning naming it, never a failure: the
 * proxy starts with the configuration's states, as HAProxy does.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { GlobalConfig, HaproxyConfig, ProxyConfig } from '../config/haproxy/model.js';
import { child, type Logger } from '../core/logger.js';
import type { ProxyEngine } from '../proxy/engine.js';
import {
  applyServersState,
  type ParsedServersState,
  parseServersState,
  stoppedServers,
} from './servers-state-load.js';

export interface StateFileOptions {
  /** See ApplyOptions.restoreStopped: false where the caller cannot tell the health-check runner. */
  readonly restoreStopped?: boolean;
}

export interface StateFileReport {
  /** `backend/server` of every server a saved line was applied to. */
  readonly applied: readonly string[];
  /** `backend/server` of the servers started down: the health-check runner must start them down too. */
  readonly stopped: readonly string[];
}

/** srv_state_get_filepath(): a path starting with '/' as is, else under `server-state-base` when set. */
export function stateFilePath(global: GlobalConfig, file: string): string {
  return isAbsolute(file) || global.serverStateBase === undefined ? file : join(global.serverStateBase, file);
}

/** Reads and parses one state file; undefined (and a warning) when it cannot be read. */
function readStateFile(path: string, log: Logger): ParsedServersState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    log.warn({ file: path }, `server state: cannot open server state file '${path}' (${why})`);
    return undefined;
  }
  const parsed = parseServersState(text);
  for (const w of parsed.warnings) log.warn({ file: path }, `server state file '${path}': ${w}`);
  return parsed;
}

const servesTraffic = (px: ProxyConfig) =>
  (px.kind === 'backend' || px.kind === 'listen') && !px.disabled && px.servers.length > 0;

interface StateSource {
  readonly path: string;
  readonly state: ParsedServersState | undefined;
}

/**
 * Applies the state files `cfg` names to `engine`'s servers. Call before the
 * engine accepts (startProxyEngine's `beforeServing`).
 */
export function loadServerStateFiles(
  cfg: HaproxyConfig,
  engine: ProxyEngine,
  log: Logger,
  opts: StateFileOptions = {},
): StateFileReport {
  const restoreStopped = opts.restoreStopped !== false;
  const applied: string[] = [];
  const stopped: string[] = [];
  let globalFile: StateSource | undefined;
  const readGlobal = (file: string): StateSource => {
    const path = stateFilePath(cfg.global, file);
    globalFile ??= { path, state: readStateFile(path, log) };
    return globalFile;
  };
  for (const px of cfg.proxies) {
    const mode = px.loadServerStateFromFile ?? 'none';
    if (mode === 'none' || !servesTraffic(px)) continue;
    const plog = child(log, `backend/${px.name}`);
    let src: StateSource;
    if (mode === 'local') {
      const path = stateFilePath(cfg.global, px.serverStateFileName ?? px.name);
      src = { path, state: readStateFile(path, plog) };
    } else if (cfg.global.serverStateFile !== undefined) {
      src = readGlobal(cfg.global.serverStateFile);
    } else {
      plog.warn("server state: 'load-server-state-from-file global' without a global 'server-state-file'");
      continue;
    }
    if (!src.state) continue;
    const mine = { lines: src.state.lines.filter((l) => l.backend === px.name), warnings: [] };
    const r = applyServersState(engine, mine, { restoreStopped });
    for (const w of r.warnings) plog.warn({ file: src.path }, `server state: ${w}`);
    // HAProxy reports the unknown servers of a backend's own file only.
    if (mode === 'local') {
      for (const name of r.skipped) plog.warn({ file: src.path }, `server state: no server ${name}`);
    }
    applied.push(...r.applied);
    if (restoreStopped) stopped.push(...stoppedServers(mine).filter((name) => r.applied.includes(name)));
    plog.info({ file: src.path, applied: r.applied.length }, 'server state loaded');
  }
  return { applied, stopped };
}
