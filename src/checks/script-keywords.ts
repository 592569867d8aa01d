/**
 * vrrp_script keywords (keepalived.conf(5) "VRRP script(s)"), registered by
 * the checks module because the probe runner executes these scripts. `weight`
 * is shared with track_file and hapair_track_proxy (config/keepalived/weight-keyword.ts).
 * Defaults: interval 1 s, timeout = interval, weight 0, rise 1, fall 1.
 */

import { draftOf, type KeepalivedCtx, type KeywordSet } from '../config/keepalived/context.js';
import { argCount, fail, intArg, secondsArg, warnRepeated } from '../config/keepalived/values.js';
import type { KeywordSpec } from '../config/registry.js';
import { ConfigCode } from '../core/errors.js';

const SECTIONS = ['vrrp_script'];
/** keepalived's bound for script timers: (UINT_MAX / TIMER_HZ) seconds, in ms (vrrp_parser.c). */
const SCRIPT_TIMER_MAX_MS = 4_294_000;
const COUNT_MAX = 2_147_483_647;

export const SCRIPT_DEFAULTS = { interval: 1000, weight: 0, rise: 1, fall: 1 } as const;

const specs: KeywordSpec<KeepalivedCtx>[] = [
  {
    name: 'script',
    sections: SECTIONS,
    usage: '<QUOTED-STRING>',
    doc: 'Command run every interval; exit status 0 = success. Quote it when it has arguments.',
    defaultValue: 'none (required)',
    module: 'checks',
    parse(ctx, call) {
      // keepalived only runs the first word after `script` (set_script_params_array): extra
      // unquoted words would be dropped, so they are refused here.
      if (call.args.length !== 1)
        fail(ConfigCode.BadArgs, call, 'expects one command line: quote it, e.g. "killall -0 haproxy"');
      if (call.args[0]!.trim() === '') fail(ConfigCode.BadArgs, call, 'empty command line');
      warnRepeated(ctx, call);
      draftOf(ctx, 'vrrp_script').script = call.args[0];
    },
  },
  {
    name: 'interval',
    sections: SECTIONS,
    usage: '<SECONDS>',
    doc: 'Time between two runs of the script (decimal, ms resolution).',
    defaultValue: '1',
    module: 'checks',
    parse(ctx, call) {
      argCount(call, 1, 1, '<SECONDS>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'vrrp_script').interval = secondsArg(call, call.args[0], 1, SCRIPT_TIMER_MAX_MS);
    },
  },
  {
    name: 'timeout',
    sections: SECTIONS,
    usage: '<SECONDS>',
    doc: 'A run lasting longer is killed and counts as a failure.',
    defaultValue: 'interval',
    module: 'checks',
    parse(ctx, call) {
      argCount(call, 1, 1, '<SECONDS>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'vrrp_script').timeout = secondsArg(call, call.args[0], 1, SCRIPT_TIMER_MAX_MS);
    },
  },
  {
    name: 'rise',
    sections: SECTIONS,
    usage: '<COUNT>',
    doc: 'Consecutive successes needed to consider the script OK.',
    defaultValue: '1',
    module: 'checks',
    parse(ctx, call) {
      argCount(call, 1, 1, '<COUNT>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'vrrp_script').rise = intArg(call, call.args[0], 1, COUNT_MAX);
    },
  },
  {
    name: 'fall',
    sections: SECTIONS,
    usage: '<COUNT>',
    doc: 'Consecutive failures needed to consider the script KO.',
    defaultValue: '1',
    module: 'checks',
    parse(ctx, call) {
      argCount(call, 1, 1, '<COUNT>');
      warnRepeated(ctx, call);
      draftOf(ctx, 'vrrp_script').fall = intArg(call, call.args[0], 1, COUNT_MAX);
    },
  },
  {
    name: 'user',
    sections: SECTIONS,
    usage: '<USER> [<GROUP>]',
    doc: 'User (and group) that runs the script; the group defaults to the user’s.',
    defaultValue: 'global_defs script_user',
    module: 'checks',
    parse(ctx, call) {
      argCount(call, 1, 2, '<USER> [<GROUP>]');
      if (call.args[1]?.startsWith(':')) {
        fail(ConfigCode.Unsupported, call, 'supplementary groups (":GROUP") are not supported by hapair yet');
      }
      warnRepeated(ctx, call);
      const d = draftOf(ctx, 'vrrp_script');
      d.user = call.args[0];
      d.group = call.args[1];
    },
  },
  {
    name: 'init_fail',
    sections: SECTIONS,
    usage: '(no argument)',
    doc: 'Assume the script failed until it has succeeded rise times.',
    defaultValue: 'off',
    module: 'checks',
    parse(ctx, call) {
      argCount(call, 0, 0, '');
      draftOf(ctx, 'vrrp_script').initFail = true;
    },
  },
];

export const scriptKeywordSet: KeywordSet = { specs, unsupported: [] };
