import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import type { NotifyHooks } from '../../src/config/keepalived/model.js';
import { realRunner } from '../../src/core/command.js';
import { silentLogger } from '../../src/core/logger.js';
import { runNotify } from '../../src/vrrp/notify.js';

let dir = '';
let rec = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hapair-notify-'));
  rec = join(dir, 'rec.sh');
  // rec.sh OUT ARGS…: writes ARGS to OUT, one per line.
  writeFileSync(rec, '#!/bin/sh\nout="$1"\nshift\nprintf \'%s\\n\' "$@" > "$out"\n');
  chmodSync(rec, 0o755);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function lines(name: string): string[] {
  return readFileSync(join(dir, name), 'utf8').trimEnd().split('\n');
}

function hooks(h: Partial<NotifyHooks>): NotifyHooks {
  return { timeout: 5000, ...h };
}

/** True once /proc/PID is gone: neither running nor a zombie left behind. */
async function gone(pid: number, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!existsSync(`/proc/${pid}`)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

describe('runNotify', () => {
  test("notify_master with its own args, then notify with keepalived's 4 extra arguments", async () => {
    const h = hooks({
      master: `${rec} ${dir}/master.txt one "two words"`,
      backup: `${rec} ${dir}/backup.txt`,
      any: `${rec} ${dir}/any.txt configured`,
    });
    await runNotify(h, 'VI_1', 'MASTER', 150, realRunner, silentLogger);
    assert.deepEqual(lines('master.txt'), ['one', 'two words']);
    assert.deepEqual(lines('any.txt'), ['configured', 'INSTANCE', 'VI_1', 'MASTER', '150']);
    assert.equal(existsSync(join(dir, 'backup.txt')), false, 'notify_backup not run on MASTER');
  });

  test('BACKUP, FAULT and STOP pick their script; GROUP kind for sync groups', async () => {
    const h = hooks({
      backup: `${rec} ${dir}/b.txt`,
      fault: `${rec} ${dir}/f.txt`,
      stop: `${rec} ${dir}/s.txt stopping`,
      any: `${rec} ${dir}/g.txt`,
    });
    await runNotify(h, 'VI_2', 'FAULT', 0, realRunner, silentLogger);
    assert.deepEqual(lines('g.txt'), ['INSTANCE', 'VI_2', 'FAULT', '0']);
    assert.ok(existsSync(join(dir, 'f.txt')));
    await runNotify(h, 'VI_2', 'STOP', 100, realRunner, silentLogger);
    assert.deepEqual(lines('s.txt'), ['stopping']);
    assert.deepEqual(lines('g.txt'), ['INSTANCE', 'VI_2', 'STOP', '100']);
    await runNotify(h, 'G1', 'BACKUP', 100, realRunner, silentLogger, 'GROUP');
    assert.ok(existsSync(join(dir, 'b.txt')));
    assert.deepEqual(lines('g.txt'), ['GROUP', 'G1', 'BACKUP', '100']);
  });

  test('an instance name is passed as data, never as shell syntax', async () => {
    const evil = `VI_1;touch ${dir}/pwned`;
    await runNotify(hooks({ any: `${rec} ${dir}/evil.txt` }), evil, 'MASTER', 1, realRunner, silentLogger);
    assert.deepEqual(lines('evil.txt'), ['INSTANCE', evil, 'MASTER', '1']);
    assert.equal(existsSync(join(dir, 'pwned')), false);
  });

  test('a hanging script and its children are killed at the timeout, leaving no zombie', async () => {
    const hang = join(dir, 'hang.sh');
    writeFileSync(hang, `#!/bin/sh\necho $$ > ${dir}/sh.pid\nsleep 30 &\necho $! > ${dir}/sleep.pid\nwait\n`);
    chmodSync(hang, 0o755);
    const records: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'debug' }, { write: (s: string) => void records.push(JSON.parse(s)) });
    const started = Date.now();
    await runNotify(hooks({ master: hang, timeout: 300 }), 'VI_1', 'MASTER', 100, realRunner, log);
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 3000, `returned after ${took} ms`);
    const shPid = Number(readFileSync(join(dir, 'sh.pid'), 'utf8'));
    const sleepPid = Number(readFileSync(join(dir, 'sleep.pid'), 'utf8'));
    assert.ok(await gone(shPid), `script shell ${shPid} still present`);
    assert.ok(await gone(sleepPid), `script child ${sleepPid} still present`);
    assert.ok(records.some((r) => r.msg === 'notify script killed at its timeout' && r.script === hang));
  });

  test('timeout 0 means no limit', async () => {
    const h = hooks({ master: `sleep 0.3; ${rec} ${dir}/slow.txt done`, timeout: 0 });
    await runNotify(h, 'VI_1', 'MASTER', 100, realRunner, silentLogger);
    assert.deepEqual(lines('slow.txt'), ['done']);
  });

  test('a failing script is reported with its exit code', async () => {
    const records: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'debug' }, { write: (s: string) => void records.push(JSON.parse(s)) });
    await runNotify(hooks({ fault: 'echo broken >&2; exit 3' }), 'VI_1', 'FAULT', 100, realRunner, log);
    const w = records.find((r) => r.msg === 'notify script failed');
    assert.equal(w?.code, 3);
    assert.equal(w?.stderr, 'broken');
  });

  test('no hooks: nothing runs, resolves at once', async () => {
    let ran = 0;
    const runner = {
      run: () => {
        ran++;
        return realRunner.run('true', []);
      },
    };
    await runNotify(hooks({}), 'VI_1', 'MASTER', 100, runner, silentLogger);
    assert.equal(ran, 0);
  });
});
