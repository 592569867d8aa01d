/**
 * The stick-table runtime without sockets: HAProxy's sliding-window rates,
 * tracking (conn_cur up and down), expiry on a manual clock (lazy and by the
 * periodic sweep), eviction of the oldest untracked entries when full,
 * `nopurge`, and how samples become keys of each table type.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StickTableConfig } from '../../src/config/haproxy/model.js';
import { ManualClock } from '../../src/core/clock.js';
import { parseIPv6 } from '../../src/proxy/acl/ip.js';
import { rateAdd, rateInit, rateRead } from '../../src/proxy/stick/freq.js';
import { cliKey, formatInet6, formatKey, sampleKey } from '../../src/proxy/stick/keys.js';
import { StickTable } from '../../src/proxy/stick/table.js';
import { StickTableSet } from '../../src/proxy/stick/table-set.js';
import { makeProxy } from '../helpers/model.js';

const loc = { file: 't.cfg', line: 1 };

function table(over: Partial<StickTableConfig> = {}, persistence = false): StickTable {
  const cfg: StickTableConfig = { type: 'ip', len: 4, size: 100, nopurge: false, store: [], loc, ...over };
  return new StickTable('t', cfg, persistence);
}

describe('rates (freq_ctr_period)', () => {
  it('weights the previous period by the share of it still in the window', () => {
    const d = new Float64Array(3);
    rateInit(d, 0, 0);
    assert.equal(rateAdd(d, 0, 10_000, 0), 1);
    rateAdd(d, 0, 10_000, 2000);
    rateAdd(d, 0, 10_000, 9999);
    assert.equal(rateRead(d, 0, 10_000, 9999), 3);
    // Half of the previous period is still inside the window: 3 × 0.5.
    assert.equal(rateRead(d, 0, 10_000, 15_000), 1);
    assert.equal(rateRead(d, 0, 10_000, 12_500), 2);
    rateAdd(d, 0, 10_000, 15_000);
    assert.equal(rateRead(d, 0, 10_000, 15_000), 2, 'current 1 + previous 3 × 0.5');
    assert.equal(rateRead(d, 0, 10_000, 30_001), 0, 'two periods later nothing is left');
    rateAdd(d, 0, 10_000, 40_000);
    assert.equal(rateRead(d, 0, 10_000, 40_000), 1, 'a new period starts at the event after a long gap');
  });
});

describe('tracking', () => {
  it('counts conn_cur, conn_cnt and conn_rate, and gives conn_cur back on release', () => {
    const t = table({
      store: [{ data: 'conn_cur' }, { data: 'conn_cnt' }, { data: 'conn_rate', period: 1000 }],
    });
    const a = t.track('10.0.0.1', 0)!;
    const b = t.track('10.0.0.1', 10)!;
    assert.equal(a, b, 'one entry per key');
    assert.equal(a.ref, 2);
    assert.equal(a.read('conn_cur', 10), 2);
    assert.equal(a.read('conn_cnt', 10), 2);
    assert.equal(a.read('conn_rate', 10), 2);
    a.release(20);
    assert.equal(a.read('conn_cur', 20), 1);
    b.release(30);
    assert.equal(a.read('conn_cur', 30), 0);
    assert.equal(a.read('conn_cnt', 30), 2, 'conn_cnt is cumulative');
    assert.equal(a.ref, 0);
    assert.equal(a.read('gpc0', 30), undefined, 'not stored');
  });

  it('counts sessions, HTTP requests and errors, bytes, and gpc0 with its rate', () => {
    const t = table({
      store: [
        { data: 'sess_cnt' },
        { data: 'sess_rate', period: 1000 },
        { data: 'http_req_cnt' },
        { data: 'http_req_rate', period: 1000 },
        { data: 'http_err_cnt' },
        { data: 'http_err_rate', period: 1000 },
        { data: 'bytes_in_cnt' },
        { data: 'bytes_out_cnt' },
        { data: 'gpc0' },
        { data: 'gpc0_rate', period: 1000 },
      ],
    });
    const e = t.track('10.0.0.2', 0)!;
    e.countSession(1);
    e.countHttpRequest(2);
    e.countHttpRequest(3);
    e.countHttpError(4);
    e.countBytes(5000, 7_000_000_000, 5);
    assert.equal(e.incGpc0(6), 1);
    assert.equal(e.incGpc0(7), 2);
    const r = (d: string) => e.read(d, 10);
    assert.deepEqual(
      [
        r('sess_cnt'),
        r('sess_rate'),
        r('http_req_cnt'),
        r('http_req_rate'),
        r('http_err_cnt'),
        r('http_err_rate'),
      ],
      [1, 1, 2, 2, 1, 1],
    );
    assert.equal(r('bytes_in_cnt'), 5000);
    assert.equal(r('bytes_out_cnt'), 7_000_000_000, 'byte counts are 64-bit');
    assert.deepEqual([r('gpc0'), r('gpc0_rate')], [2, 2]);
  });

  it('sc-inc-gpc0 with only gpc0_rate stored answers the period count; with neither, nothing', () => {
    const rateOnly = table({ store: [{ data: 'gpc0_rate', period: 1000 }] }).track('10.0.0.3', 0)!;
    assert.equal(rateOnly.incGpc0(1), 1);
    assert.equal(rateOnly.incGpc0(2), 2);
    assert.equal(table().track('10.0.0.3', 0)!.incGpc0(1), undefined);
  });

  it('stores server_id and server_key only in tables used by stick rules', () => {
    const plain = table({ store: [{ data: 'server_id' }] });
    const sticky = table({}, true);
    assert.deepEqual(
      plain.layout.slots.map((s) => s.def.name),
      ['server_id'],
    );
    assert.deepEqual(
      sticky.layout.slots.map((s) => s.def.name),
      ['server_id', 'server_key'],
    );
    const e = sticky.get('10.0.0.4', 0)!;
    e.storeServer(7, 'web7', 0);
    assert.equal(e.serverId, 7);
    assert.equal(e.serverKey, 'web7');
  });
});

describe('expiry', () => {
  it('an entry expires `expire` ms after its last refresh, unless tracked', () => {
    const t = table({ expire: 1000, store: [{ data: 'conn_cur' }] });
    t.get('10.0.0.1', 0);
    assert.ok(t.lookup('10.0.0.1', 999));
    assert.equal(t.lookup('10.0.0.1', 1000), undefined);
    assert.equal(t.used, 0, 'dropped when met expired');

    const e = t.track('10.0.0.2', 0)!;
    assert.ok(t.lookup('10.0.0.2', 50_000), 'tracked entries stay');
    e.release(50_000);
    assert.ok(t.lookup('10.0.0.2', 50_999), 'releasing conn_cur refreshed it');
    assert.equal(t.lookup('10.0.0.2', 51_000), undefined);
  });

  it('without conn_cur, a release past the expiry date drops the entry at once', () => {
    const t = table({ expire: 1000 });
    const e = t.track('10.0.0.3', 0)!;
    e.release(5000);
    assert.equal(t.used, 0);
  });

  it('the table set sweeps expired entries periodically', () => {
    const clock = new ManualClock();
    const p = makeProxy({
      name: 'fe',
      stickTable: { type: 'ip', len: 4, size: 10, expire: 2000, nopurge: false, store: [], loc },
    });
    const set = new StickTableSet([p], clock);
    const t = set.get('fe')!;
    t.get('10.0.0.1', 0);
    t.get('10.0.0.2', 0);
    set.start();
    clock.advance(1500);
    t.get('10.0.0.3', clock.now());
    clock.advance(2100);
    assert.equal(t.used, 1, 'the two old entries went without being read');
    assert.ok(t.all()[0]!.key === '10.0.0.3');
    set.stop();
    assert.equal(clock.pending(), 0, 'stop cancels the sweep');
  });
});

describe('size', () => {
  it('a full table drops its least recently refreshed untracked entry', () => {
    const t = table({ size: 3, expire: 60_000 });
    t.get('10.0.0.1', 0);
    const tracked = t.track('10.0.0.2', 1)!;
    t.get('10.0.0.3', 2);
    t.get('10.0.0.1', 3);
    t.get('10.0.0.4', 4);
    assert.deepEqual(
      t
        .all()
        .map((e) => e.key)
        .sort(),
      ['10.0.0.1', '10.0.0.2', '10.0.0.4'],
    );
    assert.equal(t.used, 3);
    tracked.release(5);
  });

  it('drops (size / 256) + 1 entries at a time, as HAProxy does', () => {
    const t = table({ size: 512 });
    for (let i = 0; i < 512; i++) t.get(i, i);
    t.get(9999, 600);
    assert.equal(t.used, 512 - 3 + 1);
    assert.equal(t.lookup(0, 600), undefined);
    assert.equal(t.lookup(2, 600), undefined);
    assert.ok(t.lookup(3, 600));
  });

  it('without expire, refreshes do not reorder: the first created goes first', () => {
    const t = table({ size: 2 });
    t.get('10.0.0.1', 0);
    t.get('10.0.0.2', 1);
    t.get('10.0.0.1', 2);
    t.get('10.0.0.3', 3);
    assert.equal(t.lookup('10.0.0.1', 3), undefined);
  });

  it('nopurge refuses new keys when full, until entries expire', () => {
    const t = table({ size: 2, nopurge: true, expire: 1000 });
    t.get('10.0.0.1', 0);
    t.get('10.0.0.2', 0);
    assert.equal(t.get('10.0.0.3', 10), undefined);
    assert.equal(t.track('10.0.0.3', 10), undefined);
    assert.ok(t.get('10.0.0.3', 1000), 'expired entries make room');
  });

  it('a table full of tracked entries refuses new keys', () => {
    const t = table({ size: 1 });
    t.track('10.0.0.1', 0);
    assert.equal(t.track('10.0.0.2', 0), undefined);
  });
});

describe('keys', () => {
  const ip = { type: 'ip', len: 4 } as const;
  const ipv6 = { type: 'ipv6', len: 16 } as const;
  const int = { type: 'integer', len: 4 } as const;
  const str = { type: 'string', len: 5 } as const;
  const bin = { type: 'binary', len: 4 } as const;

  it('type ip keeps IPv4 addresses, mapped ones included; type ipv6 maps IPv4', () => {
    assert.equal(sampleKey(ip, '10.1.2.3'), '10.1.2.3');
    assert.equal(sampleKey(ip, '::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(sampleKey(ip, '2001:db8::1'), undefined);
    assert.equal(sampleKey(ip, 0x0a000001), '10.0.0.1');
    assert.equal(sampleKey(ipv6, '10.1.2.3'), '::ffff:10.1.2.3');
    assert.equal(sampleKey(ipv6, '2001:0db8:0:0:0:0:0:1'), '2001:db8::1');
    assert.equal(sampleKey(ip, 'not an address'), undefined);
    assert.equal(sampleKey(ip, Uint8Array.of(1, 2, 3, 4)), undefined);
  });

  it('integers from numbers, strings (leading digits) and IPv4 addresses', () => {
    assert.equal(sampleKey(int, 42), 42);
    assert.equal(sampleKey(int, -1), 4294967295);
    assert.equal(sampleKey(int, '42abc'), 42);
    assert.equal(sampleKey(int, 'abc'), 0);
    assert.equal(sampleKey(int, '0.0.1.0', 'ip'), 256);
    assert.equal(sampleKey(int, '2001:db8::1', 'ip'), undefined);
  });

  it('strings are cut to len, binary keys are cut or zero-padded', () => {
    assert.equal(sampleKey(str, 'abcdefgh'), 'abcde');
    assert.equal(sampleKey(str, 12), '12');
    assert.equal(sampleKey(bin, 'AB'), '41420000');
    assert.equal(sampleKey(bin, Uint8Array.of(1, 2, 3, 4, 5)), '01020304');
  });

  it('prints keys as show table does', () => {
    assert.equal(formatKey(str, 'a b=c\\'), 'a\\ b\\=c\\\\');
    assert.equal(formatKey(bin, '0a0bff00'), '0A0BFF00');
    assert.equal(formatInet6(parseIPv6('::ffff:1.2.3.4')!), '::ffff:1.2.3.4');
    assert.equal(formatInet6(parseIPv6('::1')!), '::1');
    assert.equal(formatInet6(parseIPv6('fe80::1:0:0:2')!), 'fe80::1:0:0:2');
  });

  it('reads runtime API keys with its answers for bad ones', () => {
    assert.equal(cliKey(ip, '10.0.0.1', 'show'), '10.0.0.1');
    assert.deepEqual(cliKey(ipv6, 'zz', 'show'), { error: 'Invalid key\n' });
    assert.equal(cliKey(int, '17', 'clear'), 17);
    assert.deepEqual(cliKey(int, '99999999999', 'show'), { error: 'Invalid key\n' });
    assert.deepEqual(cliKey(int, 'x', 'show'), { error: 'Invalid key\n' });
    assert.equal(cliKey(str, 'abcdefg', 'show'), 'abcde');
    assert.match(
      (cliKey(bin, '00', 'clear') as { error: string }).error,
      /^Removing keys from tables of type/,
    );
  });
});
