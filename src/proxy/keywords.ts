/**
 * Proxy keywords implemented by the proxy engine (frontends, backends,
 * connection handling): configuration.txt §4.2. HTTP-specific keywords are in
 * http/keywords.ts, binds in bind-keywords.ts, servers in server-keywords.ts,
 * balancing in lb/keywords.ts.
 */
import { isIP } from 'node:net';
import { parseAddress } from '../config/address.js';
import { parseAclDef } from '../config/haproxy/acl.js';
import {
  argCount,
  badArgs,
  checkName,
  intArg,
  noArgs,
  oneOf,
  proxyOf,
  splitCondition,
  timeArg,
} from '../config/haproxy/args.js';
import {
  ALL_PROXIES,
  BACK_SIDE,
  BACKENDS,
  FRONT_SIDE,
  FRONTENDS,
  NAMED_PROXIES,
  type SectionCtx,
  type SectionSpec,
  withModule,
} from '../config/haproxy/context.js';
import type { KeywordCall } from '../config/registry.js';
import { ConfigCode, ConfigError } from '../core/errors.js';

const MAX_INT = 2 ** 31 - 1;

function unsupported(call: KeywordCall, what: string): ConfigError {
  return new ConfigError(
    ConfigCode.Unsupported,
    call.loc,
    call.keyword,
    `${what} is not supported by hapair yet`,
  );
}

function redispatch(ctx: SectionCtx, call: KeywordCall): void {
  argCount(call, 0, 1, 'option redispatch [<interval>]');
  const px = proxyOf(ctx);
  // §4.2 option redispatch: the default interval -1 redispatches on the last retry.
  px.redispatch = call.negated
    ? 0
    : call.args[0] === undefined
      ? -1
      : intArg(call, call.args[0], -MAX_INT, MAX_INT);
}

function sourceKeyword(ctx: SectionCtx, call: KeywordCall): void {
  argCount(call, 1, Number.POSITIVE_INFINITY, 'source <addr>[:<port>]');
  if (call.args[1] === 'usesrc') throw unsupported(call, "transparent proxying ('usesrc')");
  if (call.args[1] === 'interface') throw unsupported(call, "'source … interface'");
  if (call.args.length > 1) throw badArgs(call, `unexpected '${call.args[1]}'`);
  proxyOf(ctx).source = parseAddress(call.args[0]!, { loc: call.loc, keyword: call.keyword, role: 'source' });
}

function tcpRequestConnection(ctx: SectionCtx, call: KeywordCall): void {
  const { head, cond } = splitCondition(call);
  const action = head[0];
  if (action !== 'accept' && action !== 'reject') {
    if (action === undefined) throw badArgs(call, "expects an action ('accept' or 'reject')");
    throw unsupported(call, `action '${action}'`);
  }
  if (head.length > 1) throw badArgs(call, `unexpected '${head[1]}' after '${action}'`);
  const rule = { family: call.keyword, action, args: [], loc: call.loc };
  proxyOf(ctx).rules.push(cond ? { ...rule, cond } : rule);
}

function acl(ctx: SectionCtx, call: KeywordCall): void {
  const name = checkName(call, call.args[0], 'acl');
  const def = parseAclDef(name, call.args.slice(1), call.loc, call.keyword);
  const acls = proxyOf(ctx).acls;
  // Several lines with the same name are OR-ed (§7.1).
  acls.set(name, [...(acls.get(name) ?? []), def]);
}

function mode(ctx: SectionCtx, call: KeywordCall): void {
  argCount(call, 1, 1, 'mode { tcp | http }');
  if (call.args[0] === 'health') throw unsupported(call, "'mode health' (removed in HAProxy 2.4)");
  proxyOf(ctx).mode = oneOf(call, call.args[0], ['tcp', 'http'] as const);
}

function useBackend(ctx: SectionCtx, call: KeywordCall): void {
  const { head, cond } = splitCondition(call);
  if (head.length !== 1) {
    throw badArgs(
      call,
      `expects a backend name then optionally 'if'/'unless' <condition>, got '${head.join(' ')}'`,
    );
  }
  const rule = { backend: head[0]!, loc: call.loc };
  proxyOf(ctx).useBackends.push(cond ? { ...rule, cond } : rule);
}

function monitorNet(ctx: SectionCtx, call: KeywordCall): void {
  argCount(call, 1, 1, 'monitor-net <source>');
  const [ip, bits, extra] = call.args[0]!.split('/');
  const family = isIP(ip ?? '');
  const max = family === 6 ? 128 : 32;
  if (
    family === 0 ||
    extra !== undefined ||
    (bits !== undefined && !/^\d+$/.test(bits)) ||
    Number(bits ?? 0) > max
  ) {
    throw badArgs(call, `invalid network '${call.args[0]}'`);
  }
  proxyOf(ctx).monitorNets.push(call.args[0]!);
  ctx.warn(
    call.loc,
    call.keyword,
    "deprecated (removed in HAProxy 2.4): use 'tcp-request connection reject' rules",
  );
}

function intSetter(
  field: 'maxconn' | 'backlog' | 'rateLimitSessions' | 'fullconn' | 'retries',
  usage: string,
): SectionSpec['parse'] {
  return (ctx, call) => {
    argCount(call, 1, 1, usage);
    proxyOf(ctx)[field] = intArg(call, call.args[0], 0, MAX_INT);
  };
}

export const proxyKeywords: SectionSpec[] = withModule<SectionCtx>('proxy', [
  {
    name: 'mode',
    sections: ALL_PROXIES,
    usage: 'mode { tcp | http }',
    doc: 'Proxy protocol mode.',
    defaultValue: 'tcp',
    parse: mode,
  },
  {
    name: 'maxconn',
    sections: ['global', ...FRONT_SIDE],
    usage: 'maxconn <number>',
    doc: 'global: process-wide connection limit; proxies: frontend connection limit (0 = the global one).',
    defaultValue: 'global: derived from ulimit -n; proxies: 0',
    parse(ctx, call) {
      argCount(call, 1, 1, 'maxconn <number>');
      const n = intArg(call, call.args[0], 0, MAX_INT);
      if (ctx.kind === 'global') ctx.global.maxconn = n;
      else proxyOf(ctx).maxconn = n;
    },
  },
  {
    name: 'backlog',
    sections: FRONT_SIDE,
    usage: 'backlog <conns>',
    doc: 'listen() backlog hint.',
    defaultValue: 'maxconn',
    parse: intSetter('backlog', 'backlog <conns>'),
  },
  {
    name: 'rate-limit sessions',
    sections: FRONT_SIDE,
    usage: 'rate-limit sessions <rate>',
    doc: 'Maximum new sessions per second accepted by a frontend.',
    defaultValue: 'unlimited',
    parse: intSetter('rateLimitSessions', 'rate-limit sessions <rate>'),
  },
  {
    name: 'default_backend',
    sections: FRONT_SIDE,
    usage: 'default_backend <backend>',
    doc: 'Backend used when no use_backend rule matches.',
    parse(ctx, call) {
      argCount(call, 1, 1, 'default_backend <backend>');
      proxyOf(ctx).defaultBackend = { name: call.args[0]!, loc: call.loc };
    },
  },
  {
    name: 'use_backend',
    sections: FRONTENDS,
    usage: 'use_backend <backend> [{if | unless} <condition>]',
    doc: 'Switch to a backend when the condition matches.',
    parse: useBackend,
  },
  {
    name: 'fullconn',
    sections: BACK_SIDE,
    usage: 'fullconn <conns>',
    doc: 'Backend load at which servers reach their maxconn (dynamic minconn).',
    defaultValue: '0 (10% of the frontends maxconn)',
    parse: intSetter('fullconn', 'fullconn <conns>'),
  },
  {
    name: 'retries',
    sections: BACK_SIDE,
    usage: 'retries <value>',
    doc: 'Connection retries to a server before giving up.',
    defaultValue: '3',
    parse: intSetter('retries', 'retries <value>'),
  },
  {
    name: 'option redispatch',
    sections: BACK_SIDE,
    usage: '[no] option redispatch [<interval>]',
    doc: 'Allow retries to pick another server (every Nth retry; -1 = the last one).',
    defaultValue: 'disabled',
    negatable: true,
    parse: redispatch,
  },
  {
    name: 'redispatch',
    sections: BACK_SIDE,
    usage: 'redispatch',
    doc: "Deprecated alias of 'option redispatch'.",
    parse(ctx, call) {
      noArgs(call);
      proxyOf(ctx).redispatch = -1;
      ctx.warn(call.loc, call.keyword, "deprecated: use 'option redispatch' instead");
    },
  },
  {
    name: 'dispatch',
    sections: BACKENDS,
    usage: 'dispatch <address>:<port>',
    doc: 'Legacy single-server backend: forward every connection to this address.',
    parse(ctx, call) {
      argCount(call, 1, 1, 'dispatch <address>:<port>');
      const addr = parseAddress(call.args[0]!, { loc: call.loc, keyword: call.keyword, role: 'server' });
      if (addr.port === 0 || addr.portOffset !== undefined)
        throw badArgs(call, `'${call.args[0]}' needs an explicit port`);
      proxyOf(ctx).dispatch = addr;
    },
  },
  {
    name: 'source',
    sections: BACK_SIDE,
    usage: 'source <addr>[:<port>]',
    doc: 'Source address for connections to the servers.',
    parse: sourceKeyword,
  },
  {
    name: 'tcp-request connection',
    sections: FRONTENDS,
    usage: 'tcp-request connection {accept|reject} [{if | unless} <condition>]',
    doc: 'Accept or reject a connection as soon as it is accepted.',
    parse: tcpRequestConnection,
  },
  {
    name: 'acl',
    sections: NAMED_PROXIES,
    usage: 'acl <aclname> <criterion> [flags] [operator] <value> ...',
    doc: 'Declare (or extend) a named access list.',
    parse: acl,
  },
  {
    name: 'disabled',
    sections: ALL_PROXIES,
    usage: 'disabled',
    doc: 'Do not start this proxy.',
    parse(ctx, call) {
      noArgs(call);
      proxyOf(ctx).disabled = true;
    },
  },
  {
    name: 'enabled',
    sections: ALL_PROXIES,
    usage: 'enabled',
    doc: "Start this proxy (cancels an inherited 'disabled').",
    parse(ctx, call) {
      noArgs(call);
      proxyOf(ctx).disabled = false;
    },
  },
  {
    name: 'description',
    sections: ['global', ...NAMED_PROXIES],
    usage: 'description <string>',
    doc: 'Free text shown on the stats page.',
    parse(ctx, call) {
      argCount(call, 1, Number.POSITIVE_INFINITY, 'description <string>');
      const text = call.args.join(' ');
      if (ctx.kind === 'global') ctx.global.description = text;
      else proxyOf(ctx).description = text;
    },
  },
  {
    name: 'id',
    sections: NAMED_PROXIES,
    usage: 'id <value>',
    doc: 'Numeric proxy identifier (stats, SNMP).',
    defaultValue: 'assigned in declaration order',
    parse(ctx, call) {
      argCount(call, 1, 1, 'id <value>');
      proxyOf(ctx).id = intArg(call, call.args[0], 1, MAX_INT, 'id');
    },
  },
  {
    name: 'grace',
    sections: ALL_PROXIES,
    usage: 'grace <time>',
    doc: 'Keep accepting connections this long after a soft stop begins.',
    defaultValue: '0',
    parse(ctx, call) {
      argCount(call, 1, 1, 'grace <time>');
      proxyOf(ctx).grace = timeArg(call, call.args[0]);
    },
  },
  {
    name: 'monitor-net',
    sections: FRONT_SIDE,
    usage: 'monitor-net <source>',
    doc: 'Legacy: answer health probes from this network without forwarding or logging.',
    parse: monitorNet,
  },
  {
    name: 'http-reuse',
    sections: BACK_SIDE,
    usage: 'http-reuse { never | safe | aggressive | always }',
    doc: 'Sharing of idle server connections between clients.',
    defaultValue: 'safe',
    parse(ctx, call) {
      argCount(call, 1, 1, 'http-reuse { never | safe | aggressive | always }');
      proxyOf(ctx).httpReuse = oneOf(call, call.args[0], ['never', 'safe', 'aggressive', 'always'] as const);
    },
  },
]);
