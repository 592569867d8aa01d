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
  /** Wall-clock ms. */
  readonly w: number;
  readonly ok: boolean;
  readonly body?: string;
  readonly error?: string;
}

export interface PairLabOptions {
  readonly version: 2 | 3;
  readonly advertInt: number;
  readonly nopreempt?: boolean;
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

  /** Client-observed outage around `at`: last good answer before → first good answer after. */
  outage(at: number): {
    lastOk: number | undefined;
    firstOk: number | undefined;
    ms: number | undefined;
    failed: number;
  } {
    const before = this.probes.filter((p) => p.w <= at && p.ok).at(-1);
    const after = this.probes.find((p) => p.w > at && p.ok);
    const failed = this.probes.filter(
      (p) => !p.ok && p.w >= (before?.w ?? at) && p.w <= (after?.w ?? Number.MAX_SAFE_INTEGER),
    ).length;
    return {
      lastOk: before?.w,
      firstOk: after?.w,
      ms: before && after ? after.w - before.w : undefined,
      failed,
    };
  }

  async destroy(): Promise<void> {
    this.stopProbe();
    await Promise.all(this.nodes.map((n) => n.kill('SIGTERM', { group: true, timeoutMs: 5000 })));
    await this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
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
