import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TIME_MS, parseSize, parseTime, sizeValue, timeValue } from '../../src/config/units.js';
import { ConfigError } from '../../src/core/errors.js';

describe('parseTime (configuration.txt §2.5)', () => {
  it('converts every unit to milliseconds', () => {
    assert.equal(parseTime('1500'), 1500);
    assert.equal(parseTime('1500ms'), 1500);
    assert.equal(parseTime('2s'), 2000);
    assert.equal(parseTime('3m'), 180_000);
    assert.equal(parseTime('1h'), 3_600_000);
    assert.equal(parseTime('2d'), 172_800_000);
    assert.equal(parseTime('0'), 0);
  });

  it('rounds microseconds up so a non-zero delay never becomes zero', () => {
    assert.equal(parseTime('1us'), 1);
    assert.equal(parseTime('1000us'), 1);
    assert.equal(parseTime('1001us'), 2);
    assert.equal(parseTime('0us'), 0);
  });

  it('applies the default unit only to bare numbers', () => {
    assert.equal(parseTime('10', 's'), 10_000);
    assert.equal(parseTime('10ms', 's'), 10);
  });

  it('refuses decimals, signs, spaces, upper-case and unknown units', () => {
    for (const bad of ['', '1.5s', '-1', ' 1', '1 s', '1S', '10x', 's', '1sec']) {
      assert.throws(
        () => parseTime(bad),
        (e: unknown) => e instanceof ConfigError && e.code === 'CFG_BAD_UNIT',
        bad,
      );
    }
  });

  it('refuses timers above 2^31-1 ms like HAProxy', () => {
    assert.equal(parseTime(`${MAX_TIME_MS}`), MAX_TIME_MS);
    assert.throws(() => parseTime('25d'), /timer overflow/);
  });

  it('puts file:line and the keyword in keyword errors', () => {
    assert.throws(
      () => timeValue('5q', { file: 'a.cfg', line: 7 }, 'timeout connect'),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.code === 'CFG_BAD_UNIT' &&
        e.message.startsWith('a.cfg:7: timeout connect: unknown time unit'),
    );
  });
});

describe('parseSize (configuration.txt §2.6)', () => {
  it('uses 1024-based, case-insensitive units', () => {
    assert.equal(parseSize('512'), 512);
    assert.equal(parseSize('16k'), 16_384);
    assert.equal(parseSize('16K'), 16_384);
    assert.equal(parseSize('2m'), 2 * 1024 * 1024);
    assert.equal(parseSize('1g'), 1024 ** 3);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '1.5k', '-1', '1kb', '1t', 'k']) {
      assert.throws(
        () => parseSize(bad),
        (e: unknown) => e instanceof ConfigError && e.code === 'CFG_BAD_UNIT',
        bad,
      );
    }
    assert.throws(
      () => sizeValue('9t', { file: 'b.cfg', line: 2 }, 'tune.bufsize'),
      (e: unknown) =>
        e instanceof ConfigError && e.message.startsWith('b.cfg:2: tune.bufsize: unknown size unit'),
    );
  });
});
