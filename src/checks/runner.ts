/**
 * The health-check runner: schedules the health check and the agent check of
 * every checked server, at most one run of each in flight, feeds results to the
 * pure FSM (health-fsm.ts) and executes its actions — sink calls and HAProxy's
 * log lines. Scheduling copies src/check.c: first runs spread over the smallest
 * interval (start_checks/start_check_task), next run one interval after the
 * previous one ended, `spread-checks` adding ±N% jitter.
 */
import type { HaproxyConfig, ProxyConfig, ServerConfig } from '../config/haproxy/model.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { realClock } from '../core/clock.js';
import { type CommandRunner, realRunner } from '../core/command.js';
import { child, type Logger, silentLogger } from '../core/logger.js';
import type { ObservedStatus } from '../proxy/server.js';
import { agentVerdict, compileAgentCheck, dynamicWeights } from './agent.js';
import { runExternal } from './external.js';
import {
  AGENT_COUNTER,
  type HealthAction,
  type HealthEvent,
  type HealthState,
  initialHealth,
  nextAgentInterval,
  nextHealthInterval,
  step,
} from './health-fsm.js';
import {
  checkReportMessage,
  noServerMessage,
  type ServerRef,
  serverDownMessage,
  serverOnlineMessage,
} from './messages.js';
import { observedInfo, observedVerdict } from './observe.js';
import { planChecks, type ServerPlan } from './plan.js';
import { runRules } from './rules.js';
import { CheckSession, type ConnectTarget } from './session.js';
import { statusVerdict } from './status.js';
import type {
  CheckResult,
  CountsProvider,
  HealthLogLine,
  HealthSink,
  ServerCheckStatus,
  StateCounts,
} from './types.js';

/** SRV_CHK_INTER_THRES: shorter intervals do not dictate the start-up spread. */
const INTER_THRES = 1000;

/** The reason HAProxy gives for a state forced on the runtime API (server.c cli_parse_set_server). */
const CLI_REASON = 'changed from CLI';

export interface HealthRunnerOptions {
  readonly config: HaproxyConfig;
  readonly sink: HealthSink;
  /** Counters for state-change lines; default: the runner's own view, with zero sessions. */
  readonly counts?: CountsProvider;
  readonly log?: Logger;
  /** Every HAProxy-worded line, for the proxies' `log` targets. */
  readonly onLog?: (line: HealthLogLine) => void;
  readonly clock?: Clock;
  /** Runs `option external-check` commands. */
  readonly commands?: CommandRunner;
  /** Source of randomness for spread-checks, in [0, 1). */
  readonly random?: () => number;
}

interface Task {
  timer?: TimerHandle;
  /** Monotonic time the pending timer fires. */
  dueAt?: number;
  session?: CheckSession;
  running?: Promise<void>;
  last?: CheckResult;
  /** `disable health|agent`: the check is not run until enabled again. */
  disabled?: boolean;
}

interface Entry {
  readonly plan: ServerPlan;
  readonly ref: ServerRef;
  readonly log: Logger;
  readonly dynamic: boolean;
  state: HealthState;
  weight: number;
  /** Administrative DRAIN set by the agent (HAProxy logs a DOWN from drain as a notice). */
  drain: boolean;
  /** `set server addr`: the server's address and port now, for checks that follow them. */
  addr?: string;
  port?: number;
  /** `del server` removed the server: results still in flight are dropped. */
  gone?: boolean;
  /** Passive health: consecutive errors seen on live traffic (server.c consecutive_errors). */
  errors: number;
  /** Passive health asked for fastinter on the next scheduling (CHK_ST_FASTINTER). */
  forceFast: boolean;
  readonly health?: Task;
  readonly agent?: Task;
}

export class HealthCheckRunner {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly commands: CommandRunner;
  private readonly random: () => number;
  private readonly log: Logger;
  private stopped = false;
  private started = false;

  /** Compiles every check; throws ConfigError on a bad check definition. */
  constructor(private readonly opts: HealthRunnerOptions) {
    this.clock = opts.clock ?? realClock;
    this.commands = opts.commands ?? realRunner;
    this.random = opts.random ?? Math.random;
    this.log = opts.log ?? silentLogger;
    for (const plan of planChecks(opts.config, () => this.clock.wallNow())) this.register(plan, false);
  }

  private register(plan: ServerPlan, disabled: boolean): void {
    const { proxy: px, server: s } = plan;
    const task = (): Task => (disabled ? { disabled: true } : {});
    this.entries.set(key(px.name, s.name), {
      plan,
      ref: { backend: px.name, server: s.name, backup: s.backup },
      log: child(this.log, `backend/${px.name}/${s.name}`),
      dynamic: dynamicWeights(px.balance, px.hashType),
      state: initialHealth(plan.params, 'none', s.initialState === 'maint'),
      weight: s.weight,
      drain: s.initialState === 'drain',
      errors: 0,
      forceFast: false,
      ...(plan.health ? { health: task() } : {}),
      ...(plan.agent ? { agent: task() } : {}),
    });
  }

  /**
   * The checks of a server `add server` builds, compiled as the
   * configuration's are; throws ConfigError on a bad definition. Undefined
   * for a server with neither `check` nor `agent-check`.
   */
  planServer(proxy: ProxyConfig, server: ServerConfig): ServerPlan | undefined {
    const only: HaproxyConfig = { ...this.opts.config, proxies: [{ ...proxy, servers: [server] }] };
    return planChecks(only, () => this.clock.wallNow())[0];
  }

  /**
   * Registers a dynamic server's checks. They start disabled (server.c
   * cli_parse_add_server clears CHK_ST_ENABLED): `enable health|agent` turns
   * them on (management.txt "add server").
   */
  addServer(plan: ServerPlan): void {
    if (!this.stopped) this.register(plan, true);
  }

  /** `del server`: its checks stop, one in flight is aborted and its result dropped. */
  removeServer(backend: string, server: string): void {
    const e = this.entries.get(key(backend, server));
    if (!e) return;
    this.entries.delete(key(backend, server));
    e.gone = true;
    for (const t of [e.health, e.agent]) {
      if (!t) continue;
      t.disabled = true;
      t.timer?.cancel();
      t.timer = undefined;
      t.session?.abort();
    }
  }

  /** Starts all checks, spread as HAProxy's start_checks() does. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    const tasks: { e: Entry; which: 'health' | 'agent'; inter: number }[] = [];
    for (const e of this.entries.values()) {
      if (e.health) tasks.push({ e, which: 'health', inter: nextHealthInterval(e.plan.params, e.state) });
      if (e.agent) tasks.push({ e, which: 'agent', inter: nextAgentInterval(e.plan.params) });
    }
    const long = tasks.map((t) => t.inter).filter((i) => i >= INTER_THRES);
    const minInter = long.length > 0 ? Math.min(...long) : 0;
    tasks.forEach((t, pos) => {
      const spread = Math.max(minInter, t.inter) + this.jitter(t.inter);
      if (t.which === 'health' && t.e.state.maint) return;
      this.schedule(t.e, t.which, Math.floor((spread * pos) / tasks.length));
    });
  }

  /** Cancels timers, aborts checks in flight and resolves once none is left running. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running: Promise<void>[] = [];
    for (const e of this.entries.values()) {
      for (const t of [e.health, e.agent]) {
        if (!t) continue;
        t.timer?.cancel();
        t.timer = undefined;
        t.session?.abort();
        if (t.running) running.push(t.running);
      }
    }
    await Promise.all(running);
  }

  status(backend: string, server: string): ServerCheckStatus | undefined {
    const e = this.entries.get(key(backend, server));
    if (!e) return undefined;
    const s = e.state;
    const p = e.plan.params;
    const view = (t: Task, health: number, rise: number, fall: number) => ({
      status: t.last?.status ?? (t === e.health ? s.checkStatus : s.agentStatus),
      ...(t.last?.code !== undefined ? { code: t.last.code } : {}),
      ...(t.last ? { durationMs: Math.floor(t.last.durationMs) } : {}),
      info: t.last?.info ?? '',
      health,
      rise,
      fall,
      ...(t.disabled ? { disabled: true as const } : {}),
    });
    return {
      state: s.maint ? 'MAINT' : s.op === 'down' ? 'DOWN' : s.op === 'stopping' ? 'NOLB' : 'UP',
      weight: e.weight,
      ...(e.health ? { check: view(e.health, s.health, p.rise, p.fall) } : {}),
      ...(e.agent ? { agent: view(e.agent, s.agentHealth, AGENT_COUNTER.rise, AGENT_COUNTER.fall) } : {}),
    };
  }

  /**
   * Administrative maintenance from the runtime API (`set server … state maint|ready`):
   * pauses the health check; leaving maintenance checks again at once.
   */
  setMaintenance(backend: string, server: string, on: boolean): void {
    const e = this.entries.get(key(backend, server));
    if (!e || this.stopped) return;
    this.apply(e, { type: 'maint', on });
    if (!on && e.health && this.started && !e.health.running) this.schedule(e, 'health', 0);
    if (on) {
      e.health?.timer?.cancel();
      if (e.health) e.health.timer = undefined;
    }
  }

  /**
   * `set server … health|agent up|stopping|down`: forces the counter and the
   * state as HAProxy does; later results count from there. False when the
   * server has no such check here (the agent: none configured).
   */
  force(
    backend: string,
    server: string,
    source: 'health' | 'agent',
    op: 'up' | 'stopping' | 'down',
  ): boolean {
    const e = this.entries.get(key(backend, server));
    if (!e || this.stopped || (source === 'agent' && !e.agent)) return false;
    this.apply(e, { type: 'force', source, op });
    return true;
  }

  /**
   * `enable|disable health|agent`: a disabled check stops running and leaves
   * the server's state as it is; enabled again, it runs at once. False when
   * the server has no such check configured.
   */
  setEnabled(backend: string, server: string, which: 'health' | 'agent', on: boolean): boolean {
    const e = this.entries.get(key(backend, server));
    const t = which === 'health' ? e?.health : e?.agent;
    if (!e || !t) return false;
    if (t.disabled === !on) return true;
    t.disabled = !on;
    if (!on) {
      t.timer?.cancel();
      t.timer = undefined;
    } else if (this.started && !this.stopped && !t.running && !(which === 'health' && e.state.maint)) {
      this.schedule(e, which, 0);
    }
    return true;
  }

  /**
   * Passive health (doc 5.2 "observe"; check.c __health_adjust): live traffic
   * to a checked server with `observe`. `error-limit` consecutive errors run
   * the `on-error` action on the health check and force fastinter, which
   * brings a pending check forward when fastinter is shorter.
   */
  observe(backend: string, server: string, status: ObservedStatus): void {
    const e = this.entries.get(key(backend, server));
    const c = e?.plan.server.check;
    if (!e?.health || !c?.observe || this.stopped) return;
    const verdict = observedVerdict(c.observe, status);
    if (verdict === 'ignore') return;
    if (verdict === 'ok') {
      e.errors = 0;
      return;
    }
    if (++e.errors < c.errorLimit) return;
    const result: CheckResult = { status: 'HANA', info: observedInfo(e.errors, status), durationMs: -1 };
    e.errors = 0;
    e.forceFast = true;
    const t = e.health;
    // The action may end sessions (on-marked-down): not from inside the traffic path reporting the error.
    queueMicrotask(() => {
      if (this.stopped || e.gone) return;
      t.last = result;
      this.apply(e, { type: 'observe', onError: c.onError, result });
      this.advanceHealth(e, t);
    });
  }

  /** process_chk_conn() woken early: reprograms a pending check when the new interval ends sooner. */
  private advanceHealth(e: Entry, t: Task): void {
    if (!this.started || t.running || t.disabled || e.state.maint || !t.timer || t.dueAt === undefined)
      return;
    const inter = nextHealthInterval(e.plan.params, e.state, e.forceFast);
    if (this.clock.now() + inter >= t.dueAt) return;
    e.forceFast = false;
    this.schedule(e, 'health', inter + this.jitter(inter));
  }

  /**
   * `set server addr … [port …]`: checks without an address, or a port, of
   * their own follow the server's new one (tcpcheck.c tcpcheck_eval_connect
   * falls back to the server's address and svc_port).
   */
  setServerAddr(backend: string, server: string, host: string, port?: number): void {
    const e = this.entries.get(key(backend, server));
    if (!e) return;
    e.addr = host;
    if (port !== undefined) e.port = port;
  }

  /** Where a check connects: its planned target, moved with the server unless it has its own address or port. */
  private target(
    e: Entry,
    planned: ConnectTarget,
    ownAddr: string | undefined,
    ownPort: number | undefined,
  ): ConnectTarget {
    const host = e.addr === undefined || ownAddr !== undefined ? planned.host : e.addr;
    const port = e.port === undefined || ownPort !== undefined ? planned.port : e.port;
    return host === planned.host && port === planned.port ? planned : { ...planned, host, port };
  }

  private jitter(inter: number): number {
    const spread = this.opts.config.global.spreadChecks;
    if (spread <= 0) return 0;
    const rnd = Math.floor((inter * spread) / 100);
    return rnd - Math.floor(2 * rnd * this.random());
  }

  private schedule(e: Entry, which: 'health' | 'agent', delay: number): void {
    const t = which === 'health' ? e.health! : e.agent!;
    t.timer?.cancel();
    t.dueAt = this.clock.now() + delay;
    t.timer = this.clock.setTimeout(() => {
      t.timer = undefined;
      t.dueAt = undefined;
      this.run(e, which, t);
    }, delay);
  }

  private run(e: Entry, which: 'health' | 'agent', t: Task): void {
    if (this.stopped || t.running || t.disabled) return;
    if (which === 'health' && e.state.maint) return;
    t.running = (which === 'health' ? this.runHealth(e, t) : this.runAgent(e, t))
      .catch((err: unknown) => {
        e.log.error({ err }, `${which} check crashed`);
      })
      .finally(() => {
        t.running = undefined;
        t.session = undefined;
        if (this.stopped || t.disabled || (which === 'health' && e.state.maint)) return;
        let inter = nextAgentInterval(e.plan.params);
        if (which === 'health') {
          inter = nextHealthInterval(e.plan.params, e.state, e.forceFast);
          e.forceFast = false;
        }
        this.schedule(e, which, inter + this.jitter(inter));
      });
  }

  private async runHealth(e: Entry, t: Task): Promise<void> {
    const plan = e.plan.health!;
    let result: CheckResult | undefined;
    if (plan.kind === 'external') {
      const curconn = this.counts(e).sessions;
      result = await runExternal(plan.spec, this.commands, plan.timeoutMs, this.clock, curconn);
    } else {
      t.session = new CheckSession(this.clock);
      const c = e.plan.server.check;
      const target = this.target(e, plan.target, c.addr, c.port);
      result = await runRules(plan.rules, { clock: this.clock, target, timing: plan.timing }, t.session);
    }
    if (result === undefined || this.stopped || e.gone) return;
    t.last = result;
    // check.c set_server_check_status(): a passing check clears the observed errors.
    if (statusVerdict(result.status) === 'passed' || statusVerdict(result.status) === 'condpass')
      e.errors = 0;
    this.apply(e, { type: 'check', result });
  }

  private async runAgent(e: Entry, t: Task): Promise<void> {
    const plan = e.plan.agent!;
    let line: string | undefined;
    const rules = compileAgentCheck(plan.send, (l) => {
      line = l;
    });
    t.session = new CheckSession(this.clock);
    const c = e.plan.server.check;
    const target = this.target(e, plan.target, c.agent?.addr ?? c.addr, plan.target.port);
    const result = await runRules(rules, { clock: this.clock, target, timing: plan.timing }, t.session);
    if (result === undefined || this.stopped || e.gone) return;
    if (result.status !== 'L7OK') {
      t.last = result;
      this.apply(e, { type: 'agent', result });
      return;
    }
    if (line === undefined) {
      t.last = {
        status: 'CHECKED',
        info: 'Ignoring incomplete line from agent',
        durationMs: result.durationMs,
      };
      this.apply(e, { type: 'agent', result: t.last });
      return;
    }
    const v = agentVerdict(line, e.plan.server.weight, e.dynamic);
    t.last = { status: v.status, info: v.info, durationMs: result.durationMs };
    // HAProxy applies the admin state first, then weight and maxconn, then health (tcpcheck_agent_expect_reply).
    if (Object.keys(v.update).length > 0) {
      if (v.update.weight !== undefined) e.weight = v.update.weight;
      if (v.update.admin !== undefined) e.drain = v.update.admin === 'drain';
      this.opts.sink.agentUpdate(e.ref.backend, e.ref.server, v.update);
    }
    if (v.update.admin === 'maint') this.setMaintenance(e.ref.backend, e.ref.server, true);
    else if (v.update.admin !== undefined && e.state.maint)
      this.setMaintenance(e.ref.backend, e.ref.server, false);
    this.apply(e, { type: 'agent', result: t.last, ...(v.word ? { word: v.word } : {}) });
  }

  private apply(e: Entry, ev: HealthEvent): void {
    const before = e.state;
    const { next, actions } = step(e.plan.params, e.state, ev);
    e.state = next;
    for (const a of actions) this.execute(e, a, before);
  }

  private execute(e: Entry, a: HealthAction, before: HealthState): void {
    const px = e.plan.proxy;
    const logChecks = px.options.logHealthChecks;
    if (a.type === 'report') {
      if (!logChecks) return;
      const agent = a.source === 'agent';
      const counter = agent
        ? {
            health: e.state.agentHealth,
            rise: AGENT_COUNTER.rise,
            fall: AGENT_COUNTER.fall,
            weight: e.weight,
          }
        : { health: e.state.health, rise: e.plan.params.rise, fall: e.plan.params.fall, weight: e.weight };
      this.emit(e, 'notice', checkReportMessage(e.ref, a.source, a.result, counter));
      return;
    }
    const source = a.cause === 'agent' ? e.agent : a.cause === 'health' ? e.health : undefined;
    const check = source?.last;
    const info = {
      cause: a.cause,
      ...(check ? { check } : {}),
      ...(a.cause === 'cli' ? { reason: CLI_REASON } : {}),
    };
    const { backend, server } = e.ref;
    if (a.type === 'down') this.opts.sink.serverDown(backend, server, info);
    else if (a.type === 'up') this.opts.sink.serverUp(backend, server, info);
    else this.opts.sink.serverStopping(backend, server, info);
    // Admin changes are logged by the proxy engine in its own words ("going DOWN for maintenance").
    if (a.cause === 'admin') return;
    const c = this.counts(e);
    // check_notify_cause(): with log-health-checks the reason was already logged.
    const why = a.cause === 'cli' ? CLI_REASON : logChecks ? undefined : check;
    if (a.type === 'down') {
      const wasStopping = before.op === 'stopping' || e.drain;
      this.emit(e, wasStopping ? 'notice' : 'alert', serverDownMessage(e.ref, why, c));
      // set_backend_down(): only when this server was the last usable one.
      if (c.active + c.backup === 0 && before.op === 'up' && !e.drain && e.weight > 0) {
        this.emit(e, 'emerg', noServerMessage(px.kind === 'listen' ? 'listen' : 'backend', px.name), true);
      }
    } else this.emit(e, 'notice', serverOnlineMessage(e.ref, a.type === 'up' ? 'UP' : 'stopping', why, c));
  }

  private emit(e: Entry, level: HealthLogLine['level'], message: string, backendOnly = false): void {
    const line: HealthLogLine = {
      level,
      backend: e.ref.backend,
      message,
      ...(backendOnly ? {} : { server: e.ref.server }),
    };
    const log = backendOnly ? child(this.log, `backend/${e.ref.backend}`) : e.log;
    if (level === 'emerg') log.error(message);
    else if (level === 'alert') log.warn(message);
    else log.info(message);
    this.opts.onLog?.(line);
  }

  private counts(e: Entry): StateCounts {
    if (this.opts.counts) return this.opts.counts(e.ref.backend, e.ref.server);
    let active = 0;
    let backup = 0;
    for (const s of e.plan.proxy.servers) {
      const other = this.entries.get(key(e.plan.proxy.name, s.name));
      const usable = other
        ? !other.state.maint && other.state.op === 'up' && other.weight > 0
        : s.initialState !== 'maint' && s.weight > 0;
      if (!usable) continue;
      if (s.backup) backup++;
      else active++;
    }
    return { active, backup, sessions: 0, requeued: 0, queued: 0 };
  }
}

function key(backend: string, server: string): string {
  return `${backend}\u0000${server}`;
}
