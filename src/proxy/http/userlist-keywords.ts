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

function userlistOf(ctx: SectionCtx): UserlistDraft {
  if (!ctx.userlist) throw new Error('internal: userlist keyword outside a userlist section');
  return ctx.userlist;
}

function splitList(call: KeywordCall, text: string | undefined, what: string): string[] {
  if (text === undefined) throw badArgs(call, `'${what}' expects a comma-separated list`);
  return text.split(',').filter((s) => s !== '');
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
      password = value;
      insecure = word === 'insecure-password';
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
