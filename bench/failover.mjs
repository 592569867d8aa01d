#!/usr/bin/env node
/**
 * Failover benchmark (issue 8): the client-observed outage of the HA pair over
 * N trials per scenario, hapair on both LBs vs keepalived + haproxy on both
 * LBs, in the same network-namespace lab and the same run (trials
 * interleaved, so both peers see the same machine load).
 *
 *   npx tsc -p . && sudo node bench/failover.mjs [N=20] [N_V2=N]
 *   sudo FAILOVER_ONLY='^(proxy|sigterm) ' node bench/failover.mjs 20   (some rows only)
 *
 * One lab (src/lab/netns.ts): lb1, lb2, web1, web2, client on 198.18.0.0/24,
 * nothing routed outside. Each trial starts fresh LB processes, waits for lb1
 * MASTER and lb2 BACKUP, makes the failure, and measures from the client's
 * probe (a request to the VIP started every 10 ms, each bounded by 300 ms, so
 * a lost SYN does not blind the probe): the last good answer to a request
 * started before the failure → the first good answer to a request started
 * after it. Everything in the LB namespaces is killed by PID after each
 * trial; the lab is destroyed at exit and on SIGINT/SIGTERM. A full run
 * rewrites the "# Failover" section of RESULTS.md; a FAILOVER_ONLY run prints
 * its rows and leaves RESULTS.md alone.
 *
 * `node bench/failover.mjs --probe HOST PORT MAX_S` is the probe itself (run in
 * the client namespace by the benchmark).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { writeSection } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '../dist');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts one request every 10 ms (at most 40 in flight), prints {s, w, ok, body|error} per request. */
async function probeMain([host = '198.18.0.100', port = '80', maxS = '3600']) {
  const { probeOnce } = await import(join(dist, 'src/lab/probe.js'));
  let running = true;
  process.on('SIGTERM', () => {
    running = false;
  });
  process.stdin.on('close', () => {
    running = false;
  });
  process.stdin.resume();
  const end = Date.now() + Number(maxS) * 1000;
  let inFlight = 0;
  while (running && Date.now() < end) {
    if (inFlight < 40) {
      inFlight++;
      const s = Date.now();
      probeOnce(host, Number(port), 300).then((r) => {
        inFlight--;
        process.stdout.write(`${JSON.stringify({ s, w: Date.now(), ...r })}\n`);
      });
    }
    await sleep(10);
  }
  await sleep(400);
  process.exit(0);
}

const USAGE = `usage: sudo node bench/failover.mjs [N=20] [N_V2=N]

  N     trials per scenario and peer at advert_int 0.1 (box death v3, SIGTERM, proxy death)
  N_V2  trials of the VRRPv2 advert_int 1 box death (default N)

  FAILOVER_ONLY=<regexp>  run only the rows whose "<scenario id> <peer>" matches,
                          e.g. '^(proxy|sigterm) '; scenario ids: box-v3, sigterm, proxy, box-v2.
                          Such a run prints its rows and does not write RESULTS.md.

Needs root (network namespaces) and a build (npx tsc -p .). A full run takes about 15 minutes.`;

const VIP = '198.18.0.100';
const PROBE_MAX_S = 3 * 3600;

/** RFC 5798 §6.1 (and RFC 3768 §6.1 for v2): 3 × advert + (256 − backup priority) × advert / 256, in ms. */
const floorMs = (advertS, backupPrio) => 3 * advertS * 1000 + ((256 - backupPrio) * advertS * 1000) / 256;

/**
 * Scenarios: `kind` is the failure, `peer` the pair under test, `v`/`adv` the
 * VRRP version and advert_int, `mode` how the LB box is run.
 */
const SCENARIOS = [
  { id: 'box-v3', title: 'box death, VRRPv3 advert_int 0.1', kind: 'box', v: 3, adv: 0.1 },
  { id: 'sigterm', title: 'SIGTERM of the master (graceful)', kind: 'term', v: 3, adv: 0.1 },
  { id: 'proxy', title: 'proxy death, VRRP alive, advert_int 0.1', kind: 'proxy', v: 3, adv: 0.1 },
  { id: 'box-v2', title: 'box death, VRRPv2 advert_int 1', kind: 'box', v: 2, adv: 1, v2: true },
];

/** The peers run for each scenario kind. */
const PEERS = {
  box: [
    { peer: 'hapair', mode: 'db' },
    { peer: 'keepalived+haproxy', mode: 'ka' },
  ],
  term: [
    { peer: 'hapair', mode: 'db' },
    { peer: 'keepalived+haproxy', mode: 'ka' },
  ],
  proxy: [
    { peer: 'hapair -db (engine SIGKILLed)', mode: 'db', victim: 'engine' },
    { peer: 'hapair -W (worker SIGKILLed)', mode: 'W', victim: 'workers' },
    { peer: 'hapair -W, nbthread 2 (both workers SIGKILLed)', mode: 'W', victim: 'workers', nbthread: 2 },
    { peer: 'keepalived+haproxy, vrrp_script interval 2 weight 2 (seed)', mode: 'ka', script: 'seed' },
    { peer: 'keepalived+haproxy, vrrp_script interval 1 fall 1 weight 2', mode: 'ka', script: 'fast' },
  ],
};

/** A positive trial count from argv, or the usage and exit 2. */
function count(arg, dflt) {
  if (arg === undefined) return dflt;
  const v = Number(arg);
  if (Number.isInteger(v) && v > 0) return v;
  console.error(`failover.mjs: bad trial count '${arg}'\n\n${USAGE}`);
  process.exit(2);
}

async function benchMain(argv) {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const n = count(argv[0], 20);
  const nV2 = count(argv[1], n);
  if (process.getuid?.() !== 0) {
    console.error('failover.mjs needs root (network namespaces).');
    process.exit(1);
  }
  const { createLab } = await import(join(dist, 'src/lab/netns.js'));
  const configs = await import(join(dist, 'src/lab/configs.js'));
  const { MAIN_JS } = await import(join(dist, 'src/lab/node-process.js'));
  const { killAll, pidsIn } = await import(join(dist, 'test/lab/vrrp-lab.js'));

  const lab = await createLab(5);
  const dir = mkdtempSync(join(tmpdir(), 'hapair-failover-'));
  let destroying;
  const destroy = () => {
    destroying ??= lab.destroy().finally(() => rmSync(dir, { recursive: true, force: true }));
    return destroying;
  };
  for (const sig of ['SIGINT', 'SIGTERM'])
    process.once(sig, () => {
      console.error(`\n${sig}: tearing the lab down`);
      void destroy().finally(() => process.exit(130));
    });

  try {
    const [n1, n2, w1, w2, cl] = lab.nodes;
    for (const [node, name] of [
      [w1, 'web1'],
      [w2, 'web2'],
    ]) {
      const p = lab.spawn(node.ns, process.execPath, [
        join(dist, 'src/lab/web-main.js'),
        name,
        '0.0.0.0',
        '80',
      ]);
      await firstLine(p.stdout, 10_000, 'web server');
    }
    const probes = [];
    const probe = lab.spawn(cl.ns, process.execPath, [
      fileURLToPath(import.meta.url),
      '--probe',
      VIP,
      '80',
      String(PROBE_MAX_S),
    ]);
    createInterface({ input: probe.stdout }).on('line', (l) => {
      try {
        probes.push(JSON.parse(l));
      } catch {
        // a partial line at exit
      }
    });
    const boxes = [
      { name: 'lb1', node: n1, peer: n2, prio: 150 },
      { name: 'lb2', node: n2, peer: n1, prio: 100 },
    ];
    const ctx = { lab, dir, configs, MAIN_JS, killAll, pidsIn, probes, boxes, w1, w2 };
    const results = [];
    const started = new Date();
    const only = process.env.FAILOVER_ONLY ? new RegExp(process.env.FAILOVER_ONLY) : undefined;
    for (const sc of SCENARIOS) {
      for (const p of PEERS[sc.kind])
        if (!only || only.test(`${sc.id} ${p.peer}`)) results.push({ sc, p, trials: [] });
    }
    if (results.length === 0) throw new Error(`FAILOVER_ONLY=${process.env.FAILOVER_ONLY} matches no row`);
    const trialsOf = (sc) => (sc.v2 ? nV2 : n);
    const maxTrials = Math.max(n, nV2);
    for (let i = 0; i < maxTrials; i++) {
      for (const r of results) {
        if (i >= trialsOf(r.sc)) continue;
        let t;
        // A box that fails to start is not a failover measurement: up to 3 attempts, counted.
        for (let attempt = 1; attempt <= 3; attempt++) {
          try {
            t = await trial(ctx, r.sc, r.p);
            break;
          } catch (err) {
            t = { error: err.message };
            if (!err.setup) break;
            r.setupRetries = (r.setupRetries ?? 0) + 1;
            console.log(`  setup failed (${r.sc.id} / ${r.p.peer}), attempt ${attempt}: ${err.message}`);
          }
        }
        r.trials.push(t);
        const shown = t.error
          ? `ERROR ${t.error}`
          : `${t.ms} ms, ${t.failed} failed, first by ${t.by}` +
            (t.late ? ` (${t.late} answer(s) in flight at the failure arrived after it)` : '');
        console.log(`[${i + 1}/${trialsOf(r.sc)}] ${r.sc.id} / ${r.p.peer}: ${shown}`);
      }
    }
    const md = report(results, { n, nV2, started, only: process.env.FAILOVER_ONLY });
    console.log(`\n${md}`);
    if (only) console.log('\nFAILOVER_ONLY run: RESULTS.md not written; copy the rows above.');
    else console.log(`wrote ${writeSection('# Failover', md)}`);
  } finally {
    await destroy();
  }
}

function firstLine(stream, ms, what) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} did not start`)), ms);
    createInterface({ input: stream }).once('line', (l) => {
      clearTimeout(t);
      resolve(l);
    });
  });
}

/** Writes one box's configs and starts its processes; returns {procs, log lines, pids by role}. */
function startBox(ctx, sc, p, box) {
  const { lab, dir, configs } = ctx;
  const spec = {
    vip: VIP,
    vipPrefix: 24,
    vrid: 51,
    version: sc.v,
    advertInt: sc.adv,
    servers: [
      { name: 'web1', addr: `${ctx.w1.ipv4}:80` },
      { name: 'web2', addr: `${ctx.w2.ipv4}:80` },
    ],
    mode: 'tcp',
    checkInter: 500,
    ...(p.nbthread ? { nbthread: p.nbthread } : {}),
  };
  // The seed's vrrp_script gives 2 points to a healthy proxy: 101/100 as in the seed, or it could never move the VIP.
  const prio = p.script ? (box.name === 'lb1' ? 101 : 100) : box.prio;
  const node = {
    name: box.name,
    bindAddr: '0.0.0.0',
    bindPort: 80,
    srcAddr: box.node.ipv4,
    peerAddr: box.peer.ipv4,
    priority: prio,
    interface: 'eth0',
  };
  const cfg = join(dir, `${box.name}.cfg`);
  const conf = join(dir, `${box.name}.conf`);
  writeFileSync(cfg, configs.haproxyCfg(spec, node));
  const lines = [];
  const watch = (proc) => {
    for (const s of [proc.stdout, proc.stderr])
      createInterface({ input: s }).on('line', (l) => lines.push(l));
  };
  const out = { lines, main: undefined, haproxy: undefined };
  if (p.mode === 'ka') {
    writeFileSync(conf, keepalivedConf(spec, node, p.script, join(dir, `${box.name}-chk.sh`)));
    // keepalived refuses to start over a PID file whose PID was reused (a SIGKILLed box leaves them).
    for (const f of ['ka', 'vrrp']) rmSync(join(dir, `${box.name}-${f}.pid`), { force: true });
    out.haproxy = lab.spawn(box.node.ns, 'haproxy', ['-db', '-f', cfg]);
    watch(out.haproxy);
    writeFileSync(join(dir, `${box.name}-haproxy.pid`), `${out.haproxy.pid}\n`);
    out.main = lab.spawn(box.node.ns, 'keepalived', [
      ...['-n', '-l', '-D', '-G', '--vrrp', '-f', conf],
      ...['-p', join(dir, `${box.name}-ka.pid`), '-r', join(dir, `${box.name}-vrrp.pid`)],
    ]);
  } else {
    writeFileSync(conf, configs.keepalivedConf(spec, node));
    out.main = lab.spawn(box.node.ns, process.execPath, [
      ctx.MAIN_JS,
      ...['-f', cfg, '-k', conf, p.mode === 'W' ? '-W' : '-db'],
    ]);
  }
  watch(out.main);
  return out;
}

/**
 * keepalived.conf for the reference pair, unicast like hapair's. The proxy
 * check cannot be the seed's `killall -0 haproxy`: the lab's namespaces share
 * one PID namespace, so killall would find the other LB's haproxy and never
 * fail; `kill -0` on this box's haproxy PID is the same test, per box.
 */
function keepalivedConf(spec, node, script, chkPath) {
  let head = '';
  let track = '';
  if (script) {
    writeFileSync(
      chkPath,
      `#!/bin/sh\nexec kill -0 "$(cat ${chkPath.replace(/-chk\.sh$/, '-haproxy.pid')})"\n`,
    );
    chmodSync(chkPath, 0o755);
    const timing = script === 'seed' ? '    interval 2\n' : '    interval 1\n    fall 1\n    rise 1\n';
    head = `vrrp_script chk_haproxy {\n    script "${chkPath}"\n${timing}    weight 2\n}\n\n`;
    track = '    track_script {\n        chk_haproxy\n    }\n';
  }
  return `global_defs {
    router_id ${node.name}
}

${head}vrrp_instance VI_1 {
    state BACKUP
    interface ${node.interface}
    virtual_router_id ${spec.vrid}
    priority ${node.priority}
    version ${spec.version}
    advert_int ${spec.advertInt}
    unicast_src_ip ${node.srcAddr}
    unicast_peer {
        ${node.peerAddr}
    }
${track}    virtual_ipaddress {
        ${spec.vip}/${spec.vipPrefix} dev ${node.interface}
    }
}
`;
}

async function waitUntil(what, cond, ms) {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() >= end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

async function holdsVip(lab, ns) {
  const r = await lab.exec(ns, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  return r.stdout.includes(` ${VIP}/`);
}

/** Kills everything left in the LB namespaces (by PID), removes stray VIPs, brings links up. */
async function resetBoxes(ctx) {
  for (const b of ctx.boxes) {
    const pids = await ctx.pidsIn(b.node.ns).catch(() => []);
    ctx.killAll(pids);
  }
  await waitUntil(
    'the LB namespaces to empty',
    async () => {
      for (const b of ctx.boxes) if ((await ctx.pidsIn(b.node.ns).catch(() => [])).length > 0) return false;
      return true;
    },
    5000,
  );
  for (const b of ctx.boxes) {
    await ctx.lab.linkUp(b.node.ns);
    await ctx.lab.exec(b.node.ns, 'ip', ['addr', 'del', `${VIP}/24`, 'dev', 'eth0']).catch(() => undefined);
  }
}

const MASTER = /→ MASTER|Entering MASTER STATE/;
const BACKUP = /→ BACKUP|Entering BACKUP STATE/;

/** PIDs in `ns` whose command line matches `re`. */
async function pidsMatching(ctx, ns, re) {
  const out = [];
  for (const pid of await ctx.pidsIn(ns)) {
    try {
      if (re.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' '))) out.push(pid);
    } catch {
      // gone
    }
  }
  return out;
}

/** One trial; an error thrown before the failure is made carries `setup: true`. */
async function trial(ctx, sc, p) {
  const t = {};
  try {
    return await runTrial(ctx, sc, p, t);
  } catch (err) {
    if (!t.struck) err.setup = true;
    throw err;
  }
}

async function runTrial(ctx, sc, p, mark) {
  const { lab, boxes, probes } = ctx;
  await resetBoxes(ctx);
  const b1 = startBox(ctx, sc, p, boxes[0]);
  await waitUntil('lb1 MASTER', () => b1.lines.some((l) => MASTER.test(l)), 15_000).catch((err) => {
    throw new Error(`${err.message}; lb1 said: ${b1.lines.slice(-4).join(' / ')}`);
  });
  await waitUntil('lb1 to hold the VIP', () => holdsVip(lab, boxes[0].node.ns), 5000);
  const b2 = startBox(ctx, sc, p, boxes[1]);
  await waitUntil('lb2 BACKUP', () => b2.lines.some((l) => BACKUP.test(l)), 15_000);
  // Steady state: the client served by lb1 for the last 500 ms (and the seed's script has run).
  await sleep(p.script === 'seed' ? 2500 : 700);
  const since = Date.now() - 500;
  const recent = probes.filter((r) => r.s >= since && r.w < Date.now());
  if (recent.length < 10 || !recent.every((r) => r.ok && r.body.includes(`via ${boxes[0].node.ipv4}`)))
    throw new Error('client not steadily served by lb1 before the failure');

  // Prepare the failure, then make it at t0.
  const ns1 = boxes[0].node.ns;
  let act;
  if (sc.kind === 'box') {
    const pids = await ctx.pidsIn(ns1);
    act = () => Promise.all([ctx.killAll(pids), lab.linkDown(ns1)]);
  } else if (sc.kind === 'term') {
    act = () => process.kill(b1.main.pid, 'SIGTERM');
  } else if (p.mode === 'ka') {
    act = () => process.kill(b1.haproxy.pid, 'SIGKILL');
  } else if (p.victim === 'workers') {
    // Every proxy worker at once; the master and the VRRP process live on.
    const workers = await pidsMatching(ctx, ns1, /process\/worker\.js/);
    if (workers.length !== (p.nbthread ?? 1))
      throw new Error(`lb1 has ${workers.length} hapair worker processes, expected ${p.nbthread ?? 1}`);
    act = () => {
      for (const w of workers) process.kill(w, 'SIGKILL');
    };
  } else {
    act = () => process.kill(b1.main.pid, 'SIGKILL');
  }
  // A random phase against the advert timer (and the vrrp_script timer), so trials sample it evenly.
  await sleep(Math.random() * 1000 * Math.max(sc.adv, p.script === 'seed' ? 2 : p.script ? 1 : 0));
  mark.struck = true;
  await act();
  // Taken once the failure is made (signals sent, link down): a request started
  // later certainly met it, even if the OS paused this process between the two.
  const t0 = Date.now();
  const bound = sc.adv * 1000 * 6 + 8000;
  await waitUntil('the client to be served again', () => probes.some((r) => r.ok && r.s > t0), bound);
  await sleep(350);
  return measure(probes, t0, boxes);
}

/**
 * The client-observed outage of one failure at t0: the last good answer to a
 * request started at or before t0 → the first good answer to a request
 * started after it (answer completion times). An answer already on its way
 * at t0 (the dead proxy had written it) ends the "before" side but never the
 * outage: it says nothing about who serves the client after the failure.
 * `failed` = failed requests started from 300 ms before t0 up to the first
 * good answer; `late` = good answers started before t0 that completed after it.
 */
function measure(probes, t0, boxes) {
  let last;
  let first;
  let late = 0;
  for (const r of probes) {
    if (!r.ok) continue;
    if (r.s <= t0) {
      if (!last || r.w > last.w) last = r;
      if (r.w > t0) late++;
    } else if (!first || r.w < first.w) first = r;
  }
  if (!last || !first) throw new Error('no good answer before or after the failure');
  const failed = probes.filter((r) => !r.ok && r.s >= t0 - 300 && r.s <= first.w).length;
  const by = boxes.find((b) => first.body.includes(`via ${b.node.ipv4}`))?.name ?? '?';
  // A slow answer from before t0 may end after a fast one from after it: no gap at all.
  return { ms: Math.max(0, first.w - last.w), failed, by, late };
}

function pct(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function stats(trials) {
  const ok = trials.filter((t) => !t.error);
  const ms = ok.map((t) => t.ms).sort((a, b) => a - b);
  const fl = ok.map((t) => t.failed).sort((a, b) => a - b);
  if (ms.length === 0) return undefined;
  const by = {};
  for (const t of ok) by[t.by] = (by[t.by] ?? 0) + 1;
  return {
    n: ms.length,
    errors: trials.length - ok.length,
    min: ms[0],
    med: pct(ms, 0.5),
    p90: pct(ms, 0.9),
    max: ms.at(-1),
    fmin: fl[0],
    fmed: pct(fl, 0.5),
    fmax: fl.at(-1),
    by: Object.entries(by)
      .map(([k, v]) => `${k}×${v}`)
      .join(' '),
  };
}

function report(results, { n, nV2, started, only }) {
  const env = only ? `FAILOVER_ONLY='${only}' ` : '';
  const lines = [
    '# Failover',
    '',
    `Generated by \`${env}node bench/failover.mjs ${n} ${nV2}\` on ${started.toISOString()}; ${n} trials per`,
    `scenario at advert_int 0.1, ${nV2} for the VRRPv2 box death. Machine: ${cpus().length} CPUs, node ${process.version}.`,
    '',
    'Setup: one namespace lab (lb1, lb2, web1, web2, client on one bridge, 198.18.0.0/24). Both peers',
    'use the same haproxy.cfg (src/lab/configs.ts: mode tcp, roundrobin over two Node web servers,',
    'checks inter 500) and the same VRRP instance (unicast, vrid 51, priorities 150/100, state BACKUP',
    'on both). Peer `hapair` = `hapair -f haproxy.cfg -k keepalived.conf` with `hapair_track_proxy',
    '{ weight 0; backend be_web }`; peer `keepalived+haproxy` = keepalived 2.2 (`--vrrp`) + haproxy',
    '`-db` on each LB. Trials are interleaved (trial i of every scenario and peer, then i+1), with',
    'fresh LB processes every trial and a random delay (uniform over one advert_int, or over the',
    'vrrp_script interval) before the failure, so its phase against the timers is sampled evenly. The client starts a request to the VIP every 10 ms (new TCP',
    'connection, HTTP/1.0, 300 ms timeout, up to 40 in flight). Outage = last good answer to a request',
    'started before the failure → first good answer to a request started after it (answer completion',
    'times; the failure time is read once the signals are sent and the link is down): an answer the',
    'dead proxy had already written, arriving after the failure, never ends the outage. Failed =',
    'requests that failed and were started between 300 ms before the failure and the first good answer.',
    '',
    'Failures: **box death** = every process in lb1 SIGSTOPped then SIGKILLed, and lb1 eth0 set down,',
    'at the same instant. **SIGTERM** = SIGTERM to lb1 hapair / lb1 keepalived (haproxy keeps running).',
    '**proxy death** = hapair `-db`: the proxy engine (main) process SIGKILLed; its VRRP process sees',
    'the IPC disconnect, marks the proxy down and leaves with a priority 0 advert. hapair `-W`: every',
    'proxy worker SIGKILLed at once (the one worker, or both with `nbthread 2`), master and VRRP process',
    'alive; the master tells the native tracker at the first worker exit (weight 0 = FAULT, priority 0',
    'advert) and restarts the workers after 200 ms. keepalived: haproxy SIGKILLed;',
    "the seed's `vrrp_script` with priorities 101/100 (weight 2), as `kill -0 <this box's haproxy pid>`",
    "because `killall -0 haproxy` also sees the other LB's haproxy (the namespaces share one PID",
    'namespace) and would never fail; seed timing (interval 2) and a faster variant (interval 1, fall 1).',
    '',
    'Protocol floor = 3 × advert_int + Skew_Time of the backup (priority 100: 0.609 × advert_int),',
    'RFC 5798 §6.1 / RFC 3768 §6.1: 360.9 ms at advert_int 0.1, 3609 ms at advert_int 1. The backup',
    "counts Master_Down_Interval from the dead master's last advert, sent up to one advert_int before",
    'the failure, so a box death costs the client between 2 × advert_int + skew and the floor, plus',
    'the reaction time (VIP add, GARP): the floor is the worst phase, not the expected value.',
    '',
    '| scenario | peer | trials | min ms | median ms | p90 ms | max ms | failed req (min/med/max) | first served by |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const moon = [];
  for (const r of results) {
    const s = stats(r.trials);
    const err = r.trials.filter((t) => t.error);
    if (!s) {
      lines.push(`| ${r.sc.title} | ${r.p.peer} | 0 (${err.length} errors) | – | – | – | – | – | – |`);
      continue;
    }
    const e =
      (s.errors ? ` (+${s.errors} errors)` : '') +
      (r.setupRetries ? ` (${r.setupRetries} setup retries)` : '');
    lines.push(
      `| ${r.sc.title} | ${r.p.peer} | ${s.n}${e} | ${s.min} | ${s.med} | ${s.p90} | ${s.max} | ${s.fmin}/${s.fmed}/${s.fmax} | ${s.by} |`,
    );
    for (const t of err) lines.push(`<!-- ${r.sc.id} ${r.p.peer}: ${t.error} -->`);
    if (!r.p.peer.startsWith('hapair')) continue;
    const fl = floorMs(r.sc.adv, 100);
    if (r.sc.id === 'box-v3')
      moon.push(
        `- Box death within 10% of the floor (≤ ${(fl * 1.1).toFixed(0)} ms, floor ${fl.toFixed(1)} ms) at advert_int 0.1: median ${s.med} ms, p90 ${s.p90} ms, max ${s.max} ms — **${s.med <= fl * 1.1 ? 'met' : 'not met'}** on the median${s.max <= fl * 1.1 ? ', and on every trial' : `, ${r.trials.filter((t) => !t.error && t.ms > fl * 1.1).length} trial(s) above`}.`,
      );
    if (r.sc.id === 'sigterm')
      moon.push(
        `- Graceful stop ≤ 70 ms: median ${s.med} ms, p90 ${s.p90} ms, max ${s.max} ms — **${s.med <= 70 ? 'met' : 'not met'}** on the median${s.max <= 70 ? ', and on every trial' : ''}.`,
      );
    if (r.sc.id === 'proxy')
      moon.push(
        `- Proxy death ≤ 300 ms at advert_int 0.1 (${r.p.peer}): median ${s.med} ms, p90 ${s.p90} ms, max ${s.max} ms — **${s.med <= 300 ? 'met' : 'not met'}** on the median${s.max <= 300 ? ', and on every trial' : ''}.`,
      );
  }
  lines.push('', 'Moonshots (issue 8), hapair:', '', ...moon, '');
  return lines.join('\n');
}

if (process.argv[2] === '--probe') await probeMain(process.argv.slice(3));
else await benchMain(process.argv.slice(2));
