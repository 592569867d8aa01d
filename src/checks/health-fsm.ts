/**
 * A server's health as a pure state machine: `step(params, state, event)` returns
 * `{ next, actions }` and touches nothing (house rule 4). It copies HAProxy's
 * counters (src/check.c set_server_check_status, check_notify_*):
 *
 * - `health` runs from 0 to rise+fall-1; the check says "up" when health ≥ rise.
 *   A success adds one and jumps to rise+fall-1 once rise is reached; a failure
 *   removes one and drops to 0 once below rise. So an UP server needs `fall`
 *   consecutive failures to go DOWN and a DOWN one `rise` successes to come UP.
 * - A server with `check` starts UP with health = rise ("up, but will fall down
 *   at first failure", src/server.c) unless `init-state` says otherwise.
 * - The agent has its own counter with rise = fall = 1. Failing to reach the
 *   agent changes nothing; only its words `down`/`stopped`/`fail` and `up` count.
 * - The server is UP only when neither the health check nor the agent says down.
 */
import { statusHasCode, statusVerdict } from './status.js';
import type { AgentHealthWord, CheckResult, CheckStatusCode, StateChangeCause } from './types.js';

/** HAProxy's DEF_AGENT_RISETIME / DEF_AGENT_FALLTIME. */
const AGENT_RISE = 1;
const AGENT_FALL = 1;

/** Server `init-state` (doc 5.2); 'none' is HAProxy's default. */
export type InitState = 'none' | 'fully-up' | 'up' | 'down' | 'fully-down';

export interface HealthParams {
  /** `check` given: the health check counter takes part. */
  readonly checkEnabled: boolean;
  /** `agent-check` configured. */
  readonly agentEnabled: boolean;
  readonly rise: number;
  readonly fall: number;
  readonly inter: number;
  readonly fastinter?: number;
  readonly downinter?: number;
  readonly agentInter: number;
}

export type OpState = 'up' | 'stopping' | 'down';

/** Server `on-error` (doc 5.2). */
export type OnError = 'fastinter' | 'fail-check' | 'sudden-death' | 'mark-down';

export interface HealthState {
  readonly op: OpState;
  /** Administrative maintenance: health checks paused. */
  readonly maint: boolean;
  readonly health: number;
  readonly agentHealth: number;
  readonly checkStatus: CheckStatusCode;
  readonly agentStatus: CheckStatusCode;
}

export type HealthEvent =
  | { readonly type: 'check'; readonly result: CheckResult }
  | { readonly type: 'agent'; readonly result: CheckResult; readonly word?: AgentHealthWord }
  | { readonly type: 'maint'; readonly on: boolean }
  /** Passive health reached `error-limit`: the `on-error` action, with a HANA result. */
  | { readonly type: 'observe'; readonly onError: OnError; readonly result: CheckResult }
  /** `set server … health|agent …` (server.c cli_parse_set_server): counter and state forced. */
  | { readonly type: 'force'; readonly source: 'health' | 'agent'; readonly op: OpState };

export type HealthAction =
  /** `option log-health-checks`: the status or the health counter changed. */
  | { readonly type: 'report'; readonly source: 'health' | 'agent'; readonly result: CheckResult }
  | { readonly type: 'up' | 'stopping' | 'down'; readonly cause: StateChangeCause };

export interface HealthStep {
  readonly next: HealthState;
  readonly actions: readonly HealthAction[];
}

export function initialHealth(p: HealthParams, init: InitState = 'none', maint = false): HealthState {
  const full = p.rise + p.fall - 1;
  const health = maint
    ? 0
    : init === 'fully-up'
      ? full
      : init === 'down'
        ? p.rise - 1
        : init === 'fully-down'
          ? 0
          : p.rise;
  const down = maint || (p.checkEnabled && health < p.rise);
  return {
    op: down ? 'down' : 'up',
    maint,
    health,
    agentHealth: AGENT_RISE,
    checkStatus: 'INI',
    agentStatus: 'INI',
  };
}

export function step(p: HealthParams, s: HealthState, ev: HealthEvent): HealthStep {
  switch (ev.type) {
    case 'check':
      return onCheck(p, s, ev.result);
    case 'agent':
      return onAgent(p, s, ev.result, ev.word);
    case 'maint':
      return onMaint(p, s, ev.on);
    case 'force':
      return onForce(p, s, ev.source, ev.op);
    case 'observe':
      return onObserve(p, s, ev.onError, ev.result);
  }
}

/**
 * check.c __health_adjust(): `fastinter` only speeds up the next check (the
 * runner's business); `fail-check` counts as one failed check;
 * `sudden-death` first brings a healthy counter to one failure above rise,
 * so this failure leaves the server one check from DOWN; `mark-down` sets
 * the counter to rise, so this failure drops it to 0 and the server DOWN.
 */
function onObserve(p: HealthParams, s: HealthState, onError: OnError, r: CheckResult): HealthStep {
  if (onError === 'fastinter' || s.maint) return { next: s, actions: [] };
  let health = s.health;
  if (onError === 'sudden-death' && health > p.rise) health = p.rise + 1;
  else if (onError === 'mark-down') health = p.rise;
  return onCheck(p, { ...s, health }, r);
}

/**
 * The counter goes to its top (up, stopping) or to 0 (down) and the state
 * follows whatever the other check says (srv_set_running/stopping/stopped);
 * a server in maintenance keeps its state.
 */
function onForce(p: HealthParams, s: HealthState, source: 'health' | 'agent', op: OpState): HealthStep {
  const top = source === 'agent' ? AGENT_RISE + AGENT_FALL - 1 : p.rise + p.fall - 1;
  const counter = op === 'down' ? 0 : top;
  const next: HealthState = source === 'agent' ? { ...s, agentHealth: counter } : { ...s, health: counter };
  return applyOp(next, s.maint ? undefined : op, 'cli', []);
}

function onCheck(p: HealthParams, s: HealthState, r: CheckResult): HealthStep {
  // A check finishing after the server entered maintenance is dropped (HAProxy pauses checks).
  if (s.maint) return { next: s, actions: [] };
  const verdict = statusVerdict(r.status);
  const health = countHealth(s.health, p.rise, p.fall, verdict, true);
  const next: HealthState = { ...s, health, checkStatus: r.status };
  const actions: HealthAction[] = [];
  if (verdict !== 'neutral' && (health !== s.health || r.status !== s.checkStatus)) {
    actions.push({ type: 'report', source: 'health', result: r });
  }
  if (verdict === 'neutral') return { next, actions };
  const target = decide(p, next, verdict, 'health');
  return applyOp(next, target, 'health', actions);
}

function onAgent(p: HealthParams, s: HealthState, r: CheckResult, word?: AgentHealthWord): HealthStep {
  const verdict = statusVerdict(r.status);
  let agentHealth = s.agentHealth;
  if (word === 'up') agentHealth = AGENT_RISE + AGENT_FALL - 1;
  else if (word !== undefined) agentHealth = 0;
  // Only L7 statuses (the agent answered) move the agent counter; a refused agent changes nothing.
  else agentHealth = countHealth(s.agentHealth, AGENT_RISE, AGENT_FALL, verdict, statusHasCode(r.status));
  const next: HealthState = { ...s, agentHealth, agentStatus: r.status };
  const actions: HealthAction[] = [];
  if (verdict !== 'neutral' && (agentHealth !== s.agentHealth || r.status !== s.agentStatus)) {
    actions.push({ type: 'report', source: 'agent', result: r });
  }
  if (verdict === 'neutral') return { next, actions };
  // check_notify_failure: an agent only marks a server down with L7STS (down/stopped/fail).
  if (verdict === 'failed' && r.status !== 'L7STS') return { next, actions };
  const target = decide(p, next, verdict, 'agent');
  return applyOp(next, target, 'agent', actions);
}

/** Entering maintenance pauses checks with health 0; leaving it restarts them at health = rise. */
function onMaint(p: HealthParams, s: HealthState, on: boolean): HealthStep {
  if (on === s.maint) return { next: s, actions: [] };
  if (on) {
    const next: HealthState = { ...s, maint: true, health: 0 };
    return applyOp(next, 'down', 'admin', []);
  }
  const next: HealthState = { ...s, maint: false, health: p.rise };
  const agentOk = !p.agentEnabled || next.agentHealth >= AGENT_RISE;
  return applyOp(next, agentOk ? 'up' : 'down', 'admin', []);
}

/** src/check.c set_server_check_status: the health counter update. */
function countHealth(
  health: number,
  rise: number,
  fall: number,
  verdict: 'passed' | 'condpass' | 'failed' | 'neutral',
  counts: boolean,
): number {
  if (verdict === 'failed') {
    if (!counts || health <= 0) return health;
    return health - 1 < rise ? 0 : health - 1;
  }
  if (verdict === 'passed' || verdict === 'condpass') {
    if (health >= rise + fall - 1) return health;
    return health + 1 >= rise ? rise + fall - 1 : health + 1;
  }
  return health;
}

/** check_notify_failure / check_notify_success / check_notify_stopping. */
function decide(
  p: HealthParams,
  s: HealthState,
  verdict: 'passed' | 'condpass' | 'failed',
  source: 'health' | 'agent',
): OpState | undefined {
  if (s.maint) return undefined;
  if (verdict === 'failed') {
    const h = source === 'agent' ? s.agentHealth : s.health;
    return h > 0 ? undefined : 'down';
  }
  if (p.checkEnabled && s.health < p.rise) return undefined;
  if (p.agentEnabled && s.agentHealth < AGENT_RISE) return undefined;
  if (verdict === 'condpass') return source === 'agent' ? undefined : 'stopping';
  // Only the health check may take a server out of the stopping (NOLB) state.
  if (source === 'agent' && s.op === 'stopping') return undefined;
  return 'up';
}

function applyOp(
  s: HealthState,
  target: OpState | undefined,
  cause: StateChangeCause,
  actions: HealthAction[],
): HealthStep {
  if (target === undefined || target === s.op) return { next: s, actions };
  actions.push({ type: target, cause });
  return { next: { ...s, op: target }, actions };
}

/**
 * Delay before the next health check (doc 5.2 "inter", src/server.c srv_getinter):
 * inter when fully up, downinter when fully down, fastinter while transitioning
 * or not yet checked, or when passive health asked for it (`forceFast`,
 * HAProxy's CHK_ST_FASTINTER).
 */
export function nextHealthInterval(p: HealthParams, s: HealthState, forceFast = false): number {
  if (!forceFast && s.health === p.rise + p.fall - 1) return p.inter;
  if (s.op === 'down' && s.health === 0) return p.downinter ?? p.inter;
  return p.fastinter ?? p.inter;
}

/** The agent's counter spans 0..1, so it always runs at agent-inter. */
export function nextAgentInterval(p: HealthParams): number {
  return p.agentInter;
}

/** `status: X/Y UP|DRAIN|DOWN` as HAProxy prints it after a health-check report. */
export function healthSummary(
  health: number,
  rise: number,
  fall: number,
  weight: number,
): { readonly cur: number; readonly of: number; readonly word: 'UP' | 'DRAIN' | 'DOWN' } {
  if (health >= rise) return { cur: health - rise + 1, of: fall, word: weight > 0 ? 'UP' : 'DRAIN' };
  return { cur: health, of: rise, word: 'DOWN' };
}

export const AGENT_COUNTER = { rise: AGENT_RISE, fall: AGENT_FALL } as const;
