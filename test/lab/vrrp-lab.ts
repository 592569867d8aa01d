/**
 * Helpers shared by the VRRP namespace-lab tests (vrrp-*.test.ts): a hapair
 * node with its log records and `show vrrp` on its stats socket, VIP and
 * process handling, keepalived.conf text, RFC 5798 timers and bounded polling
 * (keepalived peers, `ip monitor` and tcpdump are in lab-observers.ts). Every
 * process runs in one of the lab's namespaces, so Lab.destroy() kills
 * whatever a failed test left behind.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sendCommand } from '../../src/cli/ctl.js';
import type { Lab, LabNode } from '../../src/lab/netns.js';
import { NodeProcess } from '../../src/lab/node-process.js';

const execFileP = promisify(execFile);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `cond` every 20 ms until it holds; fails after `ms` with `what` and
 * the optional `story` (what the nodes did), so a failure explains itself.
 */
export async function waitUntil(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms: number,
  story?: () => string,
): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() >= end)
      assert.fail(`timed out after ${ms} ms waiting for ${what}${story ? `\n${story()}` : ''}`);
    await sleep(20);
  }
}

/** One pino record of a hapair process (both the proxy and the VRRP process log to the node's stderr). */
export interface LogRecord {
  readonly level: number;
  /** Wall-clock ms when the node wrote it. */
  readonly time: number;
  readonly msg: string;
  readonly [k: string]: unknown;
}

export interface Transition {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  /** Wall-clock ms, from the node's own log record. */
  readonly time: number;
}

/** What `show vrrp` says about one instance. */
export interface VrrpShow {
  readonly state: string;
  readonly priority: number;
  readonly basePriority: number;
  readonly master: string;
  readonly advertsReceived: number;
  readonly prio0Sent: number;
  readonly prio0Received: number;
  readonly drops: Readonly<Record<string, number>>;
  readonly text: string;
}

/** Parses one `show vrrp` block (src/ops/vrrp-text.ts). */
export function parseShowVrrp(text: string): VrrpShow {
  const field = (key: string): string => {
    const m = new RegExp(`^  ${key}: (.*)$`, 'm').exec(text);
    assert.ok(m, `show vrrp has no "${key}" line:\n${text}`);
    return m[1]!;
  };
  const prio = /^(\d+) \(base (\d+)\)$/.exec(field('priority'));
  const zero = /^sent (\d+), received (\d+)$/.exec(field('priority_zero'));
  assert.ok(prio && zero, text);
  const drops: Record<string, number> = {};
  for (const m of field('drops').matchAll(/(\w+)=(\d+)/g)) drops[m[1]!] = Number(m[2]);
  return {
    state: field('state'),
    priority: Number(prio[1]),
    basePriority: Number(prio[2]),
    master: field('master'),
    advertsReceived: Number(field('adverts_received')),
    prio0Sent: Number(zero[1]),
    prio0Received: Number(zero[2]),
    drops,
    text,
  };
}

/** The smallest haproxy.cfg that starts the proxy engine with a runtime API (for `show vrrp`). */
function haproxyCfg(sock: string | undefined): string {
  return `global\n${sock ? `    stats socket ${sock} mode 600 level admin\n` : ''}`;
}

/**
 * hapair (`hapair -f … -k … -db`: the proxy engine and its VRRP process) in a
 * lab namespace, through src/lab/node-process.ts. Records every log line.
 */
export class HapairNode {
  readonly records: LogRecord[] = [];
  readonly proc: NodeProcess;
  readonly sock: string | undefined;

  constructor(
    readonly name: string,
    readonly node: LabNode,
    dir: string,
    keepalivedConf: string,
    opts: { readonly statsSocket?: boolean } = {},
  ) {
    this.sock = opts.statsSocket === false ? undefined : join(dir, `${name}.sock`);
    const cfg = join(dir, `${name}.cfg`);
    const conf = join(dir, `${name}.conf`);
    writeFileSync(cfg, haproxyCfg(this.sock));
    writeFileSync(conf, keepalivedConf);
    this.proc = new NodeProcess({
      name,
      haproxyCfg: cfg,
      keepalivedConf: conf,
      netns: node.ns,
      onLog: (rec) => this.records.push(rec as unknown as LogRecord),
    });
  }

  start(): this {
    this.proc.start();
    return this;
  }

  /** Last state logged (INIT before the first transition, DEAD once the process exited). */
  get state(): string {
    return this.proc.state;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  transitions(): Transition[] {
    return this.records
      .filter((r) => typeof r.from === 'string' && typeof r.to === 'string' && / → /.test(r.msg))
      .map((r) => ({ from: String(r.from), to: String(r.to), reason: String(r.reason), time: r.time }));
  }

  /** Log records whose message matches `re`. */
  logged(re: RegExp): LogRecord[] {
    return this.records.filter((r) => re.test(r.msg));
  }

  story(): string {
    const ts = this.transitions().map((t) => `${t.from}→${t.to} (${t.reason})`);
    // A node that died says why in its last warnings and errors.
    const why = this.state === 'DEAD' ? this.records.filter((r) => r.level >= 40).slice(-5) : [];
    return `${this.name}: ${ts.join(' | ') || 'no transition'}; now ${this.state}${why.map((r) => `\n  ${r.msg}`).join('')}`;
  }

  async show(): Promise<VrrpShow> {
    assert.ok(this.sock, `${this.name} has no stats socket`);
    return parseShowVrrp(await sendCommand(this.sock, 'show vrrp', 3000));
  }

  /**
   * `show vrrp`, or undefined while it has no instance to show: the runtime API
   * answers before the VRRP process has reported ready ("No VRRP instance.").
   */
  async tryShow(): Promise<VrrpShow | undefined> {
    assert.ok(this.sock, `${this.name} has no stats socket`);
    const text = await sendCommand(this.sock, 'show vrrp', 3000);
    return text.startsWith('vrrp_instance ') ? parseShowVrrp(text) : undefined;
  }

  async waitState(state: string, ms: number, others: readonly HapairNode[] = []): Promise<void> {
    await waitUntil(
      `${this.name} ${state}`,
      () => this.state === state,
      ms,
      () => [this, ...others].map((n) => n.story()).join('\n'),
    );
  }

  /** Signals the main process (or, with `group`, every process of the node) and waits for it to exit. */
  kill(signal: NodeJS.Signals, group = false): Promise<void> {
    return this.proc.kill(signal, { group, timeoutMs: 5000 });
  }
}

/** Whether `addr` is on the node's eth0. */
export async function holds(lab: Lab, ns: string, addr: string): Promise<boolean> {
  const r = await lab.exec(ns, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  return r.stdout.includes(` ${addr}/`);
}

/** Which of `nodes` hold `addr`, by name. */
export async function holders(lab: Lab, nodes: readonly { name: string; ns: string }[], addr: string) {
  const out: string[] = [];
  for (const n of nodes) if (await holds(lab, n.ns, addr)) out.push(n.name);
  return out;
}

/** Removes `addr/prefix` from eth0 if a killed node left it there. */
export async function dropAddress(lab: Lab, ns: string, addrPrefix: string): Promise<void> {
  await lab.exec(ns, 'ip', ['addr', 'del', addrPrefix, 'dev', 'eth0']).catch(() => undefined);
}

/** PIDs of every process inside `ns` (the test's own excluded). */
export async function pidsIn(ns: string): Promise<number[]> {
  const r = await execFileP('ip', ['netns', 'pids', ns], { timeout: 5000 });
  return r.stdout
    .split('\n')
    .map((s) => Number.parseInt(s, 10))
    .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/**
 * Kills every PID as if the box died: all are stopped first, then killed. A
 * plain SIGKILL loop is not atomic: on a busy host a VRRP process may outlive
 * its parent by a few milliseconds, see it go and shut down cleanly with a
 * priority 0 advert (seen in this lab: hapair's VRRP process on its IPC
 * disconnect, 5 ms after the kill), which is a stop, not a death. A stopped
 * process notices nothing, so nobody reacts between the two loops.
 */
export function killAll(pids: readonly number[]): void {
  signal(pids, 'SIGSTOP');
  signal(pids, 'SIGKILL');
}

export interface InstanceSpec {
  readonly name?: string;
  readonly vrid?: number;
  readonly priority: number;
  readonly version?: 2 | 3;
  /** Seconds. */
  readonly advertInt?: number;
  readonly state?: 'MASTER' | 'BACKUP';
  readonly authPass?: string;
  /** `ADDR/PREFIX` entries of virtual_ipaddress. */
  readonly vips?: readonly string[];
  /** Lines added to the vrrp_instance block as they are (nopreempt, track_script { … }, notify …). */
  readonly extra?: readonly string[];
}

export const VIP = '198.18.0.100';

/** One vrrp_instance block on eth0, multicast, in keepalived.conf(5) syntax; `head` goes before it. */
export function keepalivedConf(spec: InstanceSpec, head = ''): string {
  const vips = spec.vips ?? [`${VIP}/24`];
  const lines = [
    `vrrp_instance ${spec.name ?? 'VI_1'} {`,
    `    state ${spec.state ?? 'BACKUP'}`,
    '    interface eth0',
    `    virtual_router_id ${spec.vrid ?? 51}`,
    `    priority ${spec.priority}`,
    `    version ${spec.version ?? 3}`,
    `    advert_int ${spec.advertInt ?? 0.1}`,
    ...(spec.authPass !== undefined
      ? ['    authentication {', '        auth_type PASS', `        auth_pass ${spec.authPass}`, '    }']
      : []),
    ...(spec.extra ?? []).map((l) => `    ${l}`),
    '    virtual_ipaddress {',
    ...vips.map((v) => `        ${v} dev eth0`),
    '    }',
    '}',
  ];
  return `${head}${lines.join('\n')}\n`;
}

/**
 * RFC 5798 §6.1 for VRRPv3: Skew_Time = ((256 − Priority) × Master_Adver_Interval) / 256
 * and Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time, in ms.
 */
export function v3Timers(priority: number, advertIntMs: number): { skew: number; masterDown: number } {
  const skew = ((256 - priority) * advertIntMs) / 256;
  return { skew, masterDown: 3 * advertIntMs + skew };
}
