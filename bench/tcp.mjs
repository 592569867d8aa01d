#!/usr/bin/env node
// TCP-mode benchmark: wrk → {nginx directly, haproxy, hapair} → 2 nginx backends.
// Pinned with taskset: the proxy on CPU 0, wrk (and nginx) on CPU 1. For each
// scenario it reports requests/s, the proxy's CPU µs per request (utime+stime
// from /proc/PID/stat), p50/p99 latency and wrk errors, and the hapair/haproxy
// CPU ratio from the same run; then writes bench/RESULTS.md.
// Usage: (cd .. && npx tsc -p tsconfig.json) && node bench/tcp.mjs [seconds-per-run]
// Needs nginx, haproxy, wrk and taskset on PATH (or /usr/sbin). Every process it
// starts is killed by PID at the end.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.argv[2] ?? 10);
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const tmp = mkdtempSync(join(os.tmpdir(), 'hapair-bench-'));
const children = [];

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function start(cpu, file, args, readyText) {
  const child = spawn('taskset', ['-c', String(cpu), file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (readyText ? reject(new Error(`${file} not ready: ${out}`)) : resolve(child)), readyText ? 10000 : 700);
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

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function toMs(v) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  if (!m) return Number.NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

function wrk(url, conns, seconds = SECONDS) {
  const args = ['-c', '1', 'wrk', '-t1', `-c${conns}`, `-d${seconds}s`, '--latency', url];
  const out = execFileSync('taskset', args, { maxBuffer: 1 << 20 }).toString();
  const reqs = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p50 = toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99 = toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = sock ? Number(sock[1]) + Number(sock[2]) + Number(sock[3]) + non2xx : non2xx;
  return { reqs, rps, p50, p99, errors, timeouts: sock ? Number(sock[4]) : 0 };
}

function measure(pid, url, conns) {
  // A short unmeasured run first: JIT warm-up for hapair, equal treatment for the others.
  wrk(url, conns, 2);
  const before = pid ? cpuTicks(pid) : 0;
  const r = wrk(url, conns);
  const ticks = pid ? cpuTicks(pid) - before : 0;
  const usPerReq = pid && r.reqs ? (ticks * 1e6) / CLK_TCK / r.reqs : undefined;
  return { ...r, usPerReq };
}

async function main() {
  const [b1, b2, hapPort, hapairPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  for (const d of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi']) mkdirSync(join(tmp, d));
  writeFileSync(join(tmp, 'big.bin'), Buffer.alloc(1 << 20, 'x'));
  // nginx workers drop privileges when started as root: they must be able to read the file.
  chmodSync(tmp, 0o755);
  chmodSync(join(tmp, 'big.bin'), 0o644);
  const site = (p) =>
    `server { listen 127.0.0.1:${p}; location / { return 200 "ok"; } location /big { alias ${tmp}/big.bin; } }`;
  writeFileSync(
    join(tmp, 'nginx.conf'),
    `daemon off; worker_processes 1; pid ${tmp}/nginx.pid; error_log ${tmp}/nginx.err warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 100000000; default_type application/octet-stream;
client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy; fastcgi_temp_path ${tmp}/fcgi;
uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;
${site(b1)}
${site(b2)} }
`,
  );
  writeFileSync(
    join(tmp, 'haproxy.cfg'),
    `global
  nbthread 1
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
listen px
  bind 127.0.0.1:${hapPort}
  balance roundrobin
  server s1 127.0.0.1:${b1}
  server s2 127.0.0.1:${b2}
`,
  );
  await start(1, 'nginx', ['-c', join(tmp, 'nginx.conf'), '-p', tmp]);
  const haproxy = await start(0, '/usr/sbin/haproxy', ['-db', '-f', join(tmp, 'haproxy.cfg')]);
  const hapair = await start(0, process.execPath, [join(here, 'hapair-tcp.mjs'), String(hapairPort), String(b1), String(b2)], 'ready');
  const scenarios = [
    { name: 'small, c=50', path: '/', conns: 50 },
    { name: 'small, c=1000', path: '/', conns: 1000 },
    { name: '1 MiB, c=10', path: '/big', conns: 10 },
  ];
  const results = [];
  for (const sc of scenarios) {
    const direct = measure(undefined, `http://127.0.0.1:${b1}${sc.path}`, sc.conns);
    const hap = measure(haproxy.pid, `http://127.0.0.1:${hapPort}${sc.path}`, sc.conns);
    const hpr = measure(hapair.pid, `http://127.0.0.1:${hapairPort}${sc.path}`, sc.conns);
    results.push({ sc, direct, hap, hpr });
    process.stdout.write(`${sc.name}: haproxy ${hap.rps.toFixed(0)} req/s ${hap.usPerReq?.toFixed(1)} µs/req; hapair ${hpr.rps.toFixed(0)} req/s ${hpr.usPerReq?.toFixed(1)} µs/req\n`);
  }
  writeFileSync(join(here, 'RESULTS.md'), report(results));
  process.stdout.write(readFileSync(join(here, 'RESULTS.md'), 'utf8'));
}

function version(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0].trim();
}

function report(results) {
  const f = (x, d = 0) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
  const line = (who, r) =>
    `| ${who} | ${f(r.rps)} | ${f(r.usPerReq, 1)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${r.errors} | ${r.timeouts} |`;
  const sections = results.map(({ sc, direct, hap, hpr }) => {
    const ratio = hap.usPerReq && hpr.usPerReq ? (hpr.usPerReq / hap.usPerReq).toFixed(2) : '–';
    return [
      `### ${sc.name}`,
      '',
      '| target | req/s | proxy CPU µs/req | p50 ms | p99 ms | errors | timeouts |',
      '|---|---|---|---|---|---|---|',
      line('nginx direct', direct),
      line('haproxy', hap),
      line('hapair', hpr),
      '',
      `hapair/haproxy CPU per request: **${ratio}**`,
      '',
    ].join('\n');
  });
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  return [
    '# TCP-mode benchmark',
    '',
    `Generated by \`node bench/tcp.mjs ${SECONDS}\` on ${new Date().toISOString()}.`,
    '',
    `Machine: ${os.cpus().length} CPUs (${cpu}), Linux ${os.release()}; node ${process.version};`,
    `${version('/usr/sbin/haproxy', ['-v'])}; ${version('nginx', ['-v'])}; ${version('wrk', ['--version'])}.`,
    '',
    `Setup: wrk -t1 (keep-alive HTTP/1.1) pinned to CPU 1 with the two nginx backends; the proxy`,
    `pinned to CPU 0; haproxy 'mode tcp', nbthread 1, roundrobin over the two nginx; hapair's engine`,
    `in one Node.js process with the same configuration. ${SECONDS} s per run. CPU µs/request are`,
    `the proxy's utime+stime over the run divided by the requests wrk completed.`,
    '',
    'Requests/s depend on how busy CPU 1 (wrk + nginx) is and vary a lot between runs on a shared',
    'machine; CPU per request is the comparison that stays stable, and the ratio compares the two',
    'proxies within the same run.',
    '',
    ...sections,
  ].join('\n');
}

function cleanup() {
  for (const c of children) {
    if (c.exitCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGTERM');
      } catch {}
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}

main()
  .catch((e) => {
    process.stderr.write(`${e.stack ?? e}\n`);
    process.exitCode = 1;
  })
  .finally(cleanup);
