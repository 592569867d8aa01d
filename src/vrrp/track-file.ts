/**
 * keepalived `track_file` (keepalived.conf(5)): the file holds an integer; the
 * instance's priority moves by value × weight. keepalived watches with inotify;
 * we poll with an asynchronous read (cheap, never blocks adverts). A missing or
 * unreadable file reads as 0, as keepalived does; `init_file` creates it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { TrackFile } from '../config/keepalived/model.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

export class TrackFileWatcher {
  private timer: TimerHandle | undefined;
  private last: number | undefined;
  private stopped = false;

  constructor(
    private readonly tf: TrackFile,
    private readonly onValue: (value: number) => void,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly intervalMs = 200,
  ) {}

  async start(): Promise<void> {
    const init = this.tf.initFile;
    if (init) {
      let exists = true;
      try {
        await readFile(this.tf.path);
      } catch {
        exists = false;
      }
      if (!exists || init.overwrite) await writeFile(this.tf.path, `${init.value}\n`);
    }
    await this.poll();
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    let value = 0;
    try {
      const n = Number.parseInt((await readFile(this.tf.path, 'utf8')).trim(), 10);
      value = Number.isFinite(n) ? n : 0;
    } catch {
      value = 0;
    }
    if (value !== this.last) {
      this.last = value;
      this.log.info({ path: this.tf.path, value }, `track_file ${this.tf.name} now reads ${value}`);
      this.onValue(value);
    }
    if (!this.stopped) this.timer = this.clock.setTimeout(() => void this.poll(), this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }
}
