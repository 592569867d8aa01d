/**
 * Health-check parameters of `server`/`default-server` lines (configuration.txt
 * §5.2), registered by the check engine that runs the probes: `check`,
 * `inter`, `rise`, `fall`, the agent-check family, the passive-health
 * (`observe`, `error-limit`, `on-error`) options and the session actions on
 * state changes (`on-marked-down`, `on-marked-up`).
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

function oneOf<T extends string>(call: KeywordCall, v: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw badArgs(call, `expects one of ${allowed.map((a) => `'${a}'`).join(', ')} but got '${v}'`);
}

/**
 * Passive health (doc 5.2 "observe", "error-limit", "on-error") and the
 * session actions on state changes ("on-marked-down", "on-marked-up"). That
 * `observe` needs `check`, and `layer7` an HTTP proxy, is verified once the
 * whole configuration is known (plan.ts).
 */
const passiveParams: ReturnType<typeof value>[] = [
  value(
    'observe',
    'Adjust the health from live traffic: layer4 (connections) or layer7 (HTTP responses too).',
    (c, v, call) => {
      const mode = oneOf(call, v, ['none', 'layer4', 'layer7'] as const);
      if (mode === 'none') delete c.observe;
      else c.observe = mode;
    },
    'none',
  ),
  value(
    'error-limit',
    'Consecutive errors seen by `observe` that trigger the on-error action.',
    (c, v, call) => {
      c.errorLimit = intArg(call, v, 1, MAX_INT, 'error-limit');
    },
    '10',
  ),
  value(
    'on-error',
    'What enough consecutive observed errors do to the health check.',
    (c, v, call) => {
      c.onError = oneOf(call, v, ['fastinter', 'fail-check', 'sudden-death', 'mark-down'] as const);
    },
    'fail-check',
  ),
  value('on-marked-down', 'Action when the server is marked down: shutdown-sessions.', (c, v, call) => {
    c.onMarkedDown = oneOf(call, v, ['shutdown-sessions'] as const);
  }),
  value('on-marked-up', 'Action when the server is marked up: shutdown-backup-sessions.', (c, v, call) => {
    c.onMarkedUp = oneOf(call, v, ['shutdown-backup-sessions'] as const);
  }),
];

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
  ...passiveParams,
]);

/** Server keywords HAProxy knows in §5.2 that hapair does not run: none left in this module. */
export const UNSUPPORTED_CHECK_SERVER_PARAMS: readonly string[] = [];
