/**
 * Network-namespace lab (tests, `npm start` as root): a switch namespace holding a
 * bridge, and N node namespaces each wired to it by a veth pair. Every
 * namespace is named `hp-<pid>-…`, so parallel runs never collide and cleanup
 * never touches anything else. Nodes get 198.18.0.(i+1)/24 and
 * fd00:198:18::(i+1)/64 on `eth0`; there is no default route and no link to
 * the host's uplink, so nothing can leave the lab.
 */
import { type ChildProcess, execFile, spawn as spawnChild } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface LabNode {
  readonly ns: string;
  /** Interface name inside the node namespace. */
  readonly ifname: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
}

export interface Lab {
  /** Namespace of the bridge `br0`. */
  readonly sw: string;
  readonly nodes: readonly LabNode[];
  /** Runs `cmd args` inside `ns`; rejects with its stderr on a non-zero exit. */
  exec(ns: string, cmd: string, args: readonly string[], timeoutMs?: number): Promise<ExecResult>;
  /** Starts `cmd args` inside `ns`; destroy() kills it by PID. */
  spawn(ns: string, cmd: string, args: readonly string[]): ChildProcess;
  /** Takes the node's eth0 down / up. */
  linkDown(ns: string): Promise<void>;
  linkUp(ns: string): Promise<void>;
  /** Kills every process started in the lab's namespaces and deletes them. Idempotent. */
  destroy(): Promise<void>;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function ip(args: readonly string[]): Promise<void> {
  await execFileP('ip', args, { timeout: 10_000 });
}

async function wireNode(sw: string, ns: string, i: number): Promise<LabNode> {
  const port = `p${i}`;
  await ip(['netns', 'add', ns]);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  await ip(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', sw]);
  await ip(['-n', sw, 'link', 'set', port, 'master', 'br0']);
  await ip(['-n', sw, 'link', 'set', port, 'up']);
  const node = { ns, ifname: 'eth0', ipv4: `198.18.0.${i + 1}`, ipv6: `fd00:198:18::${i + 1}` };
  await ip(['-n', ns, 'addr', 'add', `${node.ipv4}/24`, 'dev', 'eth0']);
  await ip(['-n', ns, '-6', 'addr', 'add', `${node.ipv6}/64`, 'dev', 'eth0', 'nodad']);
  await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  return node;
}

let labSeq = 0;

/** Builds a lab of `nodes` node namespaces (at most 200) on one bridge. */
export async function createLab(nodes: number): Promise<Lab> {
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 200)
    throw new Error(`createLab: bad node count ${nodes}`);
  // pid + sequence: one process may build several labs, one after the other.
  const prefix = `hp-${process.pid}-${++labSeq}-`;
  const sw = `${prefix}sw`;
  const created: string[] = [];
  const children: ChildProcess[] = [];
  const lab = new NetnsLab(sw, created, children);
  try {
    await ip(['netns', 'add', sw]);
    created.push(sw);
    // Bridge without STP (ports forward at once) nor IGMP snooping (VRRP's
    // 224.0.0.18 is flooded whatever the snooping state, but keep it simple).
    await ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0']);
    await ip(['-n', sw, 'link', 'set', 'br0', 'up']);
    for (let i = 0; i < nodes; i++) {
      const ns = `${prefix}n${i + 1}`;
      created.push(ns);
      lab.nodes.push(await wireNode(sw, ns, i));
    }
  } catch (err) {
    await lab.destroy();
    throw err;
  }
  return lab;
}

class NetnsLab implements Lab {
  readonly nodes: LabNode[] = [];
  private destroyed = false;

  constructor(
    readonly sw: string,
    private readonly namespaces: string[],
    private readonly children: ChildProcess[],
  ) {}

  async exec(ns: string, cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<ExecResult> {
    const r = await execFileP('ip', ['netns', 'exec', ns, cmd, ...args], { timeout: timeoutMs });
    return { stdout: r.stdout, stderr: r.stderr };
  }

  spawn(ns: string, cmd: string, args: readonly string[]): ChildProcess {
    const child = spawnChild('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.push(child);
    return child;
  }

  async linkDown(ns: string): Promise<void> {
    await ip(['-n', ns, 'link', 'set', 'eth0', 'down']);
  }

  async linkUp(ns: string): Promise<void> {
    await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const c of this.children) await stopChild(c);
    for (const ns of this.namespaces) {
      // Anything still inside (a daemon's forked child) was started by this lab.
      for (const pid of await pidsIn(ns)) killPid(pid, 'SIGKILL');
      await execFileP('ip', ['netns', 'del', ns], { timeout: 10_000 }).catch(() => undefined);
    }
  }
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM, then SIGKILL after 2 s; resolves once the child has exited. */
async function stopChild(c: ChildProcess): Promise<void> {
  if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  killPid(c.pid, 'SIGTERM');
  const timer = setTimeout(() => c.pid !== undefined && killPid(c.pid, 'SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

async function pidsIn(ns: string): Promise<number[]> {
  try {
    const r = await execFileP('ip', ['netns', 'pids', ns], { timeout: 10_000 });
    return r.stdout
      .split('\n')
      .map((s) => Number.parseInt(s, 10))
      .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
  } catch {
    return [];
  }
}
