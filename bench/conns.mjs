#!/usr/bin/env node
// Memory per concurrent connection (issue #3's "10,000 concurrent connections" target):
// N client connections held open through haproxy and through hapair (mode tcp: idle pairs;
// mode http: one keep-alive request each, then idle), nginx behind both. Reports each
// proxy's RSS before and with the N connections open, and the KiB per connection.
// N is 10,000 unless the file-descriptor limit is lower (a proxy holds 2 fds per connection);
// the N used is printed. Results replace the "Concurrent connections" section of RESULTS.md.
// Usage: (cd .. && npx tsc -p tsconfig.json) && node bench/conns.mjs [hold-seconds, default 60]
// Needs nginx and haproxy. Every process it starts is killed by PID at the end.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, start, stopChildren, version } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
let tmp;
const HOLD = Number(process.argv[2] ?? 60);

async function serve(file) {
  const { createLogger } = await import('../dist/src/core/logger.js');
  const { loadHaproxyConfig } = await import('../dist/src/config/haproxy/index.js');
  const { startProxyEngine } = await import('../dist/src/proxy/engine.js');
  const engine = await startProxyEngine(loadHaproxyConfig([file]), { log: createLogger({ level: 'warn' }) });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => engine.stop({ grace: 0 }).then(() => process.exit(0)));
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Opens `n` connections to `port` (http: sends one request on each and reads its answer). */
async function openMany(port, n, http) {
  const socks = [];
  let answered = 0;
  const batch = 200;
  for (let i = 0; i < n; i += batch) {
    const ready = [];
    for (let k = i; k < Math.min(n, i + batch); k++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      socks.push(s);
      ready.push(
        new Promise((resolve) => {
          s.once('connect', () => {
            if (!http) return resolve();
            s.write('GET / HTTP/1.1\r\nHost: bench\r\n\r\n');
            s.once('data', () => {
              answered++;
              resolve();
            });
          });
          s.once('error', resolve);
          setTimeout(resolve, 10000);
        }),
      );
    }
    await Promise.all(ready);
  }
  return { socks, answered };
}

async function measureProxy(pid, port, n, http) {
  await sleep(300);
  const before = rssKiB(pid);
  const { socks, answered } = await openMany(port, n, http);
  let closed = 0;
  for (const s of socks) s.once('close', () => closed++);
  // Held for HOLD seconds; the peak RSS over the hold is what counts.
  let withConns = 0;
  for (let t = 0; t < HOLD * 2; t++) {
    await sleep(500);
    withConns = Math.max(withConns, rssKiB(pid));
  }
  const open = socks.filter((s) => !s.destroyed && s.readyState === 'open').length;
  const lost = closed;
  for (const s of socks) s.destroy();
  await sleep(1500);
  const after = rssKiB(pid);
  return { before, withConns, after, open, answered, closedDuringHold: lost };
}

function haproxyCfg(mode, port, backend, n) {
  return `global
  nbthread 1
  maxconn ${n + 100}
defaults
  mode ${mode}
  timeout connect 5s
  timeout client ${HOLD + 120}s
  timeout server ${HOLD + 120}s
listen px
  bind 127.0.0.1:${port}
  server s1 127.0.0.1:${backend}
`;
}

async function main() {
  const limit = Number(execFileSync('bash', ['-c', 'ulimit -n']).toString().trim());
  const n = Math.min(10000, Math.floor((limit - 400) / 2));
  tmp = mkdtempSync(join(os.tmpdir(), 'hapair-bench-conns-'));
  for (const d of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi']) mkdirSync(join(tmp, d));
  chmodSync(tmp, 0o755);
  const [b1, ...ports] = await Promise.all(Array.from({ length: 5 }, freePort));
  writeFileSync(
    join(tmp, 'nginx.conf'),
    `daemon off; worker_processes 1; pid ${tmp}/nginx.pid; error_log ${tmp}/nginx.err crit;
worker_rlimit_nofile ${limit};
events { worker_connections ${limit}; }
http { access_log off; keepalive_requests 100000000; keepalive_timeout ${HOLD + 120}s;
client_header_timeout ${HOLD + 120}s;
client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy; fastcgi_temp_path ${tmp}/fcgi;
uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;
server { listen 127.0.0.1:${b1} backlog=4096; location / { return 200 "ok"; } } }
`,
  );
  await start(1, 'nginx', ['-c', join(tmp, 'nginx.conf'), '-p', tmp]);
  const rows = [];
  for (const [i, mode] of ['tcp', 'http'].entries()) {
    for (const who of ['haproxy', 'hapair']) {
      const port = ports[i * 2 + (who === 'hapair' ? 1 : 0)];
      const file = join(tmp, `${who}-${mode}.cfg`);
      writeFileSync(file, haproxyCfg(mode, port, b1, n));
      const proc =
        who === 'haproxy'
          ? await start(0, '/usr/sbin/haproxy', ['-db', '-f', file])
          : await start(0, process.execPath, [fileURLToPath(import.meta.url), '--serve', file], 'ready');
      const r = await measureProxy(proc.pid, port, n, mode === 'http');
      process.kill(proc.pid, 'SIGTERM');
      rows.push({ who, mode, ...r });
      process.stdout.write(`${who} ${mode}: ${JSON.stringify(r)}\n`);
    }
  }
  const text = report(rows, n, limit);
  const path = join(here, 'RESULTS.md');
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const at = old.indexOf('\n# Concurrent connections');
  let kept = old;
  if (at >= 0) {
    const next = old.indexOf('\n# ', at + 2);
    kept = old.slice(0, at) + (next >= 0 ? old.slice(next) : '');
  }
  writeFileSync(path, `${kept.replace(/\n+$/, '')}\n\n${text}`);
  process.stdout.write(text);
}

function report(rows, n, limit) {
  const perConn = (r) => ((r.withConns - r.before) / Math.max(1, r.open)).toFixed(2);
  const mib = (k) => (k / 1024).toFixed(1);
  const lines = rows.map(
    (r) =>
      `| ${r.who} | ${r.mode} | ${r.open} | ${r.closedDuringHold} | ${mib(r.before)} | ${mib(r.withConns)} | ${perConn(r)} | ${mib(r.after)} |`,
  );
  const ratio = (mode) => {
    const hp = rows.find((r) => r.who === 'haproxy' && r.mode === mode);
    const ha = rows.find((r) => r.who === 'hapair' && r.mode === mode);
    return hp && ha ? (ha.withConns / hp.withConns).toFixed(2) : '–';
  };
  return [
    '# Concurrent connections',
    '',
    `Generated by \`node bench/conns.mjs\` on ${new Date().toISOString()}; ${version('/usr/sbin/haproxy', ['-v'])}; node ${process.version}.`,
    '',
    `${n} client connections held open through each proxy (limited by this machine's file-descriptor`,
    `limit of ${limit}: a proxy holds two descriptors per connection). mode tcp: idle connection pairs;`,
    `mode http: one keep-alive request answered on each, then idle; held ${HOLD} s. RSS from /proc/PID/status`,
    "(peak over the hold). Target (issue #3): 10,000 connections held 60 s under 400 MB RSS, none lost.",
    '',
    '| proxy | mode | open at the end | lost during hold | RSS before MiB | peak RSS with conns MiB | KiB per conn | RSS after close MiB |',
    '|---|---|---|---|---|---|---|---|',
    ...lines,
    '',
    `RSS with the connections open, hapair/haproxy: tcp **${ratio('tcp')}**, http **${ratio('http')}**.`,
    '',
  ].join('\n');
}

function cleanup() {
  stopChildren();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

if (process.argv[2] === '--serve') {
  serve(process.argv[3]);
} else {
  main()
    .catch((e) => {
      process.stderr.write(`${e.stack ?? e}\n`);
      process.exitCode = 1;
    })
    .finally(cleanup);
}
