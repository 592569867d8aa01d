import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DropLog } from '../../src/vrrp/instance-status.js';
import { captureLog } from './fake-lan.js';

/** pino levels. */
const DEBUG = 20;
const WARN = 40;
const MINUTE = 60_000;

function setup() {
  const { log, records } = captureLog();
  const drops = new DropLog(log, 'VI_1');
  return { drops, records };
}

describe('DropLog: one log line per drop reason and minute', () => {
  test('the same reason within 60 s is counted, not logged; after 60 s it is logged with the count', () => {
    const { drops, records } = setup();
    drops.note(1000, 'checksum', 'checksum 0x1234, computed 0x4321', '198.18.0.12');
    for (let t = 2000; t < 1000 + MINUTE; t += 1000) drops.note(t, 'checksum', 'again', '198.18.0.12');
    assert.equal(records.length, 1);
    assert.equal(records[0]?.level, WARN);
    assert.equal(records[0]?.suppressed, 0);
    assert.equal(records[0]?.src, '198.18.0.12');
    assert.equal(
      records[0]?.msg,
      'VI_1: dropped advert from 198.18.0.12: checksum (checksum 0x1234, computed 0x4321)',
    );

    drops.note(1000 + MINUTE - 1, 'checksum', 'still suppressed', '198.18.0.12');
    assert.equal(records.length, 1, 'one millisecond short of a minute');
    drops.note(1000 + MINUTE, 'checksum', 'logged again', '198.18.0.13');
    assert.equal(records.length, 2);
    assert.equal(records[1]?.level, WARN);
    assert.equal(records[1]?.detail, 'logged again');
    assert.equal(records[1]?.src, '198.18.0.13');
    assert.equal(records[1]?.suppressed, 60, 'the 59 at 2 s … 60 s and the one at 60.999 s');

    drops.note(1000 + 2 * MINUTE, 'checksum', 'quiet minute', '198.18.0.12');
    assert.equal(records[2]?.suppressed, 0, 'the count restarts after each logged line');
  });

  test('reasons are limited independently of each other', () => {
    const { drops, records } = setup();
    drops.note(0, 'ttl', 'TTL 64, expected 255', '198.18.0.12');
    drops.note(10, 'auth_pass', 'wrong password', '198.18.0.12');
    drops.note(20, 'ttl', 'TTL 64, expected 255', '198.18.0.12');
    drops.note(30, 'addr_list', '198.18.0.100 not in advert []', '198.18.0.12');
    drops.note(40, 'auth_pass', 'wrong password', '198.18.0.12');
    assert.deepEqual(
      records.map((r) => r.reason),
      ['ttl', 'auth_pass', 'addr_list'],
    );
    drops.note(MINUTE, 'ttl', 'TTL 64, expected 255', '198.18.0.12');
    drops.note(MINUTE + 5, 'auth_pass', 'wrong password', '198.18.0.12');
    assert.deepEqual(
      records.slice(3).map((r) => [r.reason, r.suppressed]),
      [['ttl', 1]],
      'auth_pass was last logged at 10 ms: not yet a minute',
    );
    drops.note(MINUTE + 10, 'auth_pass', 'wrong password', '198.18.0.12');
    assert.deepEqual(
      records.slice(4).map((r) => [r.reason, r.suppressed]),
      [['auth_pass', 2]],
    );
  });

  test("another router's VRID is logged at debug level, under the same limit", () => {
    const { drops, records } = setup();
    drops.note(0, 'vrid', 'VRID 52, ours 51', '198.18.0.20');
    drops.note(MINUTE / 2, 'vrid', 'VRID 52, ours 51', '198.18.0.20');
    drops.note(0, 'version', 'version 2, expected 3', '198.18.0.20');
    drops.note(MINUTE, 'vrid', 'VRID 52, ours 51', '198.18.0.20');
    assert.deepEqual(
      records.map((r) => [r.level, r.reason, r.suppressed]),
      [
        [DEBUG, 'vrid', 0],
        [WARN, 'version', 0],
        [DEBUG, 'vrid', 1],
      ],
    );
  });
});
