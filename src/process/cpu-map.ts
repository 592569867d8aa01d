/**
 * `cpu-map` (HAProxy global): pins worker N to a CPU set. hapair's workers are
 * HAProxy's threads, so `cpu-map 1/2 1`, `cpu-map 2 1` and `cpu-map auto:1/1-2
 * 0-1` all address worker 2 (1-based). Applied with util-linux's `taskset` on
 * the worker's pid: Node has no sched_setaffinity.
 */
import { execFile } from 'node:child_process';
import type { GlobalConfig } from '../config/haproxy/model.js';
import type { Logger } from '../core/logger.js';

function inSet(set: string, n: number): boolean {
  if (set === 'all') return true;
  if (set === 'odd') return n % 2 === 1;
  if (set === 'even') return n % 2 === 0;
  return set.split(',').some((part) => {
    const [lo, hi] = part.split('-');
    const a = Number(lo);
    const b = hi === undefined ? a : hi === '' ? Number.MAX_SAFE_INTEGER : Number(hi);
    return n >= a && n <= b;
  });
}

/** CPU list for worker `n` (1-based), for `taskset -c`; undefined when no line maps it. */
export function cpusFor(cpuMap: GlobalConfig['cpuMap'], n: number): string | undefined {
  let found: string | undefined;
  for (const { worker, cpus } of cpuMap) {
    const auto = worker.startsWith('auto:');
    const spec = auto ? worker.slice(5) : worker;
    const set = spec.includes('/') ? spec.split('/')[1]! : spec;
    if (!inSet(set, n)) continue;
    const list = cpus.split(/\s+/).join(',');
    if (!auto) {
      found = list;
      continue;
    }
    // auto: the Nth member of the worker set gets the Nth CPU of the CPU set.
    const members: number[] = [];
    for (let i = 1; i <= 4096 && members.length < 4096; i++) if (inSet(set, i)) members.push(i);
    const cpuList = list.split(',').flatMap((r) => {
      const [lo, hi] = r.split('-');
      const a = Number(lo);
      const b = hi === undefined ? a : Number(hi);
      return Array.from({ length: b - a + 1 }, (_, k) => a + k);
    });
    const cpu = cpuList[members.indexOf(n)];
    if (cpu !== undefined) found = String(cpu);
  }
  return found;
}

export function applyCpuMap(cpuMap: GlobalConfig['cpuMap'], n: number, pid: number, log: Logger): void {
  const cpus = cpusFor(cpuMap, n);
  if (cpus === undefined) return;
  execFile('taskset', ['-pc', cpus, String(pid)], (err) => {
    if (err) log.error({ pid, cpus, err: err.message }, 'cpu-map: taskset failed (install util-linux)');
    else log.info({ pid, worker: n, cpus }, 'cpu-map applied');
  });
}
