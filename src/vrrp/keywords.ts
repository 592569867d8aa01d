/**
 * vrrp_instance keywords the VRRP engine implements (keepalived.conf(5) "VRRP
 * instance(s)"), plus hapair's `hapair_transport`. Addresses, trackers and
 * notify scripts are in keywords-address.ts, keywords-track.ts and
 * keywords-notify.ts; `vrrpKeywordSet` gathers them for the registry.
 * Checks that need the whole instance (v2 vs v3 advert_int, authentication
 * with v3, family) run after parsing, in config/keepalived/validate.ts.
 */
import { draftOf, type KeepalivedCtx, type KeywordSet } from '../config/keepalived/context.js';
import {
  GARP_DELAY_MAX_S,
  GARP_REFRESH_MAX_S,
  GARP_REPEAT_MAX,
} from '../config/keepalived/global-keywords.js';
import {
  argCount,
  fail,
  flagArg,
  intArg,
  interfaceName,
  ipAddress,
  secondsArg,
  warnRepeated,
} from '../config/keepalived/values.js';
import type { KeywordCall, KeywordSpec } from '../config/registry.js';
import { ConfigCode } from '../core/errors.js';
import { addressKeywords } from './keywords-address.js';
import { notifyKeywords } from './keywords-notify.js';
import { trackKeywords } from './keywords-track.js';

/** hapair_transport udp default port; not IANA-assigned (VRRP has no UDP port). */
export const VRRP_UDP_DEFAULT_PORT = 11200;
/** keepalived.conf(5) "auth_pass": only the first eight characters are used (RFC 2338 section 5.3.10). */
const AUTH_PASS_MAX = 8;

type Parse = KeywordSpec<KeepalivedCtx>['parse'];

function instanceSpec(
  name: string,
  usage: string,
  doc: string,
  defaultValue: string,
  parse: Parse,
): KeywordSpec<KeepalivedCtx> {
  return { name, sections: ['vrrp_instance'], usage, doc, defaultValue, module: 'vrrp', parse };
}

function authSpec(name: string, usage: string, doc: string, parse: Parse): KeywordSpec<KeepalivedCtx> {
  const defaultValue = 'none (required in authentication)';
  return {
    name,
    sections: ['vrrp_instance.authentication'],
    usage,
    doc,
    defaultValue,
    module: 'vrrp',
    parse,
  };
}

function setOne(ctx: KeepalivedCtx, call: KeywordCall, usage: string): string {
  argCount(call, 1, 1, usage);
  warnRepeated(ctx, call);
  return call.args[0]!;
}

const core: KeywordSpec<KeepalivedCtx>[] = [
  instanceSpec(
    'state',
    'MASTER|BACKUP',
    'Initial state; the election decides after startup.',
    'BACKUP (MASTER when priority is 255)',
    (ctx, call) => {
      argCount(call, 1, 1, 'MASTER|BACKUP');
      const state = call.args[0];
      if (state !== 'MASTER' && state !== 'BACKUP')
        fail(ConfigCode.BadArgs, call, `"${state}" is not MASTER or BACKUP`);
      const d = draftOf(ctx, 'vrrp_instance');
      // vrrp_parser.c vrrp_state_handler: BACKUP after MASTER is ignored.
      if (d.state === 'MASTER' && state === 'BACKUP') {
        ctx.warn(call.loc, call.keyword, 'MASTER was set before and is kept');
        return;
      }
      warnRepeated(ctx, call);
      d.state = state;
    },
  ),
  instanceSpec(
    'interface',
    '<IFNAME>',
    'Interface the instance advertises on; default device of its addresses.',
    'none (required)',
    (ctx, call) => {
      draftOf(ctx, 'vrrp_instance').interface = interfaceName(call, setOne(ctx, call, '<IFNAME>'));
    },
  ),
  instanceSpec(
    'virtual_router_id',
    '<1..255>',
    'VRID shared by the routers of this instance.',
    'none (required)',
    (ctx, call) => {
      draftOf(ctx, 'vrrp_instance').vrid = intArg(call, setOne(ctx, call, '<1..255>'), 1, 255);
    },
  ),
  instanceSpec(
    'priority',
    '<1..255>',
    'Election priority; 255 = address owner.',
    '100 (255 with state MASTER)',
    (ctx, call) => {
      draftOf(ctx, 'vrrp_instance').priority = intArg(call, setOne(ctx, call, '<1..255>'), 1, 255);
    },
  ),
  instanceSpec(
    'advert_int',
    '<SECONDS>',
    'Advert interval: whole seconds for VRRPv2, 0.01 s steps for VRRPv3.',
    '1',
    (ctx, call) => {
      draftOf(ctx, 'vrrp_instance').advertInt = secondsArg(call, setOne(ctx, call, '<SECONDS>'), 10, 255_000);
    },
  ),
  instanceSpec(
    'version',
    '<2|3>',
    'VRRP version (RFC 3768 or RFC 5798).',
    'global_defs vrrp_version',
    (ctx, call) => {
      draftOf(ctx, 'vrrp_instance').version = intArg(call, setOne(ctx, call, '<2|3>'), 2, 3) as 2 | 3;
    },
  ),
  instanceSpec(
    'nopreempt',
    '(no argument)',
    'A higher priority router does not take over from a running MASTER.',
    'preempt',
    (ctx, call) => {
      argCount(call, 0, 0, '');
      draftOf(ctx, 'vrrp_instance').nopreempt = true;
    },
  ),
  instanceSpec(
    'preempt',
    '(no argument)',
    'Cancels nopreempt (the default; kept for old configurations).',
    'preempt',
    (ctx, call) => {
      argCount(call, 0, 0, '');
      draftOf(ctx, 'vrrp_instance').nopreempt = false;
    },
  ),
  instanceSpec(
    'preempt_delay',
    '<0..1000>',
    'Seconds to wait before preempting a lower priority MASTER.',
    '0',
    (ctx, call) => {
      draftOf(ctx, 'vrrp_instance').preemptDelay = secondsArg(
        call,
        setOne(ctx, call, '<SECONDS>'),
        0,
        1_000_000,
      );
    },
  ),
  instanceSpec(
    'dont_track_primary',
    '[<BOOL>]',
    'Ignore faults of the instance interface.',
    'off',
    (ctx, call) => {
      draftOf(ctx, 'vrrp_instance').dontTrackPrimary = flagArg(call);
    },
  ),
  instanceSpec(
    'authentication',
    '{ auth_type PASS|AH; auth_pass <PASS> }',
    'VRRPv2 authentication (RFC 2338); not in VRRPv3.',
    'none',
    (ctx, call) => {
      argCount(call, 0, 0, '');
      const d = draftOf(ctx, 'vrrp_instance');
      d.auth ??= { loc: call.loc, locs: new Map() };
      ctx.parseBlock(call, 'vrrp_instance.authentication', d.auth);
    },
  ),
  authSpec('auth_type', 'PASS|AH', 'PASS = simple password, AH = IPsec AH.', (ctx, call) => {
    const type = setOne(ctx, call, 'PASS|AH');
    if (type !== 'PASS' && type !== 'AH') fail(ConfigCode.BadArgs, call, `"${type}" is not PASS or AH`);
    draftOf(ctx, 'vrrp_instance.authentication').type = type;
  }),
  authSpec(
    'auth_pass',
    '<PASSWORD>',
    'Shared password; only the first 8 characters are used.',
    (ctx, call) => {
      const pass = setOne(ctx, call, '<PASSWORD>');
      if (pass === '') fail(ConfigCode.BadArgs, call, 'empty password');
      if (pass.length > AUTH_PASS_MAX)
        ctx.warn(call.loc, call.keyword, `truncated to ${AUTH_PASS_MAX} characters, as keepalived does`);
      draftOf(ctx, 'vrrp_instance.authentication').pass = pass.slice(0, AUTH_PASS_MAX);
    },
  ),
  ...garpSpecs(),
  instanceSpec(
    'hapair_transport',
    'raw | udp [port <N>] [bind <ADDRESS>]',
    'hapair extension: carry adverts in UDP (not keepalived-compatible) instead of IP protocol 112.',
    `raw (udp port ${VRRP_UDP_DEFAULT_PORT})`,
    (ctx, call) => {
      warnRepeated(ctx, call);
      draftOf(ctx, 'vrrp_instance').transport = transportArgs(call);
    },
  ),
];

function garpSpecs(): KeywordSpec<KeepalivedCtx>[] {
  const seconds = (max: number) => (ctx: KeepalivedCtx, call: KeywordCall) =>
    intArg(call, setOne(ctx, call, '<SECONDS>'), 0, max) * 1000;
  const count = (min: number) => (ctx: KeepalivedCtx, call: KeywordCall) =>
    intArg(call, setOne(ctx, call, '<COUNT>'), min, GARP_REPEAT_MAX);
  return [
    instanceSpec(
      'garp_master_delay',
      '<SECONDS>',
      'Delay of the second gratuitous ARP/NA burst; 0 = none.',
      'global_defs vrrp_garp_master_delay',
      (ctx, call) => {
        draftOf(ctx, 'vrrp_instance').garpMasterDelay = seconds(GARP_DELAY_MAX_S)(ctx, call);
      },
    ),
    instanceSpec(
      'garp_master_repeat',
      `<1..${GARP_REPEAT_MAX}>`,
      'Gratuitous ARP/NA messages per burst.',
      'global_defs vrrp_garp_master_repeat',
      (ctx, call) => {
        draftOf(ctx, 'vrrp_instance').garpMasterRepeat = count(1)(ctx, call);
      },
    ),
    instanceSpec(
      'garp_master_refresh',
      '<SECONDS>',
      'Gratuitous ARP/NA refresh interval while MASTER; 0 = none.',
      'global_defs vrrp_garp_master_refresh',
      (ctx, call) => {
        draftOf(ctx, 'vrrp_instance').garpMasterRefresh = seconds(GARP_REFRESH_MAX_S)(ctx, call);
      },
    ),
    instanceSpec(
      'garp_lower_prio_repeat',
      `<0..${GARP_REPEAT_MAX}>`,
      'Gratuitous ARP/NA sent when a lower priority advert arrives while MASTER.',
      'global_defs vrrp_garp_lower_prio_repeat',
      (ctx, call) => {
        draftOf(ctx, 'vrrp_instance').garpLowerPrioRepeat = count(0)(ctx, call);
      },
    ),
  ];
}

function transportArgs(call: KeywordCall): { kind: 'raw' } | { kind: 'udp'; port: number; bind?: string } {
  const [kind, ...rest] = call.args;
  if (kind === 'raw') {
    argCount(call, 1, 1, 'raw');
    return { kind: 'raw' };
  }
  if (kind !== 'udp') fail(ConfigCode.BadArgs, call, 'expects raw | udp [port <N>] [bind <ADDRESS>]');
  let port = VRRP_UDP_DEFAULT_PORT;
  let bind: string | undefined;
  for (let i = 0; i < rest.length; i += 2) {
    const option = rest[i];
    const value = rest[i + 1];
    if (value === undefined) fail(ConfigCode.BadArgs, call, `"${option}" needs a value`);
    if (option === 'port') port = intArg(call, value, 1, 65535);
    else if (option === 'bind') bind = ipAddress(value, call.loc, call.keyword).address;
    else
      fail(ConfigCode.BadArgs, call, `unknown option "${option}": expects udp [port <N>] [bind <ADDRESS>]`);
  }
  return bind === undefined ? { kind: 'udp', port } : { kind: 'udp', port, bind };
}

const NOT_YET = 'not supported by hapair yet';
const unsupported: [string, string][] = [
  ['use_vmac', 'virtual MAC (macvlan) interfaces are not supported by hapair yet'],
  ...[
    'use_vmac_addr',
    'vmac_xmit_base',
    'use_ipvlan',
    'vrf',
    'track_process',
    'track_bfd',
    'track_src_ip',
    'mcast_dst_ip',
    'check_unicast_src',
    'unicast_fault_no_peer',
    'unicast_ttl',
    'old_unicast_checksum',
    'virtual_routes',
    'virtual_rules',
    'no_virtual_ipaddress',
    'promote_secondaries',
    'accept',
    'no_accept',
    'skip_check_adv_addr',
    'debug',
    'notify_deleted',
    'notify_master_rx_lower_pri',
    'notify_priority_changes',
    'kernel_rx_buf_size',
    'lvs_sync_daemon_interface',
    'garp_master_refresh_repeat',
    'garp_lower_prio_delay',
    'garp_extra_if',
    'vmac_garp_intvl',
    'down_timer_adverts',
    'timer_expired_backup',
    'thread_timer_expired',
    'lower_prio_no_advert',
    'higher_prio_send_advert',
    'owner_ignore_adverts',
    'auth_hmac',
    'global_tracking',
    'sync_group_tracking_weight',
  ].map((n): [string, string] => [n, NOT_YET]),
  ['native_ipv6', 'deprecated in keepalived and not supported: the family follows the virtual addresses'],
  [
    'strict_mode',
    'strict mode changes runtime behaviour (no_accept, no repeated GARPs) hapair does not implement yet',
  ],
  ['linkbeat_use_polling', NOT_YET],
];

export const vrrpKeywordSet: KeywordSet = {
  specs: [...core, ...addressKeywords, ...trackKeywords, ...notifyKeywords],
  unsupported,
};
