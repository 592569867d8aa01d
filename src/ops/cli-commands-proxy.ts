/**
 * Runtime API commands on frontends, process limits, counters and the
 * session's own level (management.txt 9.3; proxy.c, cli.c and stats.c of
 * HAProxy 2.6 for levels and answers).
 */
import { findFrontend, notSupported, type RuntimeCommand, resultText } from './cli-context.js';
import { denied, usageLine } from './cli-registry.js';
import type { CliLevel } from './types.js';

/** C atoi(): the leading integer, 0 without one. */
function atoi(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m ? Number.parseInt(m[0], 10) : 0;
}

function frontendToggle(on: boolean): RuntimeCommand['run'] {
  return (args, ctx) => {
    const refused = denied(ctx, 'admin');
    if (refused) return refused;
    const fe = findFrontend(ctx, args[2]);
    if (typeof fe === 'string') return fe;
    if (fe.stopped) {
      return on
        ? 'Frontend was previously shut down, cannot enable.\n'
        : 'Frontend was previously shut down, cannot disable.\n';
    }
    if (!on && fe.paused) return 'All sockets are already disabled.\n';
    if (on && !fe.paused) return 'All sockets are already enabled.\n';
    const r = ctx.deps.control.setFrontendEnabled(fe.name, on);
    if (r.ok || r.unsupported) return resultText(r, `'${args[0]} frontend'`);
    return on
      ? 'Failed to resume frontend, check logs for precise cause (port conflict?).\n'
      : 'Failed to pause frontend, check logs for precise cause.\n';
  };
}

/** C strtoul(s, NULL, 0): hex with 0x, octal with a leading 0, decimal otherwise; 0 without digits. */
function strtoul0(s: string): number {
  const m = /^\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(s);
  if (!m) return 0;
  const t = m[1]!;
  if (/^0[xX]/.test(t)) return Number.parseInt(t.slice(2), 16);
  return t.startsWith('0') ? Number.parseInt(t, 8) : Number.parseInt(t, 10);
}

/** `shutdown session <id>` (stream.c cli_parse_shutdown_session): a proxied or a CLI session. */
const shutdownSession: RuntimeCommand['run'] = (args, ctx) => {
  const refused = denied(ctx, 'admin');
  if (refused) return refused;
  const id = strtoul0(args[2] ?? '');
  if (id === 0) return "Session pointer expected (use 'show sess').\n";
  if (ctx.deps.control.shutdownSession(id) || ctx.deps.killCliSession(id)) return '';
  return "No such session (use 'show sess').\n";
};

const RATE_LIMIT_USAGE =
  "'set rate-limit' only supports :\n" +
  "   - 'sessions global' to set the per-process maximum session rate\n";

/** Rate limits HAProxy has and hapair does not. */
const RATE_LIMITS_LATER = ['connections', 'ssl-sessions', 'http-compression'];

/** `operator` / `user`: lower the session's level (cli.c cli_parse_set_lvl). */
function lowerLevel(to: CliLevel): RuntimeCommand['run'] {
  return (_args, ctx) => {
    const refused = denied(ctx, to);
    if (refused) return refused;
    ctx.level = to;
    return '';
  };
}

export const proxyCommands: readonly RuntimeCommand[] = [
  {
    words: ['disable', 'frontend'],
    usage: usageLine('disable frontend <frontend>', 'temporarily disable specific frontend'),
    run: frontendToggle(false),
  },
  {
    words: ['enable', 'frontend'],
    usage: usageLine('enable frontend <frontend>', 're-enable specific frontend'),
    run: frontendToggle(true),
  },
  {
    words: ['set', 'maxconn', 'frontend'],
    usage: usageLine('set maxconn frontend <frontend> <value>', "change a frontend's maxconn setting"),
    run(args, ctx) {
      const refused = denied(ctx, 'admin');
      if (refused) return refused;
      const fe = findFrontend(ctx, args[3]);
      if (typeof fe === 'string') return fe;
      if (!args[4]) return 'Integer value expected.\n';
      const v = atoi(args[4]);
      if (v < 0) return 'Value out of range.\n';
      return resultText(ctx.deps.control.setFrontendMaxconn(fe.name, v), "'set maxconn frontend'");
    },
  },
  {
    words: ['set', 'maxconn', 'global'],
    usage: usageLine('set maxconn global <value>', 'change the per-process maxconn setting'),
    run(args, ctx) {
      const refused = denied(ctx, 'admin');
      if (refused) return refused;
      if (!args[3]) return 'Expects an integer value.\n';
      const v = atoi(args[3]);
      const hard = ctx.deps.control.process().hardMaxconn;
      if (hard > 0 && v > hard) return 'Value out of range.\n';
      // cli.c: zero or less means "back to the hard limit".
      return resultText(ctx.deps.control.setGlobalMaxconn(v <= 0 ? hard : v), "'set maxconn global'");
    },
  },
  {
    words: ['set', 'rate-limit'],
    usage: usageLine('set rate-limit <setting> <value>', 'change a rate limiting value'),
    run(args, ctx) {
      const refused = denied(ctx, 'admin');
      if (refused) return refused;
      const [what, scope] = [args[2] ?? '', args[3]];
      if (scope === 'global' && RATE_LIMITS_LATER.includes(what))
        return notSupported(`'set rate-limit ${what} global'`);
      if (what !== 'sessions' || scope !== 'global') return RATE_LIMIT_USAGE;
      if (!args[4]) return 'Expects an integer value.\n';
      const v = atoi(args[4]);
      if (v < 0) return 'Value out of range.\n';
      return resultText(ctx.deps.control.setGlobalSessionRate(v), "'set rate-limit sessions global'");
    },
  },
  {
    words: ['clear', 'counters'],
    usage: usageLine('clear counters [all]', 'clear max statistics counters (or all counters)'),
    run(args, ctx) {
      const all = args[2] === 'all';
      const refused = denied(ctx, 'operator') ?? (all ? denied(ctx, 'admin') : undefined);
      if (refused) return refused;
      ctx.deps.control.clearCounters(all);
      return '';
    },
  },
  {
    words: ['shutdown', 'session'],
    usage: usageLine('shutdown session [id]', 'kill a specific session'),
    run: shutdownSession,
  },
  {
    words: ['show', 'cli', 'level'],
    usage: usageLine('show cli level', 'display the level of the current CLI session'),
    run: (_args, ctx) => `${ctx.level}\n`,
  },
  {
    words: ['operator'],
    usage: usageLine('operator', 'lower the level of the current CLI session to operator'),
    run: lowerLevel('operator'),
  },
  {
    words: ['user'],
    usage: usageLine('user', 'lower the level of the current CLI session to user'),
    run: lowerLevel('user'),
  },
];
