/**
 * Agent checks (doc 5.2 "agent-check"): connect to agent-addr:agent-port every
 * agent-inter, send agent-send, and read one line ended by CR or LF made of
 * words separated by spaces, tabs or commas: `75%`, `weight:N[%]`, `maxconn:N`,
 * `ready`/`drain`/`maint`, `up`/`down`/`stopped`/`fail`, then an optional
 * `#description`. The last word of each kind wins. Statuses and messages follow
 * HAProxy's tcpcheck_agent_expect_reply(): a health word gives L7OK (up) or
 * L7STS (down…), no health word gives CHECKED (no status change).
 */
import type { BalanceConfig, HashType, ServerAdminState } from '../config/haproxy/model.js';
import { textBytes } from './expect-args.js';
import type { ExpectRule, RuleSet } from './rules.js';
import { withImplicitConnect } from './tcp-check.js';
import type { AgentHealthWord, AgentReply, AgentUpdate, CheckStatusCode } from './types.js';

const HEALTH: ReadonlySet<string> = new Set(['up', 'down', 'stopped', 'fail']);
const ADMIN: ReadonlySet<string> = new Set(['ready', 'drain', 'maint']);

export function parseAgentReply(line: string): AgentReply {
  const r: { -readonly [K in keyof AgentReply]: AgentReply[K] } = { description: '' };
  const isSep = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === ',';
  let i = 0;
  while (i < line.length) {
    if (isSep(line[i])) {
      i++;
      continue;
    }
    // A `#` starting a word opens the description, which runs to the end of the line.
    if (line[i] === '#') {
      r.description = line.slice(i + 1).replace(/^[ \t]+/, '');
      break;
    }
    let j = i + 1;
    while (j < line.length && !isSep(line[j])) j++;
    const word = line.slice(i, j);
    i = j;
    const w = word.toLowerCase();
    if (HEALTH.has(w)) r.health = w as AgentHealthWord;
    else if (ADMIN.has(w)) r.admin = w as ServerAdminState;
    else if (/^\d/.test(w) && w.includes('%')) r.weight = word;
    else if (w.startsWith('maxconn:')) r.maxconn = word.slice(8);
    else if (w.startsWith('weight:')) r.weight = word.slice(7);
    else r.unknownWord ??= word;
  }
  return r;
}

/** Whether the backend's algorithm can change weights at run time (HAProxy's BE_LB_PROP_DYN). */
export function dynamicWeights(balance: BalanceConfig, hashType: HashType): boolean {
  if (balance.algorithm === 'static-rr') return false;
  const hashed = ['source', 'uri', 'url_param', 'hdr', 'rdp-cookie'].includes(balance.algorithm);
  return !(hashed && hashType.method === 'map-based');
}

/** server_parse_weight_change_request(): returns the new weight or a warning. */
export function resolveWeight(text: string, initial: number, dynamic: boolean): number | string {
  const m = /^(-?\d+)(.*)$/.exec(text);
  if (!m) return 'Empty weight string empty or preceded by garbage\n';
  let w = Number(m[1]);
  if (m[2] === '%') {
    if (w < 0) return 'Relative weight must be positive.\n';
    w = Math.min(256, Math.floor((initial * Math.min(w, 25600)) / 100));
  } else if (w < 0 || w > 256) return 'Absolute weight can only be between 0 and 256 inclusive.\n';
  else if (m[2] !== '') return 'Trailing garbage in weight string\n';
  if (w !== 0 && w !== initial && !dynamic) {
    return "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n";
  }
  return w;
}

/** server_parse_maxconn_change_request(). */
export function resolveMaxconn(text: string): number | string {
  if (text === '') return 'Require <maxconn>.\n';
  const m = /^(-?\d+)(.*)$/.exec(text);
  if (!m) return 'maxconn string empty or preceded by garbage\n';
  if (m[2] !== '') return 'Trailing garbage in maxconn string\n';
  return Number(m[1]);
}

export interface AgentVerdict {
  readonly status: CheckStatusCode;
  readonly info: string;
  readonly word?: AgentHealthWord;
  readonly update: AgentUpdate;
}

/** Turns a reply into the check status, its info and the changes for the proxy engine. */
export function agentVerdict(line: string, initialWeight: number, dynamic: boolean): AgentVerdict {
  const r = parseAgentReply(line);
  const update: { -readonly [K in keyof AgentUpdate]: AgentUpdate[K] } = {};
  let warning: string | undefined;
  if (r.admin !== undefined) update.admin = r.admin;
  if (r.weight !== undefined) {
    const w = resolveWeight(r.weight, initialWeight, dynamic);
    if (typeof w === 'number') update.weight = w;
    else warning = w;
  }
  if (r.maxconn !== undefined) {
    const c = resolveMaxconn(r.maxconn);
    if (typeof c === 'number') update.maxconn = c;
    else warning ??= c;
  }
  const err = r.unknownWord;
  if (r.health !== undefined) {
    const status: CheckStatusCode = r.health === 'up' ? 'L7OK' : 'L7STS';
    let msg = r.description;
    if (msg === '' || status === 'L7OK') msg = err ?? warning ?? msg;
    return {
      status,
      info: `via agent : ${r.health}${msg !== '' ? ` (${msg})` : ''}`,
      word: r.health,
      update,
    };
  }
  if (err !== undefined) return { status: 'CHECKED', info: `agent reports an error : ${err}`, update };
  if (warning !== undefined) return { status: 'CHECKED', info: `agent warns : ${warning}`, update };
  return { status: 'CHECKED', info: '', update };
}

/** The agent ruleset: connect, optional agent-send, then one reply line (captured by `onLine`). */
export function compileAgentCheck(
  send: string | undefined,
  onLine: (line: string | undefined) => void,
): RuleSet {
  const expect: ExpectRule = {
    kind: 'expect',
    okStatus: 'L7OK',
    toutStatus: 'L7TOUT',
    describe: ' (expect custom function)',
    evaluate(input, lastRead) {
      const end = input.findIndex((b) => b === 0x0d || b === 0x0a || b === 0);
      if (end >= 0) {
        onLine(input.toString('latin1', 0, end));
        return { kind: 'match' };
      }
      if (!lastRead) return { kind: 'wait' };
      onLine(undefined);
      return { kind: 'match' };
    },
  };
  const rules =
    send !== undefined && send !== '' ? [{ kind: 'send' as const, data: textBytes(send) }, expect] : [expect];
  return { rules: withImplicitConnect(rules), tcpCheckLabels: false };
}
