/**
 * ACL matching through real sockets (configuration.txt 7.1 "ACL basics",
 * 7.1.1–7.1.6, 7.2 "Using ACLs to form conditions"): every `-m` method,
 * `-i`, `-f` pattern files, `-n`, `--`, integer operators and ranges, IP
 * networks of both families, and conditions built from `!`, `||`/`or`,
 * implicit AND, anonymous ACLs and `unless`. The test value travels in a
 * request field `X-M`; a rule sets `X-A-<n>` on the request when condition n
 * matches, and the server reports what arrived.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DEFAULTS, exchange, field, lineOf, startError } from './acl-e2e-helpers.js';
import { startText, type TextSetup } from './rules-helpers.js';

const open: TextSetup[] = [];
after(async () => {
  for (const s of open.splice(0)) await s.close();
});

/** A frontend per entry of `fes`, all forwarding to backend `be`. */
function config(fes: Readonly<Record<string, string>>, extra = ''): string {
  let text = DEFAULTS;
  for (const [name, rules] of Object.entries(fes)) {
    text += `frontend ${name}\n  bind 127.0.0.1:0\n${rules}\n  default_backend be\n`;
  }
  return `${text}backend be\n  server s1 127.0.0.1:@S1@\n${extra}`;
}

/** A condition, the X-M values it must match and those it must not (null: no X-M field at all). */
type Case = readonly [condition: string, yes: readonly (string | null)[], no: readonly (string | null)[]];

const requestWith = (value: string | null) =>
  `GET /m HTTP/1.1\r\nHost: h\r\n${value === null ? '' : `X-M: ${value}\r\n`}\r\n`;

/**
 * Cases per frontend: a request then gains at most this many fields, well
 * inside the rewrite reserve (tune.maxrewrite, 1024 bytes) and the field
 * count limit (tune.http.maxhdr, 101) that HAProxy applies.
 */
const PER_FRONTEND = 30;

/**
 * Starts one engine for `cases`, sends every value each case names to its
 * frontend and returns the mismatches, described.
 */
async function runCases(cases: readonly Case[], files: Readonly<Record<string, string>> = {}) {
  const fes: Record<string, string> = {};
  cases.forEach(([cond], i) => {
    const fe = `m${Math.floor(i / PER_FRONTEND)}`;
    fes[fe] = `${fes[fe] ?? ''}  http-request set-header X-A-${i} 1 if ${cond}\n`;
  });
  const s = await startText(config(fes), ['s1'], files);
  open.push(s);
  const failures: string[] = [];
  for (const [f, fe] of Object.keys(fes).entries()) {
    const mine = cases.slice(f * PER_FRONTEND, (f + 1) * PER_FRONTEND);
    const values = new Set(mine.flatMap(([, yes, no]) => [...yes, ...no]));
    for (const value of values) {
      const res = await exchange(s.r.port(fe), requestWith(value));
      assert.equal(res?.head.status, 200, `X-M: ${value}`);
      const req = s.bes[0]!.requests.at(-1)!;
      mine.forEach(([cond, yes, no], k) => {
        const got = field(req.head, `x-a-${f * PER_FRONTEND + k}`) === '1';
        if (yes.includes(value) && !got)
          failures.push(`X-M ${JSON.stringify(value)} should match: if ${cond}`);
        if (no.includes(value) && got)
          failures.push(`X-M ${JSON.stringify(value)} should not match: if ${cond}`);
      });
    }
  }
  return failures;
}

const M = 'req.fhdr(x-m)';

describe('string matching (7.1.3, 7.1.4)', () => {
  const cases: Case[] = [
    [`{ ${M} -m str abc }`, ['abc'], ['ABC', 'abcd', 'ab', '', null]],
    [`{ ${M} abc }`, ['abc'], ['ABC']],
    [`{ ${M} -i -m str abc }`, ['abc', 'ABC', 'aBc'], ['abcd']],
    [`{ ${M} one two }`, ['one', 'two'], ['three', 'one two']],
    // A backslash protects a space inside a pattern.
    [`{ ${M} a\\ b }`, ['a b'], ['a', 'b']],
    // "-i" as a pattern: after "--", or as a second pattern (7.1.3).
    [`{ ${M} -- -i }`, ['-i'], ['i', '-I']],
    [`{ ${M} foo -i }`, ['-i', 'foo'], ['FOO', '-I']],
    [`{ ${M} -m beg /api }`, ['/api', '/api/x', '/apix'], ['/ap', 'x/api', '/API']],
    [`{ ${M} -m beg -i /API }`, ['/api/x', '/Api'], ['/ap']],
    [`{ ${M} -m end .js .css }`, ['a.js', 'b.css', '.js'], ['a.jsx', 'css', 'a.JS']],
    [`{ ${M} -m sub needle }`, ['hayneedlehay', 'needle'], ['needl', 'NEEDLE']],
    [`{ ${M} -m sub -i NEEDLE }`, ['xneedlex', 'NeEdLe'], ['needl']],
    [`{ ${M} -m reg ^[a-z]+[0-9]{2}$ }`, ['ab12'], ['ab1', 'AB12', 'ab123']],
    [`{ ${M} -i -m reg ^[a-z]+[0-9]{2}$ }`, ['AB12', 'ab12'], ['ab123']],
    [`{ ${M} -m reg ab|cd x\\.y }`, ['xxcd', 'abyy', 'x.y'], ['xzy', 'ac']],
    // found: the sample exists, even empty.
    [`{ ${M} -m found }`, ['', 'x'], [null]],
    [`{ ${M} -m len 3 }`, ['abc', '123'], ['ab', 'abcd', '']],
    [`{ ${M} -m len gt 4 }`, ['abcde'], ['abcd']],
    [`{ ${M} -m len 0 }`, [''], ['a', null]],
  ];
  it('str, beg, end, sub, reg, found and len, with -i, "--" and escaped spaces', async () => {
    assert.deepEqual(await runCases(cases), []);
  });

  // The example strings of 7.1.3. Two of the document's claims are left out
  // because HAProxy's match_word() (src/pattern.c) does not honour them
  // either: "dc-eu.example:80" is not a substring of the URL, and "png" is a
  // whole slash-delimited word of the path.
  const URL = 'http://www1.dc-eu.example.com:80/blah';
  const domYes = [
    'http',
    'www1',
    '.www1',
    'dc-eu',
    'example',
    'com',
    '80',
    'dc-eu.example',
    'blah',
    ':www1:',
  ];
  const PATH = '/images/png/logo/32x32.png';
  const dirYes = ['/images', '/images/png', 'images/png', '/png/logo', 'logo/32x32.png', '32x32.png'];
  const wordCases: Case[] = [
    ...domYes.map((p): Case => [`{ ${M} -m dom ${p} }`, [URL], []]),
    ...['eu', 'dc'].map((p): Case => [`{ ${M} -m dom ${p} }`, [], [URL]]),
    ...dirYes.map((p): Case => [`{ ${M} -m dir ${p} }`, [PATH], []]),
    [`{ ${M} -m dir 32x32 }`, [], [PATH]],
    // '?' delimits words for dir and dom too; '.' only for dom.
    [`{ ${M} -m dir b }`, ['/a/b?c=1'], ['/a/bc', '/a/b.c']],
    [`{ ${M} -m dom b }`, ['/a/b.c', 'x.b:1'], ['/a/bc']],
    [`{ ${M} -m dom -i WWW1 }`, [URL], []],
  ];
  it('dom and dir on the example strings of the document', async () => {
    assert.deepEqual(await runCases(wordCases), []);
  });
});

describe('integer and boolean matching (7.1.1, 7.1.2)', () => {
  const V = 'req.hdr_val(x-m)';
  const cases: Case[] = [
    [`{ ${V} 10 }`, ['10', '10abc'], ['11', '100']],
    [`{ ${V} eq 10 }`, ['10'], ['11', '9']],
    [`{ ${V} gt 10 }`, ['11', '100'], ['10', '9']],
    [`{ ${V} ge 10 }`, ['10', '11'], ['9']],
    [`{ ${V} lt 10 }`, ['9', '0'], ['10', '11']],
    [`{ ${V} le 10 }`, ['10', '0'], ['11']],
    // A list matches when any value does.
    [`{ ${V} 1 2 3 }`, ['1', '3'], ['4', '0']],
    [`{ ${V} 10:20 }`, ['10', '15', '20'], ['9', '21']],
    [`{ ${V} :5 }`, ['0', '5'], ['6']],
    [`{ ${V} 100: }`, ['100', '5000'], ['99']],
    [`{ ${V} 1 10:20 }`, ['1', '12'], ['2', '21']],
    // A missing field gives no sample: nothing matches, not even "lt".
    [`{ ${V} lt 100 }`, ['5'], [null]],
    // -m int on a string sample converts its leading integer.
    [`{ ${M} -m int 42 }`, ['42', '42abc'], ['43']],
    // -m bool: zero is false, anything else true.
    [`{ ${V} -m bool }`, ['5', '-1'], ['0', null]],
    [`{ req.hdr_cnt(x-m) -m bool }`, ['x', ''], [null]],
    [`{ req.hdr_cnt(x-m) 0 }`, [null], ['x']],
  ];
  it('eq, gt, ge, lt, le, lists, ranges, -m int and -m bool', async () => {
    assert.deepEqual(await runCases(cases), []);
  });
});

describe('IP matching (7.1.6)', () => {
  const IP = 'req.hdr_ip(x-m)';
  const cases: Case[] = [
    [`{ ${IP} 10.0.0.0/8 }`, ['10.1.2.3', '10.1.2.3:8080'], ['11.0.0.1', '10.1.2.3:99999', 'abc', null]],
    [`{ ${IP} 192.168.0.0/255.255.0.0 }`, ['192.168.7.7'], ['192.169.0.1']],
    [`{ ${IP} 192.168.1.1 }`, ['192.168.1.1'], ['192.168.1.2']],
    [`{ ${IP} 2001:db8::/32 }`, ['2001:db8::1', '[2001:db8:ffff::2]'], ['2001:db9::1', '10.0.0.1']],
    // An IPv4-mapped IPv6 sample matches an IPv4 pattern.
    [`{ ${IP} 10.0.0.0/8 }`, ['::ffff:10.1.2.3'], ['::ffff:11.1.2.3']],
    // An IPv4 sample is compared with IPv6 patterns as ::ffff:<ipv4>.
    [`{ ${IP} ::ffff:10.0.0.0/104 }`, ['10.9.9.9'], ['11.0.0.1']],
    // -m ip casts a string sample.
    [`{ ${M} -m ip 10.0.0.0/8 }`, ['10.0.0.1'], ['x', '11.0.0.1']],
    [`{ src 127.0.0.0/8 }`, [null], []],
    [`{ src -n 127.0.0.1 ::1 }`, [null], []],
    [`{ src 10.0.0.0/8 ::1 }`, [], [null]],
  ];
  it('networks with prefix lengths or dotted masks, both families, headers with ports', async () => {
    assert.deepEqual(await runCases(cases), []);
  });

  it('an IPv6 sample in 6to4 (2002:IPV4::) or IPv4-compatible (::IPV4) form matches IPv4 patterns', async () => {
    const cases: Case[] = [
      [`{ ${IP} 10.0.0.0/8 }`, ['2002:a01:203::', '2002:a01:203:1::9', '::10.1.2.3'], ['2002:b01:203::']],
      // pat_match_ip() takes any address of ::/96 as IPv4-compatible, ::1 included.
      [`{ ${IP} 0.0.0.1 }`, ['::1'], ['::2', '::1:0:1']],
      // An IPv6 pattern still sees the IPv6 address itself.
      [`{ ${IP} 2002::/16 }`, ['2002:a01:203::'], ['10.1.2.3']],
    ];
    assert.deepEqual(await runCases(cases), []);
  });

  it('abbreviated IPv4 patterns (127.1 = 127.0.0.1) are accepted', async () => {
    const cases: Case[] = [
      ['{ src 127.1 }', [null], []],
      ['{ src 127.1/8 }', [null], []],
      // The last part fills the remaining bytes: 10.12 is 10.0.0.12, 192.168.1/22 is 192.168.0.1/22.
      [`{ ${IP} 10.12 }`, ['10.0.0.12'], ['10.12.0.0']],
      [`{ ${IP} 192.168.1/22 }`, ['192.168.0.9', '192.168.3.255'], ['192.168.4.1']],
      // A leading 0 makes a part octal, as inet_aton() reads it.
      [`{ ${IP} 010.1 }`, ['8.0.0.1'], ['10.0.0.1']],
    ];
    assert.deepEqual(await runCases(cases), []);
  });
});

describe('pattern files (-f)', () => {
  const files = {
    'str.lst': '# a comment\nexact-one\n\n   leading-spaces\n\ttab-led\ntwo words\n',
    'beg.lst': '/static\n/img\n',
    'more.lst': 'from-more\n',
    'nets.lst': '10.0.0.0/8\n# not an address\n2001:db8::/32\n192.168.1.1\n',
    'ints.lst': '1\n10:20\n',
  };
  const cases: Case[] = [
    // Comments and empty lines are skipped, leading blanks stripped.
    [
      `{ ${M} -f @DIR@/str.lst }`,
      ['exact-one', 'leading-spaces', 'tab-led', 'two words'],
      ['# a comment', 'a comment', 'EXACT-ONE', ''],
    ],
    [`{ ${M} -i -f @DIR@/str.lst }`, ['EXACT-ONE', 'Two Words'], ['exact']],
    [`{ ${M} -m beg -f @DIR@/beg.lst }`, ['/static/x', '/img'], ['/other', '/im']],
    // Several files and inline patterns add up.
    [`{ ${M} -f @DIR@/str.lst -f @DIR@/more.lst inline }`, ['exact-one', 'from-more', 'inline'], ['other']],
    [`{ req.hdr_ip(x-m) -n -f @DIR@/nets.lst }`, ['10.2.3.4', '2001:db8::5', '192.168.1.1'], ['192.168.1.2']],
    [`{ req.hdr_val(x-m) -f @DIR@/ints.lst }`, ['1', '15'], ['2', '21']],
  ];
  it('patterns from files, with -i, -m, -n, several files and inline patterns', async () => {
    assert.deepEqual(await runCases(cases, files), []);
  });

  it('-i applies only to the patterns after it: a file loaded before -i stays case-sensitive', async () => {
    // The example of 7.1: exact-ua.lst matched exactly, generic-ua.lst and "test" ignoring case.
    const uaFiles = { 'exact-ua.lst': 'ExactAgent\n', 'generic-ua.lst': 'GenericAgent\n' };
    const ua: Case[] = [
      [
        `{ ${M} -f @DIR@/exact-ua.lst -i -f @DIR@/generic-ua.lst test }`,
        ['ExactAgent', 'genericagent', 'TEST'],
        ['exactagent'],
      ],
    ];
    assert.deepEqual(await runCases(ua, uaFiles), []);
  });

  it('a line starting with a blank then "#" is a pattern, not a comment', async () => {
    const cases: Case[] = [[`{ ${M} -f @DIR@/hash.lst }`, ['#tag'], ['comment']]];
    assert.deepEqual(await runCases(cases, { 'hash.lst': '# comment\n #tag\n' }), []);
  });
});

describe('conditions (7.2)', () => {
  // Named ACLs on three fields; a request carries any subset of them.
  const ACLS = `  acl a req.hdr(x-a) 1
  acl b req.hdr(x-b) 1
  acl c req.hdr(x-c) 1
  acl a_or_b req.hdr(x-a) 1
  acl a_or_b req.hdr(x-b) 1
  acl TRUE req.hdr(x-c) 1
`;
  type Bits = { a: boolean; b: boolean; c: boolean };
  const conditions: readonly (readonly [string, (x: Bits) => boolean])[] = [
    ['if a b', (x) => x.a && x.b],
    ['if a || b', (x) => x.a || x.b],
    ['if a or b', (x) => x.a || x.b],
    ['if !a', (x) => !x.a],
    ['if !!a', (x) => x.a],
    ['if ! a', (x) => !x.a],
    ['if a !b c', (x) => x.a && !x.b && x.c],
    ['if a b || c', (x) => (x.a && x.b) || x.c],
    ['if !a || !b', (x) => !x.a || !x.b],
    ['if a || b c || !a !c', (x) => x.a || (x.b && x.c) || (!x.a && !x.c)],
    ['unless a', (x) => !x.a],
    ['unless a || b', (x) => !(x.a || x.b)],
    ['unless a b', (x) => !(x.a && x.b)],
    ['if { req.hdr(x-a) 1 } { req.hdr(x-b) 1 }', (x) => x.a && x.b],
    ['if !{ req.hdr(x-a) 1 } || c', (x) => !x.a || x.c],
    ['unless { req.hdr(x-a) 1 } || { req.hdr(x-c) 1 }', (x) => !(x.a || x.c)],
    ['if a { req.hdr(x-c) 1 }', (x) => x.a && x.c],
    // Several "acl" lines with one name are ORed (7.1).
    ['if a_or_b', (x) => x.a || x.b],
    ['if !a_or_b', (x) => !(x.a || x.b)],
    // A declared ACL overrides the predefined one of the same name (7.4).
    ['if TRUE', (x) => x.c],
  ];

  it('implicit AND, ||, or, !, anonymous ACLs, unless, repeated and overriding declarations', async () => {
    const rules = conditions.map(([c], i) => `  http-request set-header X-A-${i} 1 ${c}`).join('\n');
    const s = await startText(config({ fe: `${ACLS}${rules}` }));
    open.push(s);
    const failures: string[] = [];
    for (let bits = 0; bits < 8; bits++) {
      const x = { a: (bits & 1) !== 0, b: (bits & 2) !== 0, c: (bits & 4) !== 0 };
      const fields = (['a', 'b', 'c'] as const)
        .filter((k) => x[k])
        .map((k) => `X-${k.toUpperCase()}: 1\r\n`)
        .join('');
      const res = await exchange(s.r.port('fe'), `GET / HTTP/1.1\r\nHost: h\r\n${fields}\r\n`);
      assert.equal(res?.head.status, 200);
      const req = s.bes[0]!.requests.at(-1)!;
      conditions.forEach(([cond, want], i) => {
        const got = field(req.head, `x-a-${i}`) === '1';
        if (got !== want(x)) failures.push(`${cond} with ${JSON.stringify(x)}: got ${got}`);
      });
    }
    assert.deepEqual(failures, []);
  });

  it('"OR" in capitals separates terms as "or" does', async () => {
    const s = await startText(config({ fe: `${ACLS}  http-request set-header X-A-0 1 if a OR b` }));
    open.push(s);
    await exchange(s.r.port('fe'), 'GET / HTTP/1.1\r\nHost: h\r\nX-B: 1\r\n\r\n');
    assert.equal(field(s.bes[0]!.requests.at(-1)!.head, 'x-a-0'), '1');
  });
});

describe('matching errors at start', () => {
  const one = (cond: string) => config({ fe: `  http-request set-header X 1 if ${cond}` });
  const cases: readonly (readonly [string, RegExp])[] = [
    [`{ ${M} -m nosuch x }`, /nosuch/],
    [`{ ${M} -m reg ([ }`, /regular expression|regex/i],
    ['{ req.hdr_val(x-m) abc }', /abc/],
    ['{ req.hdr_val(x-m) 20:10 }', /20:10/],
    ['{ src 10.0.0.0/33 }', /10\.0\.0\.0\/33/],
    ['{ src -n localhost }', /localhost/],
    // With -n, HAProxy reads IPv4 with inet_pton() only: no abbreviated form.
    ['{ src -n 127.1 }', /127\.1/],
    [`{ ${M} -f @DIR@/missing.lst }`, /missing\.lst/],
    [`{ ${M} -x y }`, /-x/],
    [`{ ${M} -M -f @DIR@/x.map }`, /-M/],
    ['{ path_beg -m reg ^/x }', /-m/],
    ['nosuchacl', /nosuchacl/],
    ['HTTP_2.0', /HTTP_2\.0/],
  ];
  for (const [cond, reason] of cases) {
    it(cond, async () => {
      const text = one(cond);
      const err = await startError(text);
      assert.match(err.message, reason);
      assert.equal(err.loc?.line, lineOf(text, cond));
    });
  }

  const refusedByHaproxy: readonly (readonly [string, string, RegExp])[] = [
    // 7.1: "if -m is used in conjunction with -f, it must be placed first".
    [
      `{ ${M} -f @DIR@/x.lst -m beg }`,
      '-m after -f',
      /'-m' must only be specified before patterns and files/,
    ],
  ];
  for (const [cond, what, reason] of refusedByHaproxy) {
    it(`${cond} (${what}) is refused`, async () => {
      const text = one(cond);
      const err = await startError(text, { 'x.lst': 'x\n' });
      assert.match(err.message, reason);
      assert.equal(err.loc?.line, lineOf(text, cond));
    });
  }
});
