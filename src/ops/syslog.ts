/**
 * Log targets of haproxy.cfg (`log ADDR[:PORT] [len N] [format F] FACILITY
 * [LEVEL [MINLEVEL]]`, `log stdout|stderr …`): one sender per proxy fans a
 * line out to every target, as HAProxy's __send_log() does. UDP syslog is
 * fire-and-forget (a lost datagram never blocks the data path); formats
 * follow HAProxy's: rfc3164 `<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG`, rfc5424
 * `<PRI>1 ISO-TIME HOST TAG PID - - MSG`, short `<PRI>MSG`, raw `MSG`.
 */
import { createSocket, type Socket } from 'node:dgram';
import { hostname } from 'node:os';
import type { LogTarget } from '../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../core/errors.js';

const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'auth2',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'cron2',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
];
export const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
export type LogLevel = (typeof LEVELS)[number];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function rfc3164Time(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Builds the datagram for one line; exported for tests. */
export function formatSyslog(
  t: LogTarget,
  level: LogLevel,
  msg: string,
  now: Date,
  tag: string,
  pid: number,
): string {
  const pri = FACILITIES.indexOf(t.facility) * 8 + LEVELS.indexOf(level);
  let out: string;
  switch (t.format) {
    case 'raw':
      out = msg;
      break;
    case 'short':
      out = `<${pri}>${msg}`;
      break;
    case 'rfc5424':
      out = `<${pri}>1 ${now.toISOString()} ${hostname()} ${tag} ${pid} - - ${msg}`;
      break;
    default:
      out = `<${pri}>${rfc3164Time(now)} ${tag}[${pid}]: ${msg}`;
  }
  return t.len > 0 && out.length > t.len ? out.slice(0, t.len) : out;
}

export class LogSender {
  private socket4: Socket | undefined;
  private socket6: Socket | undefined;

  constructor(
    private readonly targets: readonly LogTarget[],
    private readonly tag = 'hapair',
  ) {
    for (const t of targets) {
      if (t.target === 'stdout' || t.target === 'stderr') continue;
      const fam = t.addr?.family;
      if (fam !== 'ipv4' && fam !== 'ipv6' && fam !== 'hostname') {
        throw new ConfigError(
          ConfigCode.Unsupported,
          t.loc,
          'log',
          `log target '${t.target}': only UDP addresses, stdout and stderr are supported by hapair yet`,
        );
      }
    }
  }

  /** Sends `msg` at `level` to every target whose level lets it through. */
  send(msg: string, level: LogLevel = 'info'): void {
    const now = new Date();
    for (const t of this.targets) {
      const max = t.level ? LEVELS.indexOf(t.level as LogLevel) : LEVELS.length - 1;
      const min = t.minLevel ? LEVELS.indexOf(t.minLevel as LogLevel) : 0;
      const lv = LEVELS.indexOf(level);
      if (lv > max || lv < min) continue;
      const line = formatSyslog(t, level, msg, now, this.tag, process.pid);
      if (t.target === 'stdout') process.stdout.write(`${line}\n`);
      else if (t.target === 'stderr') process.stderr.write(`${line}\n`);
      else this.udp(t, line);
    }
  }

  private udp(t: LogTarget, line: string): void {
    const a = t.addr!;
    const v6 = a.family === 'ipv6';
    let s = v6 ? this.socket6 : this.socket4;
    if (!s) {
      s = createSocket(v6 ? 'udp6' : 'udp4');
      s.on('error', () => undefined);
      s.unref();
      if (v6) this.socket6 = s;
      else this.socket4 = s;
    }
    s.send(line, a.port || 514, a.host);
  }

  close(): void {
    this.socket4?.close();
    this.socket6?.close();
  }
}

/** One sender per proxy that has log targets, by proxy name. */
export function proxyLogSenders(
  proxies: readonly { name: string; logs: readonly LogTarget[] }[],
): Map<string, LogSender> {
  const m = new Map<string, LogSender>();
  for (const p of proxies) if (p.logs.length > 0) m.set(p.name, new LogSender(p.logs));
  return m;
}

/**
 * The engine's traffic log sink: a frontend's line goes to its log targets,
 * or to the process log (at info, naming the frontend) when it has none.
 */
export function trafficLogSink(
  senders: ReadonlyMap<string, LogSender>,
  log: { info(obj: object, msg: string): void },
): (frontend: string, line: string) => void {
  return (fe, line) => {
    const s = senders.get(fe);
    if (s) s.send(line);
    else log.info({ obj: `frontend/${fe}` }, line);
  };
}
