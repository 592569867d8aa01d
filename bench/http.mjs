#!/usr/bin/env node
// HTTP-mode benchmark: wrk → {nginx directly, haproxy `mode http`, hapair `mode http`} → 2 nginx
// backends. Same method as bench/tcp.mjs: the proxy pinned on CPU 0, wrk and nginx on CPU 1;
// per scenario the requests/s, the proxy's CPU µs per request (utime+stime from /proc/PID/stat),
// p50/p99 latency, errors, and the hapair/haproxy CPU ratio from the same run. The results
// replace the "# HTTP-mode benchmark" section of bench/RESULTS.md.
// `node bench/http.mjs --serve PORT B1 B2` runs hapair's engine alone (used by the benchmark).
// Every process it starts is killed by PID at the end.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOnHelp, freePort, measure, start, stopChildren, version, writeSection } from './lib.mjs';

exitOnHelp(`usage: node bench/http.mjs [SECONDS=5]

  SECONDS  measured seconds per wrk run (each after a 2 s warm-up)

wrk -> {nginx direct, haproxy, hapair, node-http-proxy} in mode http -> 2 nginx backends.
Writes the "# HTTP-mode benchmark" section of bench/RESULTS.md. Needs nginx, haproxy, wrk,
taskset and a build (npx tsc -p .); node-http-proxy needs \`npm install\` in bench/ (its column
is skipped without it).`);

const here = dirname(fileURLToPath(import.meta.url));

async function serve([listenPort, ...backendPorts]) {
  const { createLogger } = await import('../dist/src/core/logger.js');
  const { startProxyEngine } = await import('../dist/src/proxy/engine.js');
  const { makeBind, makeConfig, makeProxy, makeServer } = await import('../dist/test/helpers/model.js');
  const cfg = makeConfig(
    [
      makeProxy({
        name: 'px',
        mode: 'http',
        binds: [makeBind(`127.0.0.1:${listenPort}`)],
        servers: backendPorts.map((p, i) => makeServer(`s${i + 1}`, `127.0.0.1:${p}`, { id: i + 1 })),
        timeouts: { connect: 5000, client: 30000, server: 30000 },
      }),
    ],
    { maxconn: 8000 },
  );
  const engine = await startProxyEngine(cfg, { log: createLogger({ level: 'warn' }) });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => engine.stop({ grace: 0 }).then(() => process.exit(0)));
}

const SECONDS = Number(process.argv[2] ?? 5);
let tmp;

function configs(b1, b2, hapPort) {
  const site = (p) =>
    `server { listen 127.0.0.1:${p}; location / { return 200 "ok"; } ` +
    `location /16k { alias ${tmp}/16k.bin; } location /big { alias ${tmp}/big.bin; } }`;
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
  mode http
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
}

async function main() {
  tmp = mkdtempSync(join(os.tmpdir(), 'hapair-bench-http-'));
  const [b1, b2, hapPort, hapairPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  for (const d of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi']) mkdirSync(join(tmp, d));
  writeFileSync(join(tmp, '16k.bin'), Buffer.alloc(16 << 10, 'x'));
  writeFileSync(join(tmp, 'big.bin'), Buffer.alloc(1 << 20, 'x'));
  chmodSync(tmp, 0o755);
  for (const f of ['16k.bin', 'big.bin']) chmodSync(join(tmp, f), 0o644);
  configs(b1, b2, hapPort);
  await start(1, 'nginx', ['-c', join(tmp, 'nginx.conf'), '-p', tmp]);
  const haproxy = await start(0, '/usr/sbin/haproxy', ['-db', '-f', join(tmp, 'haproxy.cfg')]);
  const hapair = await start(
    0,
    process.execPath,
    [fileURLToPath(import.meta.url), '--serve', String(hapairPort), String(b1), String(b2)],
    'ready',
  );
  // node-http-proxy, when bench/node_modules has it (`npm install` in bench/).
  let nhp;
  const nhpPort = await freePort();
  if (existsSync(join(here, 'node_modules', 'http-proxy'))) {
    nhp = await start(
      0,
      process.execPath,
      [join(here, 'node-http-proxy.mjs'), String(nhpPort), String(b1), String(b2)],
      'ready',
    );
  } else
    process.stdout.write('node-http-proxy not installed (npm install in bench/): its column is skipped\n');
  const scenarios = [
    { name: 'keep-alive small, c=50', path: '/', conns: 50 },
    { name: 'keep-alive small, c=1000', path: '/', conns: 1000 },
    { name: 'keep-alive 16 KiB, c=50', path: '/16k', conns: 50 },
    { name: 'keep-alive 1 MiB, c=10', path: '/big', conns: 10 },
    { name: 'new connection per request, c=50', path: '/', conns: 50, close: true },
  ];
  const results = [];
  for (const sc of scenarios) {
    const opts = { conns: sc.conns, close: sc.close, seconds: SECONDS, readErrors: false };
    const direct = measure(undefined, `http://127.0.0.1:${b1}${sc.path}`, opts);
    const hap = measure(haproxy.pid, `http://127.0.0.1:${hapPort}${sc.path}`, opts);
    const hpr = measure(hapair.pid, `http://127.0.0.1:${hapairPort}${sc.path}`, opts);
    const nh = nhp ? measure(nhp.pid, `http://127.0.0.1:${nhpPort}${sc.path}`, opts) : undefined;
    results.push({ sc, direct, hap, hpr, nh });
    process.stdout.write(
      `${sc.name}: haproxy ${hap.rps.toFixed(0)} req/s ${hap.usPerReq?.toFixed(1)} µs/req; ` +
        `hapair ${hpr.rps.toFixed(0)} req/s ${hpr.usPerReq?.toFixed(1)} µs/req\n`,
    );
  }
  const text = report(results);
  writeSection('# HTTP-mode benchmark', text);
  process.stdout.write(text);
}

function report(results) {
  const f = (x, d = 0) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
  const line = (who, r) =>
    `| ${who} | ${f(r.rps)} | ${f(r.usPerReq, 1)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${r.errors} | ${r.timeouts} |`;
  const sections = results.map(({ sc, direct, hap, hpr, nh }) => {
    const ratio = hap.usPerReq && hpr.usPerReq ? (hap.usPerReq / hpr.usPerReq).toFixed(2) : '–';
    const vsNode = nh?.usPerReq && hpr.usPerReq ? (nh.usPerReq / hpr.usPerReq).toFixed(2) : '–';
    return [
      `### ${sc.name}`,
      '',
      '| target | req/s | proxy CPU µs/req | p50 ms | p99 ms | errors | timeouts |',
      '|---|---|---|---|---|---|---|',
      line('nginx direct', direct),
      line('haproxy', hap),
      line('hapair', hpr),
      ...(nh ? [line('node-http-proxy', nh)] : []),
      '',
      `requests per proxy CPU-second, hapair/haproxy: **${ratio}**${nh ? `; hapair/node-http-proxy: **${vsNode}**` : ''}`,
      '',
    ].join('\n');
  });
  return [
    '# HTTP-mode benchmark',
    '',
    `Generated by \`node bench/http.mjs ${SECONDS}\` on ${new Date().toISOString()}.`,
    '',
    `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Linux ${os.release()}; node ${process.version};`,
    `${version('/usr/sbin/haproxy', ['-v'])}; ${version('nginx', ['-v'])}; ${version('wrk', ['--version'])}.`,
    '',
    'Setup as bench/tcp.mjs, with both proxies in `mode http` (haproxy nbthread 1, hapair one Node.js',
    'process, http-keep-alive and http-reuse safe on both): wrk -t1 with the nginx backends on CPU 1,',
    `the proxy on CPU 0, ${SECONDS} s per run after a 2 s warm-up. The ratio is requests per proxy`,
    'CPU-second of hapair divided by haproxy’s (higher is better for hapair; target ≥ 0.6 for small',
    'keep-alive responses at c=50). node-http-proxy is the `http-proxy` package with a keep-alive',
    'agent, one Node.js process on CPU 0 like hapair (issue #4 asks hapair for ≥ 5× its requests per',
    'CPU-second).',
    '',
    ...sections,
  ].join('\n');
}

function cleanup() {
  stopChildren();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

if (process.argv[2] === '--serve') {
  serve(process.argv.slice(3).map(Number));
} else {
  main()
    .catch((e) => {
      process.stderr.write(`${e.stack ?? e}\n`);
      process.exitCode = 1;
    })
    .finally(cleanup);
}
