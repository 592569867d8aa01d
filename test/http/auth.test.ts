/**
 * HTTP basic authentication: userlist passwords checked at load (file:line
 * for schemes hapair does not implement), users and groups as HAProxy
 * resolves them, the verification cache, the `http_auth*` fetches against
 * parsed requests (good, wrong, missing and malformed Authorization), ACLs
 * on them through the ACL compiler, and the `http-request auth` reply.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import type { HaproxyConfig, ProxyConfig, Rule } from '../../src/config/haproxy/model.js';
import { ConfigError, ConfigErrors } from '../../src/core/errors.js';
import { AclCompiler } from '../../src/proxy/acl/compile.js';
import { lookupFetch } from '../../src/proxy/acl/registry.js';
import type { SampleContext } from '../../src/proxy/acl/types.js';
import { basicChallenge } from '../../src/proxy/http/auth/action.js';
import { crypt } from '../../src/proxy/http/auth/crypt.js';
import {
  checkGroupPatterns,
  checkUserlistArg,
  type GroupFetchDef,
  parseAuthorization,
} from '../../src/proxy/http/auth/fetches.js';
import { AuthUserlist, installUserlists, lookupUserlist } from '../../src/proxy/http/auth/userlists.js';
import { parseRequestHead } from '../../src/proxy/http/parser.js';
import {
  type ActionEnv,
  lookupAction,
  type RuleReply,
  type RuleTx,
} from '../../src/proxy/http/rules/types.js';

const dir = mkdtempSync(join(tmpdir(), 'hapair-auth-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function cfgFile(text: string): string {
  const file = join(dir, `c${n++}.cfg`);
  writeFileSync(file, text);
  return file;
}

function load(text: string): HaproxyConfig {
  return loadHaproxyConfig([cfgFile(text)], { env: {} });
}

function loadErrors(text: string): ConfigError[] {
  try {
    load(text);
  } catch (err) {
    if (err instanceof ConfigErrors) return [...err.errors];
    throw err;
  }
  return [];
}

function openssl(flag: string, salt: string, password: string): string {
  return execFileSync('openssl', ['passwd', flag, '-salt', salt, '-stdin'], { input: password })
    .toString()
    .trim();
}

const TIGER = openssl('-6', 'k6y3o.eP', 'tiger-pw');
const MD5 = openssl('-1', 'abcdefgh', 'md5-pw');
const SHA256 = openssl('-5', 'saltsalt', 'sha256-pw');

// configuration.txt 12.2: L1 and L2 are "functionally identical", one
// declaring memberships on the groups, the other on the users.
const CONFIG = `userlist L1
  group G1 users tiger,scott
  group G2 users xdb,scott
  group G3
  user tiger password ${TIGER}
  user scott insecure-password 'elgato'
  user xdb insecure-password 'hello'
  user ghost
  user sha password ${SHA256} groups G3

userlist L2
  group G1
  group G2
  user tiger password '${TIGER}' groups G1
  user scott insecure-password 'elgato' groups G1,G2
  user xdb insecure-password 'hello' groups G2
  user md5 password ${MD5}

frontend fe
  mode http
  bind 127.0.0.1:8080
  acl ok http_auth(L1)
  acl admins http_auth_group(L1) G1 G2
  http-request auth unless ok
  http-request auth realm 'Staff only' unless { http_auth(L2) }
  http-request auth realm 'say "hi"' if { path /quote }
  default_backend be

backend be
  mode http
  http-request auth
  server s 127.0.0.1:8081
`;

let config: HaproxyConfig;
before(() => {
  config = load(CONFIG);
  installUserlists(config.userlists);
});

function proxy(name: string): ProxyConfig {
  const p = config.proxies.find((x) => x.name === name);
  assert.ok(p, name);
  return p;
}

const basic = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;

/** A sample context for a GET carrying `authorization` (no header when undefined). */
function request(authorization?: string): SampleContext {
  const auth = authorization === undefined ? '' : `Authorization: ${authorization}\r\n`;
  const parsed = parseRequestHead(Buffer.from(`GET /x HTTP/1.1\r\nHost: h\r\n${auth}\r\n`, 'latin1'));
  assert.equal(parsed.kind, 'done');
  return {
    conn: { family: 'ipv4', srcAddr: '127.0.0.1', srcPort: 40000, dstAddr: '127.0.0.1', dstPort: 8080 },
    http: { req: parsed.head, resp: undefined, status: 0, frontend: 'fe', backend: undefined },
  };
}

function fetch(name: string, ctx: SampleContext, args: string[] = []) {
  const def = lookupFetch(name);
  assert.ok(def, name);
  return def.fetch(ctx, args);
}

describe('userlist passwords at load', () => {
  it('refuses schemes hapair does not implement, at the user line, naming the scheme and a way out', () => {
    const errs = loadErrors(
      [
        'userlist L',
        "  user a password '$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o7g3GWAsbmYv6CpqUnW/KGuf6PJOh6Kp.'",
        "  user b password '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'",
        '  user c password PQl1.p7BcJRuM',
        `  user d password ${TIGER}`,
        "  user e password '$7$CU..../....SaltSaltSalt$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'",
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      errs.map((e) => [e.code, e.loc?.line, e.keyword]),
      [
        ['CFG_UNSUPPORTED', 2, 'user'],
        ['CFG_UNSUPPORTED', 3, 'user'],
        ['CFG_UNSUPPORTED', 4, 'user'],
        ['CFG_UNSUPPORTED', 6, 'user'],
      ],
    );
    assert.match(errs[0]!.message, /^.*c\d+\.cfg:2: user: user 'a': password hash scheme yescrypt \(\$y\$\)/);
    assert.match(errs[1]!.message, /bcrypt \(\$2b\$\)/);
    assert.match(errs[2]!.message, /traditional DES/);
    assert.match(errs[3]!.message, /scrypt \(\$7\$\)/);
    for (const e of errs) {
      assert.match(e.message, /\$1\$.*\$5\$.*\$6\$/);
      assert.match(e.message, /openssl passwd -6/);
      assert.match(e.message, /mkpasswd -m sha-512/);
    }
  });

  it('refuses what is no crypt(3) hash; warns about a hash no password can produce', () => {
    const errs = loadErrors(
      "userlist L\n  user a insecure-password ok\n  user c password ''\n  user d password secret\n",
    );
    assert.deepEqual(
      errs.map((e) => [e.code, e.loc?.line]),
      [
        ['CFG_BAD_ARGS', 3],
        ['CFG_BAD_ARGS', 4],
      ],
    );
    assert.match(errs[0]!.message, /user 'c': not a crypt\(3\) hash; .*openssl passwd -6/);
    // HAProxy loads these (crypt(3) reads only their setting) and nobody can log in.
    const c = load(
      [
        'userlist L',
        `  user a password ${TIGER.slice(0, -2)}`,
        "  user b password '$6$rounds=10$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.'",
        '',
      ].join('\n'),
    );
    assert.equal(c.warnings.length, 2);
    assert.match(c.warnings[0]!, /:2: .*user 'a' can never authenticate: expected 86 characters/);
    assert.match(
      c.warnings[1]!,
      /:3: .*user 'b' can never authenticate: .*'\$6\$rounds=1000\$roundstoolow\$'/,
    );
    installUserlists(c.userlists);
    try {
      assert.equal(lookupUserlist('L')!.check('b', 'the minimum number is still observed'), false);
    } finally {
      installUserlists(config.userlists);
    }
  });

  it('accepts $1$, $5$, $6$ and insecure passwords, and warns about costly rounds', () => {
    const slow = openssl('-6', 'x', 'x').replace('$6$x$', '$6$rounds=50000$x$');
    const c = load(
      `userlist L\n  user a password ${MD5}\n  user b insecure-password '$y$notahash'\n  user c password '${slow}'\n`,
    );
    assert.equal(c.userlists[0]!.users.length, 3);
    assert.deepEqual(
      c.userlists[0]!.users.map((u) => [u.name, u.insecure]),
      [
        ['a', false],
        ['b', true],
        ['c', false],
      ],
    );
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0]!, /:4: .*rounds=50000 .*10\.0 times as slow/);
  });
});

describe('userlists at run time', () => {
  it('verifies crypt(3) and insecure passwords; a user without password never authenticates', () => {
    const l1 = lookupUserlist('L1')!;
    const l2 = lookupUserlist('L2')!;
    assert.equal(l1.check('tiger', 'tiger-pw'), true);
    assert.equal(l1.check('tiger', 'tiger-pW'), false);
    assert.equal(l1.check('tiger', ''), false);
    assert.equal(l1.check('scott', 'elgato'), true);
    assert.equal(l1.check('scott', 'elgat'), false);
    assert.equal(l1.check('scott', 'elgato '), false);
    assert.equal(l1.check('sha', 'sha256-pw'), true);
    assert.equal(l1.check('ghost', ''), false);
    assert.equal(l1.check('nobody', 'elgato'), false);
    assert.equal(l1.check('Scott', 'elgato'), false, 'user names are case-sensitive');
    assert.equal(l2.check('md5', 'md5-pw'), true);
    assert.equal(l2.check('md5', 'md5-pw2'), false);
    assert.equal(l1.check('md5', 'md5-pw'), false, 'users belong to their own list');
  });

  it('compares non-ASCII insecure passwords as UTF-8 bytes', () => {
    const list = new AuthUserlist({
      name: 'U',
      loc: { file: 't', line: 1 },
      users: [{ name: 'u', password: 'pässwörd', insecure: true, groups: [] }],
      groups: [],
    });
    const bytes = Buffer.from('pässwörd', 'utf8').toString('latin1');
    assert.equal(list.check('u', bytes), true);
    assert.equal(list.check('u', 'pässwörd'), false, 'latin1 bytes of the same text differ');
  });

  it('merges groups declared on users and on groups (both lists of 12.2 agree)', () => {
    const l1 = lookupUserlist('L1')!;
    const l2 = lookupUserlist('L2')!;
    for (const [user, g1, g2] of [
      ['tiger', true, false],
      ['scott', true, true],
      ['xdb', false, true],
      ['nobody', false, false],
    ] as const) {
      for (const l of [l1, l2]) {
        assert.equal(l.inAnyGroup(user, ['G1']), g1, `${l.name} ${user} G1`);
        assert.equal(l.inAnyGroup(user, ['G2']), g2, `${l.name} ${user} G2`);
        assert.equal(l.inAnyGroup(user, ['G1', 'G2']), g1 || g2);
      }
    }
    assert.equal(l1.inAnyGroup('sha', ['G3']), true);
    assert.equal(l1.hasGroup('G3'), true);
    assert.equal(l2.hasGroup('G3'), false);
  });

  it('caches accepted credentials, not rejected ones, in a bounded LRU', () => {
    const fresh = { password: 'slow-pw', hash: crypt(Buffer.from('slow-pw'), '$6$rounds=40000$slowsalt')! };
    const list = new AuthUserlist(
      {
        name: 'C',
        loc: { file: 't', line: 1 },
        users: [
          { name: 'a', password: fresh.hash, insecure: false, groups: [] },
          { name: 'b', password: MD5, insecure: false, groups: [] },
          { name: 'c', password: SHA256, insecure: false, groups: [] },
          { name: 'd', password: 'x', insecure: true, groups: [] },
        ],
        groups: [],
      },
      2,
    );
    let t = process.hrtime.bigint();
    assert.equal(list.check('a', fresh.password), true);
    const first = Number(process.hrtime.bigint() - t);
    assert.equal(list.cached, 1);
    t = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) assert.equal(list.check('a', fresh.password), true);
    const twenty = Number(process.hrtime.bigint() - t);
    assert.ok(twenty < first, `20 cached checks (${twenty} ns) cost less than one hash (${first} ns)`);
    assert.equal(list.check('a', 'wrong'), false);
    assert.equal(list.check('d', 'x'), true);
    assert.equal(list.cached, 1, 'rejections and insecure passwords are not cached');
    assert.equal(list.check('b', 'md5-pw'), true);
    assert.equal(list.check('c', 'sha256-pw'), true);
    assert.equal(list.cached, 2, 'bounded');
    assert.equal(list.check('a', fresh.password), true, 'an evicted entry is verified again');
  });
});

describe('Authorization parsing (get_http_auth)', () => {
  it('Basic credentials, scheme case, extra spaces, first list element', () => {
    assert.deepEqual(parseAuthorization(basic('u', 'p')), { type: 'Basic', user: 'u', pass: 'p' });
    assert.deepEqual(parseAuthorization(`bAsIc   ${Buffer.from('u:p').toString('base64')}`), {
      type: 'Basic',
      user: 'u',
      pass: 'p',
    });
    assert.deepEqual(parseAuthorization(basic('u', 'a:b:c')), { type: 'Basic', user: 'u', pass: 'a:b:c' });
    assert.deepEqual(parseAuthorization(basic('', '')), { type: 'Basic', user: '', pass: '' });
    assert.deepEqual(parseAuthorization(`${basic('u', 'p')}, Bearer x`), {
      type: 'Basic',
      user: 'u',
      pass: 'p',
    });
    assert.deepEqual(parseAuthorization('Bearer abc.def'), { type: 'Bearer' });
  });
  it('malformed data gives nothing', () => {
    for (const bad of [
      undefined,
      '',
      'Basic',
      'Basic ',
      'Basic dTpw=',
      'Basic dTp',
      'Basic dT!w',
      'Basic ====',
      'Basic d===',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      `Basic ${Buffer.from('u\0:p').toString('base64')}`,
      'Digest username="u"',
      'Negotiate abc',
    ]) {
      assert.equal(parseAuthorization(bad), undefined, String(bad));
    }
  });
  it('a NUL ends the password, as in C', () => {
    assert.deepEqual(parseAuthorization(`Basic ${Buffer.from('u:p\0q').toString('base64')}`), {
      type: 'Basic',
      user: 'u',
      pass: 'p',
    });
  });
});

describe('http_auth* fetches on parsed requests', () => {
  it('good credentials', () => {
    const ctx = request(basic('tiger', 'tiger-pw'));
    assert.equal(fetch('http_auth', ctx, ['L1']), true);
    assert.equal(fetch('http_auth_group', ctx, ['L1']), 'tiger');
    assert.equal(fetch('http_auth_user', ctx), 'tiger');
    assert.equal(fetch('http_auth_pass', ctx), 'tiger-pw');
    assert.equal(fetch('http_auth_type', ctx), 'Basic');
    assert.equal(fetch('http_auth', request(basic('scott', 'elgato')), ['L2']), true);
  });
  it('wrong password or unknown user: false, and no group sample; user and pass still readable', () => {
    for (const ctx of [request(basic('tiger', 'nope')), request(basic('nobody', 'elgato'))]) {
      assert.equal(fetch('http_auth', ctx, ['L1']), false);
      assert.equal(fetch('http_auth_group', ctx, ['L1']), undefined);
      assert.equal(fetch('http_auth_type', ctx), 'Basic');
      assert.ok(typeof fetch('http_auth_user', ctx) === 'string');
    }
    assert.equal(fetch('http_auth_pass', request(basic('tiger', 'nope'))), 'nope');
  });
  it('missing or malformed header: no sample at all', () => {
    for (const ctx of [request(), request('Basic dGlnZXI'), request('Basic !!!!'), request('Digest x=y')]) {
      for (const name of ['http_auth', 'http_auth_group']) assert.equal(fetch(name, ctx, ['L1']), undefined);
      for (const name of ['http_auth_user', 'http_auth_pass', 'http_auth_type'])
        assert.equal(fetch(name, ctx), undefined);
    }
  });
  it('a Bearer token has a type and no credentials', () => {
    const ctx = request('Bearer eyJhbGciOi');
    assert.equal(fetch('http_auth_type', ctx), 'Bearer');
    assert.equal(fetch('http_auth_user', ctx), undefined);
    assert.equal(fetch('http_auth', ctx, ['L1']), undefined);
  });
  it('a context without HTTP data has nothing to fetch', () => {
    const ctx: SampleContext = { conn: request().conn };
    assert.equal(fetch('http_auth', ctx, ['L1']), undefined);
    assert.equal(fetch('http_auth_type', ctx), undefined);
  });
  it('non-ASCII credentials travel as bytes', () => {
    const ctx = request(basic('tiger', 'pässwörd'));
    assert.equal(fetch('http_auth_pass', ctx), Buffer.from('pässwörd', 'utf8').toString('latin1'));
    assert.equal(fetch('http_auth', ctx, ['L1']), false);
  });
});

describe('ACLs on http_auth*', () => {
  const L7 = { maxLayer: 'l7', stage: 'http-request' } as const;

  it('`http-request auth unless ok` with `acl ok http_auth(L1)`, through the ACL compiler', () => {
    const fe = proxy('fe');
    const acls = new AclCompiler(fe.acls);
    const rule = fe.rules.find((r) => r.action === 'auth' && r.args.length === 0)!;
    const challenge = acls.condition(rule.cond!, L7);
    assert.equal(challenge(request()), true, 'no credentials: challenged');
    assert.equal(challenge(request(basic('tiger', 'wrong'))), true);
    assert.equal(challenge(request('Basic ####')), true);
    assert.equal(challenge(request(basic('tiger', 'tiger-pw'))), false);
    assert.equal(challenge(request(basic('xdb', 'hello'))), false);
    const anon = fe.rules.find((r) => r.args[1] === 'Staff only')!;
    assert.equal(acls.condition(anon.cond!, L7)(request(basic('md5', 'md5-pw'))), false);
    assert.equal(
      acls.condition(anon.cond!, L7)(request(basic('sha', 'sha256-pw'))),
      true,
      'sha is in L1 only',
    );
  });

  it('http_auth_group matches group names: `http_auth_group(L1) G1 G2`', () => {
    const def = lookupFetch('http_auth_group') as GroupFetchDef;
    assert.equal(typeof def.aclMatcher, 'function');
    const admins = proxy('fe').acls.get('admins')![0]!;
    assert.deepEqual(
      [admins.fetch, admins.fetchArgs, admins.patterns],
      ['http_auth_group', ['L1'], ['G1', 'G2']],
    );
    assert.equal(def.checkArgs?.(admins.fetchArgs), undefined);
    assert.equal(def.checkPatterns(admins.fetchArgs, admins.patterns), undefined);
    const match = def.aclMatcher(admins.fetchArgs, admins.patterns);
    const acl = (ctx: SampleContext) => {
      const v = def.fetch(ctx, admins.fetchArgs);
      return v !== undefined && match(v);
    };
    assert.equal(acl(request(basic('tiger', 'tiger-pw'))), true, 'G1');
    assert.equal(acl(request(basic('xdb', 'hello'))), true, 'G2');
    assert.equal(acl(request(basic('scott', 'elgato'))), true, 'G1 and G2');
    assert.equal(acl(request(basic('sha', 'sha256-pw'))), false, 'G3 only');
    assert.equal(acl(request(basic('tiger', 'bad'))), false, 'wrong password');
    const g3 = def.aclMatcher(['L1'], ['G3']);
    assert.equal(g3('sha'), true);
    assert.equal(g3('tiger'), false);
  });

  it('start-up checks: unknown userlist, missing or unknown groups', () => {
    assert.equal(checkUserlistArg(['L1']), undefined);
    assert.match(checkUserlistArg(['L9'])!, /unknown userlist 'L9' \(declared: L1, L2\)/);
    for (const name of ['http_auth', 'http_auth_group']) {
      assert.equal(lookupFetch(name)!.checkArgs?.(['L9']), checkUserlistArg(['L9']), name);
      assert.equal(lookupFetch(name)!.checkArgs?.(['L2']), undefined, name);
    }
    assert.match(checkGroupPatterns(['L9'], ['G1'])!, /unknown userlist 'L9'/);
    assert.match(checkGroupPatterns(['L1'], [])!, /no groups specified/);
    assert.match(checkGroupPatterns(['L2'], ['G1', 'G3'])!, /invalid group 'G3'/);
    assert.equal(checkGroupPatterns(['L2'], ['G2', 'G1']), undefined);
  });

  it('the fetches take exactly their arguments and belong to layer 7', () => {
    for (const name of ['http_auth', 'http_auth_group']) {
      const d = lookupFetch(name)!;
      assert.deepEqual([d.minArgs, d.maxArgs, d.layer], [1, 1, 'l7']);
    }
    for (const name of ['http_auth_user', 'http_auth_pass', 'http_auth_type']) {
      const d = lookupFetch(name)!;
      assert.deepEqual([d.minArgs, d.maxArgs, d.layer, d.type], [0, 0, 'l7', 'str']);
    }
    assert.throws(
      () =>
        new AclCompiler(new Map()).condition(cond('http_auth'), {
          maxLayer: 'l4',
          stage: 'tcp-request connection',
        }),
      (e: unknown) => e instanceof ConfigError && /not available/.test(e.message),
    );
  });
});

function cond(fetch: string) {
  const loc = { file: 't.cfg', line: 7 };
  return {
    polarity: 'if' as const,
    loc,
    or: [
      [
        {
          negate: false,
          acl: {
            name: 'anonymous',
            fetch,
            fetchArgs: ['L1'],
            ignoreCase: false,
            matcher: undefined,
            patternFiles: [],
            patterns: [],
            loc,
          },
        },
      ],
    ],
  };
}

describe('http-request auth', () => {
  const unused = () => {
    throw new Error('not used by auth');
  };
  function compile(p: ProxyConfig, rule: Rule): RuleReply {
    const compiler = lookupAction('http-request', 'auth');
    assert.ok(compiler);
    const env: ActionEnv = {
      proxy: p,
      config,
      family: 'http-request',
      stage: { maxLayer: 'l7', stage: 'http-request' },
      format: unused,
      expr: unused,
      tables: { get: () => undefined },
    };
    const out = compiler(rule, env)({} as RuleTx);
    assert.ok(out && out.kind === 'reply');
    return out;
  }
  const authRules = (p: ProxyConfig) => p.rules.filter((r) => r.action === 'auth');

  it("401 with a Basic challenge; the realm defaults to the rule's proxy name", () => {
    const [plain, staff, quoted] = authRules(proxy('fe'));
    const r = compile(proxy('fe'), plain!);
    assert.equal(r.status, 401);
    assert.deepEqual(r.headers, [['WWW-Authenticate', 'Basic realm="fe"']]);
    assert.equal(r.body, undefined, "the proxy's 401 error page");
    assert.equal(r.denied, false, 'HAProxy counts it as intercepted, not denied');
    assert.deepEqual(compile(proxy('fe'), staff!).headers, [
      ['WWW-Authenticate', 'Basic realm="Staff only"'],
    ]);
    assert.deepEqual(compile(proxy('fe'), quoted!).headers, [
      ['WWW-Authenticate', 'Basic realm="say \\"hi\\""'],
    ]);
    const be = proxy('be');
    assert.deepEqual(compile(be, authRules(be)[0]!).headers, [['WWW-Authenticate', 'Basic realm="be"']]);
  });

  it('one reply object per rule, shared by every request', () => {
    const compiler = lookupAction('http-request', 'auth')!;
    const run = compiler(authRules(proxy('fe'))[0]!, { proxy: proxy('fe'), config } as ActionEnv);
    assert.equal(run({} as RuleTx), run({} as RuleTx));
    assert.ok(Object.isFrozen(run({} as RuleTx)));
  });

  it('refuses words other than realm <realm>, at the rule line', () => {
    const compiler = lookupAction('http-request', 'auth')!;
    const env = { proxy: proxy('fe'), config } as ActionEnv;
    const base = authRules(proxy('fe'))[0]!;
    for (const [args, why] of [
      [['foo'], /unexpected 'foo'/],
      [['realm'], /missing realm value/],
      [['realm', ''], /missing realm value/],
      [['realm', 'a\nb'], /header field/],
    ] as const) {
      assert.throws(
        () => compiler({ ...base, args }, env),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.loc?.line === base.loc.line &&
          e.code === 'CFG_BAD_ARGS' &&
          why.test(e.message),
      );
    }
  });

  it('the challenge quotes the realm as an RFC 9110 quoted-string', () => {
    assert.equal(basicChallenge('a\\b"c'), 'Basic realm="a\\\\b\\"c"');
  });
});
