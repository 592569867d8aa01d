/**
 * `show servers state` (server-state file format version 1, management.txt
 * 9.3 and configuration.txt "server-state-file") and `show servers conn`
 * (proxy.c dump_servers_state). Numeric codes are HAProxy's: srv_state,
 * SRV_ADMF_* flags, HCHK_STATUS_*, CHK_RES_* and CHK_ST_* (server-t.h,
 * check-t.h), so a state file written from hapair reads the same.
 */
import { isIP } from 'node:net';
import type { HaproxyConfig } from '../config/haproxy/model.js';
import type { CheckView, OperState, ServerView } from './types.js';

const FIELDS =
  'be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight ' +
  'srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state ' +
  'srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl ' +
  'srv_check_port srv_check_addr srv_agent_addr srv_agent_port';

const OPER: Readonly<Record<OperState, number>> = { stopped: 0, starting: 1, running: 2, stopping: 3 };

/** SRV_ADMF_FMAINT, SRV_ADMF_CMAINT, SRV_ADMF_FDRAIN. */
const FMAINT = 0x01;
const CMAINT = 0x04;
const FDRAIN = 0x08;

/** HCHK_STATUS_* in enum order. */
const HCHK = [
  'UNK',
  'INI',
  'START',
  'CHECKED',
  'HANA',
  'SOCKERR',
  'L4OK',
  'L4TOUT',
  'L4CON',
  'L6OK',
  'L6TOUT',
  'L6RSP',
  'L7TOUT',
  'L7RSP',
  'L57DATA',
  'L7OK',
  'L7OKC',
  'L7STS',
  'PROCERR',
  'PROCTOUT',
  'PROCOK',
];

/** CHK_RES_*: unknown 0, neutral 1, failed 2, passed 3, conditionally passed 4. */
function checkResult(status: string): number {
  if (status === 'UNK' || status === 'INI') return 0;
  if (status === 'CHECKED') return 1;
  if (status === 'L7OKC') return 4;
  return ['L4OK', 'L6OK', 'L7OK', 'PROCOK'].includes(status) ? 3 : 2;
}

/** CHK_ST_CONFIGURED 0x02, ENABLED 0x04, PAUSED 0x08, AGENT 0x10. */
function checkState(c: CheckView | undefined, agent: boolean, paused: boolean): number {
  if (!c) return paused && !agent ? 0x08 : 0;
  return 0x02 | (c.enabled ? 0x04 : 0) | (c.paused ? 0x08 : 0) | (agent ? 0x10 : 0);
}

/** Tells whether a server is `disabled` in the configuration. */
export type ConfigDisabled = (backend: string, server: string) => boolean;

/** The servers written `disabled` in `cfg`. */
export function configDisabled(cfg: HaproxyConfig): ConfigDisabled {
  const set = new Set(
    cfg.proxies.flatMap((p) =>
      p.servers.filter((s) => s.initialState === 'maint').map((s) => `${p.name}/${s.name}`),
    ),
  );
  return (b, s) => set.has(`${b}/${s}`);
}

/**
 * HAProxy keeps CMAINT on a `disabled` server for its whole life, also after
 * `set server state ready` (which clears FMAINT only); a state loader needs it
 * to tell a configuration change from a runtime one. Without `disabled`
 * known, a server still in its configured maintenance stands for it.
 */
function adminFlags(s: ServerView, disabled: ConfigDisabled | undefined): number {
  const cmaint = (disabled ? disabled(s.backend, s.name) : s.configMaint) ? CMAINT : 0;
  if (s.admin === 'drain') return FDRAIN | cmaint;
  if (s.admin === 'maint') return FMAINT | cmaint;
  return cmaint;
}

const addrOrDash = (a: string | undefined) => (a && isIP(a) !== 0 ? a : '-');

function stateLine(s: ServerView, disabled: ConfigDisabled | undefined): string {
  const c = s.check;
  const paused = s.admin === 'maint';
  return [
    s.backendId,
    s.backend,
    s.id,
    s.name,
    addrOrDash(s.host),
    OPER[s.oper],
    adminFlags(s, disabled),
    s.uweight,
    s.iweight,
    s.lastChangeSec,
    Math.max(0, HCHK.indexOf(c?.status ?? 'INI')),
    checkResult(c?.status ?? 'INI'),
    // Without a check HAProxy keeps the counter at `rise`, or 0 in maintenance.
    c?.health ?? (paused ? 0 : s.rise),
    checkState(c, false, paused),
    checkState(s.agent, true, paused),
    s.backendForcedId ? 1 : 0,
    s.forcedId ? 1 : 0,
    s.fqdn ?? '-',
    s.port,
    '-',
    s.ssl ? 1 : 0,
    c?.port ?? 0,
    addrOrDash(c?.addr),
    addrOrDash(s.agent?.addr),
    s.agent?.port ?? 0,
  ].join(' ');
}

/** `show servers state`; pass `disabled` (configDisabled()) for HAProxy's CMAINT on every `disabled` server. */
export function renderServersState(servers: readonly ServerView[], disabled?: ConfigDisabled): string {
  return `1\n# ${FIELDS}\n${servers.map((s) => `${stateLine(s, disabled)}\n`).join('')}`;
}

/**
 * hapair keeps no idle server connections (no connection pool), so the purge
 * delay, idle limit and idle counts are 0 and only the used counts move.
 */
export function renderServersConn(servers: readonly ServerView[], nbthread: number): string {
  const head =
    '# bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est unsafe_nb safe_nb idle_lim idle_cur ' +
    `idle_per_thr[${nbthread}]\n`;
  const perThread = ' 0'.repeat(nbthread);
  const lines = servers.map(
    (s) =>
      `${s.backend}/${s.name} ${s.backendId}/${s.id} ${addrOrDash(s.host)} ${s.port} - 0 ${s.served} ${s.servedMax} ${s.served} 0 0 0 0${perThread}\n`,
  );
  return head + lines.join('');
}
