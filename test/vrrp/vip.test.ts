import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { VirtualAddress } from '../../src/config/keepalived/model.js';
import { ManualClock } from '../../src/core/clock.js';
import type { CommandOptions, CommandResult, CommandRunner } from '../../src/core/command.js';
import { RuntimeCode } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import { checkTools, type GarpSettings, IpVipDriver, LoggingVipDriver } from '../../src/vrrp/vip.js';

interface Call {
  readonly file: string;
  readonly args: readonly string[];
  readonly opts: CommandOptions | undefined;
}

/** Recording CommandRunner (the declared seam); `answer` shapes each result. */
function fakeRunner(answer: (c: Call) => Partial<CommandResult> = () => ({})) {
  const calls: Call[] = [];
  const runner: CommandRunner = {
    run(file, args, opts) {
      const call = { file, args: [...args], opts };
      calls.push(call);
      return Promise.resolve({
        code: 0,
        signal: null,
        stdout: '',
        stderr: '',
        timedOut: false,
        durationMs: 1,
        ...answer(call),
      });
    },
  };
  return { runner, calls };
}

function captureLog(): { log: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void records.push(JSON.parse(s)) });
  return { log, records };
}

const loc = { file: 'keepalived.conf', line: 1 };
const V4: VirtualAddress = { address: '198.18.0.100', family: 4, prefix: 32, loc };
const V4_FULL: VirtualAddress = {
  address: '198.18.0.101',
  family: 4,
  prefix: 24,
  dev: 'eth1',
  label: 'eth1:vip',
  broadcast: '198.18.0.255',
  scope: 'global',
  loc,
};
const V6: VirtualAddress = { address: 'fd00:198:18::100', family: 6, prefix: 128, loc };
const NO_GARP: GarpSettings = { delayMs: 0, repeat: 1, refreshMs: 0 };

function driver(
  runner: CommandRunner,
  garp: GarpSettings = NO_GARP,
  extra: { netns?: string; log?: Logger } = {},
) {
  const clock = new ManualClock();
  const { log, records } = captureLog();
  const d = new IpVipDriver({
    runner,
    clock,
    log: extra.log ?? log,
    garp,
    ...(extra.netns ? { netns: extra.netns } : {}),
  });
  return { d, clock, records };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('IpVipDriver', () => {
  test('add: exact ip argv, all commands issued together, with a timeout', async () => {
    const { runner, calls } = fakeRunner();
    const { d } = driver(runner);
    const done = d.add([V4, V4_FULL, V6], 'eth0');
    assert.equal(calls.length, 3, 'issued before any completes');
    await done;
    assert.deepEqual(
      calls.map((c) => [c.file, ...c.args]),
      [
        ['ip', '-4', 'addr', 'add', '198.18.0.100/32', 'dev', 'eth0'],
        [
          'ip',
          '-4',
          'addr',
          'add',
          '198.18.0.101/24',
          'dev',
          'eth1',
          'label',
          'eth1:vip',
          'brd',
          '198.18.0.255',
          'scope',
          'global',
        ],
        ['ip', '-6', 'addr', 'add', 'fd00:198:18::100/128', 'dev', 'eth0', 'nodad'],
      ],
    );
    assert.ok(calls.every((c) => typeof c.opts?.timeoutMs === 'number' && c.opts.timeoutMs > 0));
  });

  test('remove: exact ip argv', async () => {
    const { runner, calls } = fakeRunner();
    const { d } = driver(runner);
    await d.remove([V4, V4_FULL, V6], 'eth0');
    assert.deepEqual(
      calls.map((c) => [c.file, ...c.args]),
      [
        ['ip', '-4', 'addr', 'del', '198.18.0.100/32', 'dev', 'eth0'],
        ['ip', '-4', 'addr', 'del', '198.18.0.101/24', 'dev', 'eth1'],
        ['ip', '-6', 'addr', 'del', 'fd00:198:18::100/128', 'dev', 'eth0'],
      ],
    );
  });

  test('idempotent: present on add / absent on remove are not errors, old and new iproute2 wording', async () => {
    for (const stderr of ['RTNETLINK answers: File exists\n', 'Error: ipv4: Address already assigned.\n']) {
      const { runner } = fakeRunner(() => ({ code: 2, stderr }));
      const { d, records } = driver(runner);
      await d.add([V4], 'eth0');
      assert.equal(records.filter((r) => (r.level as number) >= 50).length, 0, stderr);
      assert.ok(records.some((r) => r.msg === 'VIP already present'));
    }
    for (const stderr of [
      'RTNETLINK answers: Cannot assign requested address\n',
      'Error: ipv4: Address not found.\n',
    ]) {
      const { runner } = fakeRunner(() => ({ code: 2, stderr }));
      const { d, records } = driver(runner);
      await d.remove([V4], 'eth0');
      assert.equal(records.filter((r) => (r.level as number) >= 50).length, 0, stderr);
      assert.ok(records.some((r) => r.msg === 'VIP already absent'));
    }
  });

  test('a real failure is logged at error level with the command and the reason', async () => {
    const { runner } = fakeRunner(() => ({
      code: 2,
      stderr: 'RTNETLINK answers: Operation not permitted\n',
    }));
    const { d, records } = driver(runner);
    await d.add([V4], 'eth0');
    const err = records.find((r) => r.level === 50);
    assert.equal(err?.msg, 'VIP add failed');
    assert.equal(err?.cmd, 'ip -4 addr add 198.18.0.100/32 dev eth0');
    assert.match(String(err?.reason), /Operation not permitted/);
  });

  test('netns option wraps every command in ip netns exec', async () => {
    const { runner, calls } = fakeRunner();
    const { d } = driver(runner, NO_GARP, { netns: 'hp-1-n1' });
    await d.add([V4], 'eth0');
    d.announce([V4], 'eth0');
    assert.deepEqual(
      calls.map((c) => [c.file, ...c.args]),
      [
        ['ip', 'netns', 'exec', 'hp-1-n1', 'ip', '-4', 'addr', 'add', '198.18.0.100/32', 'dev', 'eth0'],
        ['ip', 'netns', 'exec', 'hp-1-n1', 'arping', '-U', '-c', '1', '-I', 'eth0', '198.18.0.100'],
      ],
    );
  });

  test('GARP schedule: repeat now, second set after delay, refresh until removed', async () => {
    const { runner, calls } = fakeRunner();
    const garp = { delayMs: 5000, repeat: 3, refreshMs: 60_000, refreshRepeat: 2 };
    const { d, clock } = driver(runner, garp);
    const arpings = () => calls.filter((c) => c.file === 'arping');
    d.announce([V4, { ...V4, address: '198.18.0.102', dev: 'eth1' }], 'eth0');
    assert.equal(arpings().length, 6, 'first set: 3 per address, at once');
    assert.deepEqual(arpings()[0]?.args, ['-U', '-c', '1', '-I', 'eth0', '198.18.0.100']);
    assert.deepEqual(arpings()[5]?.args, ['-U', '-c', '1', '-I', 'eth1', '198.18.0.102']);
    clock.advance(4999);
    assert.equal(arpings().length, 6);
    clock.advance(1);
    assert.equal(arpings().length, 12, 'second set at garp_master_delay');
    clock.advance(55_000);
    assert.equal(arpings().length, 16, 'refresh: refreshRepeat per address');
    clock.advance(60_000);
    assert.equal(arpings().length, 20);
    await d.remove([V4], 'eth0');
    clock.advance(60_000);
    assert.equal(arpings().length, 22, 'removed address no longer refreshed');
    d.close();
    clock.advance(600_000);
    assert.equal(arpings().length, 22);
    assert.equal(clock.pending(), 0);
  });

  test('announce again restarts the schedule instead of doubling it', () => {
    const { runner } = fakeRunner();
    const { d, clock } = driver(runner, { delayMs: 1000, repeat: 1, refreshMs: 10_000 });
    d.announce([V4], 'eth0');
    d.announce([V4], 'eth0');
    assert.equal(clock.pending(), 2, 'one second-set timer and one refresh timer');
  });

  test('no delay and no refresh: one set, no timer', () => {
    const { runner, calls } = fakeRunner();
    const { d, clock } = driver(runner, { delayMs: 0, repeat: 5, refreshMs: 0 });
    d.announce([V4], 'eth0');
    assert.equal(calls.length, 5);
    assert.equal(clock.pending(), 0);
  });

  test('GARP failures are logged at error level', async () => {
    const { runner } = fakeRunner(() => ({
      code: 2,
      stderr: 'arping: bind: Cannot assign requested address',
    }));
    const { d, records } = driver(runner);
    d.announce([V4], 'eth0');
    await tick();
    const err = records.find((r) => r.level === 50);
    assert.equal(err?.msg, 'GARP failed');
    assert.match(String(err?.reason), /Cannot assign/);
  });

  test('IPv6 VIPs: one unsolicited-NA helper run per set, with the set size', async () => {
    const { runner, calls } = fakeRunner();
    const { d, clock } = driver(runner, { delayMs: 1000, repeat: 3, refreshMs: 0 });
    d.announce([V6], 'eth0');
    assert.equal(calls.length, 1);
    const [helper, ...rest] = calls[0]?.args ?? [];
    assert.equal(calls[0]?.file, process.execPath);
    assert.match(String(helper), /\/src\/vrrp\/unsolicited-na\.js$/);
    assert.ok(existsSync(String(helper)), 'the helper is compiled beside vip.js');
    assert.deepEqual(rest, ['eth0', 'fd00:198:18::100', '3']);
    clock.advance(1000);
    assert.equal(calls.length, 2, 'second set');
  });
});

describe('checkTools', () => {
  const version = (c: Call): Partial<CommandResult> =>
    c.file === 'ip'
      ? { stdout: 'ip utility, iproute2-6.1.0, libbpf 1.1.0\n' }
      : { stdout: 'arping from iputils 20221126\n' };

  test('passes with iproute2 and iputils-arping', async () => {
    const { runner, calls } = fakeRunner(version);
    await checkTools(runner);
    assert.deepEqual(
      calls.map((c) => [c.file, ...c.args]),
      [
        ['ip', '-V'],
        ['arping', '-V'],
      ],
    );
  });

  test('a missing program is ERR_MISSING_TOOL naming the Debian package', async () => {
    const enoent = Object.assign(new Error('spawn arping ENOENT'), { code: 'ENOENT' });
    const { runner } = fakeRunner((c) => (c.file === 'arping' ? { code: null, error: enoent } : version(c)));
    await assert.rejects(checkTools(runner), (e: { code?: string; message?: string }) => {
      assert.equal(e.code, RuntimeCode.MissingTool);
      assert.match(e.message ?? '', /iputils-arping/);
      assert.doesNotMatch(e.message ?? '', /iproute2/);
      return true;
    });
  });

  test('missing ip names iproute2; a non-iputils arping is refused', async () => {
    const { runner } = fakeRunner((c) =>
      c.file === 'ip'
        ? { code: 127, stderr: 'sh: ip: not found' }
        : { stdout: 'ARPing 2.21, by Thomas Habets' },
    );
    await assert.rejects(checkTools(runner), (e: { code?: string; message?: string }) => {
      assert.equal(e.code, RuntimeCode.MissingTool);
      assert.match(e.message ?? '', /iproute2/);
      assert.match(e.message ?? '', /iputils-arping/);
      return true;
    });
  });
});

describe('LoggingVipDriver', () => {
  test('says what it would do and that no address is configured', async () => {
    const { log, records } = captureLog();
    const d = new LoggingVipDriver(log);
    await d.add([V4], 'eth0');
    d.announce([V4], 'eth0');
    await d.remove([V4], 'eth0');
    const msgs = records.map((r) => String(r.msg));
    assert.equal(msgs.length, 3);
    assert.match(
      msgs[0] ?? '',
      /would run `ip -4 addr add 198\.18\.0\.100\/32 dev eth0`.*NO address is configured/,
    );
    assert.match(msgs[1] ?? '', /would announce 198\.18\.0\.100 on eth0.*nothing is sent/);
    assert.match(msgs[2] ?? '', /ip -4 addr del 198\.18\.0\.100\/32 dev eth0/);
  });
});
