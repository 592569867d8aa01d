/**
 * Keywords of the top-level track_file block (keepalived.conf(5) "Track
 * files", keepalived ≥ 2.1; vrrp_track_file is the older name). `weight` is
 * shared (weight-keyword.ts).
 */
import { dirname, resolve } from 'node:path';
import { ConfigCode } from '../../core/errors.js';
import type { KeywordSpec } from '../registry.js';
import { draftOf, type KeepalivedCtx, type KeywordSet } from './context.js';
import { argCount, fail, intArg, warnRepeated } from './values.js';

const SECTIONS = ['track_file'];
const INT32 = 2_147_483_647;

const specs: KeywordSpec<KeepalivedCtx>[] = [
  {
    name: 'file',
    sections: SECTIONS,
    usage: '<PATH>',
    doc: 'File holding the tracked number; a relative path is taken from the directory of the config file.',
    defaultValue: 'none (required)',
    module: 'vrrp',
    parse(ctx, call) {
      argCount(call, 1, 1, '<PATH>');
      if (call.args[0] === '') fail(ConfigCode.BadArgs, call, 'empty path');
      warnRepeated(ctx, call);
      draftOf(ctx, 'track_file').path = resolve(dirname(call.loc.file), call.args[0]!);
    },
  },
  {
    name: 'init_file',
    sections: SECTIONS,
    usage: '[<VALUE>] [overwrite]',
    doc: 'Create the file with VALUE at startup if missing (or always, with overwrite).',
    defaultValue: 'the file is left as found',
    module: 'vrrp',
    parse(ctx, call) {
      argCount(call, 0, 2, '[<VALUE>] [overwrite]');
      const args = [...call.args];
      const overwrite = args.at(-1) === 'overwrite';
      if (overwrite) args.pop();
      if (args.length > 1) fail(ConfigCode.BadArgs, call, 'expects [<VALUE>] [overwrite]');
      const value = args[0] === undefined ? 0 : intArg(call, args[0], -INT32, INT32);
      warnRepeated(ctx, call);
      draftOf(ctx, 'track_file').initFile = { value, overwrite };
    },
  },
];

export const trackFileKeywordSet: KeywordSet = { specs, unsupported: [] };
