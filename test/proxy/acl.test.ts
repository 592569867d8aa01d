/**
 * ACLs for connection-level rules: address and network matching (IPv4, IPv6,
 * mapped addresses, masks, `-f` files), integer patterns, predefined ACLs,
 * and how conditions combine (`if`/`unless`, `!`, `||`). Errors surface at
 * compile time with the ACL's location.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AclDef, Condition } from '../../src/config/haproxy/model.js';
import { ConfigError } from '../../src/core/errors.js';
import { AclCompiler } from '../../src/proxy/acl/compile.js';
import '../../src/proxy/acl/fetches-l4.js';
import {
  embeddedV4,
  formatIPv4,
  IpSet,
  parseIPv4Abbrev,
  parseIp,
  parseNetwork,
} from '../../src/proxy/acl/ip.js';
import { registerFetch } from '../../src/proxy/acl/registry.js';
import type { ConnInfo, SampleContext } from '../../src/proxy/acl/types.js';
import { acl, cond } from '../helpers/model.js';

const ctx = (src: string, dstPort = 80, family: ConnInfo['family'] = src.includes(':') ? 'ipv6' : 'ipv4') =>
  ({ conn: { family, srcAddr: src, srcPort: 40000, dstAddr: '127.0.0.1', dstPort } }) as SampleContext;
const L4 = { maxLayer: 'l4', stage: 'tcp-request connection' } as const;
const compile = (c: Condition, named: Record<string, AclDef[]> = {}) =>
  new AclCompiler(new Map(Object.entries(named))).condition(c, L4);

describe('IP networks', () => {
  it('parses addresses strictly', () => {
    assert.ok(parseIp('10.0.0.1'));
    assert.ok(parseIp('::ffff:10.0.0.1'));
    assert.ok(parseIp('fe80::1%eth0'));
    for (const bad of [
      '10.0.0',
      '10.0.0.256',
      '1.2.3.4.5',
      '010.0.0.1',
      'a::b::c',
      '1:2:3:4:5:6:7:8:9',
      'x',
    ]) {
      assert.equal(parseIp(bad), undefined, bad);
    }
    assert.equal(typeof parseNetwork('10.0.0.0/33'), 'string');
  });

  it('reads abbreviated IPv4 patterns as inet_aton() does, unless noDns (-n)', () => {
    const v4 = (text: string, noDns = false) => {
      const net = parseNetwork(text, noDns);
      return typeof net === 'string' ? net : `${formatIPv4(net.addr[0]!)}/${formatIPv4(net.mask[0]!)}`;
    };
    assert.equal(v4('127.1'), '127.0.0.1/255.255.255.255');
    assert.equal(v4('127.1/8'), '127.0.0.0/255.0.0.0');
    assert.equal(v4('192.168.1'), '192.168.0.1/255.255.255.255');
    assert.equal(v4('10.12'), '10.0.0.12/255.255.255.255');
    assert.equal(v4('167772161'), '10.0.0.1/255.255.255.255');
    assert.equal(v4('010.0.0.1'), '8.0.0.1/255.255.255.255');
    assert.equal(v4('10.0.0.0/0008'), '10.0.0.0/255.0.0.0');
    for (const bad of [
      '127.1/8.',
      '1.2.3.4.5',
      '127..1',
      '127.1.',
      '.1',
      '09.1',
      '1.65536.1',
      '256.1',
      '0x7f.1',
    ]) {
      assert.equal(typeof parseNetwork(bad), 'string', bad);
    }
    assert.equal(parseIPv4Abbrev('10.65535'), 0x0a00ffff);
    assert.equal(parseIPv4Abbrev('4294967296'), undefined);
    assert.match(v4('127.1', true), /'127\.1'/);
    assert.match(v4('localhost'), /host names are not resolved/);
  });

  it('finds the IPv4 address of mapped, compatible and 6to4 IPv6 samples', () => {
    const e = (a: string) => {
      const v = embeddedV4(parseIp(a)!.words);
      return v === undefined ? undefined : formatIPv4(v);
    };
    assert.equal(e('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(e('::10.1.2.3'), '10.1.2.3');
    assert.equal(e('::'), '0.0.0.0');
    assert.equal(e('2002:a01:203:4::5'), '10.1.2.3');
    assert.equal(e('2002:ffff:fffe::'), '255.255.255.254');
    for (const none of ['::1:0:1', '::fffe:10.1.2.3', '2001:db8::1', '2003:a01:203::', '0:0:0:1::1']) {
      assert.equal(e(none), undefined, none);
    }
    const set = new IpSet();
    set.add(parseNetwork('10.0.0.0/8') as Exclude<ReturnType<typeof parseNetwork>, string>);
    assert.ok(set.has(parseIp('2002:a01:203::')!));
    assert.ok(set.has(parseIp('::10.1.2.3')!));
    assert.ok(!set.has(parseIp('2002:b01:203::')!));
  });

  it('matches v4 and v6 networks, masks written as lengths or dotted quads, and mapped addresses', () => {
    const set = new IpSet();
    for (const n of ['10.0.0.0/8', '192.168.1.0/255.255.255.0', '2001:db8::/32', '::ffff:172.16.0.0/108']) {
      const net = parseNetwork(n);
      assert.notEqual(typeof net, 'string', n);
      if (typeof net !== 'string') set.add(net);
    }
    const has = (a: string) => set.has(parseIp(a)!);
    assert.ok(has('10.200.3.4'));
    assert.ok(has('192.168.1.77'));
    assert.ok(!has('192.168.2.1'));
    assert.ok(has('2001:db8:ffff::1'));
    assert.ok(!has('2001:db9::1'));
    assert.ok(has('::ffff:10.1.1.1'), 'v4-mapped sample vs v4 pattern');
    assert.ok(has('172.16.5.5'), 'v4 sample vs v4-mapped v6 pattern');
    assert.ok(!has('172.32.0.1'));
  });
});

describe('conditions', () => {
  it('if / unless / negation over src', () => {
    const t = compile(cond('if', acl('src', ['127.0.0.0/8'])));
    assert.ok(t(ctx('127.0.0.9')));
    assert.ok(!t(ctx('10.0.0.1')));
    assert.ok(compile(cond('unless', acl('src', ['127.0.0.0/8'])))(ctx('10.0.0.1')));
    assert.ok(compile(cond('if', acl('src', ['127.0.0.0/8']), true))(ctx('10.0.0.1')));
  });

  it('named ACLs: lines with the same name OR, terms AND, || alternatives OR', () => {
    const named = {
      lan: [acl('src', ['10.0.0.0/8'], { name: 'lan' }), acl('src', ['192.168.0.0/16'], { name: 'lan' })],
      web: [acl('dst_port', ['80', '443', '8000:8099'], { name: 'web' })],
    };
    const loc = { file: 't', line: 1 };
    const both: Condition = {
      polarity: 'if',
      loc,
      or: [
        [
          { acl: 'lan', negate: false },
          { acl: 'web', negate: false },
        ],
      ],
    };
    const either: Condition = {
      polarity: 'if',
      loc,
      or: [[{ acl: 'lan', negate: false }], [{ acl: 'web', negate: false }]],
    };
    assert.ok(compile(both, named)(ctx('192.168.3.3', 8050)));
    assert.ok(!compile(both, named)(ctx('192.168.3.3', 22)));
    assert.ok(compile(either, named)(ctx('8.8.8.8', 443)));
    assert.ok(!compile(either, named)(ctx('8.8.8.8', 22)));
  });

  it('integer operators apply to the patterns that follow', () => {
    assert.ok(compile(cond('if', acl('dst_port', ['gt', '1024'])))(ctx('1.1.1.1', 1025)));
    assert.ok(!compile(cond('if', acl('dst_port', ['gt', '1024'])))(ctx('1.1.1.1', 1024)));
    assert.ok(compile(cond('if', acl('dst_port', [':100'])))(ctx('1.1.1.1', 22)));
  });

  it('predefined TRUE, FALSE, LOCALHOST and always_true', () => {
    assert.ok(compile(cond('if', 'TRUE'))(ctx('1.1.1.1')));
    assert.ok(!compile(cond('if', 'FALSE'))(ctx('1.1.1.1')));
    assert.ok(compile(cond('if', 'LOCALHOST'))(ctx('127.0.0.1')));
    assert.ok(compile(cond('if', 'LOCALHOST'))(ctx('::1')));
    assert.ok(!compile(cond('if', 'LOCALHOST'))(ctx('10.0.0.1')));
    assert.ok(compile(cond('if', acl('always_true', [])))(ctx('1.1.1.1')));
  });

  it('src never matches a unix-socket client; an ACL without patterns never matches', () => {
    assert.ok(!compile(cond('if', acl('src', ['0.0.0.0/0'])))(ctx('', 0, 'unix')));
    assert.ok(!compile(cond('if', acl('src', [])))(ctx('1.1.1.1')));
  });

  const dir = mkdtempSync(join(os.tmpdir(), 'acl-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('-f reads networks from a file, skipping comments and blank lines', () => {
    const f = join(dir, 'nets.lst');
    writeFileSync(f, '# office\n10.10.0.0/16\n\n \t\n  2001:db8:1::/48\r\n');
    const t = compile(cond('if', acl('src', [], { patternFiles: [f] })));
    assert.ok(t(ctx('10.10.1.1')));
    assert.ok(t(ctx('2001:db8:1::9')));
    assert.ok(!t(ctx('10.11.0.1')));
  });

  it('-f keeps trailing blanks in a pattern, as pat_ref_read_from_file() does', () => {
    const f = join(dir, 'trailing.lst');
    writeFileSync(f, '10.10.0.0/16 \n');
    assert.throws(
      () => compile(cond('if', acl('src', [], { patternFiles: [f] }))),
      (e: unknown) =>
        e instanceof ConfigError && e.code === 'CFG_BAD_ARGS' && /'10\.10\.0\.0\/16 '/.test(e.message),
    );
  });

  it('-n refuses abbreviated IPv4 in files and inline patterns; the flag reaches only what follows it', () => {
    const f = join(dir, 'short.lst');
    writeFileSync(f, '127.1\n');
    const bad = (over: Partial<AclDef>) =>
      assert.throws(
        () => compile(cond('if', acl('src', [], over))),
        (e: unknown) => e instanceof ConfigError && /127\.1.*-n/.test(e.message),
      );
    bad({ patterns: ['127.1'], noDns: true });
    bad({ files: [{ path: f, ignoreCase: false, noDns: true }], patternFiles: [f] });
    const t = compile(
      cond(
        'if',
        acl('src', ['10.0.0.0/8'], {
          noDns: true,
          patternFiles: [f],
          files: [{ path: f, ignoreCase: false, noDns: false }],
        }),
      ),
    );
    assert.ok(t(ctx('127.0.0.1')));
  });

  it('reports unknown ACLs, fetches, bad patterns, unreadable files and out-of-stage fetches', () => {
    registerFetch('test_l7_only', { type: 'str', layer: 'l7', minArgs: 0, maxArgs: 0, fetch: () => 'x' });
    const cases: [Condition, string][] = [
      [cond('if', 'nope'), 'CFG_UNKNOWN_REF'],
      [cond('if', acl('no_such_fetch', ['x'])), 'CFG_UNSUPPORTED'],
      [cond('if', acl('src', ['10.0.0.0/99'])), 'CFG_BAD_ARGS'],
      [cond('if', acl('src', [], { patternFiles: [join(dir, 'missing')] })), 'CFG_IO'],
      [cond('if', acl('test_l7_only', ['x'])), 'CFG_CONFLICT'],
      [cond('if', acl('src', ['1.1.1.1'], { fetchArgs: ['extra'] })), 'CFG_BAD_ARGS'],
    ];
    for (const [c, code] of cases) {
      assert.throws(
        () => compile(c),
        (e: unknown) => e instanceof ConfigError && e.code === code,
        code,
      );
    }
  });
});
