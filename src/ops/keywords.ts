/**
 * Statistics keywords (configuration.txt §4.2 "stats …" and §3.1 "stats
 * socket/timeout/maxconn"), registered by the stats page and runtime API.
 * As in HAProxy, any proxy `stats` keyword but `admin` also enables the page.
 */
import {
  argCount,
  badArgs,
  intArg,
  noArgs,
  proxyOf,
  requireCondition,
  timeArg,
} from '../config/haproxy/args.js';
import {
  ALL_PROXIES,
  GLOBAL,
  NAMED_PROXIES,
  type SectionCtx,
  type SectionSpec,
  withModule,
} from '../config/haproxy/context.js';
import { newStats, type StatsDraft } from '../config/haproxy/draft.js';
import type { KeywordCall } from '../config/registry.js';
import { timeValue } from '../config/units.js';
import { parseBindLine } from '../proxy/bind-keywords.js';

function stats(ctx: SectionCtx): StatsDraft {
  const px = proxyOf(ctx);
  px.stats ??= newStats();
  return px.stats;
}

/** A stats keyword that turns the page on, then applies its own setting. */
function enabling(apply: (s: StatsDraft, call: KeywordCall) => void) {
  return (ctx: SectionCtx, call: KeywordCall): void => {
    const s = stats(ctx);
    apply(s, call);
    s.enabled = true;
  };
}

function oneArg(call: KeywordCall, usage: string): string {
  argCount(call, 1, 1, usage);
  return call.args[0]!;
}

function auth(s: StatsDraft, call: KeywordCall): void {
  const text = oneArg(call, 'stats auth <user>:<passwd>');
  const colon = text.indexOf(':');
  if (colon <= 0) throw badArgs(call, `expects <user>:<passwd>, got '${text}'`);
  s.auth.push({ user: text.slice(0, colon), password: text.slice(colon + 1) });
}

export const statsKeywords: SectionSpec[] = withModule<SectionCtx>('ops', [
  {
    name: 'stats enable',
    sections: ALL_PROXIES,
    usage: 'stats enable',
    doc: 'Serve the statistics page on this proxy.',
    defaultValue: 'disabled',
    parse: enabling((_s, call) => noArgs(call)),
  },
  {
    name: 'stats uri',
    sections: ALL_PROXIES,
    usage: 'stats uri <prefix>',
    doc: 'URI prefix of the statistics page.',
    defaultValue: '/haproxy?stats',
    parse: enabling((s, call) => {
      s.uri = oneArg(call, 'stats uri <prefix>');
    }),
  },
  {
    name: 'stats realm',
    sections: ALL_PROXIES,
    usage: 'stats realm <realm>',
    doc: 'Basic-auth realm of the statistics page.',
    parse: enabling((s, call) => {
      s.realm = oneArg(call, 'stats realm <realm>');
    }),
  },
  {
    name: 'stats auth',
    sections: ALL_PROXIES,
    usage: 'stats auth <user>:<passwd>',
    doc: 'Require basic authentication; may be repeated.',
    parse: enabling(auth),
  },
  {
    name: 'stats refresh',
    sections: ALL_PROXIES,
    usage: 'stats refresh <delay>',
    doc: 'Auto-refresh period of the page (seconds by default).',
    parse: enabling((s, call) => {
      s.refresh = timeValue(oneArg(call, 'stats refresh <delay>'), call.loc, call.keyword, 's');
    }),
  },
  {
    name: 'stats admin',
    sections: NAMED_PROXIES,
    usage: 'stats admin {if | unless} <cond>',
    doc: 'Enable the admin actions of the page when the condition matches.',
    parse(ctx, call) {
      stats(ctx).admin = requireCondition(call);
    },
  },
  {
    name: 'stats hide-version',
    sections: ALL_PROXIES,
    usage: 'stats hide-version',
    doc: 'Do not show the version on the page.',
    parse: enabling((s, call) => {
      noArgs(call);
      s.hideVersion = true;
    }),
  },
  {
    name: 'stats show-legends',
    sections: ALL_PROXIES,
    usage: 'stats show-legends',
    doc: 'Show legends and extra details on the page.',
    parse: enabling((s, call) => {
      noArgs(call);
      s.showLegends = true;
    }),
  },
  {
    name: 'stats show-node',
    sections: ALL_PROXIES,
    usage: 'stats show-node [<name>]',
    doc: 'Show the node name (default: the global node).',
    parse: enabling((s, call) => {
      argCount(call, 0, 1, 'stats show-node [<name>]');
      s.showNode = call.args[0] ?? '';
    }),
  },
  {
    name: 'stats show-desc',
    sections: ALL_PROXIES,
    usage: 'stats show-desc [<description>]',
    doc: 'Show a description (default: the global description).',
    parse: enabling((s, call) => {
      s.showDesc = call.args.join(' ');
    }),
  },
  {
    name: 'stats scope',
    sections: ALL_PROXIES,
    usage: 'stats scope { <name> | "." }',
    doc: 'Limit the page to these proxies; may be repeated.',
    parse: enabling((s, call) => {
      s.scope.push(oneArg(call, 'stats scope <name>'));
    }),
  },
  {
    name: 'stats socket',
    sections: GLOBAL,
    usage: 'stats socket [<address:port>|<path>] [param*]',
    doc: 'Runtime API socket; takes the bind parameters (mode, level, expose-fd…).',
    parse(ctx, call) {
      ctx.global.statsSockets.push(...parseBindLine(ctx, call, 'stats socket'));
    },
  },
  {
    name: 'stats timeout',
    sections: GLOBAL,
    usage: 'stats timeout <timeout>',
    doc: 'Idle timeout of runtime API connections.',
    defaultValue: '10s',
    parse(ctx, call) {
      ctx.global.statsTimeout = timeArg(call, oneArg(call, 'stats timeout <timeout>'), true);
    },
  },
  {
    name: 'stats maxconn',
    sections: GLOBAL,
    usage: 'stats maxconn <connections>',
    doc: 'Concurrent connections on the runtime API sockets.',
    defaultValue: '10',
    parse(ctx, call) {
      ctx.global.statsMaxconn = intArg(call, oneArg(call, 'stats maxconn <connections>'), 1, 2 ** 31 - 1);
    },
  },
]);
