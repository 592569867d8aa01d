/**
 * `weight`, shared by the blocks that give one tracked object a priority
 * weight: vrrp_script and track_file (keepalived.conf(5)) and hapair's
 * hapair_track_proxy. A registry name maps to one spec, so the ranges of each
 * block live here side by side.
 */
import { ConfigCode } from '../../core/errors.js';
import type { KeywordSpec } from '../registry.js';
import { draftOf, type KeepalivedCtx, type KeywordSet } from './context.js';
import { fail, warnRepeated, weightWords } from './values.js';

/** keepalived.conf(5): vrrp_script weight -253..253, track_file weight ±2147483647. */
const SCRIPT_WEIGHT_RANGE = [-253, 253] as const;
const TRACK_FILE_WEIGHT_RANGE = [-2_147_483_647, 2_147_483_647] as const;
const PROXY_WEIGHT_RANGE = [-253, 253] as const;

const weight: KeywordSpec<KeepalivedCtx> = {
  name: 'weight',
  sections: ['vrrp_script', 'track_file', 'vrrp_instance.hapair_track_proxy'],
  usage: '<-253..253> [reverse]',
  doc: 'Priority change while the tracked object is up (positive) or down (negative); 0 = Fault when down. track_file: multiplier of the value read (±2147483647); hapair_track_proxy: no reverse.',
  defaultValue: '0 (track_file: 1)',
  module: 'vrrp',
  parse(ctx, call) {
    warnRepeated(ctx, call);
    if (ctx.section === 'vrrp_instance.hapair_track_proxy') {
      draftOf(ctx, ctx.section).weight = weightWords(call, call.args, PROXY_WEIGHT_RANGE, false).weight;
      return;
    }
    if (ctx.section !== 'vrrp_script' && ctx.section !== 'track_file') {
      fail(ConfigCode.WrongSection, call, `not valid in ${ctx.section}`);
    }
    const d = ctx.section === 'vrrp_script' ? draftOf(ctx, 'vrrp_script') : draftOf(ctx, 'track_file');
    const range = ctx.section === 'vrrp_script' ? SCRIPT_WEIGHT_RANGE : TRACK_FILE_WEIGHT_RANGE;
    const w = weightWords(call, call.args, range, true);
    d.weight = w.weight;
    d.weightReverse = w.reverse;
  },
};

export const weightKeywordSet: KeywordSet = { specs: [weight], unsupported: [] };
