/**
 * The HA pair demo as root: the namespace lab of pair-lab.ts with a real VIP,
 * raw VRRP (IP protocol 112) and GARP. The client in its own namespace probes
 * the VIP every 10 ms; the demo kills the master box, shows the takeover and
 * the client-observed outage, then brings the box back.
 */
import { PairLab, VIP } from './pair-lab.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runNetnsDemo(
  opts: { once?: boolean; out?: (l: string) => void } = {},
): Promise<number> {
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  out('hapair HA pair demo — network-namespace lab (root):');
  out('  namespaces: a bridge, lb1 and lb2 (hapair), web1 and web2, a client; addresses 198.18.0.0/24.');
  const pl = await PairLab.create({ version: 3, advertInt: 0.1 });
  const [lb1, lb2] = pl.nodes;
  const stopOnSigint = () => void pl.destroy().then(() => process.exit(130));
  process.once('SIGINT', stopOnSigint);
  try {
    out(
      `  VIP ${VIP}:80 (VRRPv3, advert_int 0.1 s, raw IP protocol 112); lb1 priority 150, lb2 priority 100`,
    );
    out(
      `  runtime API: ip netns exec ${pl.lbNs[0]} hapair ctl ${pl.dir}/lb1.sock   (and lb2.sock in ${pl.lbNs[1]})`,
    );
    for (const n of pl.nodes)
      n.on('transition', (t) => out(`  [${n.name}] ${t.from} → ${t.to}: ${t.reason}`));
    pl.startNodes();
    await lb1.waitFor('MASTER', 15_000);
    await lb2.waitFor('BACKUP', 5000).catch(() => undefined);
    pl.startProbe(10);
    await sleep(2000);
    out(`  client → VIP: ${summarise(pl, 0)}`);
    out(`To trigger a failover yourself: ip netns exec ${pl.lbNs[0]} ip link set eth0 down`);

    out('killing every lb1 process and taking its link down at the same instant (a box death) …');
    const t0 = Date.now();
    await Promise.all([lb1.kill('SIGKILL', { group: true }), pl.lab.linkDown(pl.lbNs[0])]);
    await lb2.waitFor('MASTER', 10_000);
    await sleep(1500);
    const o = pl.outage(t0);
    out(`  lb2 is MASTER; client-observed outage ${o.ms ?? '?'} ms, ${o.failed} failed requests`);
    out(`  client → VIP: ${summarise(pl, t0)}`);

    out('bringing lb1 back (link up, hapair restarted): it preempts with its higher priority …');
    await pl.lab.linkUp(pl.lbNs[0]);
    const t1 = Date.now();
    lb1.start();
    await lb1.waitFor('MASTER', 15_000);
    await sleep(1500);
    const o2 = pl.outage(t1);
    out(`  lb1 is MASTER again; outage ${o2.ms ?? '?'} ms, ${o2.failed} failed requests`);
    out(`  client → VIP: ${summarise(pl, t1)}`);
    if (!opts.once) {
      out('The lab keeps running: press Ctrl-C to tear it down.');
      await new Promise<void>((r) => process.once('SIGINT', () => r()));
    }
    return 0;
  } catch (err) {
    out(`demo failed: ${(err as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', stopOnSigint);
    await pl.destroy();
  }
}

function summarise(pl: PairLab, since: number): string {
  const counts = new Map<string, number>();
  for (const p of pl.probes) {
    if (p.w < since) continue;
    const k = p.ok ? (p.body ?? '') : `failed (${p.error})`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, v]) => `${k} ×${v}`).join(', ') || 'no answer';
}
