#!/usr/bin/env node
// Multi-core scaling: requests/s of `hapair -W` and `haproxy -W` with nbthread 1 and nbthread 2,
// mode http, keep-alive, wrk -t1 -c50, over two nginx backends. Pinning with taskset on this
// 2-CPU machine: the proxy (master and workers/threads) on CPU 0 with nbthread 1, on CPUs 0-1 with
// nbthread 2; wrk and nginx on CPU 1 in every case (so with nbthread 2 they share CPU 1 with the
// proxy). Also the proxy's CPU time per request (every process of the proxy, from /proc) and,
// for hapair nbthread 2, how the CPU time splits between the two worker processes.
// Writes the "# Multi-core scaling" section of bench/RESULTS.md.
// Every process it starts is stopped by PID at the end.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import {
  CLK_TCK,
  exitOnHelp,
  freePort,
  startMasterWorker,
  startNginx,
  stopChild,
  stopChildren,
  treeTicks,
  version,
  writeSection,
  wrk,
} from './lib.mjs';

exitOnHelp(`usage: node bench/scaling.mjs [SECONDS=10] [ROUNDS=2]

  SECONDS  measured seconds per wrk run (each after a 2 s warm-up)
  ROUNDS   rounds of the four runs (hapair -W and haproxy -W, nbthread 1 and 2)

Requests/s and proxy CPU per request of hapair -W and haproxy -W with nbthread 1 and 2, mode
http over 2 nginx backends. Writes the "# Multi-core scaling" section of bench/RESULTS.md.
Needs nginx, haproxy, wrk, taskset and a build (npx tsc -p .).`);

const SECONDS = Number(process.argv[2] ?? 10);
const ROUNDS = Number(process.argv[3] ?? 2);
const CONNS = 50;
let tmp;

function proxyConfig(port, b1, b2, nbthread) {
  return `global
  nbthread ${nbthread}
  maxconn 8000
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
listen px
  bind 127.0.0.1:${port}
  balance roundrobin
  server s1 127.0.0.1:${b1}
  server s2 127.0.0.1:${b2}
`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One proxy with `nbthread`: start, 2 s warm-up, the measured wrk run, stop. */
async function runOne(kind, nbthread, b1, b2) {
  const port = await freePort();
  const cfg = join(tmp, `${kind}-${nbthread}.cfg`);
  writeFileSync(cfg, proxyConfig(port, b1, b2, nbthread));
  const cpus = nbthread === 1 ? '0' : '0-1';
  const master = await startMasterWorker(kind, cpus, cfg, port);
  await sleep(500);
  const url = `http://127.0.0.1:${port}/`;
  wrk(url, { conns: CONNS, seconds: 2 });
  const before = treeTicks(master.pid);
  const r = wrk(url, { conns: CONNS, seconds: SECONDS });
  const after = treeTicks(master.pid);
  await stopChild(master);
  const perProc = [...after].map(([pid, t]) => ({ pid, ticks: t - (before.get(pid) ?? 0) }));
  const ticks = perProc.reduce((a, p) => a + p.ticks, 0);
  // The busiest processes, as shares of the proxy's CPU time (hapair: master + workers).
  const shares = perProc
    .filter((p) => p.ticks > 0)
    .map((p) => p.ticks / ticks)
    .sort((a, b) => b - a);
  return {
    kind,
    nbthread,
    cpus,
    ...r,
    cpuSeconds: ticks / CLK_TCK,
    usPerReq: r.reqs ? (ticks * 1e6) / CLK_TCK / r.reqs : undefined,
    shares,
  };
}

async function main() {
  tmp = mkdtempSync(join(os.tmpdir(), 'hapair-bench-scaling-'));
  const [b1, b2] = await Promise.all([freePort(), freePort()]);
  await startNginx(1, tmp, [b1, b2]);
  await sleep(300);
  const runs = [];
  const direct = wrk(`http://127.0.0.1:${b1}/`, { conns: CONNS, seconds: SECONDS });
  process.stdout.write(`nginx direct (wrk and nginx on CPU 1): ${direct.rps.toFixed(0)} req/s\n`);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of ['hapair', 'haproxy']) {
      for (const nb of [1, 2]) {
        const r = await runOne(kind, nb, b1, b2);
        runs.push({ round, ...r });
        process.stdout.write(
          `round ${round} ${kind} nbthread ${nb} (CPU ${r.cpus}): ${r.rps.toFixed(0)} req/s, ` +
            `${r.usPerReq?.toFixed(1)} µs CPU/req, ${r.cpuSeconds.toFixed(1)} CPU-s, p99 ${r.p99} ms, ` +
            `errors ${r.errors}, CPU shares ${r.shares.map((s) => s.toFixed(2)).join('/')}\n`,
        );
      }
    }
  }
  const text = report(direct, runs);
  process.stdout.write(`\n${text}`);
  writeSection('# Multi-core scaling', text);
}

function report(direct, runs) {
  const n = (x, d = 0) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const rows = [];
  const summary = [];
  for (const kind of ['hapair', 'haproxy']) {
    const one = runs.filter((r) => r.kind === kind && r.nbthread === 1);
    const two = runs.filter((r) => r.kind === kind && r.nbthread === 2);
    for (const r of [...one, ...two].sort((a, b) => a.round - b.round || a.nbthread - b.nbthread)) {
      rows.push(
        `| ${kind} -W | ${r.round} | ${r.nbthread} | ${r.cpus} | ${n(r.rps)} | ${n(r.cpuSeconds / SECONDS, 2)} | ` +
          `${n(r.usPerReq, 1)} | ${n(r.p50, 2)} | ${n(r.p99, 2)} | ${r.errors} | ${r.shares
            .slice(0, 3)
            .map((s) => n(100 * s))
            .join(' / ')} |`,
      );
    }
    const perRound = one.map((r, i) => (two[i] ? two[i].rps / r.rps : Number.NaN));
    summary.push(
      `| ${kind} -W | ${n(mean(one.map((r) => r.rps)))} | ${n(mean(two.map((r) => r.rps)))} | ` +
        `**${n(mean(two.map((r) => r.rps)) / mean(one.map((r) => r.rps)), 2)}** | ${perRound.map((x) => n(x, 2)).join(', ')} | ${n(median(perRound), 2)} |`,
    );
  }
  return [
    '# Multi-core scaling',
    '',
    `Generated by \`node bench/scaling.mjs ${SECONDS} ${ROUNDS}\` on 2026-11-24 (${new Date().toISOString()}).`,
    '',
    `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Linux ${os.release()}; node ${process.version};`,
    `${version('/usr/sbin/haproxy', ['-v'])}; ${version('nginx', ['-v'])}; ${version('wrk', ['--version'])}.`,
    '',
    '`hapair -W -f CFG` (nbthread N = N worker processes accepting on the listening sockets the',
    'master shares with them) and `haproxy -W -f CFG` (nbthread N = N threads in one worker), the',
    'same configuration: `mode http`, `listen` with roundrobin over two nginx backends (one worker,',
    `2-byte bodies), keep-alive on both sides. wrk -t1 -c${CONNS}, ${SECONDS} s per run after a 2 s warm-up, the`,
    `four runs one after the other, ${ROUNDS} rounds (each round: hapair 1, hapair 2, haproxy 1, haproxy 2).`,
    '',
    'Pinning (taskset; the machine has only 2 CPUs): the proxy — master and workers, or all its',
    'threads — on CPU 0 with nbthread 1 and on CPUs 0-1 with nbthread 2 (no cpu-map: the scheduler',
    'places the two workers/threads within 0-1). wrk and nginx are on CPU 1 in every run. So with',
    'nbthread 1 the load generator and the backends have CPU 1 to themselves, and with nbthread 2',
    'the second worker/thread **shares CPU 1 with wrk and nginx**: the load generator could not be',
    'pinned apart from the proxy in the 2-worker case, and the 2/1 ratio is bounded by what CPU 1',
    `has left. For scale: wrk straight to nginx, both on CPU 1, ${n(direct.rps)} req/s.`,
    '',
    '"proxy CPUs busy" = CPU time of all the proxy\'s processes (utime+stime from /proc, master,',
    'workers and their threads) over the run divided by its length; "CPU split" = the largest',
    'shares of that time by process (hapair: the worker processes, then the master; haproxy: one',
    'worker process holding the threads, then the master).',
    '',
    '| proxy | round | nbthread | proxy CPUs | req/s | proxy CPUs busy | proxy CPU µs/req | p50 ms | p99 ms | errors | CPU split % |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '| proxy | nbthread 1 req/s (mean) | nbthread 2 req/s (mean) | 2/1 ratio of the means | 2/1 per round | median of the per-round ratios |',
    '|---|---|---|---|---|---|',
    ...summary,
    '',
  ].join('\n');
}

function cleanup() {
  stopChildren();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

main()
  .catch((e) => {
    process.stderr.write(`${e.stack ?? e}\n`);
    process.exitCode = 1;
  })
  .finally(cleanup);
