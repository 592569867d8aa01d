/**
 * Server-state file keywords, registered by the start-up loader
 * (server-state-file.ts): the global `server-state-file` and
 * `server-state-base` (configuration.txt §3.1), and the backend side
 * `load-server-state-from-file` and `server-state-file-name` (§4.2).
 */
import { argCount, oneOf, proxyOf } from '../config/haproxy/args.js';
import {
  BACK_SIDE,
  BACKENDS,
  GLOBAL,
  type SectionCtx,
  type SectionSpec,
  withModule,
} from '../config/haproxy/context.js';
import type { GlobalDraft } from '../config/haproxy/draft.js';
import type { KeywordCall } from '../config/registry.js';

/**
 * A global path setting. HAProxy keeps the first of two lines with an alert
 * ("already specified. Continuing.") that does not stop it; so does hapair,
 * with a warning.
 */
function globalPath(field: 'serverStateFile' | 'serverStateBase', usage: string) {
  return (ctx: SectionCtx, call: KeywordCall): void => {
    argCount(call, 1, 1, usage);
    const g: GlobalDraft = ctx.global;
    if (g[field] !== undefined) {
      ctx.warn(call.loc, call.keyword, `already specified: keeping '${g[field]}'`);
      return;
    }
    g[field] = call.args[0]!;
  };
}

export const serverStateKeywords: SectionSpec[] = withModule<SectionCtx>('ops', [
  {
    name: 'server-state-file',
    sections: GLOBAL,
    usage: 'server-state-file <file>',
    doc: "File of saved server states ('show servers state' output) read at start-up by backends with 'load-server-state-from-file global'; relative to server-state-base.",
    parse: globalPath('serverStateFile', 'server-state-file <file>'),
  },
  {
    name: 'server-state-base',
    sections: GLOBAL,
    usage: 'server-state-base <directory>',
    doc: 'Directory prepended to server state file names that do not start with a slash.',
    defaultValue: 'the current directory',
    parse: globalPath('serverStateBase', 'server-state-base <directory>'),
  },
  {
    name: 'load-server-state-from-file',
    sections: BACK_SIDE,
    usage: 'load-server-state-from-file { global | local | none }',
    doc: "Apply saved server states at start-up, before traffic: from the global server-state-file, from this backend's own file (server-state-file-name), or not at all.",
    defaultValue: 'none',
    parse(ctx, call) {
      argCount(call, 1, 1, 'load-server-state-from-file { global | local | none }');
      proxyOf(ctx).loadServerStateFromFile = oneOf(call, call.args[0], ['global', 'local', 'none'] as const);
    },
  },
  {
    name: 'server-state-file-name',
    sections: BACKENDS,
    usage: 'server-state-file-name [ { use-backend-name | <file> } ]',
    doc: "This backend's state file for 'load-server-state-from-file local'; relative to server-state-base.",
    defaultValue: 'the backend name',
    parse(ctx, call) {
      argCount(call, 0, 1, 'server-state-file-name [ { use-backend-name | <file> } ]');
      const px = proxyOf(ctx);
      const file = call.args[0];
      px.serverStateFileName = file === undefined || file === 'use-backend-name' ? px.name : file;
    },
  },
]);
