/**
 * One hapair node of the demo or lab, started as a real process
 * (`hapair -f … -k …`), optionally inside a network namespace. Its JSON logs
 * are parsed to follow VRRP transitions; everything it starts is stopped by
 * PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
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

const TRANSITION = /^(\S+): (\w+) → (\w+): (.*)$/;

export interface NodeProcessOptions {
  readonly name: string;
  readonly haproxyCfg: string;
  readonly keepalivedConf: string;
  /** Run inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
  /** Pass --no-vip: VIPs only logged. */
  readonly noVip?: boolean;
  /** Called with every log record (parsed JSON) for display. */
  readonly onLog?: (rec: Record<string, unknown>) => void;
}

export class NodeProcess extends EventEmitter {
  readonly name: string;
  private proc: ChildProcess | undefined;
  state = 'INIT';
  readonly transitions: Transition[] = [];

  constructor(private readonly opts: NodeProcessOptions) {
    super();
    this.name = opts.name;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  start(): void {
    const args = [MAIN_JS, '-f', this.opts.haproxyCfg, '-k', this.opts.keepalivedConf, '-db'];
    if (this.opts.noVip) args.push('--no-vip');
    const [file, argv] = this.opts.netns
      ? ['ip', ['netns', 'exec', this.opts.netns, process.execPath, ...args]]
      : [process.execPath, args];
    // Its own process group, so a box death can kill the node and its VRRP process at once.
    const p = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    this.proc = p;
    this.state = 'INIT';
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
    const m = TRANSITION.exec(String(rec.msg ?? ''));
    if (m) {
      const t: Transition = { instance: m[1]!, from: m[2]!, to: m[3]!, reason: m[4]!, at: performance.now() };
      this.state = t.to;
      this.transitions.push(t);
      this.emit('transition', t);
    }
  }

  /** Waits until the node reports `state` (resolves at once if it already is). */
  waitFor(state: string, timeoutMs: number): Promise<Transition | undefined> {
    if (this.state === state) return Promise.resolve(this.transitions.at(-1));
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
