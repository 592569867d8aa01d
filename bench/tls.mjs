#!/usr/bin/env node
// TLS termination benchmark: wrk (https) → {haproxy, hapair} terminating TLS in `mode http` → 2 nginx
// backends over plain HTTP. Same method as bench/http.mjs: the proxy pinned on CPU 0, wrk and nginx on
// CPU 1; for an ECDSA P-256 and an RSA-2048 certificate (made with the openssl CLI for the run), the
// new-handshake rate (a new TLS connection per request) and keep-alive requests/s, with the proxy's
// CPU µs per request and the hapair/haproxy ratio. The results replace the
// "# TLS termination benchmark" section of bench/RESULTS.md.
// `node bench/tls.mjs --serve PORT_EC CRT_EC PORT_RSA CRT_RSA B1 B2` runs hapair's engine alone.
// Every process it starts is killed by PID at the end.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOnHelp, freePort, measure, start, stopChildren, version, writeSection } from './lib.mjs';

exitOnHelp(`usage: node bench/tls.mjs [SECONDS=5]

  SECONDS  measured seconds per wrk run (each after a 2 s warm-up)

wrk (https) -> {haproxy, hapair} terminating TLS in mode http -> 2 nginx backends, with an
ECDSA P-256 and an RSA-2048 certificate, new TLS connection per request and keep-alive.
Writes the "# TLS termination benchmark" section of bench/RESULTS.md. Needs nginx, haproxy,
wrk, openssl, taskset and a build (npx tsc -p .).`);

async function serve([ecPort, ecCrt, rsaPort, rsaCrt, ...backendPorts]) {
  const { createLogger } = await import('../dist/src/core/logger.js');
  const { startProxyEngine } = await import('../dist/src/proxy/engine.js');
  const { makeBind, makeConfig, makeProxy, makeServer } = await import('../dist/test/helpers/model.js');
  const proxy = (name, port, crt, id) =>
    makeProxy({
      name,
      id,
      mode: 'http',
      binds: [makeBind(`127.0.0.1:${port}`, { ssl: { crt: [crt], alpn: 'http/1.1' } })],
      servers: backendPorts.map((p, i) => makeServer(`s${i + 1}`, `127.0.0.1:${p}`, { id: i + 1 })),
      timeouts: { connect: 5000, client: 30000, server: 30000 },
    });
  const cfg = makeConfig([proxy('ec', ecPort, ecCrt, 2), proxy('rsa', rsaPort, rsaCrt, 3)], {
    maxconn: 8000,
  });
  const engine = await startProxyEngine(cfg, { log: createLogger({ level: 'warn' }) });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => engine.stop({ grace: 0 }).then(() => process.exit(0)));
}

const SECONDS = Number(process.argv[2] ?? 5);
let tmp;

/** A self-signed certificate and its key in one PEM file, as `crt` loads it. */
function certificate(name, keyArgs) {
  const key = join(tmp, `${name}.key`);
  const cert = join(tmp, `${name}.crt`);
  execFileSync('openssl', ['genpkey', ...keyArgs, '-out', key], { stdio: 'ignore' });
  execFileSync(
    'openssl',
    ['req', '-x509', '-new', '-key', key, '-out', cert, '-days', '2', '-subj', '/CN=bench'],
    {
      stdio: 'ignore',
    },
  );
  const pem = join(tmp, `${name}.pem`);
  writeFileSync(pem, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
  chmodSync(pem, 0o644);
  return pem;
}

function configs(b1, b2, ports, crts) {
  const site = (p) => `server { listen 127.0.0.1:${p}; location / { return 200 "ok"; } }`;
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
  const listen = (name, port, crt) => `listen ${name}
  bind 127.0.0.1:${port} ssl crt ${crt} alpn http/1.1
  balance roundrobin
  server s1 127.0.0.1:${b1}
  server s2 127.0.0.1:${b2}
`;
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
${listen('ec', ports.hapEc, crts.ec)}
${listen('rsa', ports.hapRsa, crts.rsa)}`,
  );
}

async function main() {
  tmp = mkdtempSync(join(os.tmpdir(), 'hapair-bench-tls-'));
  chmodSync(tmp, 0o755);
  const [b1, b2, hapEc, hapRsa, hprEc, hprRsa] = await Promise.all(Array.from({ length: 6 }, freePort));
  for (const d of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi']) mkdirSync(join(tmp, d));
  const crts = {
    ec: certificate('ec', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']),
    rsa: certificate('rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']),
  };
  configs(b1, b2, { hapEc, hapRsa }, crts);
  await start(1, 'nginx', ['-c', join(tmp, 'nginx.conf'), '-p', tmp]);
  const haproxy = await start(0, '/usr/sbin/haproxy', ['-db', '-f', join(tmp, 'haproxy.cfg')]);
  const hapair = await start(
    0,
    process.execPath,
    [fileURLToPath(import.meta.url), '--serve', hprEc, crts.ec, hprRsa, crts.rsa, b1, b2].map(String),
    'ready',
  );
  const scenarios = [];
  for (const [type, hapPort, hprPort] of [
    ['ECDSA P-256', hapEc, hprEc],
    ['RSA-2048', hapRsa, hprRsa],
  ]) {
    scenarios.push({
      name: `${type}: new TLS connection per request, c=50`,
      hapPort,
      hprPort,
      conns: 50,
      close: true,
    });
    scenarios.push({ name: `${type}: keep-alive small, c=50`, hapPort, hprPort, conns: 50 });
  }
  const results = [];
  for (const sc of scenarios) {
    const opts = { conns: sc.conns, close: sc.close, seconds: SECONDS, readErrors: false };
    const hap = measure(haproxy.pid, `https://127.0.0.1:${sc.hapPort}/`, opts);
    const hpr = measure(hapair.pid, `https://127.0.0.1:${sc.hprPort}/`, opts);
    results.push({ sc, hap, hpr });
    process.stdout.write(
      `${sc.name}: haproxy ${hap.rps.toFixed(0)} req/s ${hap.usPerReq?.toFixed(1)} µs/req; ` +
        `hapair ${hpr.rps.toFixed(0)} req/s ${hpr.usPerReq?.toFixed(1)} µs/req\n`,
    );
  }
  const text = report(results);
  writeSection('# TLS termination benchmark', text);
  process.stdout.write(text);
}

function report(results) {
  const f = (x, d = 0) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
  const line = (who, r) =>
    `| ${who} | ${f(r.rps)} | ${f(r.usPerReq, 1)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${r.errors} | ${r.timeouts} |`;
  const sections = results.map(({ sc, hap, hpr }) => {
    const ratio = hap.usPerReq && hpr.usPerReq ? (hap.usPerReq / hpr.usPerReq).toFixed(2) : '–';
    return [
      `### ${sc.name}`,
      '',
      '| target | req/s | proxy CPU µs/req | p50 ms | p99 ms | errors | timeouts |',
      '|---|---|---|---|---|---|---|',
      line('haproxy', hap),
      line('hapair', hpr),
      '',
      `requests per proxy CPU-second, hapair/haproxy: **${ratio}**`,
      '',
    ].join('\n');
  });
  return [
    '# TLS termination benchmark',
    '',
    `Generated by \`node bench/tls.mjs ${SECONDS}\` on ${new Date().toISOString()}.`,
    '',
    `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Linux ${os.release()}; node ${process.version};`,
    `${version('/usr/sbin/haproxy', ['-v'])}; ${version('openssl', ['version'])}; ${version('wrk', ['--version'])}.`,
    '',
    'Setup as bench/http.mjs, with TLS terminated by the proxy (`bind … ssl crt … alpn http/1.1`, a',
    'self-signed ECDSA P-256 or RSA-2048 certificate) and plain HTTP to the two nginx backends. "New TLS',
    'connection per request" sends `Connection: close`, so every request costs a full handshake (wrk',
    `resumes no session); ${SECONDS} s per run after a 2 s warm-up. The ratio is requests per proxy`,
    'CPU-second of hapair divided by haproxy’s (higher is better for hapair).',
    '',
    ...sections,
  ].join('\n');
}

function cleanup() {
  stopChildren();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

if (process.argv[2] === '--serve') {
  serve(process.argv.slice(3));
} else {
  main()
    .catch((e) => {
      process.stderr.write(`${e.stack ?? e}\n`);
      process.exitCode = 1;
    })
    .finally(cleanup);
}
