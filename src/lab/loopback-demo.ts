/**
 * The HA pair demo without root: two real hapair nodes on loopback
 * (127.0.0.11 and 127.0.0.12), VRRP over the UDP transport, VIPs only logged.
 * A client probes whichever node claims MASTER (there is no real VIP to
 * follow without root), so a newcomer sees the election, a takeover when the
 * master is killed, and the preemption when it comes back.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haproxyCfg, keepalivedConf, type PairNode, type PairSpec } from './configs.js';
import { NodeProcess } from './node-process.js';
import { probeOnce } from './probe.js';
import { startWeb, type Web } from './webs.js';

export interface DemoOptions {
  /** Run the scenario once and return instead of waiting for Ctrl-C. */
  readonly once?: boolean;
  readonly out?: (line: string) => void;
}

function freeTcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function freeUdpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runLoopbackDemo(opts: DemoOptions = {}): Promise<number> {
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'hapair-demo-'));
  const webs: Web[] = [];
  const nodes: NodeProcess[] = [];
  let probing = false;
  const cleanup = async () => {
    probing = false;
    await Promise.all(nodes.map((n) => n.kill('SIGTERM', { group: true })));
    await Promise.all(webs.map((w) => w.close()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    webs.push(await startWeb('web1', '127.0.0.21'), await startWeb('web2', '127.0.0.22'));
    const port = await freeTcpPort('127.0.0.11');
    const spec: PairSpec = {
      vip: '198.18.0.100',
      vipPrefix: 24,
      vrid: 51,
      version: 3,
      advertInt: 0.2,
      servers: webs.map((w) => ({ name: w.name, addr: w.addr })),
      udpPort: await freeUdpPort('127.0.0.11'),
      mode: 'tcp',
      checkInter: 500,
    };
    const pair: PairNode[] = [
      {
        name: 'lb1',
        bindAddr: '127.0.0.11',
        bindPort: port,
        srcAddr: '127.0.0.11',
        peerAddr: '127.0.0.12',
        priority: 150,
        interface: 'lo',
      },
      {
        name: 'lb2',
        bindAddr: '127.0.0.12',
        bindPort: port,
        srcAddr: '127.0.0.12',
        peerAddr: '127.0.0.11',
        priority: 100,
        interface: 'lo',
      },
    ];
    for (const n of pair) {
      writeFileSync(join(dir, `${n.name}.cfg`), haproxyCfg(spec, n));
      writeFileSync(join(dir, `${n.name}.conf`), keepalivedConf(spec, n));
      nodes.push(
        new NodeProcess({
          name: n.name,
          haproxyCfg: join(dir, `${n.name}.cfg`),
          keepalivedConf: join(dir, `${n.name}.conf`),
          noVip: true,
        }),
      );
    }
    out('hapair HA pair demo — unprivileged mode (not root, or no `ip netns`):');
    out('  two real hapair nodes on loopback, VRRP over UDP, and the VIP is only LOGGED, never configured.');
    out(`  web backends: ${webs.map((w) => `${w.name}=${w.addr}`).join(' ')}`);
    out(
      `  lb1: 127.0.0.11:${port} priority 150    lb2: 127.0.0.12:${port} priority 100    VIP ${spec.vip} (VRRPv3, advert_int ${spec.advertInt}s)`,
    );
    out(`  configs: ${dir}`);
    for (const n of nodes) {
      n.on('transition', (t) => out(`  [${n.name}] ${t.from} → ${t.to}: ${t.reason}`));
      n.start();
    }
    const [lb1, lb2] = nodes as [NodeProcess, NodeProcess];
    await lb1.waitFor('MASTER', 10_000);
    out(`lb1 is MASTER and would hold ${spec.vip}.`);

    probing = true;
    const served: string[] = [];
    // A probe that was in flight to lb1 when it was killed dies with the box,
    // as a connection through a real VIP would: counted apart from the rest.
    const failures: string[] = [];
    let diedInFlight = 0;
    let lb1Dying = false;
    const master = () =>
      lb1.state === 'MASTER' && !lb1Dying ? pair[0]! : lb2.state === 'MASTER' ? pair[1]! : undefined;
    const probeLoop = (async () => {
      for (let i = 0; probing && i < 100_000; i++) {
        const m = master();
        if (m) {
          const startedAlive = !lb1Dying;
          const r = await probeOnce(m.bindAddr, port);
          if (r.ok) served.push(`${m.name}/${r.body}`);
          else if (m === pair[0] && startedAlive && lb1Dying) diedInFlight++;
          else failures.push(`${m.name}: ${r.error}`);
        }
        await sleep(50);
      }
    })();
    await sleep(2000);
    out(`client through the master: ${summarise(served.splice(0))}`);

    out('killing lb1 with SIGKILL (the whole node, as if the box died) …');
    const killedAt = performance.now();
    lb1Dying = true;
    await lb1.kill('SIGKILL', { group: true });
    const t = await lb2.waitFor('MASTER', 10_000);
    out(
      `lb2 took over after ${((t!.at - killedAt) / 1000).toFixed(2)} s (Master_Down_Interval for prio 100 at 0.2 s: ${(3 * 0.2 + (156 * 0.2) / 256).toFixed(2)} s).`,
    );
    await sleep(2000);
    out(`client through the master: ${summarise(served.splice(0))}`);

    out('restarting lb1: with its higher priority it preempts …');
    lb1.start();
    lb1Dying = false;
    await lb1.waitFor('MASTER', 10_000);
    await lb2.waitFor('BACKUP', 5000);
    await sleep(1500);
    out(`client through the master: ${summarise(served.splice(0))}`);
    probing = false;
    await probeLoop;
    if (diedInFlight > 0)
      out(`requests in flight to lb1 when it was killed (lost with the box): ${diedInFlight}`);
    out(
      `probe failures during the whole demo: ${failures.length}${failures.length ? ` (${failures.join('; ')})` : ''}`,
    );
    if (!opts.once) {
      out('Both nodes keep running: press Ctrl-C to stop them.');
      await new Promise<void>((r) => process.once('SIGINT', () => r()));
    }
    return 0;
  } catch (err) {
    out(`demo failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await cleanup();
  }
}

function summarise(served: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const s of served) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${k} ×${v}`).join(', ') || 'no answer';
}
