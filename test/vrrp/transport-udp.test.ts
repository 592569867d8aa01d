import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { after, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { RuntimeCode } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { VrrpInstanceRunner } from '../../src/vrrp/instance.js';
import { decode } from '../../src/vrrp/packet.js';
import { createUdpTransport, parseUdpPeer, type UdpTransportOptions } from '../../src/vrrp/transport/udp.js';
import type { ReceivedAdvert, VrrpTransport } from '../../src/vrrp/types.js';
import { instanceConfig, RecordingVip } from './fake-lan.js';

/** A port free on every loopback address right now (bound on the wildcard, then released). */
async function freePort(type: 'udp4' | 'udp6' = 'udp4'): Promise<number> {
  const s = dgram.createSocket(type);
  await new Promise<void>((resolve) => s.bind(0, resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function waitFor(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const open: VrrpTransport[] = [];
after(async () => {
  await Promise.all(open.map((t) => t.close()));
});

async function node(
  opts: Omit<UdpTransportOptions, 'log'>,
): Promise<{ t: VrrpTransport; got: ReceivedAdvert[] }> {
  const t = await createUdpTransport({ ...opts, log: silentLogger });
  open.push(t);
  const got: ReceivedAdvert[] = [];
  t.onAdvert((a) => got.push(a));
  return { t, got };
}

const ADVERT_A = Buffer.from('2133640100010cb5c6120064', 'hex');
const ADVERT_B = Buffer.from('2133960100010cb5c6120065', 'hex');

describe('UDP transport', () => {
  test('unicast between 127.0.0.2 and 127.0.0.3 on one port', async () => {
    const port = await freePort();
    const a = await node({ port, localAddress: '127.0.0.2', unicastPeers: ['127.0.0.3'] });
    const b = await node({ port, localAddress: '127.0.0.3', unicastPeers: ['127.0.0.2'] });
    assert.equal(a.t.family, 4);
    assert.equal(a.t.localAddress, '127.0.0.2');
    a.t.send(ADVERT_A);
    b.t.send(ADVERT_B);
    await waitFor('both adverts', () => a.got.length === 1 && b.got.length === 1);
    assert.deepEqual(b.got[0]?.payload, ADVERT_A);
    assert.equal(b.got[0]?.src, '127.0.0.2');
    assert.equal(b.got[0]?.dst, '127.0.0.3');
    assert.equal(b.got[0]?.ttl, undefined);
    assert.deepEqual(a.got[0]?.payload, ADVERT_B);
    assert.equal(a.got[0]?.src, '127.0.0.3');
  });

  test('unicast on 127.0.0.1 with ADDR:PORT peers', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = await node({ port: pa, localAddress: '127.0.0.1', unicastPeers: [`127.0.0.1:${pb}`] });
    const b = await node({ port: pb, localAddress: '127.0.0.1', unicastPeers: [`127.0.0.1:${pa}`] });
    a.t.send(ADVERT_A);
    await waitFor('advert at b', () => b.got.length === 1);
    b.t.send(ADVERT_B);
    await waitFor('advert at a', () => a.got.length === 1);
    assert.deepEqual(b.got[0]?.payload, ADVERT_A);
    assert.deepEqual(a.got[0]?.payload, ADVERT_B);
  });

  test('own packets are ignored when sent to ourselves', async () => {
    const port = await freePort();
    const self = await node({ port, localAddress: '127.0.0.4', unicastPeers: ['127.0.0.4', '127.0.0.5'] });
    const other = await node({ port, localAddress: '127.0.0.5', unicastPeers: ['127.0.0.4'] });
    self.t.send(ADVERT_A);
    await waitFor('advert at other', () => other.got.length === 1);
    other.t.send(ADVERT_B);
    await waitFor('advert back', () => self.got.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      self.got.map((g) => g.payload.toString('hex')),
      [ADVERT_B.toString('hex')],
    );
  });

  test('multicast 224.0.0.18 on lo: peers hear each other, not themselves', async () => {
    const port = await freePort();
    const common = { port, unicastPeers: [], interface: 'lo' };
    const a = await node({ ...common, localAddress: '127.0.0.2' });
    const b = await node({ ...common, localAddress: '127.0.0.3' });
    a.t.send(ADVERT_A);
    b.t.send(ADVERT_B);
    await waitFor('multicast both ways', () => a.got.length >= 1 && b.got.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      a.got.map((g) => [g.src, g.payload.toString('hex')]),
      [['127.0.0.3', ADVERT_B.toString('hex')]],
    );
    assert.deepEqual(
      b.got.map((g) => [g.src, g.payload.toString('hex')]),
      [['127.0.0.2', ADVERT_A.toString('hex')]],
    );
    assert.equal(b.got[0]?.dst, '', 'a wildcard-bound socket cannot tell the destination');
  });

  test('IPv6 unicast on ::1 with [ADDR]:PORT peers', async () => {
    const [pa, pb] = [await freePort('udp6'), await freePort('udp6')];
    const a = await node({ port: pa, localAddress: '::1', unicastPeers: [`[::1]:${pb}`] });
    const b = await node({ port: pb, localAddress: '::1', unicastPeers: [`[::1]:${pa}`] });
    assert.equal(a.t.family, 6);
    a.t.send(ADVERT_A);
    await waitFor('advert at b', () => b.got.length === 1);
    assert.deepEqual(b.got[0]?.payload, ADVERT_A);
    assert.equal(b.got[0]?.src, '::1');
  });

  test('VRRPv3 to two unicast peers: each gets the advert checksummed for its own address', async () => {
    const [port, port4] = [await freePort(), await freePort()];
    const master = await createUdpTransport({
      port,
      localAddress: '127.0.0.2',
      unicastPeers: ['127.0.0.3', `127.0.0.4:${port4}`],
      log: silentLogger,
    });
    open.push(master);
    const p3 = await node({ port, localAddress: '127.0.0.3', unicastPeers: ['127.0.0.2'] });
    const p4 = await node({ port: port4, localAddress: '127.0.0.4', unicastPeers: [`127.0.0.2:${port}`] });
    // The protocol timers run on a manual clock: only the I/O is real.
    const clock = new ManualClock();
    const config = instanceConfig({
      version: 3,
      priority: 150,
      unicastPeers: ['127.0.0.3', `127.0.0.4:${port4}`],
    });
    const runner = new VrrpInstanceRunner({
      config,
      transport: master,
      vip: new RecordingVip(clock),
      clock,
      log: silentLogger,
    });
    runner.start();
    clock.advance(4000);
    assert.equal(runner.state, 'MASTER');
    await waitFor('an advert at both peers', () => p3.got.length >= 1 && p4.got.length >= 1);
    const checksums = new Set<number>();
    for (const [peer, address] of [
      [p3, '127.0.0.3'],
      [p4, '127.0.0.4'],
    ] as const) {
      const adv = peer.got[0]!;
      assert.equal(adv.src, '127.0.0.2');
      assert.equal(adv.dst, address);
      const r = decode(adv.payload, {
        version: 3,
        family: 4,
        vrid: config.vrid,
        addresses: ['198.18.0.100'],
        advertIntMs: 1000,
        src: adv.src,
        dst: adv.dst,
        ttl: adv.ttl,
        checkTtl: false,
      });
      assert.ok(r.ok, `${address}: ${JSON.stringify(r)}`);
      assert.equal(r.advert.priority, 150);
      checksums.add(r.advert.checksum);
    }
    assert.equal(checksums.size, 2, 'one checksum per destination');
  });

  test('a bind that cannot succeed is ERR_BIND_FAILED', async () => {
    // 198.18.0.250 is not assigned on this host: bind() fails, nothing is sent.
    await assert.rejects(
      createUdpTransport({
        port: 0,
        localAddress: '198.18.0.250',
        unicastPeers: ['127.0.0.1'],
        log: silentLogger,
      }),
      (e: { code?: string; message?: string }) =>
        e.code === RuntimeCode.BindFailed && /198\.18\.0\.250/.test(e.message ?? ''),
    );
  });

  test('a peer of the other family is refused before binding', async () => {
    await assert.rejects(
      createUdpTransport({ port: 0, localAddress: '127.0.0.1', unicastPeers: ['::1'], log: silentLogger }),
      { code: RuntimeCode.Transport, message: /::1 and the local address 127\.0\.0\.1 differ in family/ },
    );
  });

  test('peer syntax', () => {
    assert.deepEqual(parseUdpPeer('10.1.2.3', 112), { address: '10.1.2.3', port: 112 });
    assert.deepEqual(parseUdpPeer('10.1.2.3:7000', 112), { address: '10.1.2.3', port: 7000 });
    assert.deepEqual(parseUdpPeer('fd00::1', 112), { address: 'fd00::1', port: 112 });
    assert.deepEqual(parseUdpPeer('[fd00::1]:7000', 112), { address: 'fd00::1', port: 7000 });
    for (const bad of ['host.example:80', '10.1.2.3:0', '10.1.2.3:70000', '[fd00::1]', '']) {
      assert.throws(() => parseUdpPeer(bad, 112), { code: RuntimeCode.Transport }, bad);
    }
  });
});
