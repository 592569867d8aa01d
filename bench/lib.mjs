// Helpers shared by the benchmark scripts: pinned child processes, wrk runs, proxy CPU per
// request from /proc, --help handling and the sections of RESULTS.md.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const children = [];
const RESULTS = `${dirname(fileURLToPath(import.meta.url))}/RESULTS.md`;

/**
 * Prints `usage` and exits 0 when the command line holds `--help` or `-h`. Called by every script
 * before it starts a process or writes a file.
 */
export function exitOnHelp(usage) {
  const args = process.argv.slice(2);
  if (!args.includes('--help') && !args.includes('-h')) return;
  process.stdout.write(`${usage.replace(/\n+$/, '')}\n`);
  process.exit(0);
}

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

/**
 * nginx with one worker pinned to `cpu`, one site per port of `ports` answering every request
 * with a 2-byte body naming it: `s1` on the first port, `s2` on the second… (the small-response
 * backend of bench/http.mjs). `dir` must be an empty temporary directory.
 */
export function startNginx(cpu, dir, ports) {
  for (const d of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi']) mkdirSync(`${dir}/${d}`);
  chmodSync(dir, 0o755);
  const sites = ports.map(
    (p, i) => `server { listen 127.0.0.1:${p}; location / { return 200 "s${i + 1}"; } }`,
  );
  writeFileSync(
    `${dir}/nginx.conf`,
    `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/nginx.err warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 100000000; default_type application/octet-stream;
client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${sites.join('\n')} }
`,
  );
  return start(cpu, 'nginx', ['-c', `${dir}/nginx.conf`, '-p', dir]);
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port` (rejects after `ms`). */
export async function waitPort(port, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A master-worker proxy (`hapair -W` or `haproxy -W`) on `cfg`, pinned to `cpus` (a taskset
 * list such as '0' or '0-1'); resolves with the master's child process (its pid is the master's:
 * taskset and bin/hapair exec) once `port` accepts. `log()` returns what it printed so far.
 */
export async function startMasterWorker(kind, cpus, cfg, port) {
  const file =
    kind === 'hapair' ? `${dirname(fileURLToPath(import.meta.url))}/../bin/hapair` : '/usr/sbin/haproxy';
  const child = spawn('taskset', ['-c', cpus, file, '-W', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.log = () => out;
  await waitPort(port);
  return child;
}

/** SIGTERM to `child` (by PID) and wait for it to exit (at most `ms`, then SIGKILL). */
export function stopChild(child, ms = 10000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {}
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {}
  });
}

/** The PIDs of `pid` and of all its descendants (from /proc/PID/task/TID/children). */
export function processTree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tids = [];
    try {
      tids = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const kids = readFileSync(`/proc/${out[i]}/task/${tid}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      } catch {}
    }
  }
  return out;
}

/** cpuTicks() of every process of processTree(pid), by PID (a process gone meanwhile is left out). */
export function treeTicks(pid) {
  const ticks = new Map();
  for (const p of processTree(pid)) {
    try {
      ticks.set(p, cpuTicks(p));
    } catch {}
  }
  return ticks;
}

/**
 * `old` (a RESULTS.md text) with its section `title` (a `# ` heading, up to the next one) replaced
 * by `text`, or with `text` appended when it has none; the other sections are kept as they are.
 */
export function replaceSection(old, title, text) {
  const start = old.startsWith(`${title}\n`) ? 0 : old.indexOf(`\n${title}\n`);
  if (start < 0) return `${old.replace(/\n+$/, '')}\n\n\n${text.replace(/\n+$/, '')}\n`;
  const next = old.indexOf('\n# ', start + 1);
  const before = old.slice(0, start).replace(/\n+$/, '');
  const after = next < 0 ? '' : `\n\n${old.slice(next + 1)}`;
  return `${before}${before ? '\n\n\n' : ''}${text.replace(/\n+$/, '')}\n${after}`;
}

/**
 * Writes `text` (which starts with its `# ` heading `title`) as that section of bench/RESULTS.md
 * with replaceSection(): every other script's sections stay as they are. Returns the file's path.
 */
export function writeSection(title, text) {
  if (!text.startsWith(`${title}\n`)) throw new Error(`section text does not start with '${title}'`);
  const old = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
  writeFileSync(RESULTS, replaceSection(old, title, text));
  return RESULTS;
}
