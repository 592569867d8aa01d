/**
 * `show info` (management.txt 9.3; typed form 9.2): process-wide figures as `Name: value`
 * lines, in HAProxy's field order, or typed / JSON with HAProxy's positions
 * and descriptors (stats.c info_fields, stats_dump_info_fields). hapair
 * prints only the fields it can fill truthfully: no memory pools, SSL,
 * compression, pipes or task scheduler, so those lines are absent, the way
 * HAProxy itself drops the fields a build does not have.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { jsonTags, jsonValue } from './stats-json.js';
import type { ProcessCounters } from './types.js';

/** [position, name, descriptor] for the fields hapair fills. */
const INFO_TABLE = [
  [0, 'Name', 'POS:str'],
  [1, 'Version', 'POS:str'],
  [3, 'Nbthread', 'CGS:u32'],
  [4, 'Nbproc', 'CGS:u32'],
  [5, 'Process_num', 'KGP:u32'],
  [6, 'Pid', 'SGP:u32'],
  [7, 'Uptime', 'MDP:str'],
  [8, 'Uptime_sec', 'MDP:u32'],
  [9, 'Memmax_MB', 'CLP:u32'],
  [13, 'Ulimit-n', 'CLP:u32'],
  [15, 'Maxconn', 'CLP:u32'],
  [16, 'Hard_maxconn', 'CLP:u32'],
  [17, 'CurrConns', 'MGP:u32'],
  [18, 'CumConns', 'MCP:u32'],
  [19, 'CumReq', 'MCP:u32'],
  [26, 'ConnRate', 'MRP:u32'],
  [27, 'ConnRateLimit', 'CLP:u32'],
  [29, 'SessRate', 'MRP:u32'],
  [30, 'SessRateLimit', 'CLP:u32'],
  [50, 'node', 'COS:str'],
  [51, 'description', 'COS:str'],
  [52, 'Stopping', 'MGP:u32'],
  [55, 'Listeners', 'MGP:u32'],
  [56, 'ActivePeers', 'MGP:u32'],
  [57, 'ConnectedPeers', 'MGP:u32'],
  [59, 'BusyPolling', 'MGP:u32'],
  [67, 'Memmax_bytes', 'CLP:u32'],
  [70, 'Start_time_sec', 'MDP:u32'],
] as const;

export type InfoName = (typeof INFO_TABLE)[number][1];

/** The values of `show info`; absent names are not printed. */
export type InfoFields = Partial<Record<InfoName, string | number>>;

export type InfoFormat = 'text' | 'typed' | 'json';

export function renderInfo(fields: InfoFields, format: InfoFormat): string {
  const present = INFO_TABLE.filter(([, name]) => fields[name] !== undefined);
  if (format === 'json') {
    const items = present.map(([pos, name, desc]) => {
      const [tags, type] = desc.split(':') as [string, string];
      return `{"field":{"pos":${pos},"name":"${name}"},"processNum":1,${jsonTags(tags)},${jsonValue(type, fields[name]!)}}`;
    });
    return `[${items.join(',')}]\n`;
  }
  return present
    .map(([pos, name, desc]) =>
      format === 'typed' ? `${pos}.${name}.1:${desc}:${fields[name]}\n` : `${name}: ${fields[name]}\n`,
    )
    .join('');
}

/** HAProxy's uptime text: `0d 0h00m15s`. */
export function formatUptime(sec: number): string {
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  return `${d}d ${h}h${String(m).padStart(2, '0')}m${String(s).padStart(2, '0')}s`;
}

/** Soft limit on open files (getrlimit RLIMIT_NOFILE), read from /proc; undefined elsewhere. */
export function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

export interface InfoSource {
  readonly product: string;
  readonly version: string;
  /** Wall-clock ms when the process started. */
  readonly startedAt: number;
  /** Wall-clock ms now. */
  readonly now: number;
  readonly pid: number;
  readonly nbthread: number;
  /** Global `node` (HAProxy defaults it to the host name) and `description`. */
  readonly node?: string;
  readonly description?: string;
  /** Absent when no haproxy.cfg runs here. */
  readonly process?: ProcessCounters;
}

/** The fields hapair knows, from the process and the proxy engine. */
export function collectInfo(src: InfoSource): InfoFields {
  const up = Math.max(0, Math.floor((src.now - src.startedAt) / 1000));
  const p = src.process;
  const nofile = openFilesLimit();
  return {
    Name: src.product,
    Version: src.version,
    Nbthread: src.nbthread,
    Nbproc: 1,
    Process_num: 1,
    Pid: src.pid,
    Uptime: formatUptime(up),
    Uptime_sec: up,
    // No `-m` memory limit in hapair: 0 is HAProxy's "unlimited".
    Memmax_MB: 0,
    ...(nofile !== undefined ? { 'Ulimit-n': nofile } : {}),
    ...(p
      ? {
          // 0: no global maxconn configured, a limit hapair does not invent.
          ...(p.maxconn > 0 ? { Maxconn: p.maxconn, Hard_maxconn: p.hardMaxconn } : {}),
          CurrConns: p.currConns,
          CumConns: p.cumConns,
          CumReq: p.cumReq,
          ConnRate: p.connRate,
          // hapair has no global maxconnrate: 0 is HAProxy's "no limit".
          ConnRateLimit: 0,
          SessRate: p.sessRate,
          SessRateLimit: p.sessRateLimit,
          Stopping: p.stopping ? 1 : 0,
          Listeners: p.listeners,
        }
      : {}),
    node: src.node ?? hostname(),
    ...(src.description ? { description: src.description } : {}),
    // No `peers` sections and no busy polling in hapair.
    ActivePeers: 0,
    ConnectedPeers: 0,
    BusyPolling: 0,
    Memmax_bytes: 0,
    Start_time_sec: Math.floor(src.startedAt / 1000),
  };
}
