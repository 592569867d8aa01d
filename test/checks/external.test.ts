import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HealthCheckRunner } from '../../src/checks/runner.js';
import { backend, checkParams, config, RecordingSink, server } from './helpers.js';

const norm = (s: string) => s.replace(/check duration: \d+ms/g, 'check duration: Nms');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('option external-check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hapair-ext-'));
  const script = join(dir, 'check.sh');
  const mode = join(dir, 'mode');
  const out = join(dir, 'out');
  const pids = join(dir, 'pids');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      `echo "$@|$PATH|$HAPROXY_PROXY_NAME|$HAPROXY_SERVER_NAME|$HAPROXY_SERVER_ADDR|$HAPROXY_SERVER_PORT|$HAPROXY_SERVER_CURCONN|$HAPROXY_SERVER_PROTO|$HOME" > ${out}`,
      `case "$(cat ${mode})" in`,
      '  ok) exit 0 ;;',
      '  fail) exit 3 ;;',
      `  hang) sleep 30 & echo "$$ $!" > ${pids}; wait ;;`,
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  const runners: HealthCheckRunner[] = [];
  after(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  function start(inter: number) {
    const px = backend('ext', [server('s1', 8080, { check: checkParams({ inter, rise: 1, fall: 1 }) })], {
      checkKind: 'external',
      externalCheck: { command: script, path: '/usr/bin:/bin' },
    });
    const sink = new RecordingSink();
    const runner = new HealthCheckRunner({ config: config([px]), sink, onLog: sink.onLog });
    runners.push(runner);
    runner.start();
    return { sink, runner };
  }

  it('passes HAProxy arguments and environment; exit 0 is UP, exit 3 is DOWN with the code', async () => {
    writeFileSync(mode, 'ok');
    const { sink, runner } = start(100);
    await sink.until(() => runner.status('ext', 's1')?.check?.status === 'PROCOK', 5000, 'PROCOK');
    assert.equal(
      readFileSync(out, 'utf8').trim(),
      `NOT_USED NOT_USED 127.0.0.1 8080|/usr/bin:/bin|ext|s1|127.0.0.1|8080|0|tcp|`,
      'fresh environment: only PATH and the HAPROXY_* variables',
    );
    writeFileSync(mode, 'fail');
    await sink.until(() => sink.count('down') === 1, 5000, 'DOWN');
    assert.equal(
      norm(sink.lines[0]!.message),
      'Server ext/s1 is DOWN, reason: External check error, code: 3, check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    );
    writeFileSync(mode, 'ok');
    await sink.until(() => sink.count('up') === 1, 5000, 'UP');
    assert.match(sink.lines.at(-1)!.message, /is UP, reason: External check passed, code: 0/);
    await runner.stop();
  });

  it('a hanging command is killed with its children at the timeout (PROCTOUT)', async () => {
    writeFileSync(mode, 'hang');
    rmSync(pids, { force: true });
    const { sink, runner } = start(300);
    await sink.until(() => sink.count('down') === 1, 5000, 'DOWN');
    const check = runner.status('ext', 's1')!.check!;
    assert.equal(check.status, 'PROCTOUT');
    assert.ok(
      (check.durationMs ?? 0) >= 290 && (check.durationMs ?? 0) < 1000,
      `killed after ${check.durationMs} ms`,
    );
    const [shPid, sleepPid] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    await sink.until(() => !alive(shPid!) && !alive(sleepPid!), 2000, 'process group gone');
    await runner.stop();
  });
});
