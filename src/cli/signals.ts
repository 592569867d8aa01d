/**
 * Process-level plumbing shared by the run commands: pid files and stop signals.
 */
import { unlinkSync, writeFileSync } from 'node:fs';

export function writePidfile(path: string | undefined, pid = process.pid): void {
  if (path) writeFileSync(path, `${pid}\n`);
}

export function removePidfile(path: string | undefined): void {
  if (!path) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone: nothing to clean
  }
}

/**
 * Calls `stop(signal)` once on SIGTERM/SIGINT (and SIGUSR1 when `soft` is
 * given), then exits. A second signal while stopping exits at once.
 */
export function onStopSignals(
  stop: (signal: NodeJS.Signals) => Promise<void>,
  signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): void {
  let stopping = false;
  for (const s of signals) {
    process.on(s, () => {
      if (stopping) process.exit(1);
      stopping = true;
      stop(s).then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`hapair: error while stopping: ${(err as Error).message}\n`);
          process.exit(1);
        },
      );
    });
  }
}
