/**
 * The admin form of the statistics page (`stats admin`): a POST with the
 * backend `b` (name or `#id`), an `action` and the checked servers `s`,
 * answered with HAProxy's status codes (stats.c stats_process_http_post):
 * NONE when no server was given, DONE when the action applied to all of
 * them, PART to some, ERRP to none or on a bad parameter. hapair adds a
 * `weight` action taking the new weight in `weight` (N or N%).
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

function backendOf(c: ProxyControl, b: string | null): string | undefined {
  if (b === null) return undefined;
  if (!b.startsWith('#')) return c.backends().includes(b) ? b : undefined;
  const id = Number(b.slice(1));
  const p = c.config.proxies.find((x) => x.id === id && x.kind !== 'frontend');
  return p && c.backends().includes(p.name) ? p.name : undefined;
}

export function applyAdminForm(body: string, c: ProxyControl): AdminStatus {
  const form = new URLSearchParams(body);
  const servers = form.getAll('s');
  if (servers.length === 0) return 'NONE';
  const be = backendOf(c, form.get('b'));
  const action = ACTIONS[form.get('action') ?? ''];
  if (!be || !action) return 'ERRP';
  let altered = 0;
  for (const name of servers) {
    const found = c.server(be, name);
    if (found.kind === 'ok' && action(c, found.server, form).ok) altered++;
  }
  if (altered === 0) return 'ERRP';
  return altered === servers.length ? 'DONE' : 'PART';
}
