/**
 * Read-only runtime API commands (management.txt 9.3 "show …"): process
 * information, statistics, backends, server state and connections, sessions.
 * Levels follow HAProxy 2.6: everything here is `user` but `show sess`
 * (operator). Under master-worker with several workers, the counter views
 * (`show stat`, `show info`, `show servers conn`) first gather the other
 * workers' counters, so they report the whole process as HAProxy's threads do.
 */
import { STAT_TYPE, type StatRow } from '../proxy/stat-fields.js';
import type { RuntimeCommand, RuntimeContext } from './cli-context.js';
import { denied, usageLine } from './cli-registry.js';
import { renderInfo } from './info.js';
import { configDisabled, renderServersConn, renderServersState } from './servers-state.js';
import { renderSessions } from './show-sess.js';
import { filterRows, parseStatQuery } from './stat-filter.js';
import { renderStatCsv } from './stats-csv.js';
import { renderStatJson } from './stats-json.js';
import { renderStatTyped } from './stats-typed.js';
import type { ServerView } from './types.js';

async function showStat(args: readonly string[], ctx: RuntimeContext): Promise<string> {
  const control = ctx.deps.control;
  const q = parseStatQuery(args.slice(2), (name) => control.config.proxies.find((p) => p.name === name)?.id);
  if (typeof q === 'string') return q;
  await ctx.deps.gatherCounters?.();
  const rows = filterRows(control.stats(), q);
  if (q.format === 'typed') return renderStatTyped(rows);
  if (q.format === 'json') return renderStatJson(rows);
  return renderStatCsv(rows);
}

/** Connections in use (now and the most at once) as the whole process's server rows count them. */
function processUse(servers: readonly ServerView[], rows: readonly StatRow[]): ServerView[] {
  const use = new Map(
    rows.filter((r) => r.type === STAT_TYPE.server).map((r) => [`${r.pxname}/${r.svname}`, r] as const),
  );
  return servers.map((s) => {
    const r = use.get(`${s.backend}/${s.name}`);
    if (typeof r?.scur !== 'number' || typeof r.smax !== 'number') return s;
    return { ...s, served: r.scur, servedMax: r.smax };
  });
}

/** `show servers state|conn [backend]` (proxy.c cli_parse_show_servers). */
function showServers(conn: boolean): RuntimeCommand['run'] {
  return async (args, ctx) => {
    const control = ctx.deps.control;
    const be = args[3];
    if (be && !control.backends().includes(be)) return "Can't find backend.\n";
    const servers = control.servers(be);
    if (!conn) return renderServersState(servers, configDisabled(control.config));
    const nbthread = Number(ctx.deps.info().Nbthread ?? 1);
    if (!ctx.deps.gatherCounters) return renderServersConn(servers, nbthread);
    await ctx.deps.gatherCounters();
    return renderServersConn(processUse(servers, control.stats()), nbthread);
  };
}

export const showCommands: readonly RuntimeCommand[] = [
  {
    words: ['show', 'info'],
    usage: usageLine('show info [json|typed]*', 'report information about the running process'),
    async run(args, ctx) {
      // As HAProxy does, words other than the formats are ignored.
      const format = args.includes('json') ? 'json' : args.includes('typed') ? 'typed' : 'text';
      await ctx.deps.gatherCounters?.();
      return renderInfo(ctx.deps.info(), format);
    },
  },
  {
    words: ['show', 'stat'],
    usage: usageLine('show stat [json|no-maint|typed|up]*', 'report counters for each proxy and server'),
    run: showStat,
  },
  {
    words: ['show', 'backend'],
    usage: usageLine('show backend', 'list backends in the current running config'),
    run: (_args, ctx) =>
      `# name\n${ctx.deps.control
        .backends()
        .map((b) => `${b}\n`)
        .join('')}`,
  },
  {
    words: ['show', 'servers', 'state'],
    usage: usageLine(
      'show servers state [<backend>]',
      'dump volatile server information (all or for a single backend)',
    ),
    run: showServers(false),
  },
  {
    words: ['show', 'servers', 'conn'],
    usage: usageLine(
      'show servers conn [<backend>]',
      'dump server connections status (all or for a single backend)',
    ),
    run: showServers(true),
  },
  {
    words: ['show', 'version'],
    usage: usageLine('show version', 'show version of the current process'),
    run: (_args, ctx) => `${ctx.deps.info().Version ?? ''}\n`,
  },
  {
    words: ['show', 'sess'],
    usage: usageLine('show sess [id]', 'report the list of current sessions or dump this exact session'),
    run(args, ctx) {
      const refused = denied(ctx, 'operator');
      if (refused) return refused;
      return renderSessions([...ctx.deps.cliSessions(), ...ctx.deps.control.sessions()], args[2]);
    },
  },
];
