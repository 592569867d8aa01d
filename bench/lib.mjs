// Helpers shared by the benchmark scripts (tcp.mjs, http.mjs): pinned child
// processes, wrk runs, and proxy CPU per request from /proc.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const children = [];

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `file args` pinned to `cpu`; resolves once `readyText` is printed (or after 700 ms without one). */
export function start(cpu, file, args, readyText) {
  const child = spawn('taskset', ['-c', String(cpu), file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => (readyText ? reject(new Error(`${file} not ready: ${out}`)) : resolve(child)),
      readyText ? 10000 : 700,
    );
    const onData = (d) => {
      out += d;
      if (readyText && out.includes(readyText)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${file} exited with ${code}: ${out}`)));
  });
}

/** SIGTERM to every process start() launched, by PID. */
export function stopChildren() {
  for (const c of children) {
    if (c.exitCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGTERM');
      } catch {}
    }
  }
}

export function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function toMs(v) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  if (!m) return Number.NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

/**
 * One wrk run pinned to CPU 1. `close` sends `Connection: close`; `readErrors`
 * counts wrk's read errors as errors (with close, a server closing after the
 * answer shows up there and is not an error).
 */
export function wrk(url, { conns, seconds, close = false, readErrors = true }) {
  const extra = close ? ['-H', 'Connection: close'] : [];
  const args = ['-c', '1', 'wrk', '-t1', `-c${conns}`, `-d${seconds}s`, '--latency', ...extra, url];
  const out = execFileSync('taskset', args, { maxBuffer: 1 << 20 }).toString();
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sockErrors = sock ? Number(sock[1]) + (readErrors ? Number(sock[2]) : 0) + Number(sock[3]) : 0;
  return {
    reqs: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50: toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
    p99: toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
    errors: sockErrors + non2xx,
    timeouts: sock ? Number(sock[4]) : 0,
  };
}

/** A 2 s unmeasured warm-up (JIT for hapair, equal treatment for the others), then the measured run. */
export function measure(pid, url, opts) {
  wrk(url, { ...opts, seconds: 2 });
  const before = pid ? cpuTicks(pid) : 0;
  const r = wrk(url, opts);
  const ticks = pid ? cpuTicks(pid) - before : 0;
  return { ...r, usPerReq: pid && r.reqs ? (ticks * 1e6) / CLK_TCK / r.reqs : undefined };
}

export function version(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0].trim();
}
