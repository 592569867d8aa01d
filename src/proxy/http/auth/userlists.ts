/**
 * Userlists at run time (configuration.txt 12.2): who may authenticate, with
 * which password, and the groups each user belongs to — declared on the user
 * (`groups G1,G2`) and on the group (`users u1,u2`) alike, as HAProxy's
 * userlist_postinit() merges both.
 *
 * Verifying a crypt(3) hash costs milliseconds (SHA-512-crypt with its 5000
 * default rounds takes about 5 ms here), and sample fetches are synchronous,
 * so a verification runs on the event loop as HAProxy runs crypt() on its
 * thread. To keep that off the steady state, each userlist remembers the
 * credentials it accepted in a bounded LRU; a browser resends the same
 * Authorization header on every request, so only its first request (and
 * wrong passwords) pay the hash. The cache keys are HMACs under a per-process
 * random key, so no password sits in memory in clear or as a fast hash.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Userlist } from '../../../config/haproxy/model.js';
import { verifyCrypt } from './crypt.js';

/** Accepted credentials remembered per userlist. */
export const AUTH_CACHE_SIZE = 1000;

const cacheKeySecret = randomBytes(32);

interface AuthUser {
  /**
   * The crypt(3) hash; the SHA-256 of an insecure password (compared in
   * constant time); undefined for a user declared without a password, who
   * can never authenticate (HAProxy's check_user() needs a password).
   */
  readonly secret: string | Buffer | undefined;
  readonly groups: ReadonlySet<string>;
}

function digest(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** A bounded set with least-recently-used eviction (Map keeps insertion order). */
class LruSet {
  private readonly keys = new Map<string, true>();
  constructor(private readonly max: number) {}

  has(key: string): boolean {
    if (!this.keys.delete(key)) return false;
    this.keys.set(key, true);
    return true;
  }

  add(key: string): void {
    this.keys.delete(key);
    this.keys.set(key, true);
    if (this.keys.size > this.max) this.keys.delete(this.keys.keys().next().value as string);
  }

  get size(): number {
    return this.keys.size;
  }
}

export class AuthUserlist {
  readonly name: string;
  private readonly users = new Map<string, AuthUser>();
  private readonly groupNames: ReadonlySet<string>;
  private readonly accepted: LruSet;

  /** `list` comes from the validated model: every group a user names exists, and the reverse. */
  constructor(list: Userlist, cacheSize = AUTH_CACHE_SIZE) {
    this.name = list.name;
    this.groupNames = new Set(list.groups.map((g) => g.name));
    this.accepted = new LruSet(cacheSize);
    for (const u of list.users) {
      const groups = new Set(u.groups);
      for (const g of list.groups) if (g.users.includes(u.name)) groups.add(g.name);
      const secret = u.insecure
        ? digest(Buffer.from(u.password, 'utf8'))
        : u.password === ''
          ? undefined
          : u.password;
      this.users.set(u.name, { secret, groups });
    }
  }

  hasGroup(group: string): boolean {
    return this.groupNames.has(group);
  }

  /** Number of accepted credentials remembered (for tests and stats). */
  get cached(): number {
    return this.accepted.size;
  }

  /**
   * HAProxy's check_user(): `user` and `pass` are the decoded Basic
   * credentials as latin1 strings (one char per byte).
   */
  check(user: string, pass: string): boolean {
    const secret = this.users.get(user)?.secret;
    if (secret === undefined) return false;
    const pw = Buffer.from(pass, 'latin1');
    if (typeof secret !== 'string') return timingSafeEqual(digest(pw), secret);
    const key = createHmac('sha256', cacheKeySecret).update(user).update('\0').update(pw).digest('base64');
    if (this.accepted.has(key)) return true;
    if (!verifyCrypt(pw, secret)) return false;
    this.accepted.add(key);
    return true;
  }

  /** Whether `user` belongs to at least one of `groups` (HAProxy's pat_match_auth()). */
  inAnyGroup(user: string, groups: Iterable<string>): boolean {
    const mine = this.users.get(user)?.groups;
    if (mine === undefined) return false;
    for (const g of groups) if (mine.has(g)) return true;
    return false;
  }
}

let installed: ReadonlyMap<string, AuthUserlist> = new Map();

/**
 * Makes `lists` the userlists `http_auth*` fetches and their ACLs resolve
 * against. The engine calls it with the configuration's userlists before it
 * compiles any condition (and again on reload, which drops the caches).
 */
export function installUserlists(lists: readonly Userlist[]): void {
  installed = new Map(lists.map((l) => [l.name, new AuthUserlist(l)] as const));
}

export function lookupUserlist(name: string): AuthUserlist | undefined {
  return installed.get(name);
}

/** Names of the installed userlists, for messages. */
export function userlistNames(): string[] {
  return [...installed.keys()];
}
