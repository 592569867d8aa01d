#!/usr/bin/env node
// Cost of a realistic rule set (issue #5's target): the same haproxy.cfg text, once without
// rules and once with 10 ACLs, 3 use_backend, 4 header rewrites and `option forwardfor`, run by
// haproxy and by hapair (loaded by hapair's own config loader). wrk keep-alive small requests,
// c=50, against each of the four; prints the proxy CPU µs per request and how much the rules
// add for each proxy, measured in the same run. Results replace the "# Rule set benchmark" section
// of bench/RESULTS.md.
// `node bench/http-rules.mjs --serve FILE` runs hapair's engine on a config file (used here).
// Every process it starts is killed by PID at the end.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOnHelp, freePort, measure, start, stopChildren, version, writeSection } from './lib.mjs';

exitOnHelp(`usage: node bench/http-rules.mjs [SECONDS=5]

  SECONDS  measured seconds per wrk run (each after a 2 s warm-up)

haproxy and hapair in mode http, each without and with a realistic rule set, wrk keep-alive
c=50. Writes the "# Rule set benchmark" section of bench/RESULTS.md. Needs nginx, haproxy,
wrk, taskset and a build (npx tsc -p .).`);

const SECONDS = Number(process.argv[2] ?? 5);
let tmp;

async function serve(file) {
  const { createLogger } = await import('../dist/src/core/logger.js');
  const { loadHaproxyConfig } = await import('../dist/src/config/haproxy/index.js');
  const { startProxyEngine } = await import('../dist/src/proxy/engine.js');
  const engine = await startProxyEngine(loadHaproxyConfig([file]), { log: createLogger({ level: 'warn' }) });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => engine.stop({ grace: 0 }).then(() => process.exit(0)));
}

const RULES = `  option forwardfor
  acl is_api path_beg /api /v1 /v2
  acl is_static path_end .png .jpg .css .js
  acl static_host hdr(host) -i static.example.com
  acl writes method POST PUT DELETE
  acl internal src 10.0.0.0/8 192.168.0.0/16
  acl bot hdr_sub(user-agent) -i bot crawler
  acl debug url_param(debug) -m found
  acl versioned path_reg ^/v[0-9]+/
  acl many_cookies hdr_cnt(cookie) gt 5
  acl admin_q query -m sub admin
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Request-Path %[path]
  http-request del-header X-Internal-Secret
  http-request add-header X-Via hapair-bench if !internal
  use_backend be_api if is_api !writes || versioned
  use_backend be_static if is_static || static_host
  use_backend be_bots if bot || debug || many_cookies || admin_q
`;

function haproxyCfg(port, b1, b2, withRules) {
  const be = (name) => `backend ${name}\n  server s1 127.0.0.1:${b1}\n  server s2 127.0.0.1:${b2}\n`;
  return `global
  nbthread 1
  maxconn 8000
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:${port}
${withRules ? RULES : ''}  default_backend be_main
${be('be_main')}${be('be_api')}${be('be_static')}${be('be_bots')}`;
}

async function main() {
  tmp = mkdtempSync(join(os.tmpdir(), 'hapair-bench-rules-'));
  const [b1, b2, hp0, hp1, ha0, ha1] = await Promise.all(Array.from({ length: 6 }, freePort));
  for (const d of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi']) mkdirSync(join(tmp, d));
  chmodSync(tmp, 0o755);
  const site = (p) => `server { listen 127.0.0.1:${p}; location / { return 200 "ok"; } }`;
  writeFileSync(
    join(tmp, 'nginx.conf'),
    `daemon off; worker_processes 1; pid ${tmp}/nginx.pid; error_log ${tmp}/nginx.err warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 100000000;
client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy; fastcgi_temp_path ${tmp}/fcgi;
uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;
${site(b1)}
${site(b2)} }
`,
  );
  const files = {};
  for (const [name, port, rules] of [
    ['haproxy-plain', hp0, false],
    ['haproxy-rules', hp1, true],
    ['hapair-plain', ha0, false],
    ['hapair-rules', ha1, true],
  ]) {
    files[name] = join(tmp, `${name}.cfg`);
    writeFileSync(files[name], haproxyCfg(port, b1, b2, rules));
  }
  await start(1, 'nginx', ['-c', join(tmp, 'nginx.conf'), '-p', tmp]);
  const procs = {
    'haproxy-plain': await start(0, '/usr/sbin/haproxy', ['-db', '-f', files['haproxy-plain']]),
    'haproxy-rules': await start(0, '/usr/sbin/haproxy', ['-db', '-f', files['haproxy-rules']]),
    'hapair-plain': await start(
      0,
      process.execPath,
      [fileURLToPath(import.meta.url), '--serve', files['hapair-plain']],
      'ready',
    ),
    'hapair-rules': await start(
      0,
      process.execPath,
      [fileURLToPath(import.meta.url), '--serve', files['hapair-rules']],
      'ready',
    ),
  };
  const ports = { 'haproxy-plain': hp0, 'haproxy-rules': hp1, 'hapair-plain': ha0, 'hapair-rules': ha1 };
  const opts = { conns: 50, seconds: SECONDS, readErrors: false };
  const r = {};
  for (const name of Object.keys(procs)) {
    r[name] = measure(procs[name].pid, `http://127.0.0.1:${ports[name]}/index.html?page=2`, opts);
    process.stdout.write(`${name}: ${r[name].rps.toFixed(0)} req/s ${r[name].usPerReq?.toFixed(1)} µs/req\n`);
  }
  const text = report(r);
  writeSection('# Rule set benchmark', text);
  process.stdout.write(text);
}

function report(r) {
  const f = (x, d = 0) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
  const rise = (a, b) =>
    r[a].usPerReq && r[b].usPerReq ? `${f((r[b].usPerReq / r[a].usPerReq - 1) * 100, 1)}%` : '–';
  const line = (name) =>
    `| ${name} | ${f(r[name].rps)} | ${f(r[name].usPerReq, 1)} | ${f(r[name].p99, 2)} | ${r[name].errors} |`;
  return [
    '# Rule set benchmark',
    '',
    `Generated by \`node bench/http-rules.mjs ${SECONDS}\` on ${new Date().toISOString()}.`,
    `Machine: ${os.cpus().length} CPUs, Linux ${os.release()}; node ${process.version}; ${version('/usr/sbin/haproxy', ['-v'])}.`,
    '',
    'The same haproxy.cfg for both proxies, without and with a realistic rule set (10 ACLs, 3',
    '`use_backend`, 4 header rewrites, `option forwardfor`; every ACL evaluated per request since',
    'the request goes to the default backend). wrk keep-alive small requests, c=50; proxy on CPU 0,',
    `wrk and nginx on CPU 1; ${SECONDS} s per run. Target: hapair's CPU per request rises by at most 15%.`,
    '',
    '| proxy | req/s | CPU µs/req | p99 ms | errors |',
    '|---|---|---|---|---|',
    line('haproxy-plain'),
    line('haproxy-rules'),
    line('hapair-plain'),
    line('hapair-rules'),
    '',
    `CPU per request added by the rules: haproxy **${rise('haproxy-plain', 'haproxy-rules')}**, hapair **${rise('hapair-plain', 'hapair-rules')}**.`,
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
