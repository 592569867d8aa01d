/**
 * Passive health (configuration.txt 5.2 "observe", "error-limit", "on-error"):
 * what each observed event means in each mode, copied from HAProxy's
 * `analyze_statuses[]` (src/check.c). In layer4 mode only connections count;
 * layer7 ignores a successful connect (the response decides) and counts the
 * HTTP outcome.
 */
import type { ObservedStatus } from '../proxy/server.js';

export type ObserveMode = 'layer4' | 'layer7';

/** 'error' adds to the consecutive errors, 'ok' resets them, 'ignore' leaves them. */
export type ObservedVerdict = 'error' | 'ok' | 'ignore';

interface Row {
  readonly desc: string;
  readonly layer4: ObservedVerdict;
  readonly layer7: ObservedVerdict;
}

const TABLE: Readonly<Record<ObservedStatus, Row>> = {
  'l4-ok': { desc: 'L4 successful connection', layer4: 'ok', layer7: 'ignore' },
  'l4-err': { desc: 'L4 unsuccessful connection', layer4: 'error', layer7: 'error' },
  'http-ok': { desc: 'Correct http response', layer4: 'ignore', layer7: 'ok' },
  'http-sts': { desc: 'Wrong http response', layer4: 'ignore', layer7: 'error' },
  'http-rsp': { desc: 'Invalid http response', layer4: 'ignore', layer7: 'error' },
};

export function observedVerdict(mode: ObserveMode, status: ObservedStatus): ObservedVerdict {
  return TABLE[status][mode];
}

/** The check description HAProxy sets when the limit is reached (`__health_adjust`). */
export function observedInfo(errors: number, last: ObservedStatus): string {
  return `Detected ${errors} consecutive errors, last one was: ${TABLE[last].desc}`;
}
