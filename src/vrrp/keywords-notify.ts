/**
 * Notify scripts of vrrp_instance and vrrp_sync_group, and the sync group's
 * member list (keepalived.conf(5) "VRRP synchronization group(s)"). A notify
 * script is one command line, quoted when it has arguments; keepalived reads
 * further unquoted words as the user and group to run it as, which hapair
 * does not do yet (scripts run as global_defs script_user).
 */
import { draftOf, type KeepalivedCtx } from '../config/keepalived/context.js';
import type { NotifyDraft } from '../config/keepalived/drafts.js';
import { argCount, fail, warnRepeated } from '../config/keepalived/values.js';
import type { KeywordCall, KeywordSpec } from '../config/registry.js';
import { ConfigCode } from '../core/errors.js';

const SECTIONS = ['vrrp_instance', 'vrrp_sync_group'];

function notifyOf(ctx: KeepalivedCtx): NotifyDraft {
  return ctx.section === 'vrrp_instance'
    ? draftOf(ctx, 'vrrp_instance').notify
    : draftOf(ctx, 'vrrp_sync_group').notify;
}

function scriptArg(ctx: KeepalivedCtx, call: KeywordCall): string {
  if (call.args.length > 1) {
    fail(
      ConfigCode.Unsupported,
      call,
      'words after the script are the user/group to run it as in keepalived, which hapair does not support yet; quote the command line if they are arguments',
    );
  }
  argCount(call, 1, 1, '<QUOTED-STRING>');
  if (call.args[0]!.trim() === '') fail(ConfigCode.BadArgs, call, 'empty command line');
  warnRepeated(ctx, call);
  return call.args[0]!;
}

function notifySpec(name: string, key: keyof NotifyDraft, doc: string): KeywordSpec<KeepalivedCtx> {
  return {
    name,
    sections: SECTIONS,
    usage: '<QUOTED-STRING>',
    doc,
    defaultValue: 'none',
    module: 'vrrp',
    parse(ctx, call) {
      notifyOf(ctx)[key] = scriptArg(ctx, call);
    },
  };
}

export const notifyKeywords: KeywordSpec<KeepalivedCtx>[] = [
  notifySpec('notify_master', 'master', 'Script run on the transition to MASTER.'),
  notifySpec('notify_backup', 'backup', 'Script run on the transition to BACKUP.'),
  notifySpec('notify_fault', 'fault', 'Script run on the transition to FAULT.'),
  notifySpec('notify_stop', 'stop', 'Script run when the VRRP engine stops.'),
  notifySpec(
    'notify',
    'any',
    'Script run after every transition with GROUP|INSTANCE, the name, the new state and the priority appended.',
  ),
  {
    name: 'group',
    sections: ['vrrp_sync_group'],
    usage: '{ <VRRP_INSTANCE> … }',
    doc: 'Instances that change state together.',
    defaultValue: 'none (required)',
    module: 'vrrp',
    parse(ctx, call) {
      argCount(call, 0, 0, '');
      const d = draftOf(ctx, 'vrrp_sync_group');
      ctx.eachLine(call, (line) => {
        for (const name of line.words) {
          const same = d.members.find((m) => m.name === name);
          if (same) {
            fail(
              ConfigCode.Duplicate,
              { ...call, loc: line.loc },
              `${name} is already a member (line ${same.loc.line})`,
            );
          }
          d.members.push({ name, loc: line.loc });
        }
      });
    },
  },
];
