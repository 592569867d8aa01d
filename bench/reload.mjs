#!/usr/bin/env node
// Reload under load: for hapair -W and haproxy -W in the same run, mode http over two nginx
// backends. First the capacity through the proxy (wrk -c20, keep-alive), then a paced load at
// LOAD_SHARE of it from 20 keep-alive connections (the load generator below, node:net), during
// which the configuration file is rewritten with another `weight` for s1 and the master gets
// SIGUSR2, RELOADS times, RELOAD_GAP_MS apart. Counts completed requests, failed requests by kind,
// refused connections, reconnections, p99 latency, and when each failure happened relative to
// the last reload. Writes the "# Reload under load" section of bench/RESULTS.md.
// `node bench/reload.mjs --load PORT RATE SECONDS` runs the load generator alone (JSON on stdout).
// Pinning: the proxy (master and workers) on CPU 0; nginx, wrk and the load generator on CPU 1.
// Every process it starts is stopped by PID at the end.
import { spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  exitOnHelp,
  freePort,
  measure,
  processTree,
  startMasterWorker,
  startNginx,
  stopChild,
  stopChildren,
  version,
  writeSection,
} from './lib.mjs';

const CONNS = 20;
const LOAD_SHARE = 0.5;
const RELOAD_GAP_MS = 1000;
const BEFORE_MS = 2000;
// hapair's old workers drain for hard-stop-after, 30 s when unset: the load goes on until 3 s
// past the end of the first old worker's drain, so what happens then is measured too.
const DRAIN_MS = 30000;
const TIMEOUT_MS = 2000;
const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: reload.mjs\r\n\r\n');

// ---------------------------------------------------------------------------------------------
// Load generator: CONNS keep-alive connections, one request in flight per connection, each
// connection sending at RATE / CONNS requests/s (a missed slot is made up at most 10 ms late,
// never in a burst beyond that). A connection the server closes between two requests is opened
// again (a reconnection, not a failure); a request that gets no complete response is a failure.

function load(port, rate, seconds) {
  const interval = (1000 * CONNS) / rate;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const stats = {
    rate,
    seconds,
    sent: 0,
    completed: 0,
    latencies: [],
    failed: { refused: 0, reset: 0, timeout: 0, badStatus: 0, closedWaiting: 0, other: 0 },
    refusedConnections: 0,
    connectErrors: {},
    connects: 0,
    reconnects: { afterConnectionClose: 0, afterIdleClose: 0, afterFailure: 0, afterRefused: 0 },
    connectionCloseResponses: 0,
    // Per second of the run: responses from s1 and from s2 (the nginx bodies).
    perSecond: [],
    t0: Date.now(),
    events: [],
  };
  const event = (kind, c, extra = {}) =>
    stats.events.push({ t: Date.now(), kind, conn: c.id, reqsOnConn: c.reqs, ...extra });

  function open(c, why) {
    if (why) stats.reconnects[why]++;
    c.sock = net.connect(port, '127.0.0.1');
    c.sock.setNoDelay(true);
    c.connected = false;
    c.inflight = undefined;
    c.buf = Buffer.alloc(0);
    c.closing = false;
    c.err = undefined;
    c.reqs = 0;
    const sock = c.sock;
    sock.on('connect', () => {
      stats.connects++;
      c.connected = true;
      send(c);
    });
    sock.on('data', (d) => onData(c, d));
    sock.on('error', (e) => {
      c.err = e.code ?? e.message;
    });
    sock.on('close', () => {
      if (c.sock !== sock) return;
      onClose(c);
    });
  }

  function onClose(c) {
    const now = performance.now();
    if (!c.connected) {
      // The connection never opened.
      if (c.err === 'ECONNREFUSED') stats.refusedConnections++;
      stats.connectErrors[c.err ?? 'closed'] = (stats.connectErrors[c.err ?? 'closed'] ?? 0) + 1;
      event('connect-failed', c, { err: c.err });
      if (now < end) setTimeout(() => open(c, 'afterRefused'), 5);
      return;
    }
    if (c.inflight !== undefined) {
      const kind = c.err === 'ECONNRESET' ? 'reset' : c.err ? 'other' : 'closedWaiting';
      stats.failed[kind]++;
      event(`failed-${kind}`, c, {
        err: c.err,
        waitedMs: +(now - c.inflight).toFixed(2),
        partial: c.buf.length,
      });
      if (now < end) open(c, 'afterFailure');
      return;
    }
    if (c.closing) {
      if (now < end) open(c, 'afterConnectionClose');
      return;
    }
    event('idle-close', c, { err: c.err });
    if (now < end) open(c, 'afterIdleClose');
  }

  function onData(c, d) {
    c.buf = c.buf.length ? Buffer.concat([c.buf, d]) : d;
    for (;;) {
      const head = c.buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const text = c.buf.subarray(0, head).toString('latin1');
      const status = Number(text.slice(9, 12));
      const lenMatch = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      let total;
      if (lenMatch) total = head + 4 + Number(lenMatch[1]);
      else if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(text)) {
        const last = c.buf.indexOf('\r\n0\r\n\r\n', head);
        if (last < 0) return;
        total = last + 7;
      } else total = head + 4;
      if (c.buf.length < total) return;
      const body = c.buf.subarray(head + 4, total).toString('latin1');
      c.buf = c.buf.subarray(total);
      if (c.inflight === undefined) {
        stats.failed.other++;
        event('failed-unexpected-response', c, { status });
        continue;
      }
      const now = performance.now();
      stats.latencies.push(now - c.inflight);
      c.inflight = undefined;
      c.reqs++;
      const row = (stats.perSecond[Math.floor((now - t0) / 1000)] ??= [0, 0]);
      if (body === 's1') row[0]++;
      else if (body === 's2') row[1]++;
      if (status === 200) stats.completed++;
      else {
        stats.failed.badStatus++;
        event('failed-badStatus', c, { status });
      }
      if (/\r\nconnection:\s*close/i.test(text)) {
        stats.connectionCloseResponses++;
        c.closing = true;
        c.sock.end();
        return;
      }
      send(c);
    }
  }

  function send(c) {
    const now = performance.now();
    if (!c.connected || c.inflight !== undefined || c.closing || now < c.due || now >= end) return;
    c.due = Math.max(c.due + interval, now - 10);
    c.inflight = now;
    stats.sent++;
    c.sock.write(REQUEST);
  }

  const conns = Array.from({ length: CONNS }, (_, id) => ({ id, due: t0 + (interval * id) / CONNS }));
  for (const c of conns) open(c);
  return new Promise((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      for (const c of conns) {
        if (c.inflight !== undefined && now - c.inflight > TIMEOUT_MS) {
          stats.failed.timeout++;
          event('failed-timeout', c);
          c.inflight = undefined;
          c.sock.destroy();
          open(c, 'afterFailure');
        } else send(c);
      }
      // Stop once the load is over and every request has an answer or has timed out.
      if (now >= end && conns.every((c) => c.inflight === undefined)) {
        clearInterval(tick);
        for (const c of conns) c.sock.destroy();
        resolve(stats);
      }
    }, 1);
  });
}

// ---------------------------------------------------------------------------------------------

const RELOADS = Number(process.argv[2] ?? 20);
const AFTER_MS = Number(
  process.env.RELOAD_AFTER_MS ?? Math.max(3000, DRAIN_MS + 3000 - RELOADS * RELOAD_GAP_MS),
);
let tmp;

function proxyConfig(port, b1, b2, weight) {
  return `global
  nbthread 1
  maxconn 8000
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
listen px
  bind 127.0.0.1:${port}
  balance roundrobin
  server s1 127.0.0.1:${b1} weight ${weight}
  server s2 127.0.0.1:${b2} weight 10
`;
}

/** The file is replaced by rename, so a reload never reads half of it. */
function writeConfig(file, text) {
  writeFileSync(`${file}.new`, text);
  renameSync(`${file}.new`, file);
}

function runLoad(port, rate, seconds) {
  const child = spawn(
    'taskset',
    [
      '-c',
      '1',
      process.execPath,
      fileURLToPath(import.meta.url),
      '--load',
      String(port),
      String(rate),
      String(seconds),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  let go;
  const started = new Promise((r) => (go = r));
  child.stdout.on('data', (d) => {
    out += d;
    if (out.includes('\n')) go();
  });
  return {
    child,
    // The generator prints a line when its clock starts, then its results as JSON.
    started,
    done: new Promise((resolve, reject) =>
      child.on('exit', (code) =>
        code === 0
          ? resolve(JSON.parse(out.slice(out.indexOf('\n') + 1)))
          : reject(new Error(`load exited ${code}`)),
      ),
    ),
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pct(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Reloads the master of `kind` has logged (hapair: "reloaded"; haproxy: a new worker forked). */
function reloadsLogged(kind, log) {
  const re = kind === 'hapair' ? /reloaded: new workers serving/g : /Loading success/g;
  return (log.match(re) ?? []).length - (kind === 'hapair' ? 0 : 1);
}

/**
 * hapair's master log (JSON lines): how long each reload took, from "reloading the configuration"
 * to the next "reloaded", and how many SIGUSR2 arrived while an earlier reload was still running.
 */
function reloadTiming(log) {
  const starts = [];
  const durations = [];
  let overlapping = 0;
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let m;
    try {
      m = JSON.parse(line);
    } catch {
      continue;
    }
    if (m.msg === 'reloading the configuration') {
      if (starts.length > 0) overlapping++;
      starts.push(m.time);
    } else if (m.msg?.startsWith('reloaded:') && starts.length > 0) durations.push(m.time - starts.shift());
  }
  durations.sort((a, b) => a - b);
  return { durations, overlapping };
}

async function runOne(kind, b1, b2) {
  const port = await freePort();
  const cfg = join(tmp, `${kind}.cfg`);
  writeConfig(cfg, proxyConfig(port, b1, b2, 10));
  const master = await startMasterWorker(kind, '0', cfg, port);
  await sleep(500);
  const url = `http://127.0.0.1:${port}/`;
  const cap = measure(undefined, url, { conns: CONNS, seconds: 5 });
  const rate = Math.round(cap.rps * LOAD_SHARE);
  process.stdout.write(
    `${kind}: capacity ${cap.rps.toFixed(0)} req/s (wrk -c${CONNS}); load at ${rate} req/s\n`,
  );
  const seconds = (BEFORE_MS + RELOADS * RELOAD_GAP_MS + AFTER_MS) / 1000;
  const gen = runLoad(port, rate, seconds);
  await gen.started;
  // Processes of the proxy (master, workers old and new), sampled every 500 ms during the load.
  const procs = [];
  const sampler = setInterval(() => procs.push(processTree(master.pid).length), 500);
  await sleep(BEFORE_MS);
  const reloads = [];
  for (let i = 0; i < RELOADS; i++) {
    writeConfig(cfg, proxyConfig(port, b1, b2, 11 + i));
    reloads.push(Date.now());
    process.kill(master.pid, 'SIGUSR2');
    await sleep(RELOAD_GAP_MS);
  }
  const stats = await gen.done;
  clearInterval(sampler);
  await sleep(500);
  const logged = reloadsLogged(kind, master.log());
  const procsAtEnd = processTree(master.pid).length;
  const timing = kind === 'hapair' ? reloadTiming(master.log()) : undefined;
  await stopChild(master);
  const failures = stats.events.filter((e) => e.kind.startsWith('failed') || e.kind === 'connect-failed');
  const sinceReload = (t) => {
    const r = reloads.filter((x) => x <= t).at(-1);
    return r === undefined ? undefined : t - r;
  };
  const idleCloses = stats.events.filter((e) => e.kind === 'idle-close').map((e) => sinceReload(e.t));
  return {
    kind,
    capacity: cap.rps,
    rate,
    stats,
    reloadsSent: RELOADS,
    reloads,
    procsAtEnd,
    procsMax: Math.max(...procs),
    procsLastDrain: procs.findLastIndex((n) => n > procs.at(-1)),
    timing,
    reloadsLogged: logged,
    p50: stats.p50,
    p99: stats.p99,
    max: stats.max,
    failures: failures.map((e) => ({ ...e, msAfterReload: sinceReload(e.t) })),
    idleCloses,
    log: master.log(),
  };
}

async function main() {
  tmp = mkdtempSync(join(os.tmpdir(), 'hapair-bench-reload-'));
  const [b1, b2] = await Promise.all([freePort(), freePort()]);
  await startNginx(1, tmp, [b1, b2]);
  const results = [];
  for (const kind of ['hapair', 'haproxy']) {
    const r = await runOne(kind, b1, b2);
    results.push(r);
    const f = r.stats.failed;
    process.stdout.write(
      `${kind}: ${r.stats.completed} completed of ${r.stats.sent} sent, failed ${JSON.stringify(f)}, ` +
        `refused connections ${r.stats.refusedConnections}, reconnects ${JSON.stringify(r.stats.reconnects)}, ` +
        `p99 ${r.p99.toFixed(2)} ms, reloads logged ${r.reloadsLogged}/${r.reloadsSent}\n`,
    );
    for (const e of r.failures) process.stdout.write(`  ${JSON.stringify(e)}\n`);
    if (process.env.RELOAD_LOG) writeFileSync(join(process.env.RELOAD_LOG, `${kind}.log`), r.log);
  }
  const text = report(results);
  process.stdout.write(`\n${text}`);
  writeSection('# Reload under load', text);
}

function report(results) {
  const n = (x, d = 0) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
  const rows = results.map((r) => {
    const f = r.stats.failed;
    const failed = Object.values(f).reduce((a, b) => a + b, 0);
    const achieved = r.stats.sent / r.stats.seconds;
    const rc = r.stats.reconnects;
    return (
      `| ${r.kind} -W | ${n(r.capacity)} | ${r.rate} (${n(achieved)}) | ${r.reloadsLogged}/${r.reloadsSent} | ` +
      `${r.stats.completed} | **${failed}** | ${f.closedWaiting} | ${f.reset} | ${f.timeout} | ${f.badStatus} | ` +
      `${f.refused + f.other} | **${r.stats.refusedConnections}** | ${rc.afterConnectionClose} | ${rc.afterIdleClose} | ` +
      `${rc.afterFailure + rc.afterRefused} | ${n(r.p50, 2)} | ${n(r.p99, 2)} | ${n(r.max, 1)} |`
    );
  });
  const failureLines = results.flatMap((r) => {
    if (r.failures.length === 0) return [`- ${r.kind}: no failed request, no failed connection.`];
    const byKind = {};
    for (const e of r.failures) (byKind[e.kind] ??= []).push(e);
    return Object.entries(byKind).map(([k, es]) => {
      const after = es.map((e) => e.msAfterReload ?? NaN).sort((a, b) => a - b);
      const onConn = es.map((e) => e.reqsOnConn);
      return (
        `- ${r.kind}: ${es.length} × ${k}${es[0].err ? ` (${es[0].err})` : ''}, ` +
        `${n(after[0])}–${n(after.at(-1))} ms after a SIGUSR2 (median ${n(after[Math.floor(after.length / 2)])} ms), ` +
        `${n((es[0].t - r.reloads[0]) / 1000, 2)}–${n((es.at(-1).t - r.reloads[0]) / 1000, 2)} s after the first ` +
        `(at ${n((es[0].t - r.stats.t0) / 1000, 1)}–${n((es.at(-1).t - r.stats.t0) / 1000, 1)} s of the load); ` +
        `requests answered earlier on the same connection: ${Math.min(...onConn)}–${Math.max(...onConn)}.`
      );
    });
  });
  const weight = 10 + RELOADS;
  const shareLines = results.map((r) => {
    const pc = (row) => (row && row[0] + row[1] ? `${Math.round((100 * row[0]) / (row[0] + row[1]))}` : '–');
    return `- ${r.kind}: ${Array.from({ length: r.stats.perSecond.length }, (_, i) => pc(r.stats.perSecond[i])).join(' ')}`;
  });
  const idleLines = results.map((r) => {
    if (r.idleCloses.length === 0)
      return `- ${r.kind}: no idle keep-alive connection was closed by the proxy.`;
    const s = r.idleCloses.filter((x) => x !== undefined).sort((a, b) => a - b);
    return (
      `- ${r.kind}: ${r.idleCloses.length} idle keep-alive connections closed by the proxy, ` +
      `${n(s[0])}–${n(s.at(-1))} ms after a SIGUSR2 (median ${n(s[Math.floor(s.length / 2)])} ms).`
    );
  });
  return [
    '# Reload under load',
    '',
    `Generated by \`node bench/reload.mjs ${RELOADS}\` on 2026-11-24 (${new Date().toISOString()}).`,
    '',
    `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Linux ${os.release()}; node ${process.version};`,
    `${version('/usr/sbin/haproxy', ['-v'])}; ${version('nginx', ['-v'])}.`,
    '',
    `Setup: \`hapair -W -f CFG\` and \`haproxy -W -f CFG\`, one after the other in the same run, each`,
    'pinned to CPU 0 (master and worker); the same configuration for both: `mode http`, nbthread 1,',
    '`listen` with roundrobin over two nginx backends (one worker, bodies `s1`/`s2`, CPU 1), timeouts',
    '5s/30s/30s, no hard-stop-after. Capacity = wrk -t1 -c20 keep-alive for 5 s (after a 2 s warm-up)',
    `through the proxy, wrk on CPU 1. Then the load generator of bench/reload.mjs (one Node.js process`,
    `on CPU 1, node:net) opens ${CONNS} keep-alive connections and paces them at ${LOAD_SHARE * 100}% of that capacity`,
    `in total, one request in flight per connection, for ${(BEFORE_MS + RELOADS * RELOAD_GAP_MS + AFTER_MS) / 1000} s; from`,
    `${BEFORE_MS / 1000} s on, ${RELOADS} times ${RELOAD_GAP_MS} ms apart, the configuration file is replaced (by rename) with`,
    'another `weight` for server s1 and the master gets `kill -USR2`. "reloads" = reloads the master',
    'logged (hapair: "reloaded: new workers serving"; haproxy: "Loading success") / SIGUSR2 sent.',
    `The load goes on ${AFTER_MS / 1000} s after the last reload: hapair's old workers drain for hard-stop-after,`,
    `${DRAIN_MS / 1000} s when unset, so the run covers the end of the first old worker's drain plus 3 s.`,
    '',
    'Failed request kinds: *closed* = the proxy closed the connection (FIN) while the request waited',
    'for its response; *reset* = ECONNRESET while waiting; *timeout* = no response within 2 s;',
    '*bad status* = a response other than 200; *other* = any other socket error while waiting.',
    '*Refused connections* = connects that failed with ECONNREFUSED. Reconnections: after a response',
    'carrying `Connection: close` (graceful), after the proxy closed an idle keep-alive connection',
    '(between two requests: not a failure here, but a client that sends at that moment gets *closed* or',
    '*reset*), and after a failure or a refused connect. Latency from the write of a request to the',
    'end of its response, in ms.',
    '',
    '| proxy | capacity req/s | target (achieved) req/s | reloads | completed | failed | closed | reset | timeout | bad status | other | refused conns | reconn. after `Connection: close` | reconn. after idle close | reconn. after failure | p50 ms | p99 ms | max ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Failures (time relative to the last SIGUSR2 before them):',
    '',
    ...failureLines,
    '',
    `Share of the responses from s1, in %, per second of the load (weight 10 against s2's 10 before the`,
    `first reload, s1 at 11, 12, … ${weight} after reload 1, 2, … ${RELOADS}: ${Math.round((100 * weight) / (weight + 10))}% once the`,
    `last configuration serves every request; reloads during seconds ${BEFORE_MS / 1000}–${BEFORE_MS / 1000 + RELOADS - 1}):`,
    '',
    ...shareLines,
    '',
    'Reload mechanics:',
    '',
    ...results.map((r) => {
      const t = r.timing;
      const procs =
        `processes of the proxy (master included) during the load: at most ${r.procsMax}, ` +
        `${r.procsAtEnd} alive 0.5 s after it ended` +
        (r.procsLastDrain >= 0
          ? `; more than at its end until ${((r.procsLastDrain + 1) / 2).toFixed(1)} s of the load`
          : '');
      if (!t) return `- ${r.kind}: ${procs}.`;
      const d = t.durations;
      return (
        `- ${r.kind}: SIGUSR2 to "reloaded" in the master log: min ${d[0]} ms, median ${d[Math.floor(d.length / 2)]} ms, ` +
        `max ${d.at(-1)} ms; ${t.overlapping} SIGUSR2 arrived while the previous reload was still running; ${procs}.`
      );
    }),
    '',
    'Idle keep-alive connections closed by the proxy (not failures):',
    '',
    ...idleLines,
    '',
  ].join('\n');
}

function cleanup() {
  stopChildren();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

if (process.argv[2] === '--load') {
  const [port, rate, seconds] = process.argv.slice(3).map(Number);
  process.stdout.write('started\n');
  load(port, rate, seconds).then((s) => {
    const lat = s.latencies.sort((a, b) => a - b);
    const summary = { ...s, latencies: undefined, p50: pct(lat, 50), p99: pct(lat, 99), max: lat.at(-1) };
    process.stdout.write(JSON.stringify(summary));
    process.exit(0);
  });
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  exitOnHelp(`usage: node bench/reload.mjs [RELOADS=20]
       node bench/reload.mjs --load PORT RATE SECONDS

  RELOADS  configuration rewrites + SIGUSR2 to the master, 1 s apart, during the paced load
  --load   the load generator alone against 127.0.0.1:PORT (JSON summary on stdout)

  env RELOAD_AFTER_MS  how long the load goes on after the last reload (default: until 3 s past
                       the first old worker's 30 s drain, at least 3000)
  env RELOAD_LOG=DIR   write each master's log to DIR/<proxy>.log

hapair -W and haproxy -W in mode http over 2 nginx backends: capacity with wrk, then 50% of it
from 20 keep-alive connections while the configuration is reloaded. Writes the
"# Reload under load" section of bench/RESULTS.md. Needs nginx, haproxy, wrk, taskset and a
build (npx tsc -p .).`);
  main()
    .catch((e) => {
      process.stderr.write(`${e.stack ?? e}\n`);
      process.exitCode = 1;
    })
    .finally(cleanup);
}
