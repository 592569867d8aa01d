/**
 * Structured logs through pino. JSON by default; `-d` gives one human line per
 * record. Every record names its object (`frontend/x`, `backend/y/srv`,
 * `vrrp_instance/VI_1`) in the `obj` field: use `child(log, 'backend/y')`.
 */
import { Writable } from 'node:stream';
import { type LevelWithSilent, type Logger, pino } from 'pino';

export type { Logger };

export interface LogOptions {
  readonly level?: LevelWithSilent;
  /** Human-readable single lines instead of JSON. */
  readonly pretty?: boolean;
  /** Where to write; stderr by default so stdout stays free for command output. */
  readonly fd?: number;
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'obj']);

/** Turns one pino JSON record into `HH:MM:SS.mmm LEVEL [obj] msg k=v …`. */
export function prettyLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const t = new Date(typeof rec.time === 'number' ? rec.time : Date.now()).toISOString().slice(11, 23);
  const lvl = LEVEL_NAMES[rec.level as number] ?? String(rec.level);
  const obj = rec.obj ? ` [${String(rec.obj)}]` : '';
  const extra = Object.entries(rec)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${t} ${lvl.padEnd(5)}${obj} ${String(rec.msg ?? '')}${extra ? ` ${extra}` : ''}`;
}

function prettyStream(fd: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const lines = chunk.toString('utf8').split('\n').filter(Boolean).map(prettyLine);
      const out = `${lines.join('\n')}\n`;
      if (fd === 1) process.stdout.write(out, () => cb());
      else process.stderr.write(out, () => cb());
    },
  });
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const fd = opts.fd ?? 2;
  if (opts.pretty) return pino({ level, base: undefined }, prettyStream(fd));
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd, sync: true }));
}

/** A child logger bound to one configuration object. */
export function child(log: Logger, obj: string): Logger {
  return log.child({ obj });
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
