/**
 * Server-state text (`show servers state`, version 1) read back into a
 * starting engine: runtime admin states, weights, addresses and forced
 * health come back; the configuration wins where it changed, like HAProxy's
 * srv_state_srv_update().
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { engineControl } from '../../src/ops/engine-control.js';
import { configDisabled, renderServersState } from '../../src/ops/servers-state.js';
import {
  type ApplyOptions,
  type ApplyReport,
  applyServersState,
  parseServersState,
} from '../../src/ops/servers-state-load.js';
import type { ProxyControl } from '../../src/ops/types.js';
import { type ProxyEngine, startProxyEngine } from '../../src/proxy/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'hapair-state-'));
const engines: ProxyEngine[] = [];
let files = 0;

after(async () => {
  for (const e of engines) await e.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Srv {
  readonly name: string;
  readonly extra?: string;
}

const config = (servers: readonly Srv[]) => `defaults
    mode tcp
    timeout connect 1s
    timeout client 1s
    timeout server 1s
backend be
    balance roundrobin
${servers.map((s, i) => `    server ${s.name} 127.0.0.1:${9001 + i}${s.extra ? ` ${s.extra}` : ''}`).join('\n')}
`;

const BASE: readonly Srv[] = [
  { name: 's1', extra: 'weight 10' },
  { name: 's2', extra: 'weight 10' },
  { name: 's3', extra: 'weight 10' },
  { name: 's4', extra: 'weight 10 disabled' },
  { name: 's5', extra: 'weight 10' },
];

interface Started {
  readonly engine: ProxyEngine;
  readonly control: ProxyControl;
  readonly report: ApplyReport | undefined;
}

async function start(servers: readonly Srv[], state?: string, opts?: ApplyOptions): Promise<Started> {
  const file = join(dir, `h${++files}.cfg`);
  writeFileSync(file, config(servers));
  let report: ApplyReport | undefined;
  const engine = await startProxyEngine(loadHaproxyConfig([file]), {
    log: silentLogger,
    beforeServing:
      state === undefined
        ? undefined
        : (e) => (report = applyServersState(e, parseServersState(state), opts)),
  });
  engines.push(engine);
  return { engine, control: engineControl(engine), report };
}

/** srv_name → [srv_addr, srv_op_state, srv_admin_state, srv_uweight] from `show servers state`. */
function columns(control: ProxyControl): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of renderServersState(control.servers()).split('\n').slice(2)) {
    const f = line.split(' ');
    if (f.length > 8) out[f[3]!] = [f[4]!, f[5]!, f[6]!, f[7]!];
  }
  return out;
}

/** The state the runtime API leaves after a session of operator commands. */
async function operated(): Promise<string> {
  const { control } = await start(BASE);
  assert.ok(control.setServerAdmin('be', 's1', 'maint').ok);
  assert.ok(control.setServerWeight('be', 's2', 50).ok);
  assert.ok(control.setServerAdmin('be', 's3', 'drain').ok);
  assert.ok(control.setServerAdmin('be', 's4', 'ready').ok);
  assert.ok(control.setServerHealth('be', 's5', 'down').ok);
  const text = renderServersState(control.servers(), configDisabled(control.config));
  // s4 is `disabled` in the configuration: CMAINT stays set once it is ready, as in HAProxy.
  assert.match(text, /\n1 be 4 s4 127\.0\.0\.1 2 4 10 /);
  return text;
}

it('restores forced maintenance, drain, user weight, a config-maint server made ready and forced health', async () => {
  const text = await operated();
  const before = await start(BASE);
  assert.deepEqual(columns(before.control).s1, ['127.0.0.1', '2', '0', '10']);
  const { control, report } = await start(BASE, text);
  assert.deepEqual(report?.applied, ['be/s1', 'be/s2', 'be/s3', 'be/s4', 'be/s5']);
  assert.deepEqual(report?.warnings, []);
  const c = columns(control);
  assert.deepEqual(c.s1, ['127.0.0.1', '0', '1', '10']);
  assert.deepEqual(c.s2, ['127.0.0.1', '2', '0', '50']);
  assert.deepEqual(c.s3, ['127.0.0.1', '2', '8', '10']);
  assert.deepEqual(c.s4, ['127.0.0.1', '2', '0', '10']);
  assert.deepEqual(c.s5, ['127.0.0.1', '0', '0', '10']);
  // The same text again: applying is idempotent.
  assert.equal(renderServersState(control.servers()).split('\n').length, text.split('\n').length);
});

it('the new configuration wins: edited weight, added or removed `disabled`', async () => {
  const text = await operated();
  const edited: Srv[] = [
    { name: 's1', extra: 'weight 10 disabled' },
    { name: 's2', extra: 'weight 20' },
    { name: 's3', extra: 'weight 10' },
    { name: 's4', extra: 'weight 10' },
    { name: 's5', extra: 'weight 10' },
  ];
  const c = columns((await start(edited, text)).control);
  // s1: was forced into maintenance, now configured disabled: configuration maintenance.
  assert.equal(c.s1![2], '5');
  // s2: configured weight changed from 10 to 20, so `set weight 50` is not restored.
  assert.equal(c.s2![3], '20');
  // s4: saved as configured-maint then made ready; no longer disabled: ready.
  assert.equal(c.s4![2], '0');
});

it('a drain that came from a configured weight 0 ends when the weight is no longer 0', async () => {
  const text = '1\n# header\n1 be 1 s1 127.0.0.1 2 8 0 0 0 6 3 4 6 0 0 0 - 9001 - 0 0 - - 0\n';
  const zeroBefore = columns((await start(BASE, text)).control);
  assert.equal(zeroBefore.s1![2], '0');
  const forced = text.replace(' 2 8 0 0 ', ' 2 8 10 10 ');
  assert.equal(columns((await start(BASE, forced)).control).s1![2], '8');
});

it('skips servers and backends gone from the configuration, and refuses malformed lines', async () => {
  const lines = [
    '1',
    '# be_id be_name srv_id srv_name ...',
    '1 be 1 s1 127.0.0.1 0 1 10 10 0 6 3 4 6 0 0 0 - 9001 - 0 0 - - 0',
    '1 be 9 gone 127.0.0.1 0 1 10 10 0 6 3 4 6 0 0 0 - 9009 - 0 0 - - 0',
    '7 old 1 s1 127.0.0.1 0 1 10 10 0 6 3 4 6 0 0 0 - 9001 - 0 0 - - 0',
    '1 be 2 s2 127.0.0.1 0 9 10 10 0 6 3 4 6 0 0 0 - 9002 - 0 0 - - 0',
    '1 be 3 s3 127.0.0.1 0 1',
    '1 be 1 s1 127.0.0.1 2 0 10 10 0 6 3 4 6 0 0 0 - 9001 - 0 0 - - 0',
  ];
  const { control, report } = await start(BASE, `${lines.join('\n')}\n`);
  assert.deepEqual(report?.applied, ['be/s1']);
  assert.deepEqual(report?.skipped, ['be/gone', 'old/s1']);
  assert.equal(report?.warnings.length, 3);
  assert.match(report!.warnings.join('\n'), /line 6: invalid srv_admin_state '9'/);
  assert.match(report!.warnings.join('\n'), /line 7: 7 fields/);
  assert.match(report!.warnings.join('\n'), /line 8: duplicate entry for be\/s1/);
  const c = columns(control);
  assert.equal(c.s1![2], '1');
  assert.equal(c.s2![2], '0');
  assert.deepEqual(parseServersState('2\n1 be 1 s1\n').warnings, ["unsupported version '2'"]);
  assert.deepEqual(parseServersState(''), { lines: [], warnings: [] });
});

it('restores a runtime address only where the configured address is known unchanged', async () => {
  const text = '1\n#\n1 be 2 s2 127.0.0.9 2 0 10 10 0 6 3 4 6 0 0 0 - 9002 - 0 0 - - 0\n';
  assert.equal(columns((await start(BASE, text)).control).s2![0], '127.0.0.1');
  const kept = await start(BASE, text, { keepAddr: (b, s) => b === 'be' && s === 's2' });
  assert.equal(columns(kept.control).s2![0], '127.0.0.9');
  assert.equal(kept.engine.backend('be')?.findServer('s2')?.connectHost, '127.0.0.9');
});
