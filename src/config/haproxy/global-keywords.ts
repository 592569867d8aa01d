/**
 * Keywords of the `global` section that the master process implements
 * (configuration.txt §3.1 "Process management and security", §3.2
 * "Performance tuning", §3.3 "Debugging"). `user` and `group` are shared with
 * userlist sections, where they declare HTTP users (§3.4).
 */
import { ConfigCode, ConfigError } from '../../core/errors.js';
import { parseUserlistGroup, parseUserlistUser } from '../../proxy/http/userlist-keywords.js';
import type { KeywordCall } from '../registry.js';
import { argCount, badArgs, intArg, noArgs, timeArg } from './args.js';
import { GLOBAL, type SectionCtx, type SectionSpec, withModule } from './context.js';

/** HAProxy's MAX_THREADS without thread groups. */
const MAX_THREADS = 64;
const MAX_ID = 2 ** 31 - 1;

/** `all|odd|even|N[-[M]]` thread sets, optionally `auto:` and `group/threads` (§3.1 cpu-map). */
const THREAD_SET = '(?:all|odd|even|\\d+(?:-\\d*)?)';
const CPU_MAP_WORKER = new RegExp(`^(?:auto:)?${THREAD_SET}(?:/${THREAD_SET})?$`);
const CPU_SET = /^\d+(?:-\d*)?(?:,\d+(?:-\d*)?)*$/;

function oneWord(call: KeywordCall, usage: string): string {
  argCount(call, 1, 1, usage);
  return call.args[0]!;
}

function globalUser(ctx: SectionCtx, call: KeywordCall): void {
  if (ctx.kind === 'userlist') parseUserlistUser(ctx, call);
  else ctx.global.user = oneWord(call, 'user <user name>');
}

function globalGroup(ctx: SectionCtx, call: KeywordCall): void {
  if (ctx.kind === 'userlist') parseUserlistGroup(ctx, call);
  else ctx.global.group = oneWord(call, 'group <group name>');
}

function nbproc(ctx: SectionCtx, call: KeywordCall): void {
  const n = intArg(call, call.args[0], 1, Number.MAX_SAFE_INTEGER, 'process count');
  argCount(call, 1, 1, 'nbproc <number>');
  // HAProxy 2.5 removed multi-process mode; 1 is harmless and kept for old files.
  if (n > 1) {
    throw new ConfigError(
      ConfigCode.Unsupported,
      call.loc,
      call.keyword,
      `multi-process mode was removed in HAProxy 2.5 and hapair has none: use nbthread ${n} instead`,
    );
  }
  ctx.warn(call.loc, call.keyword, "'nbproc 1' is the only possible value and can be removed");
}

function cpuMap(ctx: SectionCtx, call: KeywordCall): void {
  argCount(call, 2, Number.POSITIVE_INFINITY, 'cpu-map [auto:]<thread-group>[/<thread-set>] <cpu-set>...');
  const [worker, ...cpus] = call.args;
  if (!CPU_MAP_WORKER.test(worker!)) throw badArgs(call, `invalid thread set '${worker}'`);
  const bad = cpus.find((c) => !CPU_SET.test(c));
  if (bad !== undefined) throw badArgs(call, `invalid cpu set '${bad}'`);
  ctx.global.cpuMap.push({ worker: worker!, cpus: cpus.join(' ') });
}

const flag =
  (set: (ctx: SectionCtx) => void) =>
  (ctx: SectionCtx, call: KeywordCall): void => {
    noArgs(call);
    set(ctx);
  };

export const globalKeywords: SectionSpec[] = withModule<SectionCtx>('core', [
  {
    name: 'daemon',
    sections: GLOBAL,
    usage: 'daemon',
    doc: 'Fork into the background after startup (same as -D).',
    parse: flag((ctx) => {
      ctx.global.daemon = true;
    }),
  },
  {
    name: 'master-worker',
    sections: GLOBAL,
    usage: 'master-worker [no-exit-on-failure]',
    doc: 'Run a master process supervising the workers (same as -W).',
    parse(ctx, call) {
      if (call.args.length > 0 && (call.args.length > 1 || call.args[0] !== 'no-exit-on-failure')) {
        throw badArgs(call, `only accepts 'no-exit-on-failure', got '${call.args[0]}'`);
      }
      ctx.global.masterWorker = true;
    },
  },
  {
    name: 'quiet',
    sections: GLOBAL,
    usage: 'quiet',
    doc: 'Do not print anything during startup (same as -q).',
    parse: flag((ctx) => {
      ctx.global.quiet = true;
    }),
  },
  {
    name: 'nbthread',
    sections: GLOBAL,
    usage: 'nbthread <number>',
    doc: 'Number of proxy workers sharing the listening sockets.',
    defaultValue: '1',
    parse(ctx, call) {
      argCount(call, 1, 1, 'nbthread <number>');
      ctx.global.nbthread = intArg(call, call.args[0], 1, MAX_THREADS, 'thread count');
    },
  },
  {
    name: 'nbproc',
    sections: GLOBAL,
    usage: 'nbproc 1',
    doc: 'Legacy process count: only 1 is accepted (use nbthread).',
    parse: nbproc,
  },
  {
    name: 'cpu-map',
    sections: GLOBAL,
    usage: 'cpu-map [auto:]<thread-group>[/<thread-set>] <cpu-set>...',
    doc: 'Bind workers to CPU sets.',
    parse: cpuMap,
  },
  {
    name: 'pidfile',
    sections: GLOBAL,
    usage: 'pidfile <pidfile>',
    doc: 'Write the PIDs of the processes into this file (same as -p).',
    parse(ctx, call) {
      ctx.global.pidfile = oneWord(call, 'pidfile <pidfile>');
    },
  },
  {
    name: 'user',
    sections: ['global', 'userlist'],
    usage:
      'user <user name> (global) | user <name> [password|insecure-password <pw>] [groups <g>,...] (userlist)',
    doc: 'global: drop privileges to this user; userlist: declare an HTTP user.',
    parse: globalUser,
  },
  {
    name: 'group',
    sections: ['global', 'userlist'],
    usage: 'group <group name> (global) | group <name> [users <u>,...] (userlist)',
    doc: 'global: drop privileges to this group; userlist: declare a group of HTTP users.',
    parse: globalGroup,
  },
  {
    name: 'uid',
    sections: GLOBAL,
    usage: 'uid <number>',
    doc: 'Drop privileges to this numeric user id.',
    parse(ctx, call) {
      ctx.global.uid = intArg(call, oneWord(call, 'uid <number>'), 0, MAX_ID, 'uid');
    },
  },
  {
    name: 'gid',
    sections: GLOBAL,
    usage: 'gid <number>',
    doc: 'Drop privileges to this numeric group id.',
    parse(ctx, call) {
      ctx.global.gid = intArg(call, oneWord(call, 'gid <number>'), 0, MAX_ID, 'gid');
    },
  },
  {
    name: 'chroot',
    sections: GLOBAL,
    usage: 'chroot <jail dir>',
    doc: 'chroot() into this directory before dropping privileges.',
    parse(ctx, call) {
      ctx.global.chroot = oneWord(call, 'chroot <jail dir>');
    },
  },
  {
    name: 'ulimit-n',
    sections: GLOBAL,
    usage: 'ulimit-n <number>',
    doc: 'Maximum number of file descriptors per process.',
    defaultValue: 'computed from maxconn',
    parse(ctx, call) {
      ctx.global.ulimitN = intArg(call, oneWord(call, 'ulimit-n <number>'), 1, MAX_ID, 'limit');
    },
  },
  {
    name: 'hard-stop-after',
    sections: GLOBAL,
    usage: 'hard-stop-after <time>',
    doc: 'Maximum time a soft-stopping worker may keep serving before it is killed.',
    defaultValue: 'none',
    parse(ctx, call) {
      ctx.global.hardStopAfter = timeArg(call, oneWord(call, 'hard-stop-after <time>'));
    },
  },
  {
    name: 'spread-checks',
    sections: GLOBAL,
    usage: 'spread-checks <0..50, in percent>',
    doc: 'Random jitter added to health check intervals.',
    defaultValue: '0',
    parse(ctx, call) {
      ctx.global.spreadChecks = intArg(call, oneWord(call, 'spread-checks <percent>'), 0, 50, 'percentage');
    },
  },
  {
    name: 'tune.bufsize',
    sections: GLOBAL,
    usage: 'tune.bufsize <number>',
    doc: 'Size of a session buffer in bytes (bounds the HTTP head size).',
    defaultValue: '16384',
    parse(ctx, call) {
      ctx.global.tuneBufsize = intArg(
        call,
        oneWord(call, 'tune.bufsize <number>'),
        1024,
        MAX_ID,
        'buffer size',
      );
    },
  },
  {
    name: 'tune.http.maxhdr',
    sections: GLOBAL,
    usage: 'tune.http.maxhdr <number>',
    doc: 'Maximum number of headers in a request or response.',
    defaultValue: '101',
    parse(ctx, call) {
      ctx.global.tuneMaxhdr = intArg(
        call,
        oneWord(call, 'tune.http.maxhdr <number>'),
        1,
        32767,
        'header count',
      );
    },
  },
  {
    name: 'node',
    sections: GLOBAL,
    usage: 'node <name>',
    doc: 'Name of this node, shown on the stats page.',
    defaultValue: 'host name',
    parse(ctx, call) {
      ctx.global.node = oneWord(call, 'node <name>');
    },
  },
  {
    name: 'maxsessrate',
    sections: GLOBAL,
    usage: 'maxsessrate <number>',
    doc: 'Maximum new sessions per second for the whole process.',
    defaultValue: 'unlimited',
    parse(ctx, call) {
      ctx.global.rateLimitSessions = intArg(call, oneWord(call, 'maxsessrate <number>'), 0, MAX_ID, 'rate');
    },
  },
  {
    name: 'external-check',
    sections: GLOBAL,
    usage: 'external-check',
    doc: "Allow 'option external-check' (HAProxy refuses it without this).",
    parse: flag((ctx) => {
      ctx.global.externalCheck = true;
    }),
  },
  {
    name: 'debug',
    sections: GLOBAL,
    usage: 'debug',
    doc: 'Deprecated: accepted with a warning, use -d on the command line.',
    parse(ctx, call) {
      noArgs(call);
      ctx.warn(call.loc, call.keyword, "deprecated and ignored: use '-d' on the command line instead");
    },
  },
]);
