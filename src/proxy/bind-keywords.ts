/**
 * `bind` lines and their parameters (configuration.txt §5.1 "Bind options").
 * The same parameter registry serves the global `stats socket` line, where
 * `level` and `expose-fd` are legal too. One BindConfig is produced per
 * address of a comma-separated list, all sharing the line's parameters.
 */
import tls from 'node:tls';
import { parseAddress } from '../config/address.js';
import { argCount, badArgs, intArg, oneOf, proxyOf, readableFile } from '../config/haproxy/args.js';
import {
  BIND_SCOPES,
  type BindDraft,
  type BindParamCtx,
  type BindParamSpec,
  FRONTENDS,
  type SectionCtx,
  type SectionSpec,
  type Warner,
  withModule,
} from '../config/haproxy/context.js';
import type { Address, BindConfig } from '../config/haproxy/model.js';
import { applyParams } from '../config/haproxy/params.js';
import type { KeywordCall } from '../config/registry.js';
import { ConfigCode, ConfigError, type SourceLoc } from '../core/errors.js';
import { nodeCiphers } from './tls/bind-tls.js';

const MAX_INT = 2 ** 31 - 1;
const BOTH = BIND_SCOPES;
const SSL_VERSIONS = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

function newBind(addr: Address, loc: SourceLoc): BindDraft {
  return {
    addr,
    loc,
    acceptProxy: false,
    v4v6: false,
    v6only: false,
    transparent: false,
    sslOn: false,
    crt: [],
  };
}

/** Folds the ssl options and checks combinations that cannot work. */
export function finishBind(d: BindDraft, scope: string, w: Warner): BindConfig {
  const { sslOn, crt, alpn, ciphers, minVer, ...plain } = d;
  if (d.v4v6 && d.v6only)
    throw new ConfigError(ConfigCode.Conflict, d.loc, scope, "'v4v6' and 'v6only' exclude each other");
  const isPath = d.addr.family === 'unix' || d.addr.family === 'abns';
  if (!isPath && (d.mode !== undefined || d.user !== undefined || d.group !== undefined)) {
    w.warn(d.loc, scope, `'mode', 'user' and 'group' only apply to UNIX sockets, not to '${d.addr.text}'`);
  }
  if (!sslOn) {
    if (crt.length > 0 || alpn !== undefined || ciphers !== undefined || minVer !== undefined) {
      w.warn(d.loc, scope, "TLS parameters are ignored without 'ssl'");
    }
    return plain;
  }
  if (crt.length === 0)
    throw new ConfigError(ConfigCode.Missing, d.loc, scope, "'ssl' needs at least one 'crt' certificate");
  const ssl: NonNullable<BindConfig['ssl']> = {
    crt,
    ...(alpn !== undefined && { alpn }),
    ...(ciphers !== undefined && { ciphers }),
    ...(minVer !== undefined && { minVer }),
  };
  return { ...plain, ssl };
}

/** Parses `ADDR[,ADDR…] [params]` into BindConfigs (shared with `stats socket`). */
export function parseBindLine(
  ctx: SectionCtx,
  call: KeywordCall,
  scope: (typeof BIND_SCOPES)[number],
): BindConfig[] {
  const [list, ...params] = call.args;
  if (list === undefined) throw badArgs(call, `expects an address (usage: ${scope} <addr>[,...] [param*])`);
  const addrs = list
    .split(',')
    .map((t) => parseAddress(t, { loc: call.loc, keyword: call.keyword, role: 'bind' }));
  const template = newBind(addrs[0]!, call.loc);
  applyParams(ctx.params.bind, { bind: template, scope, warn: ctx.warn }, scope, params, call.loc);
  return addrs.map((addr) => finishBind({ ...template, addr, crt: [...template.crt] }, scope, ctx));
}

/** RFC 7301 §3.1: protocol names are 1 to 255 bytes; an empty list offers nothing. */
function checkAlpn(call: KeywordCall, v: string): string {
  const protos = v.split(',');
  if (protos.some((p) => p.length === 0 || Buffer.byteLength(p) > 255))
    throw badArgs(call, `'${v}' is not a comma-separated list of protocol names`);
  return v;
}

/** HAProxy refuses a cipher list OpenSSL matches nothing in while parsing; so does hapair. */
function checkCiphers(call: KeywordCall, v: string): string {
  try {
    tls.createSecureContext({ ciphers: nodeCiphers(v) });
  } catch (e) {
    throw badArgs(call, `invalid cipher list '${v}' (${(e as Error).message})`);
  }
  return v;
}

function flag(name: string, doc: string, set: (b: BindDraft) => void): Omit<BindParamSpec, 'module'> {
  return { name, sections: ['bind'], usage: name, doc, arity: 0, parse: (ctx) => set(ctx.bind) };
}

function value(
  name: string,
  doc: string,
  set: (b: BindDraft, v: string, call: KeywordCall) => void,
  sections: readonly string[] = BOTH,
): Omit<BindParamSpec, 'module'> {
  return {
    name,
    sections,
    usage: `${name} <value>`,
    doc,
    arity: 1,
    parse: (ctx, call) => set(ctx.bind, call.args[0]!, call),
  };
}

export const bindParams: BindParamSpec[] = withModule<BindParamCtx>('proxy', [
  value('name', 'Name of the listener in logs and stats.', (b, v) => {
    b.name = v;
  }),
  flag('accept-proxy', 'Require a PROXY protocol v1/v2 header on every connection.', (b) => {
    b.acceptProxy = true;
  }),
  value('backlog', 'listen() backlog for this listener.', (b, v, call) => {
    b.backlog = intArg(call, v, 0, MAX_INT);
  }),
  value('maxconn', 'Connection limit of this listener.', (b, v, call) => {
    b.maxconn = intArg(call, v, 0, MAX_INT);
  }),
  flag('v4v6', 'Accept IPv4 connections on an IPv6 wildcard socket.', (b) => {
    b.v4v6 = true;
  }),
  flag('v6only', 'Only IPv6 on an IPv6 socket.', (b) => {
    b.v6only = true;
  }),
  flag('transparent', 'Bind to a non-local address (IP_TRANSPARENT).', (b) => {
    b.transparent = true;
  }),
  value(
    'interface',
    'Only accept connections arriving on this interface.',
    (b, v) => {
      b.interface = v;
    },
    ['bind'],
  ),
  value('mode', 'Octal permissions of a UNIX socket.', (b, v, call) => {
    if (!/^[0-7]{1,4}$/.test(v)) throw badArgs(call, `'${v}' is not an octal mode`);
    b.mode = Number.parseInt(v, 8);
  }),
  value('user', 'Owner of a UNIX socket.', (b, v) => {
    b.user = v;
  }),
  value('group', 'Group of a UNIX socket.', (b, v) => {
    b.group = v;
  }),
  flag('ssl', 'Terminate TLS on this listener.', (b) => {
    b.sslOn = true;
  }),
  value(
    'crt',
    'PEM certificate (+ key) for TLS; may be repeated.',
    (b, v, call) => {
      b.crt.push(readableFile(call, v));
    },
    ['bind'],
  ),
  value(
    'alpn',
    'ALPN protocols offered, comma-separated, server preference first (h2 only in mode tcp).',
    (b, v, call) => {
      b.alpn = checkAlpn(call, v);
    },
    ['bind'],
  ),
  value(
    'ciphers',
    'OpenSSL cipher list for TLS ≤ 1.2.',
    (b, v, call) => {
      b.ciphers = checkCiphers(call, v);
    },
    ['bind'],
  ),
  value(
    'ssl-min-ver',
    'Lowest TLS version accepted (TLSv1.0 to TLSv1.3).',
    (b, v, call) => {
      b.minVer = oneOf(call, v, SSL_VERSIONS);
      if (b.minVer === 'SSLv3') {
        throw new ConfigError(
          ConfigCode.Unsupported,
          call.loc,
          call.keyword,
          "SSLv3 is not available in hapair's TLS library: the lowest version is TLSv1.0",
        );
      }
    },
    ['bind'],
  ),
  value(
    'level',
    'Access level of a stats socket.',
    (b, v, call) => {
      b.level = oneOf(call, v, ['user', 'operator', 'admin'] as const);
    },
    ['stats socket'],
  ),
  value(
    'expose-fd',
    "Pass listening sockets to a new process over this stats socket ('listeners').",
    (b, v, call) => {
      oneOf(call, v, ['listeners'] as const);
      b.exposeFd = true;
    },
    ['stats socket'],
  ),
]);

/** TLS/socket options of HAProxy's bind lines that hapair does not implement. */
export const UNSUPPORTED_BIND_PARAMS: readonly string[] = [
  'accept-netscaler-cip',
  'allow-0rtt',
  'ca-file',
  'ca-ignore-err',
  'ca-sign-file',
  'ca-sign-pass',
  'ca-verify-file',
  'ciphersuites',
  'client-sigalgs',
  'crl-file',
  'crt-ignore-err',
  'crt-list',
  'curves',
  'default-crt',
  'defer-accept',
  'ecdhe',
  'force-sslv3',
  'force-tlsv10',
  'force-tlsv11',
  'force-tlsv12',
  'force-tlsv13',
  'generate-certificates',
  'gid',
  'id',
  'mss',
  'namespace',
  'nice',
  'no-alpn',
  'no-ca-names',
  'no-sslv3',
  'no-tls-tickets',
  'no-tlsv10',
  'no-tlsv11',
  'no-tlsv12',
  'no-tlsv13',
  'npn',
  'prefer-client-ciphers',
  'process',
  'proto',
  'sigalgs',
  'ssl-max-ver',
  'strict-sni',
  'tcp-ut',
  'tfo',
  'thread',
  'tls-ticket-keys',
  'uid',
  'verify',
];

export const bindKeywords: SectionSpec[] = withModule<SectionCtx>('proxy', [
  {
    name: 'bind',
    sections: FRONTENDS,
    usage: 'bind [<address>]:<port_range> [, ...] [param*]',
    doc: 'Listening address(es) of a frontend; see the bind parameters table.',
    parse(ctx, call) {
      argCount(call, 1, Number.POSITIVE_INFINITY, 'bind <addr>[,...] [param*]');
      proxyOf(ctx).binds.push(...parseBindLine(ctx, call, 'bind'));
    },
  },
]);
