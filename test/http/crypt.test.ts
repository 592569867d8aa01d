/**
 * crypt(3) for userlist passwords: the published SHA-crypt test vectors
 * (Drepper, "Unix crypt using SHA-256 and SHA-512"), hashes made at test
 * time by the openssl CLI and, where present, python3's crypt module (glibc),
 * wrong passwords, and the load-time classification of stored hashes.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { checkStoredHash, crypt, parseSetting, verifyCrypt } from '../../src/proxy/http/auth/crypt.js';

const b = (s: string) => Buffer.from(s, 'utf8');

/** [setting, password, expected] from the SHA-crypt specification. */
const SPEC_VECTORS: readonly (readonly [string, string, string])[] = [
  ['$5$saltstring', 'Hello world!', '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
  [
    '$5$rounds=10000$saltstringsaltstring',
    'Hello world!',
    '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA',
  ],
  [
    '$5$rounds=5000$toolongsaltstring',
    'This is just a test',
    '$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5',
  ],
  [
    '$5$rounds=1400$anotherlongsaltstring',
    'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    '$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1',
  ],
  [
    '$5$rounds=77777$short',
    'we have a short salt string but not a short password',
    '$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/',
  ],
  [
    '$5$rounds=123456$asaltof16chars..',
    'a short string',
    '$5$rounds=123456$asaltof16chars..$gP3VQ/6X7UUEW3HkBn2w1/Ptq2jxPyzV/cZKmF/wJvD',
  ],
  [
    '$5$rounds=10$roundstoolow',
    'the minimum number is still observed',
    '$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC',
  ],
  [
    '$6$saltstring',
    'Hello world!',
    '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
  ],
  [
    '$6$rounds=10000$saltstringsaltstring',
    'Hello world!',
    '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
  ],
  [
    '$6$rounds=5000$toolongsaltstring',
    'This is just a test',
    '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0',
  ],
  [
    '$6$rounds=1400$anotherlongsaltstring',
    'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1',
  ],
  [
    '$6$rounds=77777$short',
    'we have a short salt string but not a short password',
    '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0',
  ],
  [
    '$6$rounds=123456$asaltof16chars..',
    'a short string',
    '$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1',
  ],
  [
    '$6$rounds=10$roundstoolow',
    'the minimum number is still observed',
    '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.',
  ],
];

describe('SHA-crypt specification test vectors', () => {
  for (const [setting, password, expected] of SPEC_VECTORS) {
    it(`${setting} / "${password.slice(0, 24)}"`, () => {
      assert.equal(crypt(b(password), setting), expected);
      assert.equal(crypt(b(password), expected), expected, 'the stored hash is its own setting');
    });
  }
  it('a stored hash verifies its password and no other', () => {
    const cheap = SPEC_VECTORS.filter(([, , h]) => (parseSetting(h)?.rounds ?? 0) <= 5000);
    assert.equal(cheap.length, 8);
    for (const [, password, expected] of cheap) {
      assert.equal(verifyCrypt(b(password), expected), true, expected);
      assert.equal(verifyCrypt(b(`${password}x`), expected), false);
      assert.equal(verifyCrypt(b(password.slice(1)), expected), false);
      assert.equal(verifyCrypt(b(''), expected), false);
    }
  });
});

const PASSWORDS = [
  'a',
  'password',
  'Hello world!',
  '____fifteen____',
  '____sixteen_____',
  '____seventeen____',
  'x'.repeat(65),
  'Pässword ünïcode',
  'sp ace\'quote"$',
];

function openssl(flag: string, salt: string, password: string): string {
  return execFileSync('openssl', ['passwd', flag, '-salt', salt, '-stdin'], { input: password })
    .toString()
    .trim();
}

describe('hashes made by openssl passwd', () => {
  for (const [flag, salts] of [
    ['-1', ['abcdefgh', 'x', 'Zz./09']],
    ['-5', ['saltstring', 'ab', 'sixteencharsalt.']],
    ['-6', ['saltstring', 'k6y3o.eP', 'sixteencharsalt.']],
  ] as const) {
    it(`openssl passwd ${flag}`, () => {
      for (const salt of salts) {
        for (const pw of PASSWORDS) {
          const ref = openssl(flag, salt, pw);
          assert.match(ref, /^\$[156]\$/);
          assert.equal(checkStoredHash(ref), undefined, ref);
          assert.equal(crypt(b(pw), ref), ref, `${flag} ${salt} ${pw}`);
          assert.equal(verifyCrypt(b(pw), ref), true);
          assert.equal(verifyCrypt(b(pw.toUpperCase() === pw ? `${pw}!` : pw.toUpperCase()), ref), false);
        }
      }
    });
  }
});

const PY = `
import crypt, sys, json
out = []
for method, rounds in [(crypt.METHOD_MD5, None), (crypt.METHOD_SHA256, 1000), (crypt.METHOD_SHA256, None),
                       (crypt.METHOD_SHA512, 6000), (crypt.METHOD_SHA512, None)]:
    for pw in json.loads(sys.argv[1]):
        salt = crypt.mksalt(method) if rounds is None else crypt.mksalt(method, rounds=rounds)
        out.append([pw, crypt.crypt(pw, salt)])
print(json.dumps(out))
`;

describe("hashes made by glibc through python3's crypt module", () => {
  const run = spawnSync('python3', ['-W', 'ignore', '-c', PY, JSON.stringify(['', ...PASSWORDS])], {
    encoding: 'utf8',
  });
  const available = run.status === 0;
  it('random salts, default and explicit rounds, the empty password', { skip: !available }, () => {
    const pairs = JSON.parse(run.stdout) as [string, string][];
    assert.equal(pairs.length, 5 * (PASSWORDS.length + 1));
    assert.ok(pairs.some(([, h]) => h.startsWith('$6$rounds=6000$')));
    for (const [pw, hash] of pairs) {
      assert.equal(checkStoredHash(hash), undefined, hash);
      assert.equal(crypt(b(pw), hash), hash, `${pw} ${hash}`);
      assert.equal(verifyCrypt(b(`${pw}.`), hash), false);
    }
  });
});

describe('settings as crypt(3) reads them', () => {
  it('salt lengths, rounds and their bounds', () => {
    assert.deepEqual(parseSetting('$1$abcdefghij$xyz'), {
      scheme: 'md5',
      salt: 'abcdefgh',
      rounds: 1000,
      explicitRounds: false,
    });
    assert.deepEqual(parseSetting('$6$rounds=10$s'), {
      scheme: 'sha512',
      salt: 's',
      rounds: 1000,
      explicitRounds: true,
    });
    assert.equal(parseSetting('$5$rounds=9999999999$s')?.rounds, 999_999_999);
    assert.equal(parseSetting('$5$0123456789abcdefXYZ')?.salt, '0123456789abcdef');
    // Without the closing '$', "rounds=" is salt text (glibc).
    assert.deepEqual(parseSetting('$5$rounds=12'), {
      scheme: 'sha256',
      salt: 'rounds=12',
      rounds: 5000,
      explicitRounds: false,
    });
    assert.equal(parseSetting('$6$$')?.salt, '');
    assert.equal(parseSetting('$y$j9T$abc'), undefined);
    assert.equal(crypt(b('x'), '$2b$10$abcdefghijklmnopqrstuv'), undefined);
  });
});

describe('stored hashes checked at load', () => {
  it('names the schemes hapair does not implement', () => {
    const cases: [string, string][] = [
      ['$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o7g3GWAsbmYv6CpqUnW/KGuf6PJOh6Kp.', 'yescrypt ($y$)'],
      ['$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy', 'bcrypt ($2b$)'],
      ['$2y$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy', 'bcrypt ($2y$)'],
      ['$7$CU..../....SaltSaltSaltSaltSal$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'scrypt ($7$)'],
      ['$gy$j9T$salt$hash', 'gost-yescrypt ($gy$)'],
      ['PQl1.p7BcJRuM', 'traditional DES'],
      ['_J9..rasmBYk8r9AiWNc', 'BSDi extended DES (_)'],
      ['$9$whatever$x', '$9$'],
    ];
    for (const [hash, scheme] of cases)
      assert.deepEqual(checkStoredHash(hash), { kind: 'unsupported', scheme });
  });
  it('tells strings that are no crypt(3) hash from hashes that can never match', () => {
    const good =
      '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1';
    assert.equal(checkStoredHash(good), undefined);
    for (const bad of ['', 'plaintext password', '$abc'])
      assert.equal(checkStoredHash(bad)?.kind, 'invalid', bad);
    for (const bad of [
      good.slice(0, -1),
      `${good}x`,
      good.replace('svn8', 'svn*'),
      '$6$rounds=10$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.',
      '$6$rounds=01000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.',
      '$5$toolongsaltstring$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5',
      '$1$abcdefghi$aaaaaaaaaaaaaaaaaaaaaa',
      '$1$abc',
    ]) {
      assert.equal(checkStoredHash(bad)?.kind, 'unmatchable', bad);
    }
  });
});
