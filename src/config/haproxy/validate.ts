/**
 * Cross-section checks run after parsing, like `haproxy -c`'s
 * check_config_validity() (src/cfgparse.c): references between proxies,
 * duplicate names, mode compatibility, ACL references, settings that need
 * another one. Errors carry the `file:line` of the line at fault; findings
 * HAProxy only warns about stay warnings.
 */
import { ConfigCode, type ConfigCodeValue, ConfigError, type SourceLoc } from '../../core/errors.js';
import { looksLikeIpPort } from '../address.js';
import { PREDEFINED_ACLS, referencedAcls } from './acl.js';
import type { ProxyDraft } from './draft.js';
import type { Condition } from './model.js';
import type { ParseState } from './state.js';
import { validateServers } from './validate-servers.js';

const at = (loc: SourceLoc): string => `${loc.file}:${loc.line}`;

type Report = (code: ConfigCodeValue, loc: SourceLoc, keyword: string, reason: string) => void;

function reporter(state: ParseState): Report {
  return (code, loc, keyword, reason) => state.error(new ConfigError(code, loc, keyword, reason));
}

const isFrontend = (p: ProxyDraft): boolean => p.kind === 'frontend' || p.kind === 'listen';
const isBackend = (p: ProxyDraft): boolean => p.kind === 'backend' || p.kind === 'listen';

/** Frontend/listen and backend/listen names must be unique; a frontend and a backend may share one (§4). */
function checkDuplicateNames(state: ParseState, report: Report): void {
  const seen = { fe: new Map<string, ProxyDraft>(), be: new Map<string, ProxyDraft>() };
  for (const px of state.proxies) {
    for (const [side, applies] of [
      ['fe', isFrontend(px)],
      ['be', isBackend(px)],
    ] as const) {
      if (!applies) continue;
      const prev = seen[side].get(px.name);
      if (prev) {
        report(
          ConfigCode.Duplicate,
          px.loc,
          px.kind,
          `'${px.name}' has the same name as ${prev.kind} '${prev.name}' declared at ${at(prev.loc)}`,
        );
        break;
      }
      seen[side].set(px.name, px);
    }
  }
  const ids = new Map<number, ProxyDraft>();
  for (const px of state.proxies) {
    if (px.id === undefined) continue;
    const prev = ids.get(px.id);
    if (prev)
      report(
        ConfigCode.Duplicate,
        px.loc,
        'id',
        `proxy id ${px.id} already used by ${prev.kind} '${prev.name}' at ${at(prev.loc)}`,
      );
    else ids.set(px.id, px);
  }
}

/**
 * HTTP frontends cannot hand a stream to a TCP backend; TCP frontends may
 * upgrade to an HTTP backend (cfgparse.c, "incompatible … as its default backend").
 */
function checkSwitching(state: ParseState, report: Report): void {
  const backends = new Map(state.proxies.filter(isBackend).map((p) => [p.name, p] as const));
  for (const px of state.proxies.filter(isFrontend)) {
    const targets = px.useBackends.map((u) => ({ name: u.backend, loc: u.loc, kw: 'use_backend' }));
    if (px.defaultBackend) targets.push({ ...px.defaultBackend, kw: 'default_backend' });
    for (const t of targets) {
      if (t.name.includes('%[')) continue;
      const be = backends.get(t.name);
      if (!be) report(ConfigCode.UnknownRef, t.loc, t.kw, `unable to find required backend '${t.name}'`);
      else if (be === px)
        report(ConfigCode.Conflict, t.loc, t.kw, `loop detected: '${t.name}' is this proxy`);
      else if (be.mode !== px.mode && !(px.mode === 'tcp' && be.mode === 'http')) {
        report(
          ConfigCode.Conflict,
          t.loc,
          t.kw,
          `${px.mode} ${px.kind} '${px.name}' cannot use ${be.mode} backend '${be.name}' (${at(be.loc)}): see 'mode'`,
        );
      }
    }
    if (px.defaultBackend && px.kind === 'listen' && px.servers.length > 0) {
      state.warn(
        px.defaultBackend.loc,
        'default_backend',
        `in '${px.name}', the 'default_backend' rule always has precedence over the servers, which will never be used`,
      );
    }
  }
}

function proxyConditions(px: ProxyDraft): Condition[] {
  const conds: (Condition | undefined)[] = [
    ...px.rules.map((r) => r.cond),
    ...px.useBackends.map((u) => u.cond),
    ...px.monitorFail,
    px.stats?.admin,
  ];
  return conds.filter((c): c is Condition => c !== undefined);
}

/** An ACL must be declared in the same proxy before the line that uses it (§7: lookup at parse time). */
function checkAclRefs(px: ProxyDraft, report: Report): void {
  for (const cond of proxyConditions(px)) {
    for (const name of referencedAcls(cond)) {
      if (PREDEFINED_ACLS.has(name)) continue;
      const defs = px.acls.get(name) ?? [];
      if (defs.length === 0) report(ConfigCode.UnknownRef, cond.loc, 'acl', `no such ACL: '${name}'`);
      else if (!defs.some((d) => d.loc.file === cond.loc.file && d.loc.line < cond.loc.line)) {
        report(
          ConfigCode.UnknownRef,
          cond.loc,
          'acl',
          `ACL '${name}' is used before its declaration at ${at(defs[0]!.loc)}`,
        );
      }
    }
  }
}

/** `listen 1.2.3.4:80` names a proxy "1.2.3.4:80" (names may hold '.' and ':'), it binds nothing. */
function checkBinds(state: ParseState, px: ProxyDraft, report: Report): void {
  if (!isFrontend(px) || px.binds.length > 0) return;
  if (looksLikeIpPort(px.name)) {
    report(
      ConfigCode.Missing,
      px.loc,
      px.kind,
      `'${px.name}' is a proxy name, not an address, and this ${px.kind} has no 'bind' (HAProxy 1.4 configuration.txt §4: names may contain '.' and ':'): write '${px.kind} NAME' + 'bind ${px.name}'`,
    );
    return;
  }
  state.warn(
    px.loc,
    px.kind,
    `'${px.name}' has no 'bind' directive. Please declare it as a backend if this was intended`,
  );
}

/** Settings HAProxy ignores, with a warning, when the proxy is not in HTTP mode. */
function checkTcpMode(state: ParseState, px: ProxyDraft): void {
  if (px.mode === 'http') return;
  const ignored: [boolean, string, SourceLoc][] = [
    [px.cookie !== undefined, 'cookie', px.cookie?.loc ?? px.loc],
    [px.options.forwardfor !== undefined, 'option forwardfor', px.loc],
    [px.options.httplog, 'option httplog', px.loc],
    [px.rules.some((r) => r.family.startsWith('http-')), 'http-request/http-response rules', px.loc],
    [px.monitorUri !== undefined, 'monitor-uri', px.loc],
    [px.stats?.enabled === true, 'stats', px.loc],
    [px.captures.length > 0, 'capture', px.loc],
  ];
  for (const [present, what, loc] of ignored) {
    if (present) state.warn(loc, what, `ignored for ${px.kind} '${px.name}' as it requires 'mode http'`);
  }
}

function checkChecks(state: ParseState, px: ProxyDraft, report: Report): void {
  if (px.checkKind === 'external') {
    if (!state.global.externalCheck)
      report(
        ConfigCode.Missing,
        px.loc,
        'option external-check',
        "requires 'external-check' in the global section",
      );
    if (!px.externalCheck.command)
      report(ConfigCode.Missing, px.loc, 'option external-check', "requires 'external-check command'");
  }
  if (px.httpCheckSteps.length > 0 && px.checkKind !== 'http') {
    state.warn(px.httpCheckSteps[0]!.loc, 'http-check', `ignored for '${px.name}' without 'option httpchk'`);
  }
  if (px.tcpCheckSteps.length > 0 && px.checkKind !== 'tcp-check') {
    state.warn(
      px.tcpCheckSteps[0]!.loc,
      'tcp-check',
      `'${px.name}' uses tcp-check rules without 'option tcp-check', so the rules are ignored`,
    );
  }
}

/** cfgparse.c "missing timeouts": legal, but connections would never expire. */
function checkTimeouts(state: ParseState, px: ProxyDraft): void {
  const t = px.timeouts;
  const feMissing = isFrontend(px) && !t.client;
  const beMissing =
    isBackend(px) &&
    px.servers.length > 0 &&
    (!t.connect || (!t.server && (px.mode === 'http' || !t.tunnel)));
  if (feMissing || beMissing) {
    state.warn(
      px.loc,
      px.kind,
      `missing timeouts for '${px.name}': set 'timeout client', 'timeout connect' and 'timeout server'`,
    );
  }
}

function checkReferences(state: ParseState, report: Report): void {
  const sections = new Map(state.httpErrors.map((h) => [h.name, h] as const));
  for (const px of [...state.defaults, ...state.proxies]) {
    for (const ref of px.errorfileRefs) {
      if (!sections.has(ref.name))
        report(ConfigCode.UnknownRef, ref.loc, 'errorfiles', `unknown http-errors section '${ref.name}'`);
    }
  }
  for (const list of state.userlists) {
    const groups = new Set(list.groups.map((g) => g.name));
    const users = new Set(list.users.map((u) => u.name));
    for (const u of list.users) {
      for (const g of u.groups)
        if (!groups.has(g))
          report(ConfigCode.UnknownRef, u.loc, 'user', `unknown group '${g}' in userlist '${list.name}'`);
    }
    for (const g of list.groups) {
      for (const u of g.users)
        if (!users.has(u))
          report(ConfigCode.UnknownRef, g.loc, 'group', `unknown user '${u}' in userlist '${list.name}'`);
    }
  }
}

/** Runs every check; findings land in state.errors / state.warnings. */
export function validateDrafts(state: ParseState): void {
  const report = reporter(state);
  checkDuplicateNames(state, report);
  checkSwitching(state, report);
  checkReferences(state, report);
  for (const px of state.proxies) {
    checkBinds(state, px, report);
    checkAclRefs(px, report);
    checkTcpMode(state, px);
    checkChecks(state, px, report);
    checkTimeouts(state, px);
    validateServers(state, px, report);
  }
}

export type { Report };
