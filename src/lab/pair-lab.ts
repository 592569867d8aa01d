/**
 * The HA pair in network namespaces: a switch namespace with a bridge, lb1
 * and lb2 running hapair (raw VRRP, real VIP via `ip`, GARP via `arping`), two
 * web backends and a client probing the VIP every few milliseconds. Used by
 * `npm start` as root and by the lab tests. Addresses from 198.18.0.0/24 only;
 * nothing is routed outside the lab.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { haproxyCfg, keepalivedConf, type PairNode, type PairSpec } from './configs.js';
import { createLab, type Lab } from './netns.js';
import { NodeProcess } from './node-process.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface ProbeRecord {
  /** ms since the probe started, taken when the request started. */
  readonly t: number;
  /** Wall-clock ms when the request ended (answer, error or timeout). */
  readonly w: number;
  readonly ok: boolean;
  readonly body?: string;
  readonly error?: string;
}

export interface PairLabOptions {
  readonly version: 2 | 3;
  readonly advertInt: number;
  readonly nopreempt?: boolean;
  /** Run both nodes as master-worker (`-W`). */
  readonly masterWorker?: boolean;
  /** `nbthread` in haproxy.cfg: the proxy workers per node under `-W`. */
  readonly nbthread?: number;
  readonly probeIntervalMs?: number;
  readonly onLog?: (node: string, rec: Record<string, unknown>) => void;
}

export const VIP = '198.18.0.100';

export class PairLab {
  readonly probes: ProbeRecord[] = [];
  private probeProc: ChildProcess | undefined;

  private constructor(
    readonly lab: Lab,
    readonly dir: string,
    readonly nodes: readonly [NodeProcess, NodeProcess],
    readonly lbNs: readonly [string, string],
    readonly clientNs: string,
  ) {}

  static async create(opts: PairLabOptions): Promise<PairLab> {
    const lab = await createLab(5);
    const dir = mkdtempSync(join(tmpdir(), 'hapair-lab-'));
    try {
      const [n1, n2, w1, w2, cl] = lab.nodes as unknown as [
        (typeof lab.nodes)[0],
        (typeof lab.nodes)[0],
        (typeof lab.nodes)[0],
        (typeof lab.nodes)[0],
        (typeof lab.nodes)[0],
      ];
      for (const [ns, name] of [
        [w1.ns, 'web1'],
        [w2.ns, 'web2'],
      ] as const) {
        await waitReady(lab.spawn(ns, process.execPath, [join(here, 'web-main.js'), name, '0.0.0.0', '80']));
      }
      const spec: PairSpec = {
        vip: VIP,
        vipPrefix: 24,
        vrid: 51,
        version: opts.version,
        advertInt: opts.advertInt,
        servers: [
          { name: 'web1', addr: `${w1.ipv4}:80` },
          { name: 'web2', addr: `${w2.ipv4}:80` },
        ],
        mode: 'tcp',
        checkInter: 500,
        ...(opts.nopreempt ? { nopreempt: true } : {}),
        ...(opts.nbthread !== undefined ? { nbthread: opts.nbthread } : {}),
      };
      const pair: PairNode[] = [
        {
          name: 'lb1',
          bindAddr: '0.0.0.0',
          bindPort: 80,
          srcAddr: n1.ipv4,
          peerAddr: n2.ipv4,
          priority: 150,
          interface: 'eth0',
          statsSocket: join(dir, 'lb1.sock'),
        },
        {
          name: 'lb2',
          bindAddr: '0.0.0.0',
          bindPort: 80,
          srcAddr: n2.ipv4,
          peerAddr: n1.ipv4,
          priority: 100,
          interface: 'eth0',
          statsSocket: join(dir, 'lb2.sock'),
        },
      ];
      const nodes = pair.map((n, i) => {
        writeFileSync(join(dir, `${n.name}.cfg`), haproxyCfg(spec, n));
        writeFileSync(join(dir, `${n.name}.conf`), keepalivedConf(spec, n));
        return new NodeProcess({
          name: n.name,
          haproxyCfg: join(dir, `${n.name}.cfg`),
          keepalivedConf: join(dir, `${n.name}.conf`),
          netns: i === 0 ? n1.ns : n2.ns,
          ...(opts.masterWorker ? { masterWorker: true } : {}),
          ...(opts.onLog ? { onLog: (rec: Record<string, unknown>) => opts.onLog!(n.name, rec) } : {}),
        });
      }) as [NodeProcess, NodeProcess];
      return new PairLab(lab, dir, nodes, [n1.ns, n2.ns], cl.ns);
    } catch (err) {
      await lab.destroy();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  startNodes(): void {
    for (const n of this.nodes) n.start();
  }

  /** Starts the client probe (bounded by `maxCount` requests). */
  startProbe(intervalMs = 10, maxCount = 60_000): void {
    const p = this.lab.spawn(this.clientNs, process.execPath, [
      join(here, 'probe-main.js'),
      VIP,
      '80',
      String(intervalMs),
      String(maxCount),
    ]);
    this.probeProc = p;
    createInterface({ input: p.stdout! }).on('line', (line) => {
      try {
        this.probes.push(JSON.parse(line) as ProbeRecord);
      } catch {
        // a partial line at exit: nothing to record
      }
    });
  }

  stopProbe(): void {
    this.probeProc?.kill('SIGTERM');
  }

  /**
   * Client-observed outage around `at` (wall-clock ms): the last good answer
   * to a request started at or before `at` → the first good answer to a request
   * started after it, in answer times. An answer already on its way when the
   * failure struck never ends the outage (it says nothing about who serves
   * the client afterwards); a request whose start cannot be placed on one
   * side of `at` (probeStarts) bounds neither side. `failed` counts the
   * failed requests in between.
   */
  outage(at: number): {
    lastOk: number | undefined;
    firstOk: number | undefined;
    /** The first good answer after `at` (the backend and the LB it came through). */
    firstBody: string | undefined;
    ms: number | undefined;
    failed: number;
  } {
    const starts = probeStarts(this.probes);
    let iBefore = -1;
    let iAfter = -1;
    for (const [i, p] of this.probes.entries()) {
      if (!p.ok) continue;
      if (starts[i]!.latest <= at) iBefore = i;
      else if (starts[i]!.earliest > at) {
        iAfter = i;
        break;
      }
    }
    const before = this.probes[iBefore];
    const after = this.probes[iAfter];
    const between = this.probes.slice(iBefore + 1, after ? iAfter : undefined);
    return {
      lastOk: before?.w,
      firstOk: after?.w,
      firstBody: after?.body,
      ms: before && after ? after.w - before.w : undefined,
      failed: between.filter((p) => !p.ok).length,
    };
  }

  async destroy(): Promise<void> {
    this.stopProbe();
    await Promise.all(this.nodes.map((n) => n.kill('SIGTERM', { group: true, timeoutMs: 5000 })));
    await this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Slack for probe-main.ts rounding `t` to the ms and Date.now() truncating `w`. */
const ROUNDING_MS = 2;

/**
 * Bounds on the wall-clock start of each probe request. probe-main.ts prints
 * `t` (ms since the probe began, taken at the request's start) and `w` (wall
 * clock at its end), so the probe's beginning in wall-clock time, O, puts
 * request i at O + t[i]. O is bounded from both sides: a request ends after
 * it starts (O ≤ w[i] − t[i] for every i), and the probe sends one request
 * at a time (O ≥ w[i−1] − t[i]: a request starts after the previous one
 * ended). A request taking no time or one following a timeout without a pause
 * makes either bound tight; the two are a few ms apart on the lab's bridge.
 */
function probeStarts(probes: readonly ProbeRecord[]): { earliest: number; latest: number }[] {
  let hi = Number.POSITIVE_INFINITY;
  let lo = Number.NEGATIVE_INFINITY;
  for (const [i, p] of probes.entries()) {
    hi = Math.min(hi, p.w - p.t);
    if (i > 0) lo = Math.max(lo, probes[i - 1]!.w - p.t);
  }
  return probes.map((p, i) => ({
    earliest: Math.max(p.t + lo - ROUNDING_MS, i > 0 ? probes[i - 1]!.w : Number.NEGATIVE_INFINITY),
    latest: p.t + hi + ROUNDING_MS,
  }));
}

function waitReady(p: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('lab web server did not start')), 10_000);
    createInterface({ input: p.stdout! }).once('line', () => {
      clearTimeout(t);
      resolve();
    });
    p.once('exit', (code) => reject(new Error(`lab web server exited (${code})`)));
  });
}
