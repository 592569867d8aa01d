/**
 * Proxy-level health-check keywords (configuration.txt §4.2 "option httpchk",
 * "http-check", "tcp-check", the protocol-specific check options and
 * "external-check"), registered by the check engine.
 *
 * The model keeps each step's words as written (HttpCheckStep{kind, args},
 * kind being the word after `http-check`/`tcp-check`) and the words after
 * `option mysql-check|pgsql-check|smtpchk` in `checkArgs`; the engine compiles
 * them. Each line is still checked here with the engine's own parsers, so
 * `hapair -c` reports a bad step at its line.
 */
import { argCount, badArgs, noArgs, proxyOf, timeArg } from '../config/haproxy/args.js';
import { BACK_SIDE, type SectionCtx, type SectionSpec, withModule } from '../config/haproxy/context.js';
import type { HttpCheckStep, ProxyCheckKind } from '../config/haproxy/model.js';
import type { KeywordCall } from '../config/registry.js';
import { parseSend as parseHttpSend } from './http-check.js';
import { compileHttpExpect } from './http-expect.js';
import { mysqlOptions } from './mysql-check.js';
import { pgsqlUser } from './pgsql-check.js';
import { smtpHello } from './smtp-check.js';
import { compileTcpExpect, hexBytes, parseConnect } from './tcp-check.js';

/** HAProxy's defaults for `option httpchk` without arguments. */
const HTTPCHK_DEFAULT = { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0' };

/** `option httpchk [[<method>] <uri> [<version>]]`: one argument is the URI (§4.2). */
function httpchk(ctx: SectionCtx, call: KeywordCall): void {
  argCount(call, 0, 3, 'option httpchk [<method>] [<uri>] [<version>]');
  const a = call.args;
  const px = proxyOf(ctx);
  px.checkKind = 'http';
  px.httpCheck =
    a.length === 1
      ? { ...HTTPCHK_DEFAULT, uri: a[0]! }
      : {
          method: a[0] ?? HTTPCHK_DEFAULT.method,
          uri: a[1] ?? HTTPCHK_DEFAULT.uri,
          version: a[2] ?? HTTPCHK_DEFAULT.version,
        };
}

type StepKind = HttpCheckStep['kind'];

/** Validates one step with the engine's parser, then records its words. */
function step(family: 'http' | 'tcp', kind: StepKind) {
  return (ctx: SectionCtx, call: KeywordCall): void => {
    const px = proxyOf(ctx);
    const list = family === 'http' ? px.httpCheckSteps : px.tcpCheckSteps;
    const n = list.length + 1;
    if (kind === 'connect') parseConnect(call.args, call.loc, call.keyword);
    else if (kind === 'expect' && family === 'http') compileHttpExpect(call.args, call.loc, n, false);
    else if (kind === 'expect') compileTcpExpect(call.args, call.loc, n, true);
    else if (family === 'http') parseHttpSend(call.args, call.loc, { ...HTTPCHK_DEFAULT, headers: [] });
    else tcpSend(call, kind === 'send-binary');
    list.push({ kind, args: call.args, loc: call.loc });
  };
}

/** `tcp-check send <data> [comment <msg>]`, `send-binary <hexstring> [comment <msg>]`. */
function tcpSend(call: KeywordCall, binary: boolean): void {
  const [data, kw, comment, ...rest] = call.args;
  if (
    data === undefined ||
    rest.length > 0 ||
    (kw !== undefined && (kw !== 'comment' || comment === undefined))
  ) {
    throw badArgs(call, `expects <${binary ? 'hexstring' : 'data'}> [comment <msg>]`);
  }
  if (binary) hexBytes(data, call.loc, call.keyword);
}

function checkKind(kind: ProxyCheckKind) {
  return (ctx: SectionCtx, call: KeywordCall): void => {
    noArgs(call);
    proxyOf(ctx).checkKind = kind;
  };
}

/** mysql-check, pgsql-check and smtpchk keep their words for the engine, after its own check. */
function protocolCheck(
  kind: ProxyCheckKind,
  validate: (args: readonly string[], call: KeywordCall) => unknown,
) {
  return (ctx: SectionCtx, call: KeywordCall): void => {
    validate(call.args, call);
    const px = proxyOf(ctx);
    px.checkKind = kind;
    px.checkArgs = [...call.args];
  };
}

function externalCheck(field: 'command' | 'path') {
  return (ctx: SectionCtx, call: KeywordCall): void => {
    argCount(call, 1, 1, `external-check ${field} <${field}>`);
    proxyOf(ctx).externalCheck[field] = call.args[0]!;
  };
}

export const checkKeywords: SectionSpec[] = withModule<SectionCtx>('checks', [
  {
    name: 'option httpchk',
    sections: BACK_SIDE,
    usage: 'option httpchk [<method>] [<uri>] [<version>]',
    doc: 'HTTP health checks (default OPTIONS / HTTP/1.0).',
    parse: httpchk,
  },
  {
    name: 'http-check connect',
    sections: BACK_SIDE,
    usage:
      'http-check connect [default] [port <n>] [addr <ip>] [send-proxy] [ssl] [sni <name>] [alpn <list>] [linger]',
    doc: 'Open a check connection (HTTP check sequence).',
    parse: step('http', 'connect'),
  },
  {
    name: 'http-check send',
    sections: BACK_SIDE,
    usage:
      'http-check send [meth <method>] [uri <uri>] [ver <version>] [hdr <name> <value>]* [body <string>] [comment <msg>]',
    doc: 'Send an HTTP check request.',
    parse: step('http', 'send'),
  },
  {
    name: 'http-check expect',
    sections: BACK_SIDE,
    usage:
      'http-check expect [min-recv <n>] [comment <msg>] [ok-status <st>] [error-status <st>] [tout-status <st>] [on-success <fmt>] [on-error <fmt>] [!] <match> <pattern>',
    doc: 'Expected response: status, rstatus, string, rstring, hdr, fhdr.',
    parse: step('http', 'expect'),
  },
  {
    name: 'tcp-check connect',
    sections: BACK_SIDE,
    usage:
      'tcp-check connect [default] [port <n>] [addr <ip>] [send-proxy] [ssl] [sni <name>] [alpn <list>] [linger]',
    doc: 'Open a check connection (tcp-check sequence).',
    parse: step('tcp', 'connect'),
  },
  {
    name: 'tcp-check send',
    sections: BACK_SIDE,
    usage: 'tcp-check send <data> [comment <msg>]',
    doc: 'Send a string.',
    parse: step('tcp', 'send'),
  },
  {
    name: 'tcp-check send-binary',
    sections: BACK_SIDE,
    usage: 'tcp-check send-binary <hexstring> [comment <msg>]',
    doc: 'Send bytes given in hexadecimal.',
    parse: step('tcp', 'send-binary'),
  },
  {
    name: 'tcp-check expect',
    sections: BACK_SIDE,
    usage:
      'tcp-check expect [min-recv <n>] [comment <msg>] [ok-status <st>] [error-status <st>] [tout-status <st>] [on-success <fmt>] [on-error <fmt>] [!] <match> <pattern>',
    doc: 'Expected data: string, rstring, binary, rbinary.',
    parse: step('tcp', 'expect'),
  },
  {
    name: 'option ssl-hello-chk',
    sections: BACK_SIDE,
    usage: 'option ssl-hello-chk',
    doc: 'Check with an SSLv3 client hello.',
    parse: checkKind('ssl-hello'),
  },
  {
    name: 'option mysql-check',
    sections: BACK_SIDE,
    usage: 'option mysql-check [user <username> [{post-41|pre-41|post-80}]]',
    doc: 'MySQL handshake (and login) check.',
    parse: protocolCheck('mysql', (a, c) => mysqlOptions(a, c.loc)),
  },
  {
    name: 'option pgsql-check',
    sections: BACK_SIDE,
    usage: 'option pgsql-check user <username>',
    doc: 'PostgreSQL startup-message check.',
    parse: protocolCheck('pgsql', (a, c) => pgsqlUser(a, c.loc)),
  },
  {
    name: 'option redis-check',
    sections: BACK_SIDE,
    usage: 'option redis-check',
    doc: 'Redis PING/+PONG check.',
    parse: checkKind('redis'),
  },
  {
    name: 'option smtpchk',
    sections: BACK_SIDE,
    usage: 'option smtpchk [{HELO|EHLO} <domain>]',
    doc: 'SMTP greeting + HELO check.',
    parse: protocolCheck('smtp', (a, c) => smtpHello(a, c.loc)),
  },
  {
    name: 'option external-check',
    sections: BACK_SIDE,
    usage: 'option external-check',
    doc: "Run 'external-check command' as the check (needs global external-check).",
    parse: checkKind('external'),
  },
  {
    name: 'option tcp-check',
    sections: BACK_SIDE,
    usage: 'option tcp-check',
    doc: 'Run the tcp-check rule sequence.',
    parse: checkKind('tcp-check'),
  },
  {
    name: 'option log-health-checks',
    sections: BACK_SIDE,
    usage: '[no] option log-health-checks',
    doc: 'Log every health-check status change, not only up/down.',
    defaultValue: 'disabled',
    negatable: true,
    parse(ctx, call) {
      noArgs(call);
      proxyOf(ctx).options.logHealthChecks = !call.negated;
    },
  },
  {
    name: 'external-check command',
    sections: BACK_SIDE,
    usage: 'external-check command <command>',
    doc: 'Program run by external checks.',
    parse: externalCheck('command'),
  },
  {
    name: 'external-check path',
    sections: BACK_SIDE,
    usage: 'external-check path <path>',
    doc: 'PATH given to the external check program.',
    defaultValue: '""',
    parse: externalCheck('path'),
  },
  {
    name: 'timeout check',
    sections: BACK_SIDE,
    usage: 'timeout check <timeout>',
    doc: 'Extra read timeout of a check once connected.',
    defaultValue: 'inter',
    parse(ctx, call) {
      argCount(call, 1, 1, 'timeout check <timeout>');
      proxyOf(ctx).timeouts.check = timeArg(call, call.args[0]);
    },
  },
]);
