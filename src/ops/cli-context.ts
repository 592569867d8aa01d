/**
 * What a runtime API command receives: the session's level and the
 * dependencies of the running program, plus the lookups several commands
 * share, answering HAProxy's words when an argument names nothing
 * (server.c cli_find_server, proxy.c cli_find_frontend).
 */

import type { CliCommand, CliContext } from './cli-registry.js';
import type { InfoFields } from './info.js';
import type {
  CliLevel,
  ControlResult,
  FrontendView,
  ProxyControl,
  ServerView,
  SessionView,
  VrrpController,
  VrrpStatusSource,
} from './types.js';

export interface RuntimeDeps {
  readonly control: ProxyControl;
  /** Absent when no VRRP instance runs. */
  readonly vrrpStatus?: VrrpStatusSource;
  readonly vrrpControl?: VrrpController;
  readonly info: () => InfoFields;
  /** The runtime API's own connections, which `show sess` lists as HAProxy lists its CLI streams. */
  readonly cliSessions: () => SessionView[];
  /** Closes one of them by its `show sess` id; false when there is none. */
  readonly killCliSession: (id: number) => boolean;
  /**
   * Master-worker: hands a state-changing command to the other workers, which
   * run it on their own engines (replicated() says which commands).
   */
  readonly replicate?: (args: readonly string[], level: CliLevel) => void;
  /**
   * Master-worker with several workers: fetches the other workers' counters,
   * after which `control.stats()`, `control.process()` and `info()` cover the
   * whole process. The counter views await it before reading them.
   */
  readonly gatherCounters?: () => Promise<void>;
}

/**
 * Commands that change the proxies' state, which every worker of a -W
 * master must run: HAProxy's threads share that state. Not `set vrrp` (one
 * VRRP process), not `shutdown session <id>` (ids are per worker).
 */
export function replicated(args: readonly string[]): boolean {
  const [verb, noun] = args;
  if (verb === 'set') return noun !== 'vrrp';
  if (verb === 'shutdown') return noun === 'sessions';
  return verb === 'enable' || verb === 'disable' || verb === 'add' || verb === 'del' || verb === 'clear';
}

export interface RuntimeContext extends CliContext {
  readonly deps: RuntimeDeps;
}

export type RuntimeCommand = CliCommand<RuntimeContext>;

/** The answer for a change hapair cannot make yet. */
export function notSupported(what: string): string {
  return `${what} is not supported by hapair yet.\n`;
}

/** The answer for a ControlResult: empty on success. */
export function resultText(r: ControlResult, what: string): string {
  if (r.ok) return '';
  if (r.unsupported) return notSupported(what);
  return r.reason.endsWith('\n') ? r.reason : `${r.reason}\n`;
}

function isDisabledProxy(control: ProxyControl, name: string): boolean {
  return control.config.proxies.some((p) => p.name === name && p.disabled);
}

/** Resolves `#<id>` to a backend name (proxy.c proxy_be_by_name). */
function backendName(control: ProxyControl, text: string): string {
  if (!text.startsWith('#')) return text;
  const id = Number(text.slice(1));
  return control.config.proxies.find((p) => p.id === id && p.kind !== 'frontend')?.name ?? text;
}

/** `<backend>/<server>` (either part may be `#<id>`) → the server, or HAProxy's error answer. */
export function findServer(ctx: RuntimeContext, arg: string | undefined): ServerView | string {
  const text = arg ?? '';
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1) return "Require 'backend/server'.\n";
  const control = ctx.deps.control;
  const be = backendName(control, text.slice(0, slash));
  let srv = text.slice(slash + 1);
  if (srv.startsWith('#')) {
    const id = Number(srv.slice(1));
    srv = control.servers(be).find((s) => s.id === id)?.name ?? srv;
  }
  const found = control.server(be, srv);
  if (found.kind === 'ok') return found.server;
  if (found.kind === 'no-backend' && isDisabledProxy(control, be)) return 'Proxy is disabled.\n';
  return found.kind === 'no-backend' ? 'No such backend.\n' : 'No such server.\n';
}

/** A frontend by name, or HAProxy's error answer (proxy.c cli_find_frontend). */
export function findFrontend(ctx: RuntimeContext, arg: string | undefined): FrontendView | string {
  if (!arg) return 'A frontend name is expected.\n';
  return ctx.deps.control.frontend(arg) ?? 'No such frontend.\n';
}
