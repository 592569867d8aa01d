/**
 * Tracker keywords of vrrp_instance (keepalived.conf(5) "VRRP instance(s)":
 * track_script, track_interface, track_file) and hapair's tracker of the
 * co-located proxy engine, `hapair_track_proxy`. An entry without weight uses
 * the tracked object's own weight (scripts, files) or 0 (interfaces, proxy):
 * 0 puts the instance in Fault while the object is down. References to
 * vrrp_script / track_file names are checked in validate.ts.
 */
import { draftOf, type KeepalivedCtx } from '../config/keepalived/context.js';
import type { TrackRef } from '../config/keepalived/model.js';
import { argCount, fail, interfaceName, warnRepeated, weightWords } from '../config/keepalived/values.js';
import type { KeywordCall, KeywordSpec } from '../config/registry.js';
import { ConfigCode } from '../core/errors.js';

/** keepalived.conf(5): track_script/track_interface weights -253..253, track_file -254..254. */
const TRACK_WEIGHT = [-253, 253] as const;
const TRACK_FILE_WEIGHT = [-254, 254] as const;

/** Parses `{ NAME [weight N [reverse|noreverse]] … }` into `list`. */
function trackList(
  ctx: KeepalivedCtx,
  call: KeywordCall,
  range: readonly [number, number],
  pick: (line: KeywordCall) => string,
  list: TrackRef[],
): void {
  argCount(call, 0, 0, '');
  ctx.eachLine(call, (line) => {
    const lineCall: KeywordCall = { ...call, args: line.words, loc: line.loc };
    const name = pick(lineCall);
    const rest = line.words.slice(1);
    if (rest.length > 0 && rest[0] !== 'weight') {
      fail(ConfigCode.BadArgs, lineCall, `unexpected "${rest[0]}": expects <NAME> [weight <N> [reverse]]`);
    }
    const w = rest.length > 0 ? weightWords(lineCall, rest.slice(1), range, true) : undefined;
    const same = list.find((t) => t.name === name);
    if (same) fail(ConfigCode.Duplicate, lineCall, `${name} is already tracked at line ${same.loc.line}`);
    list.push(
      w
        ? { name, weight: w.weight, reverse: w.reverse, loc: line.loc }
        : { name, reverse: false, loc: line.loc },
    );
  });
}

/** keepalived.conf(5) "VRRP synchronization group(s)" trackers: hapair refuses them (track in each instance). */
function refuseInSyncGroup(ctx: KeepalivedCtx, call: KeywordCall): void {
  if (ctx.section === 'vrrp_sync_group') {
    fail(
      ConfigCode.Unsupported,
      call,
      'tracking on a vrrp_sync_group is not supported by hapair yet: track in each vrrp_instance',
    );
  }
}

const SECTIONS = ['vrrp_instance', 'vrrp_sync_group'];
const LIST_USAGE = '{ <NAME> [weight <N> [reverse]] … }';

export const trackKeywords: KeywordSpec<KeepalivedCtx>[] = [
  {
    name: 'track_script',
    sections: SECTIONS,
    usage: LIST_USAGE,
    doc: 'vrrp_script entries whose result changes the priority (weight -253..253) or, unweighted, causes Fault.',
    defaultValue: 'none',
    module: 'vrrp',
    parse(ctx, call) {
      refuseInSyncGroup(ctx, call);
      trackList(ctx, call, TRACK_WEIGHT, (l) => l.args[0]!, draftOf(ctx, 'vrrp_instance').trackScripts);
    },
  },
  {
    name: 'track_interface',
    sections: SECTIONS,
    usage: LIST_USAGE,
    doc: 'Interfaces whose link state changes the priority (weight -253..253) or, unweighted, causes Fault.',
    defaultValue: 'none',
    module: 'vrrp',
    parse(ctx, call) {
      refuseInSyncGroup(ctx, call);
      trackList(
        ctx,
        call,
        TRACK_WEIGHT,
        (l) => interfaceName(l, l.args[0]),
        draftOf(ctx, 'vrrp_instance').trackInterfaces,
      );
    },
  },
  {
    name: 'track_file',
    sections: SECTIONS,
    usage: '{ <NAME> [weight <-254..254> [reverse]] … }',
    doc: 'track_file entries whose value, times the weight, is added to the priority.',
    defaultValue: 'none',
    module: 'vrrp',
    parse(ctx, call) {
      refuseInSyncGroup(ctx, call);
      trackList(ctx, call, TRACK_FILE_WEIGHT, (l) => l.args[0]!, draftOf(ctx, 'vrrp_instance').trackFiles);
    },
  },
  {
    name: 'hapair_track_proxy',
    sections: ['vrrp_instance'],
    usage: '[{ weight <-253..253>; backend <NAME> … }]',
    doc: 'hapair extension: track the co-located proxy engine (and at least one UP server per named backend).',
    defaultValue: 'not tracked',
    module: 'vrrp',
    parse(ctx, call) {
      argCount(call, 0, 0, '');
      warnRepeated(ctx, call);
      const d = draftOf(ctx, 'vrrp_instance');
      d.trackProxy = { loc: call.loc, locs: new Map(), backends: [] };
      if (ctx.hasBlock) ctx.parseBlock(call, 'vrrp_instance.hapair_track_proxy', d.trackProxy);
    },
  },
  {
    name: 'backend',
    sections: ['vrrp_instance.hapair_track_proxy'],
    usage: '<NAME> …',
    doc: 'haproxy.cfg backends that must each have an UP server for the proxy to count as healthy.',
    defaultValue: 'none: the proxy engine being alive is enough',
    module: 'vrrp',
    parse(ctx, call) {
      if (call.args.length === 0) fail(ConfigCode.BadArgs, call, 'expects one or more backend names');
      const d = draftOf(ctx, 'vrrp_instance.hapair_track_proxy');
      for (const name of call.args) {
        if (d.backends.includes(name)) fail(ConfigCode.Duplicate, call, `backend ${name} listed twice`);
        d.backends.push(name);
      }
    },
  },
];
