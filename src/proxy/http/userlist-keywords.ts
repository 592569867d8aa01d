/**
 * `userlist` sections (configuration.txt §3.4): users and groups for HTTP
 * basic authentication (`http-request auth`, `stats auth`, `http_auth()`).
 * The `user`/`group` keyword specs are shared with the global section and
 * live in global-keywords.ts; these functions do the userlist half.
 */

import { badArgs, checkName } from '../../config/haproxy/args.js';
import type { SectionCtx } from '../../config/haproxy/context.js';
import type { UserlistDraft } from '../../config/haproxy/draft.js';
import type { KeywordCall } from '../../config/registry.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';
import { checkStoredHash, parseSetting } from './auth/crypt.js';

function userlistOf(ctx: SectionCtx): UserlistDraft {
  if (!ctx.userlist) throw new Error('internal: userlist keyword outside a userlist section');
  return ctx.userlist;
}

function splitList(call: KeywordCall, text: string | undefined, what: string): string[] {
  if (text === undefined) throw badArgs(call, `'${what}' expects a comma-separated list`);
  return text.split(',').filter((s) => s !== '');
}

const HOW_TO_HASH =
  "hapair verifies MD5-crypt ($1$), SHA-256-crypt ($5$) and SHA-512-crypt ($6$) hashes; make one with 'openssl passwd -6' or 'mkpasswd -m sha-512'";

/** SHA-crypt's default cost; more rounds make every uncached verification slower. */
const DEFAULT_ROUNDS = 5000;

/**
 * Checks a `password` hash at load. HAProxy asks crypt(3) the same question
 * (cfgparse.c) and accepts every scheme its libc has; hapair implements $1$,
 * $5$ and $6$, so yescrypt (Debian's mkpasswd default), bcrypt, scrypt and
 * DES hashes are refused by name. A $1$/$5$/$6$ hash no password can produce
 * (a truncated digest) loads with a warning, as HAProxy loads it silently.
 */
function checkPassword(ctx: SectionCtx, call: KeywordCall, user: string, hash: string): void {
  const problem = checkStoredHash(hash);
  if (problem?.kind === 'unsupported') {
    throw new ConfigError(
      ConfigCode.Unsupported,
      call.loc,
      call.keyword,
      `user '${user}': password hash scheme ${problem.scheme} is not supported; ${HOW_TO_HASH}`,
    );
  }
  if (problem?.kind === 'invalid') throw badArgs(call, `user '${user}': ${problem.reason}; ${HOW_TO_HASH}`);
  if (problem?.kind === 'unmatchable') {
    ctx.warn(call.loc, call.keyword, `user '${user}' can never authenticate: ${problem.reason}`);
    return;
  }
  const rounds = parseSetting(hash)?.rounds ?? 0;
  if (rounds > DEFAULT_ROUNDS) {
    // HAProxy warns when one verification takes 10 ms or more; the cost here
    // is proportional to the rounds, so the warning depends on them alone.
    ctx.warn(
      call.loc,
      call.keyword,
      `user '${user}': rounds=${rounds} makes each password check ${(rounds / DEFAULT_ROUNDS).toFixed(1)} times as slow as the default 5000 rounds; every request whose credentials are not cached yet pays it on the event loop`,
    );
  }
}

/** `user <name> [password <crypt>|insecure-password <pw>] [groups <g>,...]` */
export function parseUserlistUser(ctx: SectionCtx, call: KeywordCall): void {
  const list = userlistOf(ctx);
  const name = checkName(call, call.args[0], 'user');
  if (list.users.some((u) => u.name === name)) {
    throw new ConfigError(
      ConfigCode.Duplicate,
      call.loc,
      call.keyword,
      `user '${name}' already declared in userlist '${list.name}'`,
    );
  }
  let password = '';
  let insecure = false;
  let groups: string[] = [];
  for (let i = 1; i < call.args.length; i += 2) {
    const word = call.args[i];
    const value = call.args[i + 1];
    if (word === 'password' || word === 'insecure-password') {
      if (value === undefined) throw badArgs(call, `'${word}' expects a value`);
      insecure = word === 'insecure-password';
      if (!insecure) checkPassword(ctx, call, name, value);
      password = value;
    } else if (word === 'groups') {
      groups = splitList(call, value, word);
    } else {
      throw badArgs(call, `unexpected '${word}' (expects 'password', 'insecure-password' or 'groups')`);
    }
  }
  list.users.push({ name, password, insecure, groups, loc: call.loc });
}

/** `group <name> [users <u>,...]` */
export function parseUserlistGroup(ctx: SectionCtx, call: KeywordCall): void {
  const list = userlistOf(ctx);
  const name = checkName(call, call.args[0], 'group');
  if (list.groups.some((g) => g.name === name)) {
    throw new ConfigError(
      ConfigCode.Duplicate,
      call.loc,
      call.keyword,
      `group '${name}' already declared in userlist '${list.name}'`,
    );
  }
  let users: string[] = [];
  if (call.args.length > 1) {
    if (call.args[1] !== 'users' || call.args.length !== 3)
      throw badArgs(call, "expects 'users <user>,...' after the group name");
    users = splitList(call, call.args[2], 'users');
  }
  list.groups.push({ name, users, loc: call.loc });
}
