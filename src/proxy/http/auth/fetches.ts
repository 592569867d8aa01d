/**
 * HTTP authentication sample fetches (configuration.txt 7.3.6): `http_auth`,
 * `http_auth_group`, `http_auth_pass`, `http_auth_type`, `http_auth_user`.
 * They read the request's Authorization header as HAProxy's get_http_auth()
 * does (src/http_fetch.c) and check credentials against the userlists the
 * engine installed (userlists.ts). Registered at import.
 */
import { registerFetch } from '../../acl/registry.js';
import type { FetchDef, SampleContext, SampleMatcher, SampleValue } from '../../acl/types.js';
import type { RequestHead } from '../head.js';
import { getHeader } from '../headers.js';
import { lookupUserlist, userlistNames } from './userlists.js';

/** The Authorization data: Basic credentials as latin1 strings (one char per byte), or a Bearer token. */
export type AuthData =
  | { readonly type: 'Basic'; readonly user: string; readonly pass: string }
  | { readonly type: 'Bearer' };

const BEARER: AuthData = Object.freeze({ type: 'Bearer' });

/** HAProxy's base64dec(): length a multiple of 4, padding only at the end ("XX==" or "XXX="). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Parses an Authorization field value. As in HAProxy, only its first
 * comma-separated element counts, the scheme is matched case-insensitively
 * and must be followed by at least one space, and Basic data must be strict
 * base64 holding `user:password` (a NUL ends the string, as in C).
 * Undefined for anything else: no usable authentication data.
 */
export function parseAuthorization(value: string | undefined): AuthData | undefined {
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  const first = (comma < 0 ? value : value.slice(0, comma)).trim();
  const sp = first.indexOf(' ');
  if (sp <= 0) return undefined;
  const scheme = first.slice(0, sp).toLowerCase();
  if (scheme === 'bearer') return BEARER;
  if (scheme !== 'basic') return undefined;
  const data = first.slice(sp).trimStart();
  if (!BASE64.test(data)) return undefined;
  let text = Buffer.from(data, 'base64').toString('latin1');
  const nul = text.indexOf('\0');
  if (nul >= 0) text = text.slice(0, nul);
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { type: 'Basic', user: text.slice(0, colon), pass: text.slice(colon + 1) };
}

function basic(ctx: SampleContext): { user: string; pass: string } | undefined {
  const req: RequestHead | undefined = ctx.http?.req;
  const auth = req && parseAuthorization(getHeader(req, 'authorization'));
  return auth?.type === 'Basic' ? auth : undefined;
}

/** Start-up check of a userlist argument; returns the problem, if any. */
export function checkUserlistArg(args: readonly string[]): string | undefined {
  const name = args[0] ?? '';
  if (lookupUserlist(name)) return undefined;
  const known = userlistNames();
  const have = known.length > 0 ? `declared: ${known.join(', ')}` : 'no userlist is declared';
  return `unknown userlist '${name}' (${have})`;
}

/**
 * Start-up check of the patterns of `acl <name> http_auth_group(<userlist>)
 * <group> ...`, as HAProxy's acl_find_targets(): at least one group, and
 * every group declared in the userlist.
 */
export function checkGroupPatterns(args: readonly string[], patterns: readonly string[]): string | undefined {
  const list = lookupUserlist(args[0] ?? '');
  if (list === undefined) return checkUserlistArg(args);
  if (patterns.length === 0) return `http_auth_group(${list.name}): no groups specified`;
  const unknown = patterns.find((g) => !list.hasGroup(g));
  return unknown === undefined ? undefined : `http_auth_group(${list.name}): invalid group '${unknown}'`;
}

/**
 * The ACL matching of `http_auth_group` (HAProxy's pat_match_auth()): the
 * sample is a user name already authenticated by the fetch; the ACL matches
 * when that user belongs to any of the pattern groups.
 */
export function groupMatcher(args: readonly string[], patterns: readonly string[]): SampleMatcher {
  const list = lookupUserlist(args[0]!);
  const groups = [...patterns];
  return (v: SampleValue) => typeof v === 'string' && list !== undefined && list.inAnyGroup(v, groups);
}

/**
 * `http_auth_group` with the two ACL hooks it needs beyond FetchDef: a
 * start-up check of the ACL's patterns, and its own match (HAProxy's
 * http_acl.c gives it pat_match_auth) used when the ACL names no `-m`.
 */
export interface GroupFetchDef extends FetchDef {
  checkPatterns(args: readonly string[], patterns: readonly string[]): string | undefined;
  aclMatcher(args: readonly string[], patterns: readonly string[]): SampleMatcher;
}

const L7 = { layer: 'l7', minArgs: 0, maxArgs: 0 } as const;
const WITH_USERLIST = { layer: 'l7', minArgs: 1, maxArgs: 1 } as const;

const httpAuth: FetchDef = {
  ...WITH_USERLIST,
  type: 'bool',
  // Valid Basic data gives a boolean (false for wrong credentials); no such data, no sample.
  fetch: (ctx, args) => {
    const c = basic(ctx);
    if (c === undefined) return undefined;
    return lookupUserlist(args[0]!)?.check(c.user, c.pass);
  },
  checkArgs: checkUserlistArg,
};

const httpAuthGroup: GroupFetchDef = {
  ...WITH_USERLIST,
  type: 'str',
  fetch: (ctx, args) => {
    const c = basic(ctx);
    if (c === undefined) return undefined;
    return lookupUserlist(args[0]!)?.check(c.user, c.pass) ? c.user : undefined;
  },
  checkArgs: checkUserlistArg,
  checkPatterns: checkGroupPatterns,
  aclMatcher: groupMatcher,
};

registerFetch('http_auth', httpAuth);
registerFetch('http_auth_group', httpAuthGroup);
registerFetch('http_auth_user', { ...L7, type: 'str', fetch: (ctx) => basic(ctx)?.user });
registerFetch('http_auth_pass', { ...L7, type: 'str', fetch: (ctx) => basic(ctx)?.pass });
registerFetch('http_auth_type', {
  ...L7,
  type: 'str',
  fetch: (ctx) => {
    const req = ctx.http?.req;
    return req && parseAuthorization(getHeader(req, 'authorization'))?.type;
  },
});
