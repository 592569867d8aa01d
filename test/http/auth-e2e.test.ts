/**
 * HTTP basic authentication through real sockets (configuration.txt 12.2
 * "Userlists", 4.3 "http-request auth", 7.3.6 `http_auth*`): a userlist
 * with crypt(3) hashes made by openssl at test time and insecure passwords,
 * groups declared on the groups and on the users, the 401 challenge and
 * its realm, group-based authorisation, the credentials as samples, and the
 * start-up errors of unknown userlists and groups.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { DEFAULTS, exchange, field, lineOf, responseField, startError } from './acl-e2e-helpers.js';
import { startText, type TextSetup } from './rules-helpers.js';

function openssl(scheme: '-1' | '-5' | '-6', salt: string, password: string): string {
  return execFileSync('openssl', ['passwd', scheme, '-salt', salt, '-stdin'], { input: password })
    .toString()
    .trim();
}

const SHA512 = openssl('-6', 'k6y3o.eP', 'tiger-pw');
const SHA256 = openssl('-5', 'saltsalt', 'lynx-pw');
const MD5 = openssl('-1', 'abcdefgh', 'puma-pw');

// G1 gets tiger and scott from its own line and lynx from lynx's line;
// G2 is declared empty and gets its members from the user lines (12.2: both ways are equivalent).
const USERLIST = `userlist L1
  group G1 users tiger,scott
  group G2
  user tiger password '${SHA512}'
  user scott insecure-password 'elgato'
  user lynx password '${SHA256}' groups G1
  user puma password '${MD5}' groups G2
  user xdb insecure-password 'hello' groups G2
`;

const CONFIG = `${DEFAULTS}
${USERLIST}
frontend admin
  bind 127.0.0.1:0
  http-request auth realm Admin unless { http_auth(L1) }
  http-request set-header X-User %[http_auth_user]
  http-request set-header X-Pass %[http_auth_pass]
  http-request set-header X-Type %[http_auth_type]
  http-request set-header X-Group-User %[http_auth_group(L1)]
  default_backend be

frontend g1only
  bind 127.0.0.1:0
  http-request auth unless { http_auth(L1) }
  http-request deny unless { http_auth_group(L1) G1 }
  default_backend be

frontend custom
  bind 127.0.0.1:0
  errorfile 401 @DIR@/401.http
  http-request auth realm Custom if !{ http_auth(L1) }
  default_backend be

frontend viabackend
  bind 127.0.0.1:0
  default_backend guarded

backend be
  server s1 127.0.0.1:@S1@

backend guarded
  acl member http_auth_group(L1) G2
  http-request auth unless member
  server s1 127.0.0.1:@S1@
`;

const ERRORFILE_401 = [
  'HTTP/1.1 401 Unauthorized',
  'Content-Type: text/plain',
  'WWW-Authenticate: Basic realm="stale"',
  'WWW-Authenticate: Bearer',
  'Content-Length: 12',
  '',
  'who are you?',
].join('\r\n');

const basic = (user: string, pass: string) =>
  `Authorization: Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}\r\n`;
const GET = (path: string, fields = '') => `GET ${path} HTTP/1.1\r\nHost: h\r\n${fields}\r\n`;

describe('http-request auth with userlist L1', () => {
  let s: TextSetup;
  before(async () => {
    s = await startText(CONFIG, ['s1'], { '401.http': ERRORFILE_401 });
  });
  after(() => s.close());

  /** One request to `fe`; returns the answer and what the server got (undefined: nothing forwarded). */
  async function ask(fe: string, fields = '') {
    const before = s.bes[0]!.requests.length;
    const res = await exchange(s.r.port(fe), GET('/private', fields));
    const forwarded = s.bes[0]!.requests.length > before ? s.bes[0]!.requests.at(-1) : undefined;
    return { res, forwarded };
  }

  it('no credentials: 401 with a Basic challenge for the realm, nothing forwarded', async () => {
    const { res, forwarded } = await ask('admin');
    assert.equal(res?.head.status, 401);
    assert.equal(responseField(res, 'www-authenticate'), 'Basic realm="Admin"');
    assert.equal(forwarded, undefined);
  });

  it('good credentials for each password scheme ($6$, $5$, $1$, insecure): forwarded', async () => {
    for (const [user, pass] of [
      ['tiger', 'tiger-pw'],
      ['lynx', 'lynx-pw'],
      ['puma', 'puma-pw'],
      ['scott', 'elgato'],
    ] as const) {
      const { res, forwarded } = await ask('admin', basic(user, pass));
      assert.equal(res?.head.status, 200, user);
      assert.equal(field(forwarded?.head, 'x-user'), user);
      assert.equal(field(forwarded?.head, 'x-pass'), pass);
      assert.equal(field(forwarded?.head, 'x-type'), 'Basic');
      // http_auth_group returns the user name once the password is valid.
      assert.equal(field(forwarded?.head, 'x-group-user'), user);
      // The Authorization field itself goes to the server untouched.
      assert.match(forwarded!.rawHead, /\r\nAuthorization: Basic /);
    }
  });

  it('wrong password, unknown user, malformed or non-Basic credentials: 401 again', async () => {
    const attempts = [
      basic('tiger', 'wrong'),
      basic('scott', 'ELGATO'),
      basic('nobody', 'elgato'),
      'Authorization: Basic not-base64!\r\n',
      `Authorization: Basic ${Buffer.from('tiger').toString('base64')}\r\n`,
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9\r\n',
      'Authorization: Digest username="tiger"\r\n',
    ];
    for (const a of attempts) {
      const { res, forwarded } = await ask('admin', a);
      assert.equal(res?.head.status, 401, a);
      assert.equal(responseField(res, 'www-authenticate'), 'Basic realm="Admin"', a);
      assert.equal(forwarded, undefined, a);
    }
    // A rejected attempt leaves nothing behind: the right password still works.
    assert.equal((await ask('admin', basic('tiger', 'tiger-pw'))).res?.head.status, 200);
  });

  it('the scheme name is case-insensitive', async () => {
    const lower = `Authorization: basic ${Buffer.from('scott:elgato').toString('base64')}\r\n`;
    assert.equal((await ask('admin', lower)).res?.head.status, 200);
  });

  it('http_auth_group(L1) G1 admits members declared either way; other users get 403', async () => {
    const none = await ask('g1only');
    assert.equal(none.res?.head.status, 401);
    // Without "realm", the realm is the name of the proxy (4.3 "auth", HAProxy's http_action_auth()).
    assert.equal(responseField(none.res, 'www-authenticate'), 'Basic realm="g1only"');
    for (const [user, pass] of [
      ['tiger', 'tiger-pw'],
      ['scott', 'elgato'],
      ['lynx', 'lynx-pw'],
    ] as const) {
      const { res, forwarded } = await ask('g1only', basic(user, pass));
      assert.equal(res?.head.status, 200, user);
      assert.ok(forwarded, user);
    }
    for (const [user, pass] of [
      ['puma', 'puma-pw'],
      ['xdb', 'hello'],
    ] as const) {
      const { res, forwarded } = await ask('g1only', basic(user, pass));
      assert.equal(res?.head.status, 403, user);
      assert.equal(forwarded, undefined, user);
    }
  });

  it('in a backend, the default realm is the backend name; a named ACL on http_auth_group', async () => {
    const none = await ask('viabackend');
    assert.equal(none.res?.head.status, 401);
    assert.equal(responseField(none.res, 'www-authenticate'), 'Basic realm="guarded"');
    // G2 members pass; a valid user outside G2 is challenged again.
    assert.equal((await ask('viabackend', basic('puma', 'puma-pw'))).res?.head.status, 200);
    assert.equal((await ask('viabackend', basic('xdb', 'hello'))).res?.head.status, 200);
    assert.equal((await ask('viabackend', basic('tiger', 'tiger-pw'))).res?.head.status, 401);
  });

  it('an errorfile 401 gives the body; the challenge replaces its WWW-Authenticate fields', async () => {
    const { res } = await ask('custom');
    assert.equal(res?.head.status, 401);
    assert.equal(res?.body.toString(), 'who are you?');
    assert.equal(responseField(res, 'www-authenticate'), 'Basic realm="Custom"');
    assert.equal((await ask('custom', basic('xdb', 'hello'))).res?.head.status, 200);
  });
});

describe('userlist references checked at start', () => {
  const withRule = (rule: string) => `${DEFAULTS}
${USERLIST}
frontend fe
  bind 127.0.0.1:0
  ${rule}
  default_backend be
backend be
  server s1 127.0.0.1:@S1@
`;
  const cases: readonly (readonly [string, RegExp])[] = [
    ['http-request auth unless { http_auth(NOPE) }', /NOPE/],
    ['http-request deny unless { http_auth_group(NOPE) G1 }', /NOPE/],
    ['http-request deny unless { http_auth_group(L1) G9 }', /G9/],
    ['http-request deny unless { http_auth_group(L1) }', /group/],
    ['http-request set-header X-U %[http_auth_group(NOPE)]', /NOPE/],
    ['http-request auth realm', /realm/],
  ];
  for (const [rule, reason] of cases) {
    it(rule, async () => {
      const text = withRule(rule);
      const err = await startError(text);
      assert.match(err.message, reason);
      assert.equal(err.loc?.line, lineOf(text, rule));
      assert.match(err.loc?.file ?? '', /haproxy\.cfg$/);
    });
  }

  it('a user naming an undeclared group is refused at its line', async () => {
    const text = `${DEFAULTS}
userlist L2
  user ann insecure-password x groups G7
`;
    const err = await startError(text);
    assert.match(err.message, /G7/);
    assert.equal(err.loc?.line, lineOf(text, 'user ann'));
  });
});
