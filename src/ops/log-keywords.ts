/**
 * `log` targets of the global section and of proxies (configuration.txt §3.1
 * "log" and §4.2 "log"), registered by the log writer:
 *
 *   log <target> [len <length>] [format <format>] <facility> [<level> [<minlevel>]]
 *   log global        (proxies: use the global targets)
 *   no log            (proxies: forget inherited targets)
 */
import { parseAddress } from '../config/address.js';
import { badArgs, intArg, proxyOf } from '../config/haproxy/args.js';
import { ALL_PROXIES, type SectionCtx, type SectionSpec, withModule } from '../config/haproxy/context.js';
import type { LogTarget } from '../config/haproxy/model.js';
import type { KeywordCall } from '../config/registry.js';
import { ConfigCode, ConfigError } from '../core/errors.js';

export const FACILITIES: readonly string[] = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'auth2',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'cron2',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
];
export const LEVELS: readonly string[] = [
  'emerg',
  'alert',
  'crit',
  'err',
  'warning',
  'notice',
  'info',
  'debug',
];
const FORMATS = ['rfc3164', 'rfc5424', 'short', 'raw'] as const;
/** HAProxy formats hapair's log writer does not produce. */
const UNSUPPORTED_FORMATS = ['local', 'priority', 'timed', 'iso'];
const SYSLOG_PORT = 514;

function unsupported(call: KeywordCall, what: string): ConfigError {
  return new ConfigError(
    ConfigCode.Unsupported,
    call.loc,
    call.keyword,
    `${what} is not supported by hapair yet`,
  );
}

function target(call: KeywordCall, text: string): Pick<LogTarget, 'target' | 'addr'> {
  if (text === 'stdout' || text === 'stderr') return { target: text };
  if (text.startsWith('ring@')) throw unsupported(call, `log ring '${text}'`);
  const parsed = parseAddress(text, { loc: call.loc, keyword: call.keyword, role: 'log' });
  const isNet = parsed.family === 'ipv4' || parsed.family === 'ipv6' || parsed.family === 'hostname';
  const addr = isNet && parsed.port === 0 ? { ...parsed, port: SYSLOG_PORT, portEnd: SYSLOG_PORT } : parsed;
  const shown =
    addr.path ??
    (addr.family === 'fd'
      ? `fd@${addr.fd}`
      : `${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${addr.port}`);
  return { target: shown, addr };
}

/** Parses the words of a `log <target> …` line into a LogTarget. */
export function parseLogTarget(call: KeywordCall): LogTarget {
  const words = [...call.args];
  const where = target(call, words.shift()!);
  let len = 1024;
  let format: LogTarget['format'] = 'rfc3164';
  while (words[0] === 'len' || words[0] === 'format' || words[0] === 'sample') {
    const [opt, val] = [words.shift()!, words.shift()];
    if (val === undefined) throw badArgs(call, `'${opt}' expects a value`);
    if (opt === 'sample') throw unsupported(call, "'log … sample'");
    if (opt === 'len') len = intArg(call, val, 80, 65535, 'length');
    else if (UNSUPPORTED_FORMATS.includes(val)) throw unsupported(call, `log format '${val}'`);
    else if ((FORMATS as readonly string[]).includes(val)) format = val as LogTarget['format'];
    else throw badArgs(call, `unknown log format '${val}' (expects ${FORMATS.join(', ')})`);
  }
  const [facility, level, minLevel, extra] = words;
  if (facility === undefined) throw badArgs(call, 'expects a syslog facility');
  if (!FACILITIES.includes(facility)) throw badArgs(call, `unknown log facility '${facility}'`);
  for (const l of [level, minLevel])
    if (l !== undefined && !LEVELS.includes(l)) throw badArgs(call, `unknown log level '${l}'`);
  if (extra !== undefined) throw badArgs(call, `unexpected '${extra}' after the levels`);
  return {
    ...where,
    facility,
    ...(level !== undefined && { level }),
    ...(minLevel !== undefined && { minLevel }),
    format,
    len,
    loc: call.loc,
  };
}

function log(ctx: SectionCtx, call: KeywordCall): void {
  if (call.negated) {
    if (call.args.length > 0) throw badArgs(call, "'no log' takes no argument");
    if (ctx.kind === 'global') ctx.global.logs = [];
    else proxyOf(ctx).logs = [];
    return;
  }
  if (call.args.length === 0) throw badArgs(call, "expects a target, or 'global'");
  if (call.args[0] === 'global') {
    if (ctx.kind === 'global') throw badArgs(call, "'log global' is only valid in proxies");
    if (call.args.length > 1) throw badArgs(call, `unexpected '${call.args[1]}' after 'global'`);
    proxyOf(ctx).logs.push({ global: true, loc: call.loc });
    return;
  }
  const t = parseLogTarget(call);
  if (ctx.kind === 'global') ctx.global.logs.push(t);
  else proxyOf(ctx).logs.push(t);
}

export const logKeywords: SectionSpec[] = withModule<SectionCtx>('ops', [
  {
    name: 'log',
    sections: ['global', ...ALL_PROXIES],
    usage:
      'log <target> [len <length>] [format <format>] <facility> [<level> [<minlevel>]] | log global | no log',
    doc: 'Send logs to syslog (udp/unix), stdout or stderr.',
    defaultValue: 'no logging',
    negatable: true,
    parse: log,
  },
]);
