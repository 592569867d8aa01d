/**
 * HAProxy's exact wording for health events, so log scrapers written for
 * HAProxy keep working (house rule 9). Sources: src/check.c check_append_info
 * and set_server_check_status, src/server.c _srv_update_status_op and
 * srv_append_more, src/backend.c set_backend_down.
 */
import { healthSummary } from './health-fsm.js';
import { statusDescription, statusHasCode } from './status.js';
import type { CheckResult, StateCounts } from './types.js';

/** HCHK_DESC_LEN: HAProxy keeps at most 127 characters of a check's info. */
const DESC_MAX = 127;

/** chunk_asciiencode(): non-printable bytes, `<`, `>` and the quote become `<XX>`. */
export function asciiEncode(text: string, quote = '"'): string {
  let out = '';
  for (const ch of Buffer.from(text, 'latin1')) {
    const c = String.fromCharCode(ch);
    const printable = ch >= 0x20 && ch < 0x7f;
    if (!printable || c === '<' || c === '>' || c === quote) {
      out += `<${ch.toString(16).toUpperCase().padStart(2, '0')}>`;
    } else out += c;
  }
  return out;
}

/** Truncates a check description the way HAProxy stores it. */
export function clipInfo(info: string): string {
  return info.length > DESC_MAX ? info.slice(0, DESC_MAX) : info;
}

/**
 * `, reason: …[, code: N][, info: "…"][, check duration: Nms]`; a passive
 * health verdict (HANA) has no duration (check.c set_server_check_status).
 */
export function checkInfoSuffix(r: CheckResult): string {
  let s = `, reason: ${statusDescription(r.status)}`;
  if (statusHasCode(r.status)) s += `, code: ${r.code ?? 0}`;
  if (r.info !== '') s += `, info: "${asciiEncode(clipInfo(r.info))}"`;
  if (r.status !== 'HANA') s += `, check duration: ${Math.max(0, Math.floor(r.durationMs))}ms`;
  return s;
}

export interface ServerRef {
  readonly backend: string;
  readonly server: string;
  readonly backup: boolean;
}

function serverLabel(ref: ServerRef): string {
  return `${ref.backup ? 'Backup ' : ''}Server ${ref.backend}/${ref.server}`;
}

function onBackup(c: StateCounts): string {
  return c.backup > 0 && c.active === 0 ? ' Running on backup.' : '';
}

/** srv_append_status(): the check's result, or a forced change's reason (`, changed from CLI`). */
function causeSuffix(cause: CheckResult | string | undefined): string {
  if (cause === undefined) return '';
  return typeof cause === 'string' ? `, ${cause}` : checkInfoSuffix(cause);
}

/**
 * `Server be/srv is DOWN[, reason: …]. N active and M backup servers left. …`
 * `cause` is omitted (undefined) when `option log-health-checks` already logged
 * the check result, as HAProxy does (check_notify_cause).
 */
export function serverDownMessage(
  ref: ServerRef,
  cause: CheckResult | string | undefined,
  c: StateCounts,
): string {
  const why = causeSuffix(cause);
  return (
    `${serverLabel(ref)} is DOWN${why}. ${c.active} active and ${c.backup} backup servers left.` +
    `${onBackup(c)} ${c.sessions} sessions active, ${c.requeued} requeued, ${c.queued} remaining in queue.`
  );
}

/** `Server be/srv is UP|stopping[, reason: …]. N active and M backup servers online. …` */
export function serverOnlineMessage(
  ref: ServerRef,
  state: 'UP' | 'stopping',
  cause: CheckResult | string | undefined,
  c: StateCounts,
): string {
  const why = causeSuffix(cause);
  return (
    `${serverLabel(ref)} is ${state}${why}. ${c.active} active and ${c.backup} backup servers online.` +
    `${onBackup(c)} ${c.requeued} sessions requeued, ${c.queued} total in queue.`
  );
}

/** `backend be has no server available!` (`proxy` for a listen section, as proxy_cap_str says). */
export function noServerMessage(kind: 'backend' | 'listen', backend: string): string {
  return `${kind === 'listen' ? 'proxy' : 'backend'} ${backend} has no server available!`;
}

/**
 * `option log-health-checks` line:
 * `Health check for server be/srv failed, reason: …, status: 0/2 DOWN.`
 */
export function checkReportMessage(
  ref: ServerRef,
  source: 'health' | 'agent',
  r: CheckResult,
  counter: { readonly health: number; readonly rise: number; readonly fall: number; readonly weight: number },
): string {
  const verdict =
    r.status === 'L7OKC'
      ? 'conditionally succeeded'
      : r.status === 'L4OK' || r.status === 'L6OK' || r.status === 'L7OK' || r.status === 'PROCOK'
        ? 'succeeded'
        : 'failed';
  const sum = healthSummary(counter.health, counter.rise, counter.fall, counter.weight);
  return (
    `${source === 'agent' ? 'Agent' : 'Health'} check for ${ref.backup ? 'backup ' : ''}server ` +
    `${ref.backend}/${ref.server} ${verdict}${checkInfoSuffix(r)}, status: ${sum.cur}/${sum.of} ${sum.word}.`
  );
}
