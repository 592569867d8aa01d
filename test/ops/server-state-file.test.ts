/**
 * Server-state files at start-up (`server-state-file`, `server-state-base`,
 * `load-server-state-from-file`, `server-state-file-name`) in real `hapair
 * -f` processes, single-process and `-W`: a server saved in maintenance gets
 * no traffic, a saved weight is in force, `none` and other backends' lines
 * are left alone, a missing file is a warning naming it and the proxy serves;
 * bad keyword values are configuration errors naming file:line and keyword.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import { exchange, namedServer, refusedPort, type TestServer } from '../proxy/helpers.js';
import { ask, waitFor } from './harness.js';

const HAPAIR = fileURLToPath(new URL('../../../bin/hapair', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hapair-ssf-'));
const webs: TestServer[] = [];
const port = (n: number) => webs[n - 1]!.port;

before(async () => {
  for (const n of ['web1', 'web2', 'web3']) webs.push(await namedServer(n));
});

after(async () => {
  for (const w of webs) await w.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The header `show servers state` prints (version 1). */
const HEADER =
  '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight ' +
  'srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state ' +
  'srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl ' +
  'srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n';

interface Saved {
  readonly op?: number;
  readonly admin?: number;
  readonly uweight?: number;
  readonly iweight?: number;
}

/** One version-1 line, 25 fields, as hapair and HAProxy print them. */
function line(be: string, srv: string, p: number, s: Saved = {}): string {
  const { op = 2, admin = 0, uweight = 1, iweight = 1 } = s;
  return `1 ${be} 1 ${srv} 127.0.0.1 ${op} ${admin} ${uweight} ${iweight} 0 1 0 2 0 0 0 0 - ${p} - 0 0 - - 0\n`;
}

const DEFAULTS = `defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
`;

interface Hapair {
  readonly sock: string;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

async function startHapair(name: string, cfgText: string, flags: readonly string[] = []): Promise<Hapair> {
  const sock = join(dir, `${name}.sock`);
  const file = join(dir, `${name}.cfg`);
  writeFileSync(file, `global\n    stats socket ${sock} level admin\n${cfgText}`);
  const proc: ChildProcess = spawn(HAPAIR, [...flags, '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await gone;
  };
  const up = await waitFor(
    async () => (await ask(sock, 'show info').catch(() => '')).startsWith('Name: hapair'),
    10_000,
  );
  if (!up) {
    await stop();
    assert.fail(`hapair did not start: ${stderr}`);
  }
  return { sock, stderr: () => stderr, stop };
}

/** srv_name → [srv_op_state, srv_admin_state, srv_uweight] from `show servers state <backend>`. */
async function states(sock: string, backend: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const l of (await ask(sock, `show servers state ${backend}`)).split('\n')) {
    const f = l.split(' ');
    if (f.length > 8 && f[1] === backend) out[f[3]!] = [f[5]!, f[6]!, f[7]!];
  }
  return out;
}

/** How many of `n` connections through `fe` each server name answered. */
async function traffic(fe: number, n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const name = (await exchange(fe)).data.trim() || '(none)';
    seen[name] = (seen[name] ?? 0) + 1;
  }
  return seen;
}

/** be: s1 in maintenance, s3 at weight 3 (configured 1); other/o1 in maintenance; a server that left. */
const globalState = () =>
  HEADER +
  line('be', 's1', port(1), { op: 0, admin: 1 }) +
  line('be', 's2', port(2)) +
  line('be', 's3', port(3), { uweight: 3 }) +
  line('be', 'gone', port(3), { admin: 1 }) +
  line('other', 'o1', port(1), { op: 0, admin: 1 });

async function globalConfig(stateFile: string): Promise<{ text: string; fe: number; fo: number }> {
  const fe = await refusedPort();
  const fo = await refusedPort();
  const text = `    server-state-file ${stateFile}
${DEFAULTS}    load-server-state-from-file global
frontend fe
    bind 127.0.0.1:${fe}
    default_backend be
frontend fo
    bind 127.0.0.1:${fo}
    default_backend other
backend be
    balance roundrobin
    server s1 127.0.0.1:${port(1)}
    server s2 127.0.0.1:${port(2)}
    server s3 127.0.0.1:${port(3)}
backend other
    load-server-state-from-file none
    server o1 127.0.0.1:${port(1)}
`;
  return { text, fe, fo };
}

for (const [mode, flags] of [
  ['single-process', []],
  ['-W', ['-W']],
] as const) {
  describe(`load-server-state-from-file global (${mode})`, () => {
    let h: Hapair;
    let fe = 0;
    let fo = 0;
    before(async () => {
      const file = join(dir, `state-${flags.length}`);
      writeFileSync(file, globalState());
      const c = await globalConfig(file);
      fe = c.fe;
      fo = c.fo;
      h = await startHapair(`global-${flags.length}`, c.text, flags);
    });
    after(() => h.stop());

    it('restores maintenance and weight before serving', async () => {
      const st = await states(h.sock, 'be');
      assert.deepEqual(st.s1?.slice(1), ['1', '1']);
      assert.deepEqual(st.s2?.slice(1), ['0', '1']);
      assert.deepEqual(st.s3?.slice(1), ['0', '3']);
      const seen = await traffic(fe, 8);
      assert.deepEqual(seen, { web2: 2, web3: 6 });
    });

    it("leaves a backend with 'none' as configured", async () => {
      assert.deepEqual((await states(h.sock, 'other')).o1, ['2', '0', '1']);
      assert.deepEqual(await traffic(fo, 2), { web1: 2 });
    });
  });
}

describe('load-server-state-from-file local', () => {
  let h: Hapair;
  let f1 = 0;
  let f2 = 0;
  let f3 = 0;
  let missing = '';
  before(async () => {
    const states = join(dir, 'states');
    mkdirSync(states);
    // Named file: one line of another backend, which a local file may not set.
    writeFileSync(
      join(states, 'first.state'),
      HEADER + line('b1', 's1', port(1), { admin: 1 }) + line('b2', 's2', port(2), { admin: 1 }),
    );
    // Default name: the backend's own.
    writeFileSync(join(states, 'b2'), HEADER + line('b2', 's1', port(1), { uweight: 0, iweight: 1 }));
    missing = join(states, 'b3');
    [f1, f2, f3] = [await refusedPort(), await refusedPort(), await refusedPort()];
    h = await startHapair(
      'local',
      `    server-state-base ${states}
${DEFAULTS}    load-server-state-from-file local
listen b1
    bind 127.0.0.1:${f1}
    server-state-file-name first.state
    server s1 127.0.0.1:${port(1)}
    server s2 127.0.0.1:${port(2)}
listen b2
    bind 127.0.0.1:${f2}
    server-state-file-name use-backend-name
    server s1 127.0.0.1:${port(1)}
    server s2 127.0.0.1:${port(2)}
listen b3
    bind 127.0.0.1:${f3}
    server s3 127.0.0.1:${port(3)}
`,
    );
  });
  after(() => h.stop());

  it('reads server-state-file-name under server-state-base, only its own lines', async () => {
    assert.deepEqual((await states(h.sock, 'b1')).s1?.slice(1), ['1', '1']);
    assert.deepEqual(await traffic(f1, 2), { web2: 2 });
    const b2 = await states(h.sock, 'b2');
    assert.deepEqual(b2.s2?.slice(1), ['0', '1'], "b1's file set a server of b2");
    assert.deepEqual(b2.s1?.slice(1), ['0', '0']);
    assert.deepEqual(await traffic(f2, 2), { web2: 2 });
  });

  it('warns of a missing file, naming it, and serves', async () => {
    assert.ok(
      await waitFor(() => h.stderr().includes(`cannot open server state file '${missing}' (ENOENT)`)),
      h.stderr(),
    );
    assert.deepEqual(await traffic(f3, 2), { web3: 2 });
  });
});

describe('server state keywords', () => {
  const load = (text: string) => {
    const file = join(dir, 'kw.cfg');
    writeFileSync(file, text);
    return { file, cfg: () => loadHaproxyConfig([file]) };
  };

  it('inherit load-server-state-from-file from defaults; use-backend-name is the backend', () => {
    const { cfg } = load(
      `global\n    server-state-base /var/lib/haproxy\n    server-state-file state\n${DEFAULTS}    load-server-state-from-file local\nbackend a\n    server-state-file-name use-backend-name\n    server s 127.0.0.1:1\nbackend b\n    load-server-state-from-file none\n    server-state-file-name /x/y\n    server s 127.0.0.1:1\n`,
    );
    const c = cfg();
    assert.equal(c.global.serverStateBase, '/var/lib/haproxy');
    assert.equal(c.global.serverStateFile, 'state');
    const [a, b] = c.proxies;
    assert.equal(a!.loadServerStateFromFile, 'local');
    assert.equal(a!.serverStateFileName, 'a');
    assert.equal(b!.loadServerStateFromFile, 'none');
    assert.equal(b!.serverStateFileName, '/x/y');
  });

  for (const [what, body, line, re] of [
    [
      'an unknown mode',
      `${DEFAULTS}    load-server-state-from-file globl\n`,
      7,
      /load-server-state-from-file: unknown value 'globl'/,
    ],
    [
      'no mode',
      `${DEFAULTS}backend x\n    load-server-state-from-file\n`,
      8,
      /load-server-state-from-file: expects 1 argument/,
    ],
    [
      'two file names',
      `${DEFAULTS}backend x\n    server-state-file-name a b\n`,
      8,
      /server-state-file-name: expects 0 to 1 arguments/,
    ],
    [
      'server-state-file-name in defaults',
      `${DEFAULTS}    server-state-file-name a\n`,
      7,
      /server-state-file-name: not allowed in a 'defaults' section/,
    ],
    [
      'load-server-state-from-file in a frontend',
      `${DEFAULTS}frontend f\n    load-server-state-from-file global\n`,
      8,
      /load-server-state-from-file: not allowed in a 'frontend' section/,
    ],
    ['server-state-base without a directory', '    server-state-base\n', 2, /server-state-base: expects 1/],
  ] as const) {
    it(`refuses ${what}, naming file:line and keyword`, () => {
      const { file, cfg } = load(`global\n${body}`);
      assert.throws(cfg, (e: Error) => {
        assert.match(e.message, new RegExp(`${file}:${line}: `));
        assert.match(e.message, re);
        return true;
      });
    });
  }
});
