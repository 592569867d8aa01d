/**
 * Root-only lab: our raw VRRP transport and IP driver in real network
 * namespaces, against each other and against keepalived 2.x. A raw socket
 * belongs to the namespace of the process that opens it, so the transport runs
 * in a helper process (fixtures/raw-echo.js) started inside each namespace.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { VirtualAddress } from '../../src/config/keepalived/model.js';
import { realClock } from '../../src/core/clock.js';
import { realRunner } from '../../src/core/command.js';
import { RuntimeCode } from '../../src/core/errors.js';
import { createLab, isRoot, type Lab } from '../../src/lab/netns.js';
import { checkTools, IpVipDriver } from '../../src/vrrp/vip.js';
import { skipUnlessRoot } from './root.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/raw-echo.js', import.meta.url));

interface EchoEvent {
  readonly event: 'ready' | 'advert' | 'error';
  readonly src?: string;
  readonly dst?: string;
  readonly ttl?: number;
  readonly hex?: string;
  readonly code?: string;
  readonly localAddress?: string;
}

/** A raw-echo helper: its JSON events, and a way to wait for one. */
class Echo {
  readonly events: EchoEvent[] = [];
  private waiters: Array<() => void> = [];

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.events.push(JSON.parse(line) as EchoEvent);
      for (const w of this.waiters) w();
    });
  }

  send(hex: string): void {
    this.child.stdin!.write(`send ${hex}\n`);
  }

  adverts(): EchoEvent[] {
    return this.events.filter((e) => e.event === 'advert');
  }

  /** Resolves with the first event matching `pred`, or rejects after `ms`. */
  waitFor(what: string, pred: (e: EchoEvent) => boolean, ms = 5000): Promise<EchoEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.events.find(pred);
        if (hit === undefined) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events)}`));
      }, ms);
      this.waiters.push(check);
      check();
    });
  }
}

async function startEcho(lab: Lab, ns: string, args: readonly string[]): Promise<Echo> {
  const echo = new Echo(lab.spawn(ns, process.execPath, [FIXTURE, '--if', 'eth0', ...args]));
  const first = await echo.waitFor('ready', (e) => e.event === 'ready' || e.event === 'error');
  assert.equal(first.event, 'ready', JSON.stringify(first));
  return echo;
}

async function waitUntil(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

/** Starts `tcpdump -n -l -v` in `ns`; resolves once it listens, with a getter of what it printed. */
async function startTcpdump(lab: Lab, ns: string, filter: string): Promise<() => string> {
  const dump = lab.spawn(ns, 'tcpdump', ['-n', '-l', '-v', '-i', 'eth0', filter]);
  let seen = '';
  dump.stdout!.on('data', (x: Buffer) => {
    seen += x.toString();
  });
  let err = '';
  dump.stderr!.on('data', (x: Buffer) => {
    err += x.toString();
  });
  await waitUntil(() => /listening on/.test(err), 5000);
  assert.match(err, /listening on/, 'tcpdump started');
  return () => seen;
}

/** RFC 1071 checksum, for hand-made adverts keepalived must accept. */
function inetChecksum(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i < buf.length; i += 2) sum += (buf[i]! << 8) | (buf[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/** A VRRPv2 advert (RFC 3768 section 5.3), no authentication, one address. */
function vrrpV2(vrid: number, priority: number, vip: string): string {
  const p = Buffer.alloc(20);
  p[0] = 0x21;
  p[1] = vrid;
  p[2] = priority;
  p[3] = 1;
  p[5] = 1;
  Buffer.from(vip.split('.').map(Number)).copy(p, 8);
  p.writeUInt16BE(inetChecksum(p), 6);
  return p.toString('hex');
}

describe('raw VRRP transport in network namespaces', { concurrency: 1, timeout: 120_000 }, () => {
  let lab: Lab | undefined;
  let tmp = '';

  before(async () => {
    if (!isRoot()) return;
    tmp = mkdtempSync(join(tmpdir(), 'hapair-lab-'));
    lab = await createLab(3);
  });

  after(async () => {
    await lab?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('multicast 224.0.0.18 between two namespaces, TTL 255, own packets ignored', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const [a, b] = lab.nodes;
    const ea = await startEcho(lab, a!.ns, []);
    const eb = await startEcho(lab, b!.ns, []);
    ea.send('21336401000100000000');
    const got = await eb.waitFor('advert from a', (e) => e.event === 'advert');
    assert.deepEqual(got, {
      event: 'advert',
      src: a!.ipv4,
      dst: '224.0.0.18',
      ttl: 255,
      hex: '21336401000100000000',
    });
    eb.send('21336402000100000000');
    await ea.waitFor('advert from b', (e) => e.event === 'advert');
    assert.deepEqual(
      ea.adverts().map((e) => e.src),
      [b!.ipv4],
      'a never hears itself',
    );
    ea.child.stdin!.end('quit\n');
    eb.child.stdin!.end('quit\n');
  });

  test('unicast peers, and unicast_src_ip written as the source address', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const [a, b] = lab.nodes;
    await lab.exec(a!.ns, 'ip', ['addr', 'add', '198.18.0.201/24', 'dev', 'eth0']);
    const ea = await startEcho(lab, a!.ns, ['--src', '198.18.0.201', '--peer', b!.ipv4]);
    const eb = await startEcho(lab, b!.ns, ['--peer', '198.18.0.201']);
    assert.equal(ea.events[0]?.localAddress, '198.18.0.201');
    ea.send('2133640100010000');
    const got = await eb.waitFor('unicast advert', (e) => e.event === 'advert');
    assert.deepEqual(got, {
      event: 'advert',
      src: '198.18.0.201',
      dst: b!.ipv4,
      ttl: 255,
      hex: '2133640100010000',
    });
    eb.send('2133320100010000');
    const back = await ea.waitFor('unicast advert back', (e) => e.event === 'advert');
    assert.equal(back.dst, '198.18.0.201');
    assert.equal(back.src, b!.ipv4);
    ea.child.stdin!.end('quit\n');
    eb.child.stdin!.end('quit\n');
  });

  test('keepalived 2.x interop: its adverts reach us byte-exact, ours make it step down', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const [, b, c] = lab.nodes;
    const conf = join(tmp, 'keepalived.conf');
    writeFileSync(
      conf,
      'global_defs {\n  router_id hp_lab\n}\n' +
        'vrrp_instance VI_LAB {\n  state MASTER\n  interface eth0\n  virtual_router_id 51\n' +
        '  priority 150\n  advert_int 1\n  virtual_ipaddress {\n    198.18.0.150/32\n  }\n}\n',
    );
    const eb = await startEcho(lab, b!.ns, []);
    const ka = lab.spawn(c!.ns, 'keepalived', [
      ...['-n', '-l', '-D', '-G', '--vrrp', '-f', conf],
      ...['-p', join(tmp, 'keepalived.pid'), '-r', join(tmp, 'vrrp.pid')],
    ]);
    let kaLog = '';
    ka.stderr!.on('data', (d: Buffer) => {
      kaLog += d.toString();
    });
    ka.stdout!.on('data', (d: Buffer) => {
      kaLog += d.toString();
    });
    try {
      // MASTER after its master-down timer (3 x advert_int + skew).
      const adv = await eb.waitFor('keepalived advert', (e) => e.event === 'advert', 10_000);
      assert.equal(adv.src, c!.ipv4);
      assert.equal(adv.dst, '224.0.0.18');
      assert.equal(adv.ttl, 255);
      const p = Buffer.from(adv.hex!, 'hex');
      assert.equal(p[0], 0x21, 'VRRPv2 advertisement');
      assert.equal(p[1], 51, 'VRID');
      assert.equal(p[2], 150, 'priority');
      assert.equal(p[3], 1, 'one address');
      assert.equal(p.subarray(8, 12).join('.'), '198.18.0.150');
      assert.equal(inetChecksum(p), 0, 'checksum over the whole packet');
      // Our transport's packet (TTL, TOS, source) passes keepalived's checks.
      eb.send(vrrpV2(51, 200, '198.18.0.150'));
      await waitUntil(() => /Entering BACKUP STATE(?! \(init\))/.test(kaLog), 5000);
      assert.match(kaLog, /Entering BACKUP STATE(?! \(init\))/, kaLog);
      assert.match(kaLog, /higher priority 200/);
    } finally {
      const exited = new Promise((r) => ka.once('exit', r));
      ka.kill('SIGTERM');
      await exited;
      eb.child.stdin!.end('quit\n');
    }
  });

  test('IpVipDriver in a namespace: add, idempotent, GARP and NA seen on the wire, remove', async (t) => {
    if (skipUnlessRoot(t) || !lab) return;
    const [a, , c] = lab.nodes;
    await checkTools(realRunner, { netns: a!.ns });
    const errors: string[] = [];
    const log = pino(
      { level: 'info' },
      { write: (s: string) => void ((JSON.parse(s) as { level: number }).level >= 50 && errors.push(s)) },
    );
    const d = new IpVipDriver({
      runner: realRunner,
      clock: realClock,
      log,
      garp: { delayMs: 0, repeat: 1, refreshMs: 0 },
      netns: a!.ns,
    });
    const loc = { file: 'lab', line: 1 };
    const vip: VirtualAddress = { address: '198.18.0.160', family: 4, prefix: 32, loc };
    const vip6: VirtualAddress = { address: 'fd00:198:18::160', family: 6, prefix: 128, loc };
    const addrs = async () => (await lab!.exec(a!.ns, 'ip', ['-o', 'addr', 'show', 'dev', 'eth0'])).stdout;
    const seen = await startTcpdump(lab, c!.ns, 'arp or icmp6');
    await d.add([vip, vip6], 'eth0');
    await d.add([vip, vip6], 'eth0');
    assert.match(await addrs(), /inet 198\.18\.0\.160\/32 /);
    assert.match(await addrs(), /inet6 fd00:198:18::160\/128 /);
    d.announce([vip, vip6], 'eth0');
    const garp = /who-has 198\.18\.0\.160 .*tell 198\.18\.0\.160/;
    // RFC 4861 section 7.1.2: receivers want hop limit 255; Override set for a moved address.
    const na =
      /hlim 255,[^\n]*\s+[^\n]*neighbor advertisement, length 32, tgt is fd00:198:18::160, Flags \[override\]/;
    await waitUntil(() => garp.test(seen()) && na.test(seen()), 5000);
    assert.match(seen(), garp, 'gratuitous ARP in the third namespace');
    assert.match(seen(), na, 'unsolicited NA in the third namespace');
    await d.remove([vip, vip6], 'eth0');
    await d.remove([vip, vip6], 'eth0');
    assert.doesNotMatch(await addrs(), /198\.18\.0\.160|fd00:198:18::160/);
    assert.deepEqual(errors, []);
  });

  test('without CAP_NET_RAW the raw transport fails with ERR_NO_PRIVILEGE', async () => {
    // As root, run the helper as nobody; otherwise we are unprivileged already.
    // On lo, and socket() is refused anyway: nothing is sent.
    const ids = isRoot() ? { uid: 65534, gid: 65534 } : {};
    const child = spawn(process.execPath, [FIXTURE, '--if', 'lo'], ids);
    const echo = new Echo(child);
    const e = await echo.waitFor('error', (x) => x.event === 'error' || x.event === 'ready');
    await new Promise((r) => child.once('exit', r));
    assert.equal(e.code, RuntimeCode.NoPrivilege, JSON.stringify(e));
    assert.match(JSON.stringify(e), /CAP_NET_RAW.*hapair_transport udp/);
  });
});
