/**
 * HTTP keywords implemented by the HTTP engine (configuration.txt §4.2):
 * connection modes, forwarded headers, HTTP logging, persistence cookie,
 * monitoring, header captures, error pages and the HTTP timeouts. The rule
 * keywords (`http-request` …) are in rule-keywords.ts.
 */
import {
  argCount,
  badArgs,
  intArg,
  noArgs,
  proxyOf,
  readableFile,
  requireCondition,
  timeArg,
} from '../../config/haproxy/args.js';
import {
  ALL_PROXIES,
  BACK_SIDE,
  FRONT_SIDE,
  FRONTENDS,
  type SectionCtx,
  type SectionSpec,
  withModule,
} from '../../config/haproxy/context.js';
import type { Mutable } from '../../config/haproxy/draft.js';
import type { ForwardedParams } from '../../config/haproxy/model.js';
import type { KeywordCall } from '../../config/registry.js';
import { parseNetwork } from '../acl/ip.js';

/** Status codes HAProxy can produce itself, hence customise (§4.2 errorfile). */
export const ERROR_CODES: readonly number[] = [
  200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504,
];

type ConnMode = 'httpclose' | 'httpServerClose' | 'httpKeepAlive';

/** The three connection modes exclude each other; `no option X` returns to keep-alive, the default. */
function connMode(mode: ConnMode) {
  return (ctx: SectionCtx, call: KeywordCall): void => {
    noArgs(call);
    const o = proxyOf(ctx).options;
    const on = call.negated ? 'httpKeepAlive' : mode;
    o.httpclose = on === 'httpclose';
    o.httpServerClose = on === 'httpServerClose';
    o.httpKeepAlive = on === 'httpKeepAlive';
  };
}

const FORWARDED_PARAMS: Readonly<Record<string, 'host' | 'by' | 'byPort' | 'for' | 'forPort'>> = {
  host: 'host',
  by: 'by',
  by_port: 'byPort',
  for: 'for',
  for_port: 'forPort',
};

/**
 * The words after `option forwarded` (http_ext.c proxy_http_parse_7239()):
 * none means `proto for`; a port without its node is dropped with a warning.
 */
function forwardedParams(ctx: SectionCtx, call: KeywordCall): ForwardedParams {
  const p: Mutable<ForwardedParams> = { proto: call.args.length === 0, loc: call.loc };
  if (call.args.length === 0) p.for = 'orig';
  for (let i = 0; i < call.args.length; i++) {
    const w = call.args[i]!;
    if (w === 'proto') {
      p.proto = true;
      continue;
    }
    const expr = w.endsWith('-expr');
    const field = FORWARDED_PARAMS[expr ? w.slice(0, -5) : w];
    if (!field)
      throw badArgs(
        call,
        "only supports optional values: 'proto', 'host', 'host-expr', 'by', 'by-expr', 'by_port', 'by_port-expr', 'for', 'for-expr', 'for_port' and 'for_port-expr'",
      );
    if (!expr) p[field] = 'orig';
    else if (call.args[i + 1] === undefined) throw badArgs(call, `'${w}' expects <expr> as argument`);
    else p[field] = { expr: call.args[++i]! };
  }
  for (const [port, node] of [
    ['byPort', 'by'],
    ['forPort', 'for'],
  ] as const) {
    if (p[port] === undefined || p[node] !== undefined) continue;
    ctx.warn(
      call.loc,
      call.keyword,
      `'${port === 'byPort' ? 'by' : 'for'}_port' will be ignored because both '${node}' and '${node}-expr' are unset`,
    );
    delete p[port];
  }
  return p;
}

/** `[except <network>] [header <name>] [if-none]` of forwardfor / originalto. */
function headerOptions(
  call: KeywordCall,
  allowIfNone: boolean,
): { except?: string; header?: string; ifNone: boolean } {
  const out: { except?: string; header?: string; ifNone: boolean } = { ifNone: false };
  for (let i = 0; i < call.args.length; i++) {
    const w = call.args[i];
    if ((w === 'except' || w === 'header') && call.args[i + 1] !== undefined) {
      out[w] = call.args[++i]!;
      // HAProxy refuses a bad network here; a silently ignored `except` would tag trusted clients.
      const bad = w === 'except' ? parseNetwork(out.except!) : undefined;
      if (typeof bad === 'string') throw badArgs(call, `'except ${out.except}': ${bad}`);
    } else if (w === 'if-none' && allowIfNone) out.ifNone = true;
    else
      throw badArgs(
        call,
        `unexpected '${w}' (expects except <network>, header <name>${allowIfNone ? ', if-none' : ''})`,
      );
  }
  return out;
}

function capture(side: 'request' | 'response') {
  return (ctx: SectionCtx, call: KeywordCall): void => {
    const usage = `capture ${side} header <name> len <length>`;
    argCount(call, 3, 3, usage);
    if (call.args[1] !== 'len') throw badArgs(call, `expects 'len' (usage: ${usage})`);
    const len = intArg(call, call.args[2], 1, 65535, 'length');
    proxyOf(ctx).captures.push({ side, header: call.args[0]!, len });
  };
}

function statusCode(call: KeywordCall, text: string | undefined): number {
  return intArg(call, text, 100, 599, 'status code');
}

function errorfile(ctx: SectionCtx, call: KeywordCall): void {
  argCount(call, 2, 2, 'errorfile <code> <file>');
  const code = statusCode(call, call.args[0]);
  const file = readableFile(call, call.args[1]!);
  const target = ctx.kind === 'http-errors' ? ctx.httpErrors?.errorfiles : proxyOf(ctx).errorfiles;
  if (!ERROR_CODES.includes(code)) {
    ctx.warn(
      call.loc,
      call.keyword,
      `status code ${code} not handled by 'errorfile', error customization will be ignored`,
    );
    return;
  }
  target?.set(code, file);
}

function errorloc(redirect: 302 | 303) {
  return (ctx: SectionCtx, call: KeywordCall): void => {
    argCount(call, 2, 2, `${call.keyword} <code> <url>`);
    const code = statusCode(call, call.args[0]);
    if (!ERROR_CODES.includes(code)) {
      ctx.warn(call.loc, call.keyword, `status code ${code} not handled, error relocation will be ignored`);
      return;
    }
    proxyOf(ctx).errorlocs.set(code, { code: redirect, url: call.args[1]! });
  };
}

function errorfiles(ctx: SectionCtx, call: KeywordCall): void {
  argCount(call, 1, Number.POSITIVE_INFINITY, 'errorfiles <name> [<code> ...]');
  const codes = call.args.slice(1).map((c) => statusCode(call, c));
  proxyOf(ctx).errorfileRefs.push({ name: call.args[0]!, codes, loc: call.loc });
}

function stringSetter(
  field: 'logFormat' | 'uniqueIdFormat' | 'uniqueIdHeader' | 'monitorUri',
  usage: string,
) {
  return (ctx: SectionCtx, call: KeywordCall): void => {
    argCount(call, 1, 1, usage);
    proxyOf(ctx)[field] = call.args[0]!;
  };
}

export const httpKeywords: SectionSpec[] = withModule<SectionCtx>('http', [
  {
    name: 'option httpclose',
    sections: ALL_PROXIES,
    usage: '[no] option httpclose',
    doc: 'Close the connection after each request/response exchange.',
    negatable: true,
    parse: connMode('httpclose'),
  },
  {
    name: 'option http-server-close',
    sections: ALL_PROXIES,
    usage: '[no] option http-server-close',
    doc: 'Keep the client connection alive but close the server one after each response.',
    negatable: true,
    parse: connMode('httpServerClose'),
  },
  {
    name: 'option http-keep-alive',
    sections: ALL_PROXIES,
    usage: '[no] option http-keep-alive',
    doc: 'Keep both connections alive between requests.',
    defaultValue: 'enabled',
    negatable: true,
    parse: connMode('httpKeepAlive'),
  },
  {
    name: 'option forwardfor',
    sections: ALL_PROXIES,
    usage: 'option forwardfor [except <network>] [header <name>] [if-none]',
    doc: 'Add the client address in an X-Forwarded-For header.',
    parse(ctx, call) {
      const h = headerOptions(call, true);
      proxyOf(ctx).options.forwardfor = {
        ...(h.except !== undefined && { except: h.except }),
        header: h.header ?? 'X-Forwarded-For',
        ifNone: h.ifNone,
      };
    },
  },
  {
    name: 'option forwarded',
    sections: BACK_SIDE,
    usage:
      '[no] option forwarded [proto] [host|host-expr <e>] [by|by-expr <e>] [by_port|by_port-expr <e>] [for|for-expr <e>] [for_port|for_port-expr <e>]',
    doc: 'Add an RFC 7239 Forwarded header (default: proto and for).',
    negatable: true,
    parse(ctx, call) {
      const o = proxyOf(ctx).options;
      o.forwarded = !call.negated;
      if (call.negated) {
        delete o.forwardedParams;
        return;
      }
      o.forwardedParams = forwardedParams(ctx, call);
    },
  },
  {
    name: 'option originalto',
    sections: ALL_PROXIES,
    usage: 'option originalto [except <network>] [header <name>]',
    doc: 'Add the original destination address in an X-Original-To header.',
    parse(ctx, call) {
      const h = headerOptions(call, false);
      proxyOf(ctx).options.originalto = {
        ...(h.except !== undefined && { except: h.except }),
        header: h.header ?? 'X-Original-To',
      };
    },
  },
  {
    name: 'option httplog',
    sections: FRONT_SIDE,
    usage: 'option httplog [clf]',
    doc: 'HTTP log format (or the Common Log Format with clf).',
    parse(ctx, call) {
      argCount(call, 0, 1, 'option httplog [clf]');
      if (call.args[0] !== undefined && call.args[0] !== 'clf')
        throw badArgs(call, `unexpected '${call.args[0]}' (expects clf)`);
      const o = proxyOf(ctx).options;
      o.httplog = true;
      o.httplogClf = call.args[0] === 'clf';
      o.tcplog = false;
    },
  },
  {
    name: 'option tcplog',
    sections: ALL_PROXIES,
    usage: 'option tcplog',
    doc: 'TCP log format, with connection timers and byte counts.',
    parse(ctx, call) {
      noArgs(call);
      const o = proxyOf(ctx).options;
      o.tcplog = true;
      o.httplog = false;
      o.httplogClf = false;
    },
  },
  {
    name: 'option dontlognull',
    sections: FRONT_SIDE,
    usage: '[no] option dontlognull',
    doc: 'Do not log connections that carried no data (health probes, scans).',
    defaultValue: 'disabled',
    negatable: true,
    parse(ctx, call) {
      noArgs(call);
      proxyOf(ctx).options.dontlognull = !call.negated;
    },
  },
  {
    name: 'monitor-uri',
    sections: FRONT_SIDE,
    usage: 'monitor-uri <uri>',
    doc: 'Answer 200 (or 503 on monitor fail) to this URI without forwarding.',
    parse: stringSetter('monitorUri', 'monitor-uri <uri>'),
  },
  {
    name: 'monitor fail',
    sections: FRONTENDS,
    usage: 'monitor fail {if | unless} <condition>',
    doc: 'Make monitor-uri answer 503 when the condition matches.',
    parse(ctx, call) {
      proxyOf(ctx).monitorFail.push(requireCondition(call));
    },
  },
  {
    name: 'capture request header',
    sections: FRONTENDS,
    usage: 'capture request header <name> len <length>',
    doc: 'Log the value of a request header.',
    parse: capture('request'),
  },
  {
    name: 'capture response header',
    sections: FRONTENDS,
    usage: 'capture response header <name> len <length>',
    doc: 'Log the value of a response header.',
    parse: capture('response'),
  },
  {
    name: 'log-format',
    sections: FRONT_SIDE,
    usage: 'log-format <string>',
    doc: 'Custom log line format (§8.2.4).',
    parse: stringSetter('logFormat', 'log-format <string>'),
  },
  {
    name: 'unique-id-format',
    sections: FRONT_SIDE,
    usage: 'unique-id-format <string>',
    doc: 'Log-format expression generating a unique request id.',
    parse: stringSetter('uniqueIdFormat', 'unique-id-format <string>'),
  },
  {
    name: 'unique-id-header',
    sections: FRONT_SIDE,
    usage: 'unique-id-header <name>',
    doc: 'Header carrying the unique id to the server.',
    parse: stringSetter('uniqueIdHeader', 'unique-id-header <name>'),
  },
  {
    name: 'errorfile',
    sections: [...ALL_PROXIES, 'http-errors'],
    usage: 'errorfile <code> <file>',
    doc: 'Serve this file (a full HTTP response) instead of the built-in error page.',
    parse: errorfile,
  },
  {
    name: 'errorloc',
    sections: ALL_PROXIES,
    usage: 'errorloc <code> <url>',
    doc: 'Redirect (302) to this URL instead of the built-in error page.',
    parse: errorloc(302),
  },
  {
    name: 'errorloc302',
    sections: ALL_PROXIES,
    usage: 'errorloc302 <code> <url>',
    doc: 'Same as errorloc.',
    parse: errorloc(302),
  },
  {
    name: 'errorloc303',
    sections: ALL_PROXIES,
    usage: 'errorloc303 <code> <url>',
    doc: 'Redirect with 303 instead of the built-in error page.',
    parse: errorloc(303),
  },
  {
    name: 'errorfiles',
    sections: ALL_PROXIES,
    usage: 'errorfiles <name> [<code> ...]',
    doc: 'Import the error pages of an http-errors section.',
    parse: errorfiles,
  },
  {
    name: 'timeout http-request',
    sections: ALL_PROXIES,
    usage: 'timeout http-request <timeout>',
    doc: 'Maximum time to receive a complete HTTP request head.',
    defaultValue: 'none',
    parse(ctx, call) {
      argCount(call, 1, 1, 'timeout http-request <timeout>');
      proxyOf(ctx).timeouts.httpRequest = timeArg(call, call.args[0]);
    },
  },
  {
    name: 'timeout http-keep-alive',
    sections: ALL_PROXIES,
    usage: 'timeout http-keep-alive <timeout>',
    doc: 'Maximum time to wait for the next request on a kept-alive connection.',
    defaultValue: 'none (timeout http-request)',
    parse(ctx, call) {
      argCount(call, 1, 1, 'timeout http-keep-alive <timeout>');
      proxyOf(ctx).timeouts.httpKeepAlive = timeArg(call, call.args[0]);
    },
  },
]);
