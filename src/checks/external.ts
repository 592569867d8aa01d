/**
 * `option external-check` (doc 4.2 "external-check command"): run the command
 * with `<proxy_address> <proxy_port> <server_address> <server_port>` and a fresh
 * environment holding only PATH (`external-check path`, default "") and the
 * HAPROXY_* variables. Exit 0 is PROCOK, any other end is PROCERR with the exit
 * status as code (-1 when killed by a signal), and a run past its timeout is
 * killed (whole process group, by the CommandRunner) and reported PROCTOUT.
 * Mirrors src/extcheck.c prepare_external_check() and process_chk_proc().
 */
import type { ProxyConfig, ServerConfig } from '../config/haproxy/model.js';
import type { Clock } from '../core/clock.js';
import type { CommandRunner } from '../core/command.js';
import { ConfigCode, ConfigError } from '../core/errors.js';
import type { CheckResult } from './types.js';

const NOT_USED = 'NOT_USED';

export interface ExternalSpec {
  readonly command: string;
  /** argv[1..4]. */
  readonly args: readonly [string, string, string, string];
  /** Fixed part of the environment; HAPROXY_SERVER_CURCONN is added per run. */
  readonly env: Readonly<Record<string, string>>;
}

/** First IPv4/IPv6/unix bind of a listen section, as argv[1] and argv[2]. */
function proxyEndpoint(px: ProxyConfig): [string, string] {
  const b = px.binds.find((x) => ['ipv4', 'ipv6', 'unix', 'abns'].includes(x.addr.family));
  if (!b) return [NOT_USED, NOT_USED];
  if (b.addr.family === 'unix' || b.addr.family === 'abns') return [b.addr.path ?? '', NOT_USED];
  return [b.addr.host, String(b.addr.port)];
}

function envValue(v: string): string {
  return v === NOT_USED ? '' : v;
}

export function externalSpec(px: ProxyConfig, s: ServerConfig): ExternalSpec {
  const command = px.externalCheck?.command;
  if (command === undefined || command === '') {
    throw new ConfigError(
      ConfigCode.Missing,
      px.loc,
      'option external-check',
      `proxy '${px.name}': 'external-check command' is required`,
    );
  }
  const [pxAddr, pxPort] = proxyEndpoint(px);
  const unix = s.addr.family === 'unix' || s.addr.family === 'abns';
  const srvAddr = s.check.addr ?? (unix ? (s.addr.path ?? '') : s.addr.host);
  const srvPort = unix && s.check.addr === undefined ? NOT_USED : String(s.check.port ?? s.addr.port);
  return {
    command,
    args: [pxAddr, pxPort, srvAddr, srvPort],
    env: {
      PATH: px.externalCheck?.path ?? '',
      HAPROXY_PROXY_NAME: px.name,
      HAPROXY_PROXY_ID: String(px.id),
      HAPROXY_PROXY_ADDR: envValue(pxAddr),
      HAPROXY_PROXY_PORT: envValue(pxPort),
      HAPROXY_SERVER_NAME: s.name,
      HAPROXY_SERVER_ID: String(s.id),
      HAPROXY_SERVER_ADDR: envValue(srvAddr),
      HAPROXY_SERVER_PORT: envValue(srvPort),
      HAPROXY_SERVER_MAXCONN: String(s.maxconn),
      HAPROXY_SERVER_SSL: s.ssl !== undefined ? '1' : '0',
      HAPROXY_SERVER_PROTO: px.mode === 'http' ? 'h1' : 'tcp',
    },
  };
}

export async function runExternal(
  spec: ExternalSpec,
  runner: CommandRunner,
  timeoutMs: number,
  clock: Clock,
  curconn: number,
): Promise<CheckResult> {
  const started = clock.now();
  const r = await runner.run(spec.command, spec.args, {
    timeoutMs,
    env: { ...spec.env, HAPROXY_SERVER_CURCONN: String(curconn) },
  });
  const durationMs = clock.now() - started;
  if (r.timedOut) return { status: 'PROCTOUT', info: '', durationMs };
  if (r.error) {
    // HAProxy's child exits with status 255 when execvp() fails.
    return {
      status: 'PROCERR',
      code: 255,
      info: `Failed to exec process for external health check: ${r.error.message}`,
      durationMs,
    };
  }
  if (r.code === 0) return { status: 'PROCOK', code: 0, info: '', durationMs };
  return { status: 'PROCERR', code: r.code ?? -1, info: '', durationMs };
}
