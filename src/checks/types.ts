/**
 * Types shared by the health-check runner, the check kinds and the probes
 * (types apart from behaviour, like HAProxy's `check-t.h`). Statuses use
 * HAProxy's vocabulary (include/haproxy/check-t.h, doc "show stat" check_status)
 * so stats pages and logs read the same as HAProxy's.
 */
import type { ServerAdminState } from '../config/haproxy/model.js';

/** HAProxy check statuses (`check_status` in the stats). */
export type CheckStatusCode =
  | 'UNK'
  | 'INI'
  | 'CHECKED'
  | 'SOCKERR'
  /** Passive health (`observe`) saw `error-limit` consecutive errors. */
  | 'HANA'
  | 'L4OK'
  | 'L4TOUT'
  | 'L4CON'
  | 'L6OK'
  | 'L6TOUT'
  | 'L6RSP'
  | 'L7TOUT'
  | 'L7RSP'
  | 'L7OK'
  | 'L7OKC'
  | 'L7STS'
  | 'PROCERR'
  | 'PROCTOUT'
  | 'PROCOK';

/** What a finished check concluded (HAProxy's CHK_RES_*). */
export type CheckVerdict = 'passed' | 'condpass' | 'failed' | 'neutral';

/** The outcome of one check run. */
export interface CheckResult {
  readonly status: CheckStatusCode;
  /** HTTP status, SMTP reply code, MySQL error, exit status…; printed only for L7 and PROC statuses. */
  readonly code?: number;
  /** HAProxy's check "desc": printed as `info: "…"` when not empty. */
  readonly info: string;
  readonly durationMs: number;
}

/** Health word of an agent reply (doc 5.2 "agent-check"). */
export type AgentHealthWord = 'up' | 'down' | 'stopped' | 'fail';

/** An agent reply, parsed. Absent fields were not advertised and change nothing. */
export interface AgentReply {
  readonly health?: AgentHealthWord;
  readonly admin?: ServerAdminState;
  /** Weight as written: `75%` (relative to the configured weight) or `10` (absolute). */
  readonly weight?: string;
  /** Text after `maxconn:`, as written. */
  readonly maxconn?: string;
  /** Text after `#`. */
  readonly description: string;
  /** First word the parser did not understand. */
  readonly unknownWord?: string;
}

/** What an agent reply asks the proxy engine to change. */
export interface AgentUpdate {
  /** New user weight, 0–256, percentages already applied to the configured weight. */
  readonly weight?: number;
  readonly maxconn?: number;
  readonly admin?: ServerAdminState;
}

/** Why the operational state changed (`cli`: `set server … health|agent` forced it). */
export type StateChangeCause = 'health' | 'agent' | 'admin' | 'cli';

export interface StateChangeInfo {
  readonly cause: StateChangeCause;
  /** Result of the check that caused the change (absent for admin changes). */
  readonly check?: CheckResult;
  /** The reason given with a forced change (`changed from CLI`). */
  readonly reason?: string;
}

/**
 * Where verdicts go. The lead wires it to the proxy engine (setServerHealth …)
 * and later broadcasts to workers. Calls happen before the matching log line
 * is built, so `counts` can already reflect the new state.
 */
export interface HealthSink {
  serverUp(backend: string, server: string, info: StateChangeInfo): void;
  /** HAProxy's NOLB/"stopping" state: a check passed conditionally (L7OKC). */
  serverStopping(backend: string, server: string, info: StateChangeInfo): void;
  serverDown(backend: string, server: string, info: StateChangeInfo): void;
  agentUpdate(backend: string, server: string, update: AgentUpdate): void;
}

/** Counters printed in HAProxy's state-change lines (src/server.c srv_append_more). */
export interface StateCounts {
  /** Usable active / backup servers in the backend, after the change. */
  readonly active: number;
  readonly backup: number;
  /** Sessions currently on the server. */
  readonly sessions: number;
  /** Sessions moved by this state change (requeued or dequeued). */
  readonly requeued: number;
  /** Requests still waiting in the server's queue. */
  readonly queued: number;
}

export type CountsProvider = (backend: string, server: string) => StateCounts;

/** One log line in HAProxy's wording, with its syslog level. */
export interface HealthLogLine {
  readonly level: 'emerg' | 'alert' | 'notice';
  readonly backend: string;
  readonly server?: string;
  readonly message: string;
}

/** Status of one check (health or agent) for stats pages and the runtime API. */
export interface CheckStatusView {
  readonly status: CheckStatusCode;
  readonly code?: number;
  readonly durationMs?: number;
  readonly info: string;
  /** HAProxy's health counter and its bounds. */
  readonly health: number;
  readonly rise: number;
  readonly fall: number;
  /** `disable health|agent` cleared HAProxy's CHK_ST_ENABLED: the check does not run. */
  readonly disabled?: true;
}

export interface ServerCheckStatus {
  /** Operational state as the checks see it. */
  readonly state: 'UP' | 'NOLB' | 'DOWN' | 'MAINT';
  readonly check?: CheckStatusView;
  readonly agent?: CheckStatusView;
  /** Current user weight (changed by the agent). */
  readonly weight: number;
}

/** A state change of a VRRP probe (keepalived vrrp_script / track_interface …). */
export interface ProbeEvent {
  readonly name: string;
  readonly ok: boolean;
}

/** Runs one tracked condition until stopped; reports state changes only. */
export interface Probe {
  readonly name: string;
  start(): void;
  /** Stops timers and kills a running script; resolves when nothing is left running. */
  stop(): Promise<void>;
  /** Current verdict; undefined while no result has decided it yet. */
  state(): boolean | undefined;
}

export type ProbeListener = (event: ProbeEvent) => void;
