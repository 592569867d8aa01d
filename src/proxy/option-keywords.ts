/**
 * Proxy timeouts and on/off options of the proxy engine (configuration.txt
 * §4.2 "timeout …", "option …" and the 1.x `contimeout`/`clitimeout`/
 * `srvtimeout`), generated from tables: one row per keyword.
 */
import { argCount, noArgs, proxyOf, timeArg } from '../config/haproxy/args.js';
import {
  ALL_PROXIES,
  BACK_SIDE,
  FRONT_SIDE,
  type SectionCtx,
  type SectionKind,
  type SectionSpec,
  withModule,
} from '../config/haproxy/context.js';
import type { Mutable } from '../config/haproxy/draft.js';
import type { ProxyOptions, Timeouts } from '../config/haproxy/model.js';

type TimeoutField = keyof Timeouts;

/** `timeout <name>` keywords of the proxy engine (the HTTP and check ones live with their engines). */
const TIMEOUTS: readonly [string, TimeoutField, readonly SectionKind[], string][] = [
  ['connect', 'connect', BACK_SIDE, 'Maximum time to wait for a connection to a server.'],
  ['client', 'client', FRONT_SIDE, 'Maximum inactivity time on the client side.'],
  ['server', 'server', BACK_SIDE, 'Maximum inactivity time on the server side.'],
  [
    'tunnel',
    'tunnel',
    BACK_SIDE,
    'Maximum inactivity time once a connection is a tunnel (WebSocket, CONNECT, tcp).',
  ],
  ['client-fin', 'clientFin', FRONT_SIDE, 'Inactivity time on the client side once it half-closed.'],
  ['server-fin', 'serverFin', BACK_SIDE, 'Inactivity time on the server side once it half-closed.'],
  ['queue', 'queue', BACK_SIDE, 'Maximum time a request may wait in the queue for a server slot.'],
  ['tarpit', 'tarpit', ALL_PROXIES, 'Duration a tarpitted connection is held open.'],
];

/** Legacy 1.x timeouts (§4.2 "contimeout" etc., removed in HAProxy 2.1): accepted with a warning. */
const LEGACY_TIMEOUTS: readonly [string, TimeoutField, readonly SectionKind[]][] = [
  ['contimeout', 'connect', BACK_SIDE],
  ['clitimeout', 'client', FRONT_SIDE],
  ['srvtimeout', 'server', BACK_SIDE],
];

type OptionField = {
  [K in keyof ProxyOptions]-?: ProxyOptions[K] extends boolean ? K : never;
}[keyof ProxyOptions];

const OPTIONS: readonly [string, OptionField, readonly SectionKind[], string][] = [
  [
    'persist',
    'persist',
    BACK_SIDE,
    'Keep sending a persistent client to its server even when that server is down.',
  ],
  ['allbackups', 'allbackups', BACK_SIDE, 'Use all backup servers at once instead of the first one.'],
  ['abortonclose', 'abortonclose', BACK_SIDE, 'Drop queued requests whose client has closed.'],
  ['tcpka', 'tcpka', ALL_PROXIES, 'TCP keep-alive on both sides.'],
  ['clitcpka', 'clitcpka', FRONT_SIDE, 'TCP keep-alive on the client side.'],
  ['srvtcpka', 'srvtcpka', BACK_SIDE, 'TCP keep-alive on the server side.'],
  ['splice-auto', 'splice', ALL_PROXIES, 'Let the kernel splice data between sockets when it pays off.'],
];

function timeoutSpec([word, field, sections, doc]: (typeof TIMEOUTS)[number]): Omit<SectionSpec, 'module'> {
  return {
    name: `timeout ${word}`,
    sections,
    usage: `timeout ${word} <timeout>`,
    doc,
    defaultValue: 'none',
    parse(ctx, call) {
      argCount(call, 1, 1, `timeout ${word} <timeout>`);
      proxyOf(ctx).timeouts[field] = timeArg(call, call.args[0]);
    },
  };
}

function legacyTimeoutSpec([word, field, sections]: (typeof LEGACY_TIMEOUTS)[number]): Omit<
  SectionSpec,
  'module'
> {
  const modern = `timeout ${field === 'connect' ? 'connect' : field}`;
  return {
    name: word,
    sections,
    usage: `${word} <timeout>`,
    doc: `Deprecated alias of '${modern}'.`,
    parse(ctx, call) {
      argCount(call, 1, 1, `${word} <timeout>`);
      proxyOf(ctx).timeouts[field] = timeArg(call, call.args[0]);
      ctx.warn(call.loc, call.keyword, `deprecated (removed in HAProxy 2.1): use '${modern}' instead`);
    },
  };
}

function optionSpec([word, field, sections, doc]: (typeof OPTIONS)[number]): Omit<SectionSpec, 'module'> {
  return {
    name: `option ${word}`,
    sections,
    usage: `[no] option ${word}`,
    doc,
    defaultValue: 'disabled',
    negatable: true,
    parse(ctx, call) {
      noArgs(call);
      (proxyOf(ctx).options as Mutable<ProxyOptions>)[field] = !call.negated;
    },
  };
}

export const timeoutOptionKeywords: SectionSpec[] = withModule<SectionCtx>('proxy', [
  ...TIMEOUTS.map(timeoutSpec),
  ...LEGACY_TIMEOUTS.map(legacyTimeoutSpec),
  ...OPTIONS.map(optionSpec),
]);
