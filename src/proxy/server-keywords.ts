/**
 * `server` and `default-server` lines (configuration.txt §5.2 "Server and
 * default-server options"). A server starts as a copy of its proxy's
 * default-server template, then its own parameters apply. The health-check
 * parameters are registered by src/checks/keywords.ts.
 */
import { parseAddress } from '../config/address.js';
import {
  argCount,
  checkName,
  intArg,
  oneOf,
  proxyOf,
  readableFile,
  timeArg,
} from '../config/haproxy/args.js';
import {
  BACK_SIDE,
  BACKENDS,
  SERVER_SCOPES,
  type SectionCtx,
  type SectionSpec,
  type ServerParamCtx,
  type ServerParamSpec,
  serverParamBuilders,
  withModule,
} from '../config/haproxy/context.js';
import type { ServerDraft } from '../config/haproxy/draft.js';
import { applyParams } from '../config/haproxy/params.js';
import type { KeywordCall } from '../config/registry.js';
import { ConfigCode, ConfigError } from '../core/errors.js';
import { readCaFile } from './tls/server-tls.js';
import { compileSni } from './tls/sni-expr.js';

const MAX_INT = 2 ** 31 - 1;
/** §5.2 weight: "between 0 and 256". */
export const MAX_WEIGHT = 256;

const { value, flag } = serverParamBuilders<ServerDraft>((ctx) => ctx.server);

export const serverParams: ServerParamSpec[] = withModule<ServerParamCtx>('proxy', [
  value(
    'weight',
    'Load-balancing weight, 0 to 256 (0 = no new traffic).',
    (s, v, call) => {
      s.weight = intArg(call, v, 0, MAX_WEIGHT, 'weight');
    },
    '1',
  ),
  flag('backup', 'Only used when all non-backup servers are down.', (s, on) => {
    s.backup = on;
  }),
  {
    name: 'disabled',
    sections: SERVER_SCOPES,
    usage: 'disabled',
    doc: 'Start the server in maintenance.',
    arity: 0,
    parse: (ctx) => {
      ctx.server.initialState = 'maint';
    },
  },
  {
    name: 'enabled',
    sections: SERVER_SCOPES,
    usage: 'enabled',
    doc: "Start the server ready (cancels an inherited 'disabled').",
    arity: 0,
    parse: (ctx) => {
      ctx.server.initialState = 'ready';
    },
  },
  value(
    'maxconn',
    'Concurrent connections to this server; excess requests queue (0 = unlimited).',
    (s, v, call) => {
      s.maxconn = intArg(call, v, 0, MAX_INT);
    },
    '0',
  ),
  value(
    'minconn',
    'Dynamic connection limit floor, used with fullconn.',
    (s, v, call) => {
      s.minconn = intArg(call, v, 0, MAX_INT);
    },
    '0',
  ),
  value(
    'maxqueue',
    'Requests allowed in this server queue (0 = unlimited).',
    (s, v, call) => {
      s.maxqueue = intArg(call, v, 0, MAX_INT);
    },
    '0',
  ),
  value(
    'slowstart',
    'Ramp the weight up over this time after the server comes back.',
    (s, v, call) => {
      s.slowstart = timeArg(call, v);
    },
    '0',
  ),
  value('cookie', 'Value of the persistence cookie that designates this server.', (s, v) => {
    s.cookie = v;
  }),
  {
    name: 'id',
    sections: ['server'],
    usage: 'id <value>',
    doc: 'Numeric server identifier.',
    defaultValue: 'assigned in declaration order',
    arity: 1,
    parse: (ctx, call) => {
      ctx.server.id = intArg(call, call.args[0], 1, MAX_INT, 'id');
    },
  },
  value('source', 'Source address (and port range) for connections to this server.', (s, v, call) => {
    s.source = parseAddress(v, { loc: call.loc, keyword: call.keyword, role: 'source' });
  }),
  flag('send-proxy', 'Send a PROXY protocol v1 header to the server.', (s, on) => {
    s.sendProxy = on ? 1 : 0;
  }),
  flag('send-proxy-v2', 'Send a PROXY protocol v2 header to the server.', (s, on) => {
    s.sendProxy = on ? 2 : 0;
  }),
  flag('ssl', 'Connect to the server over TLS.', (s, on) => {
    s.ssl = on;
  }),
  value(
    'verify',
    "Server certificate verification with 'ssl': none or required.",
    (s, v, call) => {
      s.verify = oneOf(call, v, ['none', 'required'] as const);
    },
    'required',
  ),
  value('ca-file', 'CA bundle used to verify the server certificate.', (s, v, call) => {
    s.caFile = readableFile(call, v);
    try {
      readCaFile(v);
    } catch (e) {
      throw new ConfigError(ConfigCode.BadArgs, call.loc, call.keyword, (e as Error).message);
    }
  }),
  value(
    'sni',
    'Sample expression giving the TLS SNI sent to the server, e.g. req.hdr(host).',
    (s, v, call) => {
      compileSni(v, call.loc);
      s.sni = v;
    },
  ),
  value('redir', 'Answer GET/HEAD with a 302 to this prefix instead of forwarding.', (s, v) => {
    s.redir = v;
  }),
]);

/** Server options of HAProxy that hapair does not implement. */
export const UNSUPPORTED_SERVER_PARAMS: readonly string[] = [
  'allow-0rtt',
  'alpn',
  'check-alpn',
  'check-proto',
  'check-sni',
  'check-via-socks4',
  'ciphers',
  'ciphersuites',
  'crl-file',
  'crt',
  'force-tlsv12',
  'force-tlsv13',
  'init-addr',
  'log-proto',
  'max-reuse',
  'namespace',
  'no-ssl-reuse',
  'no-tls-tickets',
  'non-stick',
  'npn',
  'pool-low-conn',
  'pool-max-conn',
  'pool-purge-delay',
  'proto',
  'proxy-v2-options',
  'resolve-net',
  'resolve-opts',
  'resolve-prefer',
  'resolvers',
  'send-proxy-v2-ssl',
  'send-proxy-v2-ssl-cn',
  'shard',
  'socks4',
  'ssl-max-ver',
  'ssl-min-ver',
  'stick',
  'tfo',
  'track',
  'usesrc',
  'ws',
];

function server(ctx: SectionCtx, call: KeywordCall): void {
  argCount(call, 2, Number.POSITIVE_INFINITY, 'server <name> <address>[:[port]] [param*]');
  const px = proxyOf(ctx);
  const name = checkName(call, call.args[0], 'server');
  const addr = parseAddress(call.args[1]!, { loc: call.loc, keyword: call.keyword, role: 'server' });
  const s: ServerDraft = { ...structuredClone(px.defaultServer), name, addr, loc: call.loc };
  applyParams(
    ctx.params.server,
    { server: s, proxy: px, scope: 'server', warn: ctx.warn },
    'server',
    call.args.slice(2),
    call.loc,
  );
  px.servers.push(s);
}

export const serverKeywords: SectionSpec[] = withModule<SectionCtx>('proxy', [
  {
    name: 'server',
    sections: BACKENDS,
    usage: 'server <name> <address>[:[port]] [param*]',
    doc: 'Declare a server; see the server parameters table.',
    parse: server,
  },
  {
    name: 'default-server',
    sections: BACK_SIDE,
    usage: 'default-server [param*]',
    doc: 'Default parameters for the servers declared after it.',
    parse(ctx, call) {
      const px = proxyOf(ctx);
      const ctxParams = {
        server: px.defaultServer,
        proxy: px,
        scope: 'default-server' as const,
        warn: ctx.warn,
      };
      applyParams(ctx.params.server, ctxParams, 'default-server', call.args, call.loc);
    },
  },
]);
