/**
 * The admin form of the statistics page (`stats admin`): a POST with the
 * backend `b` (name or `#id`), an `action` and the checked servers `s`,
 * answered with HAProxy's status codes (stats.c stats_process_http_post):
 * NONE when no server was given, DONE when the action applied to all of
 * them, PART to some, ERRP to none or on a bad parameter. hapair adds a
 * `weight` action taking the new weight in `weight` (N or N%). Each action
 * has its runtime API equivalent, which master-worker mode hands to the
 * other workers as it does the stats socket's commands.
 */
import type { ServerAdminState } from '../config/haproxy/model.js';
import { parseWeight } from './cli-server-args.js';
import type { ControlResult, ProxyControl, ServerView } from './types.js';

export type AdminStatus = 'DENY' | 'DONE' | 'ERRP' | 'EXCD' | 'NONE' | 'PART' | 'IVAL';

type Action = (c: ProxyControl, s: ServerView, form: URLSearchParams) => ControlResult;

const admin =
  (state: ServerAdminState): Action =>
  (c, s) =>
    c.setServerAdmin(s.backend, s.name, state);
const health =
  (h: 'up' | 'stopping' | 'down'): Action =>
  (c, s) =>
    c.setServerHealth(s.backend, s.name, h);
const check =
  (which: 'health' | 'agent', on: boolean): Action =>
  (c, s) =>
    (which === 'health' ? s.check : s.agent)
      ? c.setCheckEnabled(s.backend, s.name, which, on)
      : { ok: false, reason: `no ${which} check on this server` };
const agent =
  (up: boolean): Action =>
  (c, s) =>
    s.agent?.enabled
      ? c.setServerAgent(s.backend, s.name, up)
      : { ok: false, reason: 'agent checks are not enabled' };

function weight(c: ProxyControl, s: ServerView, form: URLSearchParams): ControlResult {
  const w = parseWeight(form.get('weight') ?? undefined, s);
  return typeof w === 'string' ? { ok: false, reason: w } : c.setServerWeight(s.backend, s.name, w);
}

/** Action values of HAProxy's form (and its older names: disable, enable, stop, start). */
const ACTIONS: Readonly<Record<string, Action>> = {
  ready: admin('ready'),
  drain: admin('drain'),
  maint: admin('maint'),
  dhlth: check('health', false),
  ehlth: check('health', true),
  hrunn: health('up'),
  hnolb: health('stopping'),
  hdown: health('down'),
  dagent: check('agent', false),
  eagent: check('agent', true),
  arunn: agent(true),
  adown: agent(false),
  shutdown: (c, s) => c.shutdownServerSessions(s.backend, s.name),
  disable: admin('maint'),
  enable: admin('ready'),
  stop: health('down'),
  start: health('up'),
  weight,
};

/** The runtime API command doing the same to `target` (`backend/server`). */
const COMMANDS: Readonly<Record<string, (target: string, form: URLSearchParams) => string[]>> = {
  ready: (t) => ['set', 'server', t, 'state', 'ready'],
  drain: (t) => ['set', 'server', t, 'state', 'drain'],
  maint: (t) => ['set', 'server', t, 'state', 'maint'],
  dhlth: (t) => ['disable', 'health', t],
  ehlth: (t) => ['enable', 'health', t],
  hrunn: (t) => ['set', 'server', t, 'health', 'up'],
  hnolb: (t) => ['set', 'server', t, 'health', 'stopping'],
  hdown: (t) => ['set', 'server', t, 'health', 'down'],
  dagent: (t) => ['disable', 'agent', t],
  eagent: (t) => ['enable', 'agent', t],
  arunn: (t) => ['set', 'server', t, 'agent', 'up'],
  adown: (t) => ['set', 'server', t, 'agent', 'down'],
  shutdown: (t) => ['shutdown', 'sessions', 'server', t],
  disable: (t) => ['set', 'server', t, 'state', 'maint'],
  enable: (t) => ['set', 'server', t, 'state', 'ready'],
  stop: (t) => ['set', 'server', t, 'health', 'down'],
  start: (t) => ['set', 'server', t, 'health', 'up'],
  weight: (t, form) => ['set', 'server', t, 'weight', form.get('weight') ?? ''],
};

function backendOf(c: ProxyControl, b: string | null): string | undefined {
  if (b === null) return undefined;
  if (!b.startsWith('#')) return c.backends().includes(b) ? b : undefined;
  const id = Number(b.slice(1));
  const p = c.config.proxies.find((x) => x.id === id && x.kind !== 'frontend');
  return p && c.backends().includes(p.name) ? p.name : undefined;
}

/**
 * Applies the form through `c`; `applied` receives the runtime API
 * equivalent of each change made (a server the action failed on has none).
 */
export function applyAdminForm(
  body: string,
  c: ProxyControl,
  applied?: (command: readonly string[]) => void,
): AdminStatus {
  const form = new URLSearchParams(body);
  const servers = form.getAll('s');
  if (servers.length === 0) return 'NONE';
  const be = backendOf(c, form.get('b'));
  const name = form.get('action') ?? '';
  const action = ACTIONS[name];
  if (!be || !action) return 'ERRP';
  let altered = 0;
  for (const srv of servers) {
    const found = c.server(be, srv);
    if (found.kind !== 'ok' || !action(c, found.server, form).ok) continue;
    altered++;
    applied?.(COMMANDS[name]!(`${be}/${found.server.name}`, form));
  }
  if (altered === 0) return 'ERRP';
  return altered === servers.length ? 'DONE' : 'PART';
}
