/**
 * global_defs keywords hapair implements (keepalived.conf(5) "Global
 * definitions"), and the ones it refuses with a reason. The mail, LVS, SNMP,
 * D-Bus, nftables and memory-locking keywords have no hapair counterpart:
 * accepting them silently would leave an operator expecting mail, firewall
 * rules or an unswappable process that never come. The VRRP process's
 * scheduling keywords are applied by src/vrrp/child.ts.
 */
import { cpus } from 'node:os';
import { ConfigCode } from '../../core/errors.js';
import type { KeywordSpec } from '../registry.js';
import { draftOf, type KeepalivedCtx, type KeywordSet } from './context.js';
import {
  argCount,
  canonicalIp,
  fail,
  flagArg,
  intArg,
  ipAddress,
  secondsArg,
  warnRepeated,
} from './values.js';

const SECTIONS = ['global_defs'];
/** keepalived reads GARP delays as whole seconds up to UINT_MAX / TIMER_HZ (vrrp_parser.c). */
export const GARP_DELAY_MAX_S = 4294;
/** hapair runs one arping per gratuitous ARP, so a burst is bounded. */
export const GARP_REPEAT_MAX = 255;
export const GARP_REFRESH_MAX_S = 86400;

/** RFC 5798 section 5.1.2.2 / keepalived vrrp.h INADDR_VRRP_GROUP, INADDR6_VRRP_GROUP. */
export const VRRP_MCAST_GROUP4 = '224.0.0.18';
export const VRRP_MCAST_GROUP6 = 'ff02::12';

/** sched_get_priority_min/max(SCHED_RR) on Linux. */
export const RT_PRIORITY_MAX = 99;
/** µs; keepalived lib/process.h RT_RLIMIT_DEFAULT. */
export const RLIMIT_RTTIME_DEFAULT_US = 10_000;
/**
 * µs; keepalived global_parser.c get_rt_rlimit: the soft limit is half the
 * value and must not be 0. keepalived raises 1 to 2; hapair refuses it.
 */
const RLIMIT_RTTIME_MIN_US = 2;
/**
 * µs; the least hapair recommends: twice the longest time counted against the
 * limit in docs/compat.md's measurement ("VRRP behaviour beyond keepalived"),
 * where keepalived's 10000 got the VRRP process killed on a busy host.
 */
export const RLIMIT_RTTIME_HAPAIR_MIN_US = 200_000;
const RLIMIT_RTTIME_MAX_US = 4_294_967_295;
/** CPU_SETSIZE: the bound when the number of online CPUs cannot be read. */
const CPU_SETSIZE = 1024;

function spec(
  name: string,
  usage: string,
  doc: string,
  defaultValue: string,
  parse: KeywordSpec<KeepalivedCtx>['parse'],
): KeywordSpec<KeepalivedCtx> {
  return { name, sections: SECTIONS, usage, doc, defaultValue, module: 'vrrp', parse };
}

const specs: KeywordSpec<KeepalivedCtx>[] = [
  spec(
    'router_id',
    '<STRING>',
    'Name of this node in logs and notify events.',
    'the local host name',
    (ctx, call) => {
      argCount(call, 1, 1, '<STRING>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').routerId = call.args[0];
    },
  ),
  spec(
    'script_user',
    '<USER> [<GROUP>]',
    'User (and group) that runs vrrp_script and notify scripts.',
    'keepalived_script if that user exists, else the user running hapair',
    (ctx, call) => {
      argCount(call, 1, 2, '<USER> [<GROUP>]');
      if (call.args[1]?.startsWith(':')) {
        fail(ConfigCode.Unsupported, call, 'supplementary groups (":GROUP") are not supported by hapair yet');
      }
      warnRepeated(ctx, call);
      const d = draftOf(ctx, 'global_defs');
      d.scriptUser = call.args[0];
      d.scriptGroup = call.args[1];
    },
  ),
  spec(
    'enable_script_security',
    '[<BOOL>]',
    'Refuse to run scripts as root when a non-root user could modify them.',
    'off',
    (ctx, call) => {
      draftOf(ctx, 'global_defs').enableScriptSecurity = flagArg(call);
    },
  ),
  spec(
    'vrrp_version',
    '<2|3>',
    'VRRP version of instances without `version` (IPv6 instances use 3).',
    '2',
    (ctx, call) => {
      argCount(call, 1, 1, '<2|3>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').vrrpVersion = intArg(call, call.args[0], 2, 3) as 2 | 3;
    },
  ),
  spec(
    'vrrp_garp_master_delay',
    '<SECONDS>',
    'Delay before the second burst of gratuitous ARP/NA after becoming MASTER; 0 = no second burst.',
    '5',
    (ctx, call) => {
      argCount(call, 1, 1, '<SECONDS>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').garpMasterDelay = intArg(call, call.args[0], 0, GARP_DELAY_MAX_S) * 1000;
    },
  ),
  spec(
    'vrrp_garp_master_repeat',
    `<1..${GARP_REPEAT_MAX}>`,
    'Gratuitous ARP/NA messages per burst after becoming MASTER.',
    '5',
    (ctx, call) => {
      argCount(call, 1, 1, '<COUNT>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').garpMasterRepeat = intArg(call, call.args[0], 1, GARP_REPEAT_MAX);
    },
  ),
  spec(
    'vrrp_garp_master_refresh',
    '<SECONDS>',
    'Interval of gratuitous ARP/NA refreshes while MASTER; 0 = none.',
    '0',
    (ctx, call) => {
      argCount(call, 1, 1, '<SECONDS>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').garpMasterRefresh =
        intArg(call, call.args[0], 0, GARP_REFRESH_MAX_S) * 1000;
    },
  ),
  spec(
    'vrrp_garp_lower_prio_repeat',
    `<0..${GARP_REPEAT_MAX}>`,
    'Gratuitous ARP/NA messages sent when a MASTER receives a lower-priority advert.',
    'vrrp_garp_master_repeat',
    (ctx, call) => {
      argCount(call, 1, 1, '<COUNT>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').garpLowerPrioRepeat = intArg(call, call.args[0], 0, GARP_REPEAT_MAX);
    },
  ),
  spec(
    'vrrp_mcast_group4',
    '<IPV4 MULTICAST ADDRESS>',
    'IPv4 group VRRP adverts are sent to.',
    VRRP_MCAST_GROUP4,
    (ctx, call) => {
      argCount(call, 1, 1, '<ADDRESS>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').mcastGroup4 = multicastGroup(call, 4);
    },
  ),
  spec(
    'vrrp_mcast_group6',
    '<IPV6 LINK-LOCAL MULTICAST ADDRESS>',
    'IPv6 group VRRP adverts are sent to (must be ffX2::/16).',
    VRRP_MCAST_GROUP6,
    (ctx, call) => {
      argCount(call, 1, 1, '<ADDRESS>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').mcastGroup6 = multicastGroup(call, 6);
    },
  ),
  spec(
    'notify_fifo',
    '<FIFO PATH>',
    'FIFO receiving one line per state change: INSTANCE "VI_1" MASTER 100.',
    'none',
    (ctx, call) => {
      if (call.args.length > 1) {
        fail(ConfigCode.Unsupported, call, 'a FIFO owner user/group is not supported by hapair yet');
      }
      argCount(call, 1, 1, '<FIFO PATH>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').notifyFifo = call.args[0];
    },
  ),
  spec(
    'vrrp_priority',
    '<-20..19>',
    "Nice value of the VRRP process (negative: scheduled ahead of the proxy). hapair's default: -10 when it may raise its priority (root), else unchanged.",
    '-10 (root)',
    (ctx, call) => {
      argCount(call, 1, 1, '<-20..19>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').vrrpPriority = intArg(call, call.args[0], -20, 19);
    },
  ),
  spec(
    'vrrp_rt_priority',
    `<1..${RT_PRIORITY_MAX}>`,
    'Real-time (SCHED_RR) priority of the VRRP process: its adverts run ahead of every normally scheduled process. Set with `chrt` (util-linux, needs root) on all its threads once its instances have started, after vrrp_rlimit_rttime; a reload runs normally scheduled, then applies the new value. The scripts it starts run normally scheduled. When it cannot be applied, an error is logged and the process goes on normally scheduled.',
    'none (normal scheduling)',
    (ctx, call) => {
      argCount(call, 1, 1, `<1..${RT_PRIORITY_MAX}>`);
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').rtPriority = intArg(call, call.args[0], 1, RT_PRIORITY_MAX);
    },
  ),
  spec(
    'vrrp_rlimit_rttime',
    '<MICROSECONDS>',
    `With vrrp_rt_priority: CPU time in µs (at least 2) the VRRP process may run without blocking (RLIMIT_RTTIME, set with \`prlimit\`). At half of it a warning is logged; at the limit the kernel kills the process. keepalived's 10000 is too tight for Node.js on a busy host: use at least ${RLIMIT_RTTIME_HAPAIR_MIN_US} (a smaller value is warned about). Raising it on a reload needs CAP_SYS_RESOURCE. Ignored without vrrp_rt_priority.`,
    String(RLIMIT_RTTIME_DEFAULT_US),
    (ctx, call) => {
      argCount(call, 1, 1, '<MICROSECONDS>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').rlimitRttime = intArg(
        call,
        call.args[0],
        RLIMIT_RTTIME_MIN_US,
        RLIMIT_RTTIME_MAX_US,
      );
    },
  ),
  spec(
    'vrrp_cpu_affinity',
    '<CPU> [<CPU>]…',
    'CPUs the VRRP process may run on, numbered as the "processor" lines of /proc/cpuinfo. Applied to all its threads with `taskset` (util-linux); an error is logged and the process goes on when it cannot be applied.',
    'every CPU hapair was started with',
    (ctx, call) => {
      argCount(call, 1, CPU_SETSIZE, '<CPU> [<CPU>]…');
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').cpuAffinity = cpuList(call);
    },
  ),
  spec(
    'hapair_notify_timeout',
    '<SECONDS>',
    'hapair extension: kill a notify script still running after this long; 0 = never (keepalived).',
    '0',
    (ctx, call) => {
      argCount(call, 1, 1, '<SECONDS>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'global_defs').notifyTimeout = secondsArg(call, call.args[0], 0, 86_400_000);
    },
  ),
];

/**
 * keepalived global_parser.c get_cpu_affinity: each id must be below the
 * number of online CPUs (sysconf(_SC_NPROCESSORS_ONLN)). Sorted, without
 * duplicates.
 */
function cpuList(call: Parameters<KeywordSpec<KeepalivedCtx>['parse']>[1]): number[] {
  const online = cpus().length;
  const ids = new Set<number>();
  for (const text of call.args) {
    const id = intArg(call, text, 0, CPU_SETSIZE - 1);
    if (online > 0 && id >= online) {
      fail(
        ConfigCode.Range,
        call,
        `CPU ${id} does not exist: this host has ${online} online CPUs (0..${online - 1})`,
      );
    }
    ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

function multicastGroup(call: Parameters<KeywordSpec<KeepalivedCtx>['parse']>[1], family: 4 | 6): string {
  const ip = ipAddress(call.args[0]!, call.loc, call.keyword);
  const text = canonicalIp(ip);
  const ok =
    family === 4
      ? ip.family === 4 && /^2(2[4-9]|3\d)\./.test(text)
      : ip.family === 6 && /^ff[0-9a-f]2:/.test(text);
  if (!ok) {
    const want =
      family === 4
        ? 'an IPv4 multicast address (224.0.0.0/4)'
        : 'an IPv6 link-local multicast address (ffX2::/16)';
    fail(ConfigCode.BadAddress, call, `"${call.args[0]}" is not ${want}`);
  }
  return ip.address;
}

const MAIL = 'email alerts are not supported: use notify scripts';
const LVS = 'LVS is not supported: define the service as a frontend/backend in haproxy.cfg';
const NOT_YET = 'not supported by hapair yet';
const NO_SWAP =
  'Node.js cannot lock its memory (mlockall): run hapair without swap, or in a cgroup that forbids it (systemd MemorySwapMax=0)';
const STRICT =
  'vrrp_strict changes runtime behaviour (no_accept, no repeated GARPs) hapair does not implement yet';

const unsupported: [string, string][] = [
  ...[
    'notification_email',
    'notification_email_from',
    'smtp_server',
    'smtp_helo_name',
    'smtp_connect_timeout',
  ].map((n): [string, string] => [n, MAIL]),
  ...['smtp_alert_vrrp', 'smtp_alert_checker', 'no_email_faults', 'no_checker_emails'].map(
    (n): [string, string] => [n, MAIL],
  ),
  ['smtp_alert', 'smtp_alert is not supported: use notify scripts'],
  ...['lvs_id', 'lvs_sync_daemon', 'lvs_flush', 'lvs_flush_on_stop', 'lvs_flush_onstop', 'lvs_timeouts'].map(
    (n): [string, string] => [n, LVS],
  ),
  ...['lvs_notify_fifo', 'lvs_notify_fifo_script', 'checker_process_name', 'checker_priority'].map(
    (n): [string, string] => [n, LVS],
  ),
  ['vrrp_strict', STRICT],
  ['vrrp_no_swap', NO_SWAP],
  ...[
    'vrrp_skip_check_adv_addr',
    'vrrp_check_unicast_src',
    'vrrp_garp_interval',
    'vrrp_gna_interval',
    'vrrp_min_garp',
    'vrrp_garp_master_refresh_repeat',
    'vrrp_garp_lower_prio_delay',
    'vrrp_garp_extra_if',
    'vrrp_vmac_garp_intvl',
    'vrrp_down_timer_adverts',
    'vrrp_lower_prio_no_advert',
    'vrrp_higher_prio_send_advert',
    'vrrp_iptables',
    'vrrp_ipsets',
    'nftables',
    'vrrp_notify_fifo',
    'vrrp_notify_fifo_script',
    'notify_fifo_script',
    'vrrp_notify_priority_changes',
    'vrrp_startup_delay',
    'vrrp_owner_ignore_adverts',
    'default_interface',
    'dynamic_interfaces',
    'disable_local_igmp',
    'v3_checksum_as_v2',
    'enable_snmp_vrrp',
    'enable_snmp_keepalived',
    'enable_snmp_rfc',
    'enable_snmp_checker',
    'enable_traps',
    'snmp_socket',
    'enable_dbus',
    'startup_script',
    'shutdown_script',
    'max_auto_priority',
    'vmac_prefix',
    'umask',
    'process_names',
    'vrrp_process_name',
    'include_check',
  ].map((n): [string, string] => [n, NOT_YET]),
];

export const globalKeywordSet: KeywordSet = { specs, unsupported };
