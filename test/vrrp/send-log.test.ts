import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { SendErrorLog } from '../../src/vrrp/transport/send-log.js';

test('send failures are logged on change and recovery, per destination, not per advert', () => {
  const records: Array<Record<string, unknown>> = [];
  const s = new SendErrorLog(
    pino({ level: 'info' }, { write: (x: string) => void records.push(JSON.parse(x)) }),
  );
  for (let i = 0; i < 5; i++) {
    s.failed('198.18.0.2', 'Network is unreachable');
    s.ok('198.18.0.3');
  }
  s.failed('198.18.0.2', 'No buffer space available');
  s.ok('198.18.0.2');
  s.ok('198.18.0.2');
  assert.deepEqual(
    records.map((r) => [r.level, r.destination, r.reason ?? r.previous]),
    [
      [50, '198.18.0.2', 'Network is unreachable'],
      [50, '198.18.0.2', 'No buffer space available'],
      [30, '198.18.0.2', 'No buffer space available'],
    ],
  );
});
