/**
 * Command runner seam: the VIP driver (`ip`, `arping`), notify hooks and
 * script probes run external programs only through a CommandRunner, so tests
 * can record or fake them. The real runner uses execFile (never a shell unless
 * the caller asks for `sh -c` explicitly, as keepalived scripts require),
 * enforces a timeout by killing the whole process group, and never throws:
 * failures come back as results.
 */
import { spawn } from 'node:child_process';

export interface CommandResult {
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** Spawn error (ENOENT when the program is missing). */
  readonly error?: NodeJS.ErrnoException;
  readonly durationMs: number;
}

export interface CommandOptions {
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly gid?: number;
  /** Cap on captured output per stream (bytes). */
  readonly maxOutput?: number;
}

export interface CommandRunner {
  run(file: string, args: readonly string[], opts?: CommandOptions): Promise<CommandResult>;
}

export const realRunner: CommandRunner = {
  run(file, args, opts = {}) {
    const started = performance.now();
    const max = opts.maxOutput ?? 64 * 1024;
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      let settled = false;
      const child = spawn(file, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: opts.env ?? process.env,
        ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
        ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
      });
      const finish = (r: Omit<CommandResult, 'stdout' | 'stderr' | 'timedOut' | 'durationMs'>) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        resolve({ ...r, stdout, stderr, timedOut, durationMs: performance.now() - started });
      };
      child.stdout.on('data', (d: Buffer) => {
        if (stdout.length < max) stdout += d.toString('utf8');
      });
      child.stderr.on('data', (d: Buffer) => {
        if (stderr.length < max) stderr += d.toString('utf8');
      });
      const timer =
        opts.timeoutMs !== undefined
          ? setTimeout(() => {
              timedOut = true;
              // Kill the whole group: a shell script's children must not outlive it.
              try {
                if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
              } catch {
                child.kill('SIGKILL');
              }
            }, opts.timeoutMs)
          : undefined;
      child.on('error', (error) => finish({ code: null, signal: null, error }));
      child.on('close', (code, signal) => finish({ code, signal }));
    });
  },
};
