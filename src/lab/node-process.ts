/**
 * One hapair node of the demo or lab, started as a real process
 * (`hapair -f … -k …`, or `-W` for master-worker), optionally inside a
 * network namespace. Its JSON logs are parsed to follow VRRP transitions and,
 * under `-W`, the master's proxy workers; everything it starts is stopped by
 * PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const MAIN_JS = join(here, '../cli/main.js');

export interface Transition {
  readonly instance: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  /** performance.now() in this (observing) process. */
  readonly at: number;
}

/** A proxy worker the master reported ready (its "worker ready" log line). */
export interface WorkerReady {
  readonly pid: number;
  /** The master that reported it (the record's `pid`). */
  readonly masterPid: number;
  readonly index: number;
  readonly gen: number;
  /** performance.now() in this (observing) process. */
  readonly at: number;
}

const TRANSITION = /^(\S+): (\w+) → (\w+): (.*)$/;

export interface NodeProcessOptions {
  readonly name: string;
  readonly haproxyCfg: string;
  readonly keepalivedConf: string;
  /** Run inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
  /** Pass --no-vip: VIPs only logged. */
  readonly noVip?: boolean;
  /** Run as master-worker (`-W`): proxy workers forked by a master, which also runs the VRRP process. */
  readonly masterWorker?: boolean;
  /** Called with every log record (parsed JSON) for display. */
  readonly onLog?: (rec: Record<string, unknown>) => void;
}

export class NodeProcess extends EventEmitter {
  readonly name: string;
  private proc: ChildProcess | undefined;
  state = 'INIT';
  readonly transitions: Transition[] = [];
  /** Every worker the master reported ready, in order (restarted ones included). */
  readonly workerReadies: WorkerReady[] = [];
  /** The workers reported ready and not yet reported dead, by PID. */
  private readonly liveWorkers = new Map<number, WorkerReady>();

  constructor(private readonly opts: NodeProcessOptions) {
    super();
    this.name = opts.name;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  start(): void {
    const args = [MAIN_JS, '-f', this.opts.haproxyCfg, '-k', this.opts.keepalivedConf, '-db'];
    if (this.opts.masterWorker) args.push('-W');
    if (this.opts.noVip) args.push('--no-vip');
    const [file, argv] = this.opts.netns
      ? ['ip', ['netns', 'exec', this.opts.netns, process.execPath, ...args]]
      : [process.execPath, args];
    // Its own process group, so a box death can kill the node and its VRRP process at once.
    const p = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    this.proc = p;
    this.state = 'INIT';
    this.liveWorkers.clear();
    createInterface({ input: p.stderr! }).on('line', (line) => this.onLine(line));
    p.on('exit', (code, signal) => {
      this.state = 'DEAD';
      this.emit('exit', code, signal);
    });
  }

  private onLine(line: string): void {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.opts.onLog?.({ msg: line, level: 50 });
      return;
    }
    this.opts.onLog?.(rec);
    this.followWorkers(rec);
    const m = TRANSITION.exec(String(rec.msg ?? ''));
    if (m) {
      const t: Transition = { instance: m[1]!, from: m[2]!, to: m[3]!, reason: m[4]!, at: performance.now() };
      this.state = t.to;
      this.transitions.push(t);
      this.emit('transition', t);
    }
  }

  /** The master's worker lines (src/process/master.ts): "worker ready" and "worker died; restarting it". */
  private followWorkers(rec: Record<string, unknown>): void {
    const pid = rec.workerPid;
    if (typeof pid !== 'number') return;
    if (rec.msg === 'worker ready') {
      const w: WorkerReady = {
        pid,
        masterPid: Number(rec.pid),
        index: Number(rec.worker),
        gen: Number(rec.gen),
        at: performance.now(),
      };
      this.liveWorkers.set(pid, w);
      this.workerReadies.push(w);
      this.emit('worker-ready', w);
    } else if (String(rec.msg).startsWith('worker died')) {
      this.liveWorkers.delete(pid);
    }
  }

  /** PIDs of the proxy workers serving now, as the master's log tells (none without `-W`). */
  get workerPids(): number[] {
    return [...this.liveWorkers.keys()];
  }

  /**
   * Sends `signal` to every serving proxy worker at once (not the master,
   * not the VRRP process); returns their PIDs. Each PID is checked to be
   * still a child of the master that reported it, so a PID reused after a
   * death the log has not told yet is never signalled.
   */
  signalWorkers(signal: NodeJS.Signals): number[] {
    const pids = [...this.liveWorkers.values()]
      .filter((w) => parentOf(w.pid) === w.masterPid)
      .map((w) => w.pid);
    for (const pid of pids) process.kill(pid, signal);
    return pids;
  }

  /** Resolves once `count` workers have been reported ready after `since` (performance.now()). */
  waitWorkersReady(count: number, since: number, timeoutMs: number): Promise<WorkerReady[]> {
    const fresh = () => this.workerReadies.filter((w) => w.at > since);
    if (fresh().length >= count) return Promise.resolve(fresh().slice(0, count));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('worker-ready', on);
        reject(new Error(`${this.name}: ${fresh().length}/${count} workers ready within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = () => {
        if (fresh().length < count) return;
        clearTimeout(timer);
        this.off('worker-ready', on);
        resolve(fresh().slice(0, count));
      };
      this.on('worker-ready', on);
    });
  }

  /**
   * Waits until the node reports `state` (resolves at once if it already is).
   * With `since` (performance.now()), waits for a transition to `state` after
   * that instant instead, whatever the state is now.
   */
  waitFor(state: string, timeoutMs: number, since?: number): Promise<Transition | undefined> {
    if (since === undefined) {
      if (this.state === state) return Promise.resolve(this.transitions.at(-1));
    } else {
      const seen = this.transitions.find((t) => t.at > since && t.to === state);
      if (seen) return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('transition', on);
        reject(new Error(`${this.name} did not become ${state} within ${timeoutMs} ms (now ${this.state})`));
      }, timeoutMs);
      const on = (t: Transition) => {
        if (t.to !== state) return;
        clearTimeout(timer);
        this.off('transition', on);
        resolve(t);
      };
      this.on('transition', on);
    });
  }

  /**
   * Sends a signal to the node's main process (or, with `group`, to every
   * process of the node at once, as when a box dies) and waits for the main
   * process to exit (bounded).
   */
  async kill(signal: NodeJS.Signals, opts: { group?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const p = this.proc;
    if (!p || p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
    const pid = p.pid;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    try {
      process.kill(opts.group ? -pid : pid, signal);
    } catch {
      // already gone
    }
    const t = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, opts.timeoutMs ?? 10_000);
    await exited;
    clearTimeout(t);
  }
}

/** The parent PID of `pid` (field 4 of /proc/<pid>/stat), undefined once it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: fields follow the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
