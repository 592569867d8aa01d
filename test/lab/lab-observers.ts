/**
 * Observers and peers for the VRRP namespace-lab tests, beside hapair's own
 * nodes (vrrp-lab.ts): keepalived 2.2.7 as a reference peer, `ip monitor`
 * for the moment an address appears, and tcpdump for the adverts on a link.
 * Each runs through Lab.spawn, so Lab.destroy() stops whatever is left.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Lab, LabNode } from '../../src/lab/netns.js';
import { sleep, waitUntil } from './vrrp-lab.js';

/** keepalived 2.2.7 (`keepalived -n -l -D --vrrp`) in a lab namespace; its log lines with arrival times. */
export class KeepalivedNode {
  readonly lines: { readonly at: number; readonly text: string }[] = [];
  private proc: ChildProcess | undefined;

  constructor(
    private readonly lab: Lab,
    readonly name: string,
    readonly node: LabNode,
    private readonly dir: string,
    keepalivedConf: string,
  ) {
    writeFileSync(join(dir, `${name}.conf`), keepalivedConf);
  }

  start(): this {
    const d = this.dir;
    const n = this.name;
    this.proc = this.lab.spawn(this.node.ns, 'keepalived', [
      ...['-n', '-l', '-D', '-G', '--vrrp', '-f', join(d, `${n}.conf`)],
      ...['-p', join(d, `${n}.pid`), '-r', join(d, `${n}-vrrp.pid`)],
    ]);
    for (const s of [this.proc.stdout!, this.proc.stderr!]) {
      createInterface({ input: s }).on('line', (text) => this.lines.push({ at: Date.now(), text }));
    }
    return this;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** First line matching `re` that arrived at or after `since` (wall-clock ms). */
  find(re: RegExp, since = 0): { at: number; text: string } | undefined {
    return this.lines.find((l) => l.at >= since && re.test(l.text));
  }

  async waitLog(re: RegExp, ms: number, since = 0): Promise<void> {
    await waitUntil(
      `${this.name} to log ${re}`,
      () => this.find(re, since) !== undefined,
      ms,
      () =>
        this.lines
          .slice(-15)
          .map((l) => l.text)
          .join('\n'),
    );
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
}

/** `ip -o monitor address` in a namespace: when each address line arrived (wall-clock ms). */
export class AddressMonitor {
  readonly events: { readonly at: number; readonly deleted: boolean; readonly line: string }[] = [];

  private constructor(readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (line) =>
      this.events.push({ at: Date.now(), deleted: line.startsWith('Deleted'), line }),
    );
  }

  /** Starts the monitor; netlink events are only seen once it has subscribed, hence the short wait. */
  static async start(lab: Lab, ns: string): Promise<AddressMonitor> {
    const m = new AddressMonitor(lab.spawn(ns, 'ip', ['-o', 'monitor', 'address']));
    await sleep(200);
    return m;
  }

  /** When `addr` was added after `since`, if it was. */
  added(addr: string, since: number): number | undefined {
    return this.events.find((e) => !e.deleted && e.at >= since && e.line.includes(` ${addr}/`))?.at;
  }
}

/** One VRRP advert seen by tcpdump: kernel timestamp (wall-clock ms), source, version, priority. */
export interface CapturedAdvert {
  readonly ts: number;
  readonly src: string;
  readonly version: number;
  readonly vrid: number;
  readonly priority: number;
}

const TCPDUMP_VRRP = /^(\d+\.\d+) IP (\S+) > \S+: VRRPv(\d), Advertisement, vrid (\d+), prio (\d+)/;

/** `tcpdump -tt` of IP protocol 112 on a namespace's eth0, parsed line by line. */
export class VrrpCapture {
  readonly adverts: CapturedAdvert[] = [];

  private constructor(readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const m = TCPDUMP_VRRP.exec(line);
      if (!m) return;
      this.adverts.push({
        ts: Number(m[1]) * 1000,
        src: m[2]!,
        version: Number(m[3]),
        vrid: Number(m[4]),
        priority: Number(m[5]),
      });
    });
  }

  /** Starts tcpdump and waits until it listens. */
  static async start(lab: Lab, ns: string): Promise<VrrpCapture> {
    const proc = lab.spawn(ns, 'tcpdump', ['-n', '-l', '-tt', '-i', 'eth0', 'ip proto 112']);
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    await waitUntil(
      'tcpdump to listen',
      () => /listening on/.test(err),
      5000,
      () => err,
    );
    return new VrrpCapture(proc);
  }

  /** Adverts from `src` with `from <= ts <= to`. */
  from(src: string, from = 0, to = Number.POSITIVE_INFINITY): CapturedAdvert[] {
    return this.adverts.filter((a) => a.src === src && a.ts >= from && a.ts <= to);
  }
}
