/**
 * Section lines of haproxy.cfg (configuration.txt §2.1, §3, §4): `global`,
 * `defaults [<name>] [from <defaults>]`, `frontend|backend|listen <name>
 * [from <defaults>]`, `userlist <name>`, `http-errors <name>`. These section
 * names are the only words the parser core knows.
 *
 * Inheritance follows HAProxy: a proxy copies the defaults section named by
 * `from`, else the last one declared before it (possibly in an earlier file);
 * a `defaults` section without `from` starts from the documented values.
 */
import { ConfigCode, type ConfigCodeValue, ConfigError, type SourceLoc } from '../../core/errors.js';
import { finishBind } from '../../proxy/bind-keywords.js';
import { parseAddress } from '../address.js';
import type { SectionCtx, SectionKind } from './context.js';
import { newProxy, type ProxyDraft, proxyFromDefaults } from './draft.js';
import { bindParamRegistry, serverParamRegistry } from './registry.js';
import type { OpenSection, ParseState } from './state.js';

export const SECTIONS: readonly SectionKind[] = [
  'global',
  'defaults',
  'frontend',
  'backend',
  'listen',
  'userlist',
  'http-errors',
];

/** HAProxy 2.8 sections hapair has no engine for. */
export const UNSUPPORTED_SECTIONS: readonly string[] = [
  'peers',
  'resolvers',
  'cache',
  'program',
  'ring',
  'mailers',
  'fcgi-app',
  'log-forward',
];

const NAME_RE = /^[A-Za-z0-9_.:-]+$/;

function fail(code: ConfigCodeValue, loc: SourceLoc, keyword: string, reason: string): never {
  throw new ConfigError(code, loc, keyword, reason);
}

function context(state: ParseState, kind: SectionKind, parts: Partial<SectionCtx>): SectionCtx {
  return {
    kind,
    global: state.global,
    proxy: parts.proxy,
    userlist: parts.userlist,
    httpErrors: parts.httpErrors,
    params: { server: serverParamRegistry, bind: bindParamRegistry },
    warn: state.warn,
  };
}

function checkSectionName(kind: string, name: string | undefined, loc: SourceLoc): string {
  if (name === undefined) fail(ConfigCode.BadArgs, loc, kind, `'${kind}' expects a name`);
  const bad = [...name].find((c) => !NAME_RE.test(c));
  if (bad !== undefined)
    fail(ConfigCode.BadArgs, loc, kind, `character '${bad}' is not permitted in ${kind} name '${name}'`);
  return name;
}

function findDefaults(state: ParseState, name: string, loc: SourceLoc, kind: string): ProxyDraft {
  const found = state.defaults.filter((d) => d.name === name);
  if (found.length === 0) {
    throw new ConfigError(ConfigCode.UnknownRef, loc, kind, `defaults section '${name}' not found`);
  }
  if (found.length > 1) {
    const at = found.map((d) => `${d.loc.file}:${d.loc.line}`).join(' and ');
    throw new ConfigError(
      ConfigCode.Duplicate,
      loc,
      kind,
      `ambiguous defaults section name '${name}' (declared at ${at})`,
    );
  }
  return found[0]!;
}

function openDefaults(state: ParseState, args: readonly string[], loc: SourceLoc): ProxyDraft {
  let name = '';
  let from: string | undefined;
  if (args[0] === 'from' && args.length === 2) from = args[1];
  else if (args.length === 3 && args[1] === 'from') [name, , from] = args as [string, string, string];
  else if (args.length === 1) name = checkSectionName('defaults', args[0], loc);
  else if (args.length !== 0) fail(ConfigCode.BadArgs, loc, 'defaults', 'expects [<name>] [from <defaults>]');
  const base =
    from === undefined
      ? newProxy('defaults', name, loc)
      : proxyFromDefaults(findDefaults(state, from, loc, 'defaults'), 'defaults', name, loc);
  state.defaults.push(base);
  state.lastDefaults = base;
  return base;
}

/** `listen <name> <addr>[,…]`: removed in HAProxy 1.6, still accepted as a `bind` (with a warning). */
function legacyBind(state: ParseState, px: ProxyDraft, list: string, loc: SourceLoc): void {
  for (const text of list.split(',')) {
    const addr = parseAddress(text, { loc, keyword: px.kind, role: 'bind' });
    px.binds.push(
      finishBind(
        {
          addr,
          loc,
          acceptProxy: false,
          v4v6: false,
          v6only: false,
          transparent: false,
          sslOn: false,
          crt: [],
        },
        px.kind,
        state,
      ),
    );
  }
  state.warn(
    loc,
    px.kind,
    `an address on the '${px.kind}' line is obsolete (refused since HAProxy 1.6): use 'bind ${list}'`,
  );
}

function openProxy(
  state: ParseState,
  kind: 'frontend' | 'backend' | 'listen',
  args: readonly string[],
  loc: SourceLoc,
): ProxyDraft {
  const name = checkSectionName(kind, args[0], loc);
  let defaults = state.lastDefaults;
  let legacy: string | undefined;
  if (args[1] === 'from' && args.length === 3) defaults = findDefaults(state, args[2]!, loc, kind);
  else if (args.length === 2 && kind !== 'backend') legacy = args[1];
  else if (args.length > 1) {
    fail(
      ConfigCode.BadArgs,
      loc,
      kind,
      kind === 'backend'
        ? 'expects <name> [from <defaults>]'
        : "expects <name> [from <defaults>]: use 'bind' for listening addresses",
    );
  }
  const px = proxyFromDefaults(defaults, kind, name, loc);
  state.proxies.push(px);
  if (legacy !== undefined) legacyBind(state, px, legacy, loc);
  return px;
}

/** Opens the section named by `words[0]`; returns false when it is not a section keyword. */
export function openSection(state: ParseState, words: readonly string[], loc: SourceLoc): boolean {
  const [kind, ...args] = words as [string, ...string[]];
  if (UNSUPPORTED_SECTIONS.includes(kind)) {
    state.section = { kind: 'skip' };
    state.sectionLabel = args[0] ?? kind;
    state.error(
      new ConfigError(ConfigCode.Unsupported, loc, kind, `section '${kind}' not supported by hapair yet`),
    );
    return true;
  }
  if (!(SECTIONS as readonly string[]).includes(kind)) return false;
  state.section = { kind: 'skip' };
  state.sectionLabel = args[0] ?? kind;
  state.collect(() => {
    state.section = open(state, kind as SectionKind, args, loc);
  });
  return true;
}

function open(state: ParseState, kind: SectionKind, args: readonly string[], loc: SourceLoc): OpenSection {
  switch (kind) {
    case 'global':
      if (args.length > 0)
        fail(ConfigCode.BadArgs, loc, kind, `'global' takes no argument, got '${args[0]}'`);
      return { kind, ctx: context(state, kind, {}) };
    case 'defaults':
      return { kind, ctx: context(state, kind, { proxy: openDefaults(state, args, loc) }) };
    case 'userlist': {
      const name = checkSectionName(kind, args[0], loc);
      if (args.length > 1) fail(ConfigCode.BadArgs, loc, kind, `unexpected '${args[1]}' after the name`);
      if (state.userlists.some((u) => u.name === name))
        fail(ConfigCode.Duplicate, loc, kind, `userlist '${name}' already declared`);
      const userlist = { name, loc, users: [], groups: [] };
      state.userlists.push(userlist);
      return { kind, ctx: context(state, kind, { userlist }) };
    }
    case 'http-errors': {
      const name = checkSectionName(kind, args[0], loc);
      if (args.length > 1) fail(ConfigCode.BadArgs, loc, kind, `unexpected '${args[1]}' after the name`);
      if (state.httpErrors.some((h) => h.name === name))
        fail(ConfigCode.Duplicate, loc, kind, `http-errors section '${name}' already declared`);
      const httpErrors = { name, loc, errorfiles: new Map<number, string>() };
      state.httpErrors.push(httpErrors);
      return { kind, ctx: context(state, kind, { httpErrors }) };
    }
    default:
      return { kind, ctx: context(state, kind, { proxy: openProxy(state, kind, args, loc) }) };
  }
}
