/**
 * Address keywords of vrrp_instance (keepalived.conf(5) "VRRP instance(s)"):
 * virtual_ipaddress, virtual_ipaddress_excluded, unicast_src_ip, unicast_peer,
 * mcast_src_ip. Every address but the excluded ones is recorded in file order,
 * because keepalived takes the instance family from the first one
 * (vrrp_parser.c); validate.ts reports the ones of the other family.
 */
import { draftOf, type KeepalivedCtx } from '../config/keepalived/context.js';
import type { InstanceDraft, PeerDraft } from '../config/keepalived/drafts.js';
import type { VirtualAddress } from '../config/keepalived/model.js';
import {
  argCount,
  fail,
  intArg,
  interfaceName,
  ipAddress,
  warnRepeated,
} from '../config/keepalived/values.js';
import type { KeywordCall, KeywordSpec } from '../config/registry.js';
import { ConfigCode } from '../core/errors.js';

const VIP_USAGE =
  '{ <ADDRESS>[/<PREFIX>] [dev <IFNAME>] [label <LABEL>] [brd <ADDRESS>|+|-] [scope <SCOPE>] … }';
const SCOPES = new Set(['global', 'site', 'link', 'host', 'nowhere']);
/** `ip addr` options keepalived accepts on a VIP line that hapair's VIP driver does not pass on. */
const VIP_UNSUPPORTED = new Set([
  'use_vmac',
  'peer',
  'home',
  '-nodad',
  'mngtmpaddr',
  'noprefixroute',
  'autojoin',
  'no_track',
  'preferred_lft',
  'track_group',
]);

/** One `virtual_ipaddress` line: `ADDR[/PREFIX] [dev IF] [label L] [brd B] [scope S]` (vrrp_ipaddress.c). */
export function parseVirtualAddress(call: KeywordCall): VirtualAddress {
  const [first, ...options] = call.args as [string, ...string[]];
  const slash = first.indexOf('/');
  const ip = ipAddress(slash < 0 ? first : first.slice(0, slash), call.loc, call.keyword);
  const maxPrefix = ip.family === 4 ? 32 : 128;
  let prefix = maxPrefix;
  if (slash >= 0) {
    const text = first.slice(slash + 1);
    if (!/^\d{1,3}$/.test(text) || Number(text) > maxPrefix) {
      fail(ConfigCode.BadAddress, call, `"${first}": prefix length must be 0..${maxPrefix}`);
    }
    prefix = Number(text);
  }
  const vip: { -readonly [K in keyof VirtualAddress]: VirtualAddress[K] } = {
    address: ip.address,
    family: ip.family,
    prefix,
    loc: call.loc,
  };
  for (let i = 0; i < options.length; i += 2) {
    const option = options[i]!;
    if (VIP_UNSUPPORTED.has(option))
      fail(ConfigCode.Unsupported, call, `address option "${option}" is not supported by hapair yet`);
    const value = options[i + 1];
    if (value === undefined)
      fail(ConfigCode.BadArgs, call, `"${option}" needs a value; expects ${VIP_USAGE}`);
    const key = option === 'broadcast' ? 'brd' : option;
    if (key === 'dev' && vip.dev === undefined) vip.dev = interfaceName(call, value);
    else if (key === 'label' && vip.label === undefined) vip.label = labelValue(call, value);
    else if (key === 'brd' && vip.broadcast === undefined)
      vip.broadcast = broadcastValue(call, value, ip.family);
    else if (key === 'scope' && vip.scope === undefined) vip.scope = scopeValue(call, value);
    else if (['dev', 'label', 'brd', 'scope'].includes(key))
      fail(ConfigCode.BadArgs, call, `"${option}" given twice`);
    else fail(ConfigCode.BadArgs, call, `unknown address option "${option}"; expects ${VIP_USAGE}`);
  }
  return vip;
}

function labelValue(call: KeywordCall, value: string): string {
  if (value.length > 15) fail(ConfigCode.BadArgs, call, `label "${value}" is longer than 15 characters`);
  return value;
}

function broadcastValue(call: KeywordCall, value: string, family: 4 | 6): string {
  if (family === 6) fail(ConfigCode.BadArgs, call, 'an IPv6 address has no broadcast address');
  if (value === '+' || value === '-') return value;
  const brd = ipAddress(value, call.loc, call.keyword);
  if (brd.family !== 4) fail(ConfigCode.BadAddress, call, `broadcast "${value}" is not an IPv4 address`);
  return brd.address;
}

function scopeValue(call: KeywordCall, value: string): string {
  if (!SCOPES.has(value) && !/^\d{1,3}$/.test(value)) {
    fail(ConfigCode.BadArgs, call, `scope "${value}" is not one of ${[...SCOPES].join('|')} or a number`);
  }
  if (/^\d+$/.test(value)) intArg(call, value, 0, 255);
  return value;
}

/** A unicast peer: `ADDR`, or `ADDR:PORT` / `[V6ADDR]:PORT` (hapair_transport udp). */
export function parsePeer(call: KeywordCall): PeerDraft {
  const [text, ...options] = call.args as [string, ...string[]];
  if (options.length > 0) {
    const known = options[0] === 'min_ttl' || options[0] === 'max_ttl';
    if (known) fail(ConfigCode.Unsupported, call, `"${options[0]}" is not supported by hapair yet`);
    fail(ConfigCode.BadArgs, call, `unexpected "${options[0]}": expects <ADDRESS>`);
  }
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (m === null) {
    const ip = ipAddress(text, call.loc, call.keyword);
    return { text, address: ip.address, family: ip.family, hasPort: false, loc: call.loc };
  }
  const ip = ipAddress(m[1]!, call.loc, call.keyword);
  intArg(call, m[2], 1, 65535);
  return { text, address: ip.address, family: ip.family, hasPort: true, loc: call.loc };
}

function addressList(
  ctx: KeepalivedCtx,
  call: KeywordCall,
  into: (d: InstanceDraft, line: KeywordCall) => void,
): void {
  argCount(call, 0, 0, '');
  const d = draftOf(ctx, 'vrrp_instance');
  ctx.eachLine(call, (line) => into(d, { ...call, args: line.words, loc: line.loc }));
}

function spec(
  name: string,
  usage: string,
  doc: string,
  defaultValue: string,
  parse: KeywordSpec<KeepalivedCtx>['parse'],
): KeywordSpec<KeepalivedCtx> {
  return { name, sections: ['vrrp_instance'], usage, doc, defaultValue, module: 'vrrp', parse };
}

function sourceAddress(ctx: KeepalivedCtx, call: KeywordCall): string {
  argCount(call, 1, 1, '<ADDRESS>');
  warnRepeated(ctx, call);
  const ip = ipAddress(call.args[0]!, call.loc, call.keyword);
  draftOf(ctx, 'vrrp_instance').addresses.push({
    family: ip.family,
    text: ip.address,
    keyword: call.keyword,
    loc: call.loc,
  });
  return ip.address;
}

export const addressKeywords: KeywordSpec<KeepalivedCtx>[] = [
  spec(
    'virtual_ipaddress',
    VIP_USAGE,
    'Addresses held by the MASTER and listed in adverts; all of the instance family.',
    'none',
    (ctx, call) => {
      addressList(ctx, call, (d, line) => {
        const vip = parseVirtualAddress(line);
        d.vips.push(vip);
        d.addresses.push({ family: vip.family, text: vip.address, keyword: call.keyword, loc: line.loc });
      });
    },
  ),
  spec(
    'virtual_ipaddress_excluded',
    VIP_USAGE,
    'Addresses held by the MASTER but not advertised; may mix families.',
    'none',
    (ctx, call) => {
      addressList(ctx, call, (d, line) => d.evips.push(parseVirtualAddress(line)));
    },
  ),
  spec(
    'unicast_src_ip',
    '<ADDRESS>',
    'Source address of unicast adverts.',
    'the primary address of the interface',
    (ctx, call) => {
      draftOf(ctx, 'vrrp_instance').unicastSrcIp = sourceAddress(ctx, call);
    },
  ),
  spec(
    'mcast_src_ip',
    '<ADDRESS>',
    'Source address of multicast adverts.',
    'the primary address of the interface',
    (ctx, call) => {
      draftOf(ctx, 'vrrp_instance').mcastSrcIp = sourceAddress(ctx, call);
    },
  ),
  spec(
    'unicast_peer',
    '{ <ADDRESS> … }',
    'Send adverts to these peers instead of the multicast group.',
    'none: multicast',
    (ctx, call) => {
      addressList(ctx, call, (d, line) => {
        const peer = parsePeer(line);
        const same = d.unicastPeers.find((p) => p.text === peer.text);
        if (same)
          fail(ConfigCode.Duplicate, line, `peer ${peer.text} already listed at line ${same.loc.line}`);
        d.unicastPeers.push(peer);
        d.addresses.push({ family: peer.family, text: peer.address, keyword: call.keyword, loc: line.loc });
      });
    },
  ),
];
