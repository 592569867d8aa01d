/**
 * Health-check parameters of `server`/`default-server` lines (configuration.txt
 * §5.2), registered by the check engine that runs the probes: `check`,
 * `inter`, `rise`, `fall`, the agent-check family and the passive-health
 * (`observe`, `error-limit`, `on-error`) options.
 */
import { isIP } from 'node:net';
import { badArgs, intArg, timeArg } from '../config/haproxy/args.js';
import {
  type ServerParamCtx,
  type ServerParamSpec,
  serverParamBuilders,
  withModule,
} from '../config/haproxy/context.js';
import type { CheckDraft } from '../config/haproxy/draft.js';
import type { KeywordCall } from '../config/registry.js';

const MAX_INT = 2 ** 31 - 1;

const { value, flag } = serverParamBuilders<CheckDraft>((ctx) => ctx.server.check);

function ipArg(call: KeywordCall, v: string): string {
  if (isIP(v) === 0) throw badArgs(call, `'${v}' is not an IPv4 or IPv6 address`);
  return v;
}

function portArg(call: KeywordCall, v: string): number {
  return intArg(call, v, 1, 65535, 'port');
}

export const checkServerParams: ServerParamSpec[] = withModule<ServerParamCtx>('checks', [
  flag('check', 'Enable active health checks of this server.', (c, on) => {
    c.enabled = on;
  }),
  value(
    'inter',
    'Interval between two checks.',
    (c, v, call) => {
      c.inter = timeArg(call, v, true);
    },
    '2s',
  ),
  value(
    'fastinter',
    'Interval while the server is transitioning (going up or down).',
    (c, v, call) => {
      c.fastinter = timeArg(call, v, true);
    },
    'inter',
  ),
  value(
    'downinter',
    'Interval while the server is down.',
    (c, v, call) => {
      c.downinter = timeArg(call, v, true);
    },
    'inter',
  ),
  value(
    'rise',
    'Consecutive successful checks to consider the server up.',
    (c, v, call) => {
      c.rise = intArg(call, v, 1, MAX_INT, 'rise');
    },
    '2',
  ),
  value(
    'fall',
    'Consecutive failed checks to consider the server down.',
    (c, v, call) => {
      c.fall = intArg(call, v, 1, MAX_INT, 'fall');
    },
    '3',
  ),
  value(
    'port',
    'TCP port the checks connect to.',
    (c, v, call) => {
      c.port = portArg(call, v);
    },
    'the server port',
  ),
  value(
    'addr',
    'IP address the checks connect to.',
    (c, v, call) => {
      c.addr = ipArg(call, v);
    },
    'the server address',
  ),
  flag('check-ssl', 'Run the checks over TLS.', (c, on) => {
    c.ssl = on;
  }),
  flag('check-send-proxy', 'Send a PROXY protocol header on check connections.', (c, on) => {
    c.sendProxy = on;
  }),
  flag('agent-check', 'Enable the auxiliary agent check (needs agent-port).', (c, on) => {
    c.agent.enabled = on;
  }),
  value('agent-port', 'TCP port of the agent.', (c, v, call) => {
    c.agent.port = portArg(call, v);
  }),
  value(
    'agent-addr',
    'Address of the agent.',
    (c, v, call) => {
      c.agent.addr = ipArg(call, v);
    },
    'the server address',
  ),
  value(
    'agent-inter',
    'Interval between two agent checks.',
    (c, v, call) => {
      c.agent.inter = timeArg(call, v, true);
    },
    '2s',
  ),
  value('agent-send', 'String sent to the agent after connecting.', (c, v) => {
    c.agent.send = v;
  }),
]);

/**
 * Passive health (`observe`, `error-limit`, `on-error`) and the session
 * actions on state changes (`on-marked-down`, `on-marked-up`) are parsed by
 * HAProxy but not run by hapair yet: refused by name rather than ignored.
 */
export const UNSUPPORTED_CHECK_SERVER_PARAMS: readonly string[] = [
  'observe',
  'error-limit',
  'on-error',
  'on-marked-down',
  'on-marked-up',
];
