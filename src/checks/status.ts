/**
 * HAProxy's check status table (src/check.c `check_statuses[]`): each status
 * maps to a verdict and to the description printed after "reason:".
 */
import type { CheckStatusCode, CheckVerdict } from './types.js';

interface StatusInfo {
  readonly verdict: CheckVerdict;
  readonly description: string;
  /** Statuses above HCHK_STATUS_L57DATA print `code: N`. */
  readonly hasCode: boolean;
}

const TABLE: Readonly<Record<CheckStatusCode, StatusInfo>> = {
  UNK: { verdict: 'neutral', description: 'Unknown', hasCode: false },
  INI: { verdict: 'neutral', description: 'Initializing', hasCode: false },
  CHECKED: { verdict: 'neutral', description: 'No status change', hasCode: false },
  HANA: { verdict: 'failed', description: 'Health analyze', hasCode: false },
  SOCKERR: { verdict: 'failed', description: 'Socket error', hasCode: false },
  L4OK: { verdict: 'passed', description: 'Layer4 check passed', hasCode: false },
  L4TOUT: { verdict: 'failed', description: 'Layer4 timeout', hasCode: false },
  L4CON: { verdict: 'failed', description: 'Layer4 connection problem', hasCode: false },
  L6OK: { verdict: 'passed', description: 'Layer6 check passed', hasCode: false },
  L6TOUT: { verdict: 'failed', description: 'Layer6 timeout', hasCode: false },
  L6RSP: { verdict: 'failed', description: 'Layer6 invalid response', hasCode: false },
  L7TOUT: { verdict: 'failed', description: 'Layer7 timeout', hasCode: false },
  L7RSP: { verdict: 'failed', description: 'Layer7 invalid response', hasCode: false },
  L7OK: { verdict: 'passed', description: 'Layer7 check passed', hasCode: true },
  L7OKC: { verdict: 'condpass', description: 'Layer7 check conditionally passed', hasCode: true },
  L7STS: { verdict: 'failed', description: 'Layer7 wrong status', hasCode: true },
  PROCERR: { verdict: 'failed', description: 'External check error', hasCode: true },
  PROCTOUT: { verdict: 'failed', description: 'External check timeout', hasCode: true },
  PROCOK: { verdict: 'passed', description: 'External check passed', hasCode: true },
};

export function statusVerdict(status: CheckStatusCode): CheckVerdict {
  return TABLE[status].verdict;
}

export function statusDescription(status: CheckStatusCode): string {
  return TABLE[status].description;
}

/** True for L7 data statuses and PROC statuses, whose code is meaningful. */
export function statusHasCode(status: CheckStatusCode): boolean {
  return TABLE[status].hasCode;
}

const OK_STATUSES: ReadonlySet<string> = new Set(['L7OK', 'L7OKC', 'L6OK', 'L4OK']);
const ERROR_STATUSES: ReadonlySet<string> = new Set(['L7OKC', 'L7RSP', 'L7STS', 'L6RSP', 'L4CON']);
const TIMEOUT_STATUSES: ReadonlySet<string> = new Set(['L7TOUT', 'L6TOUT', 'L4TOUT']);

/** Statuses an expect rule may set with ok-status / error-status / tout-status (doc "tcp-check expect"). */
export function isStatusAllowed(kind: 'ok' | 'error' | 'tout', status: string): status is CheckStatusCode {
  const set = kind === 'ok' ? OK_STATUSES : kind === 'error' ? ERROR_STATUSES : TIMEOUT_STATUSES;
  return set.has(status);
}
