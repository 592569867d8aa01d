/**
 * Runtime API commands on servers (management.txt 9.3: get/set weight,
 * set server, set maxconn server, enable/disable server|health|agent,
 * shutdown sessions server), with HAProxy 2.6's levels and answers
 * (server.c cli_parse_*). `add server` and `del server` are in
 * cli-commands-dynamic.ts. Changes go through ProxyControl; what it cannot
 * do yet is answered as such.
 */
import type { ServerAdminState } from '../config/haproxy/model.js';
import { dynamicServerCommands } from './cli-commands-dynamic.js';
import {
  findServer,
  notSupported,
  type RuntimeCommand,
  type RuntimeContext,
  resultText,
} from './cli-context.js';
import { denied, usageLine } from './cli-registry.js';
import { parseAddrChange, parseMaxconn, parseWeight } from './cli-server-args.js';
import type { ServerView } from './types.js';

/** Admin level, then the server named by `args[at]`: the server, or the answer to print. */
function adminServer(ctx: RuntimeContext, args: readonly string[], at: number): ServerView | string {
  return denied(ctx, 'admin') ?? findServer(ctx, args[at]);
}

function setWeight(ctx: RuntimeContext, srv: ServerView, text: string | undefined): string {
  const w = parseWeight(text, srv);
  if (typeof w === 'string') return w;
  return resultText(ctx.deps.control.setServerWeight(srv.backend, srv.name, w), "'set weight'");
}

const STATES: readonly string[] = ['ready', 'drain', 'maint'];

function setState(ctx: RuntimeContext, srv: ServerView, state: string | undefined): string {
  if (!state || !STATES.includes(state))
    return "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n";
  const r = ctx.deps.control.setServerAdmin(srv.backend, srv.name, state as ServerAdminState);
  return resultText(r, `'set server <srv> state ${state}'`);
}

function setHealth(ctx: RuntimeContext, srv: ServerView, health: string | undefined): string {
  if (health !== 'up' && health !== 'stopping' && health !== 'down') {
    return "'set server <srv> health' expects 'up', 'stopping', or 'down'.\n";
  }
  return resultText(
    ctx.deps.control.setServerHealth(srv.backend, srv.name, health),
    `'set server <srv> health ${health}'`,
  );
}

/** HAProxy 2.6 forces an agent up or down only; `stopping` is for the health check. */
function setAgent(ctx: RuntimeContext, srv: ServerView, word: string | undefined): string {
  if (!srv.agent?.enabled) return 'agent checks are not enabled on this server.\n';
  if (word !== 'up' && word !== 'down') return "'set server <srv> agent' expects 'up' or 'down'.\n";
  return resultText(
    ctx.deps.control.setServerAgent(srv.backend, srv.name, word === 'up'),
    "'set server <srv> agent'",
  );
}

function setAddr(ctx: RuntimeContext, srv: ServerView, args: readonly string[]): string {
  const addr = args[4];
  if (!addr) return 'set server <b>/<s> addr requires an address and optionally a port.\n';
  const change = parseAddrChange(srv, addr, args[5] === 'port' ? (args[6] ?? '') : undefined);
  if (typeof change === 'string') return change;
  if (change.host === undefined && change.port === undefined) return change.message;
  const port =
    change.port === undefined ? undefined : { port: change.port, mapPorts: change.mapPorts === true };
  const r = ctx.deps.control.setServerAddr(srv.backend, srv.name, change.host ?? srv.host, port);
  return r.ok ? change.message : resultText(r, "'set server <srv> addr'");
}

/** `set server` options HAProxy has and hapair does not implement. */
const LATER = ['agent-addr', 'agent-port', 'agent-send', 'check-addr', 'check-port', 'fqdn', 'ssl'];

function setServer(args: readonly string[], ctx: RuntimeContext): string {
  const srv = adminServer(ctx, args, 2);
  if (typeof srv === 'string') return srv;
  const sub = args[3] ?? '';
  switch (sub) {
    case 'weight':
      return setWeight(ctx, srv, args[4]);
    case 'state':
      return setState(ctx, srv, args[4]);
    case 'health':
      return setHealth(ctx, srv, args[4]);
    case 'agent':
      return setAgent(ctx, srv, args[4]);
    case 'addr':
      return setAddr(ctx, srv, args);
    default:
      if (LATER.includes(sub)) return notSupported(`'set server <srv> ${sub}'`);
      return 'usage: set server <backend>/<server> addr | agent | health | state | weight\n';
  }
}

function checkToggle(which: 'health' | 'agent', on: boolean): RuntimeCommand['run'] {
  return (args, ctx) => {
    const srv = adminServer(ctx, args, 2);
    if (typeof srv === 'string') return srv;
    const check = which === 'health' ? srv.check : srv.agent;
    if (on && !check) {
      return which === 'health'
        ? 'Health check was not configured on this server, cannot enable.\n'
        : 'Agent was not configured on this server, cannot enable.\n';
    }
    if (!check) return '';
    return resultText(
      ctx.deps.control.setCheckEnabled(srv.backend, srv.name, which, on),
      `'${on ? 'enable' : 'disable'} ${which}'`,
    );
  };
}

function adminToggle(state: ServerAdminState): RuntimeCommand['run'] {
  return (args, ctx) => {
    const srv = adminServer(ctx, args, 2);
    if (typeof srv === 'string') return srv;
    return resultText(ctx.deps.control.setServerAdmin(srv.backend, srv.name, state), `'${args[0]} server'`);
  };
}

export const serverCommands: readonly RuntimeCommand[] = [
  {
    words: ['get', 'weight'],
    usage: usageLine('get weight <bk>/<srv>', "report a server's current weight"),
    run(args, ctx) {
      const srv = findServer(ctx, args[2]);
      return typeof srv === 'string' ? srv : `${srv.uweight} (initial ${srv.iweight})\n`;
    },
  },
  {
    words: ['set', 'weight'],
    usage: usageLine(
      'set weight <bk>/<srv>  (DEPRECATED)',
      "change a server's weight (use 'set server' instead)",
    ),
    run(args, ctx) {
      const srv = adminServer(ctx, args, 2);
      return typeof srv === 'string' ? srv : setWeight(ctx, srv, args[3]);
    },
  },
  {
    words: ['set', 'server'],
    usage: usageLine('set server <bk>/<srv> [opts]', "change a server's state, weight, health or address"),
    run: setServer,
  },
  {
    words: ['set', 'maxconn', 'server'],
    usage: usageLine('set maxconn server <bk>/<srv>', "change a server's maxconn setting"),
    run(args, ctx) {
      const srv = adminServer(ctx, args, 3);
      if (typeof srv === 'string') return srv;
      const v = parseMaxconn(args[4]);
      if (typeof v === 'string') return v;
      return resultText(ctx.deps.control.setServerMaxconn(srv.backend, srv.name, v), "'set maxconn server'");
    },
  },
  {
    words: ['disable', 'server'],
    usage: usageLine(
      'disable server (DEPRECATED)',
      "disable a server for maintenance (use 'set server' instead)",
    ),
    run: adminToggle('maint'),
  },
  {
    words: ['enable', 'server'],
    usage: usageLine('enable server  (DEPRECATED)', "enable a disabled server (use 'set server' instead)"),
    run: adminToggle('ready'),
  },
  {
    words: ['disable', 'health'],
    usage: usageLine('disable health', 'disable health checks'),
    run: checkToggle('health', false),
  },
  {
    words: ['enable', 'health'],
    usage: usageLine('enable health', 'enable health checks'),
    run: checkToggle('health', true),
  },
  {
    words: ['disable', 'agent'],
    usage: usageLine('disable agent', 'disable agent checks'),
    run: checkToggle('agent', false),
  },
  {
    words: ['enable', 'agent'],
    usage: usageLine('enable agent', 'enable agent checks'),
    run: checkToggle('agent', true),
  },
  {
    words: ['shutdown', 'sessions', 'server'],
    usage: usageLine('shutdown sessions server <bk>/<srv>', 'kill sessions on a server'),
    run(args, ctx) {
      const srv = adminServer(ctx, args, 3);
      if (typeof srv === 'string') return srv;
      return resultText(
        ctx.deps.control.shutdownServerSessions(srv.backend, srv.name),
        "'shutdown sessions server'",
      );
    },
  },
  ...dynamicServerCommands,
];
