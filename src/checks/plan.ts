/**
 * Turns the frozen config into one check plan per checked server: where to
 * connect (`addr`/`port` overrides, check-ssl, check-send-proxy), which rule
 * set or external command, which timings, and the agent. Compiling here means
 * a bad check definition fails at startup (and in `hapair -c`) with its
 * file:line, never at the first check.
 */
import { readFileSync } from 'node:fs';
import type { HaproxyConfig, ProxyConfig, ServerConfig } from '../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../core/errors.js';
import { type ExternalSpec, externalSpec } from './external.js';
import type { HealthParams } from './health-fsm.js';
import { compileHttpCheck } from './http-check.js';
import { compileMysqlCheck, mysqlOptions } from './mysql-check.js';
import { compilePgsqlCheck, pgsqlUser } from './pgsql-check.js';
import { compileRedisCheck } from './redis-check.js';
import type { CheckTiming, RuleSet } from './rules.js';
import type { ConnectTarget } from './session.js';
import { compileSmtpCheck, smtpHello } from './smtp-check.js';
import { compileSslHello } from './ssl-hello.js';
import { compileTcpCheck, plainConnect } from './tcp-check.js';

export type HealthPlan =
  | {
      readonly kind: 'rules';
      readonly rules: RuleSet;
      readonly target: ConnectTarget;
      readonly timing: CheckTiming;
    }
  | { readonly kind: 'external'; readonly spec: ExternalSpec; readonly timeoutMs: number };

export interface AgentPlan {
  readonly target: ConnectTarget;
  readonly timing: CheckTiming;
  readonly send?: string;
}

export interface ServerPlan {
  readonly proxy: ProxyConfig;
  readonly server: ServerConfig;
  readonly params: HealthParams;
  readonly health?: HealthPlan;
  readonly agent?: AgentPlan;
}

export function planChecks(cfg: HaproxyConfig, wallNow: () => number): ServerPlan[] {
  const out: ServerPlan[] = [];
  for (const px of cfg.proxies) {
    if (px.kind === 'frontend' || px.disabled) continue;
    for (const s of px.servers) checkObserve(px, s);
    const checked = px.servers.filter((s) => s.check.enabled || s.check.agent !== undefined);
    if (checked.length === 0) continue;
    const rules = proxyRules(px, wallNow);
    for (const s of checked) out.push(planServer(px, s, rules));
  }
  return out;
}

/** The rule set shared by the proxy's servers; undefined for external checks. */
function proxyRules(px: ProxyConfig, wallNow: () => number): RuleSet | undefined {
  const args = px.checkArgs ?? [];
  switch (px.checkKind) {
    case 'tcp':
      return plainConnect;
    case 'tcp-check':
      return compileTcpCheck(px.tcpCheckSteps);
    case 'http':
      return compileHttpCheck(px.httpCheck ?? { method: '', uri: '', version: '', steps: [] });
    case 'ssl-hello':
      return compileSslHello(wallNow);
    case 'mysql':
      return compileMysqlCheck(mysqlOptions(args, px.loc));
    case 'pgsql':
      return compilePgsqlCheck(pgsqlUser(args, px.loc));
    case 'redis':
      return compileRedisCheck();
    case 'smtp':
      return compileSmtpCheck(smtpHello(args, px.loc));
    case 'external':
      return undefined;
  }
}

function planServer(px: ProxyConfig, s: ServerConfig, rules: RuleSet | undefined): ServerPlan {
  const c = s.check;
  const params: HealthParams = {
    checkEnabled: c.enabled,
    agentEnabled: c.agent !== undefined,
    rise: c.rise,
    fall: c.fall,
    inter: c.inter,
    agentInter: c.agent?.inter ?? c.inter,
    ...(c.fastinter !== undefined ? { fastinter: c.fastinter } : {}),
    ...(c.downinter !== undefined ? { downinter: c.downinter } : {}),
  };
  const timing = (inter: number): CheckTiming => ({
    inter,
    ...(px.timeouts.connect !== undefined ? { connect: px.timeouts.connect } : {}),
    ...(px.timeouts.check !== undefined ? { check: px.timeouts.check } : {}),
  });
  let health: HealthPlan | undefined;
  if (c.enabled && rules !== undefined) {
    health = { kind: 'rules', rules, target: checkTarget(px, s), timing: timing(c.inter) };
  } else if (c.enabled) {
    const t = timing(c.inter);
    // extcheck.c: min(inter, timeout connect) when `timeout check` is set, inter otherwise.
    const timeoutMs =
      t.check !== undefined && t.connect !== undefined ? Math.min(t.inter, t.connect) : t.inter;
    health = { kind: 'external', spec: externalSpec(px, s), timeoutMs };
  }
  const agent = c.agent !== undefined ? agentPlan(s, timing(c.agent.inter)) : undefined;
  return { proxy: px, server: s, params, ...(health ? { health } : {}), ...(agent ? { agent } : {}) };
}

/**
 * `observe` adjusts the active check, so it needs `check` (doc 5.2 "observe";
 * HAProxy silently does nothing without one, we say so), and `layer7` an HTTP
 * proxy (server.c srv_parse_observe).
 */
function checkObserve(px: ProxyConfig, s: ServerConfig): void {
  const mode = s.check.observe;
  if (mode === undefined) return;
  if (!s.check.enabled) throw missing(s, 'observe', "requires 'check' on the same server");
  if (mode === 'layer7' && px.mode !== 'http') {
    throw new ConfigError(
      ConfigCode.Conflict,
      s.loc,
      'observe',
      `server '${s.name}': 'layer7' can only be used in http proxies`,
    );
  }
}

function missing(s: ServerConfig, keyword: string, reason: string): ConfigError {
  return new ConfigError(ConfigCode.Missing, s.loc, keyword, `server '${s.name}': ${reason}`);
}

/** Check destination: `addr`/`port` when given, else the server's address (doc 5.2 "addr", "port"). */
export function checkTarget(px: ProxyConfig, s: ServerConfig): ConnectTarget {
  const c = s.check;
  const a = s.addr;
  const tls = c.ssl
    ? {
        verify: s.ssl?.verify === 'required',
        ...(s.ssl?.caFile !== undefined ? { ca: readCa(s, s.ssl.caFile) } : {}),
        ...(s.ssl?.sni !== undefined ? { servername: s.ssl.sni } : {}),
      }
    : undefined;
  const proxyHeader: 1 | 2 | undefined = c.sendProxy ? (s.sendProxy === 2 ? 2 : 1) : undefined;
  const extra = { ...(tls ? { tls } : {}), ...(proxyHeader ? { proxyHeader } : {}) };
  if (c.addr === undefined && c.port === undefined && (a.family === 'unix' || a.family === 'abns')) {
    return { host: '', port: 0, path: a.family === 'abns' ? `\0${a.path ?? ''}` : (a.path ?? ''), ...extra };
  }
  if (c.addr === undefined && a.family === 'fd') {
    throw new ConfigError(
      ConfigCode.Unsupported,
      s.loc,
      'check',
      `server '${s.name}': cannot check an fd@ address`,
    );
  }
  const port = c.port ?? (a.portOffset === undefined ? a.port : 0);
  if (port === 0 && !firstRuleHasPort(px))
    throw missing(s, 'check', 'neither service port nor check port is set');
  return { host: c.addr ?? a.host, port, ...extra };
}

function readCa(s: ServerConfig, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ConfigError(
      ConfigCode.Io,
      s.loc,
      'ca-file',
      `server '${s.name}': cannot read '${file}': ${(e as Error).message}`,
    );
  }
}

/** A tcp-check/http-check sequence may start with `connect port N` (doc "tcp-check connect"). */
function firstRuleHasPort(px: ProxyConfig): boolean {
  const steps =
    px.checkKind === 'tcp-check'
      ? px.tcpCheckSteps
      : px.checkKind === 'http'
        ? (px.httpCheck?.steps ?? [])
        : [];
  const first = steps[0];
  return first?.kind === 'connect' && first.args.includes('port');
}

function agentPlan(s: ServerConfig, timing: CheckTiming): AgentPlan {
  const ag = s.check.agent!;
  if (ag.port === undefined) throw missing(s, 'agent-check', "requires the 'agent-port' parameter");
  const host = ag.addr ?? s.check.addr ?? s.addr.host;
  return { target: { host, port: ag.port }, timing, ...(ag.send !== undefined ? { send: ag.send } : {}) };
}
