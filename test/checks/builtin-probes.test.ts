import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { InterfaceProbe } from '../../src/checks/interface-probe.js';
import { HttpProbe, TcpProbe } from '../../src/checks/net-probe.js';
import { SystemProbe } from '../../src/checks/system-probe.js';
import type { Probe, ProbeEvent } from '../../src/checks/types.js';
import { ToggleServer } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'hapair-probe-'));
const probes: Probe[] = [];
const closers: (() => Promise<void>)[] = [];
after(async () => {
  await Promise.all(probes.map((p) => p.stop()));
  for (const c of closers) await c();
  rmSync(dir, { recursive: true, force: true });
});

function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const iv = setInterval(() => {
      if (pred()) {
        clearInterval(iv);
        resolve();
      } else if (performance.now() - t0 > ms) {
        clearInterval(iv);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 5);
  });
}

function track<P extends Probe>(p: P): P {
  probes.push(p);
  p.start();
  return p;
}

describe('interface probe', () => {
  it('follows operstate and carrier', async () => {
    const ifdir = join(dir, 'veth-test');
    mkdirSync(ifdir);
    writeFileSync(join(ifdir, 'operstate'), 'up\n');
    writeFileSync(join(ifdir, 'carrier'), '1\n');
    const events: ProbeEvent[] = [];
    track(
      new InterfaceProbe({
        name: 'if',
        ifname: 'veth-test',
        interval: 20,
        sysfsRoot: dir,
        onEvent: (e) => events.push(e),
      }),
    );
    await until(() => events.length === 1, 1000, 'first reading');
    assert.deepEqual(events[0], { name: 'if', ok: true });
    writeFileSync(join(ifdir, 'carrier'), '0\n');
    await until(() => events.length === 2, 1000, 'carrier lost');
    assert.equal(events[1]?.ok, false);
    writeFileSync(join(ifdir, 'carrier'), '1\n');
    await until(() => events.length === 3, 1000, 'carrier back');
    writeFileSync(join(ifdir, 'operstate'), 'down\n');
    await until(() => events.length === 4, 1000, 'operstate down');
    assert.equal(events[3]?.ok, false);
  });

  it('reads the real loopback device (operstate "unknown", carrier 1)', async () => {
    const p = track(new InterfaceProbe({ name: 'lo', ifname: 'lo', interval: 20, onEvent: () => {} }));
    await until(() => p.state() !== undefined, 1000, 'reading');
    assert.equal(p.state(), true);
    const missing = track(
      new InterfaceProbe({ name: 'x', ifname: 'no-such-if0', interval: 20, onEvent: () => {} }),
    );
    await until(() => missing.state() !== undefined, 1000, 'reading');
    assert.equal(missing.state(), false);
  });
});

describe('TCP and HTTP probes', () => {
  it('TCP connect probe follows a local listener', async () => {
    const srv = new ToggleServer();
    const port = await srv.listen();
    closers.push(() => srv.close());
    const events: ProbeEvent[] = [];
    track(
      new TcpProbe({
        name: 'tcp',
        host: '127.0.0.1',
        port,
        interval: 30,
        timeout: 200,
        onEvent: (e) => events.push(e),
      }),
    );
    await until(() => events.length === 1, 1000, 'up');
    assert.equal(events[0]?.ok, true);
    await srv.close();
    await until(() => events.length === 2, 1000, 'down');
    assert.equal(events[1]?.ok, false);
  });

  it('HTTP GET probe wants 2xx/3xx, with rise and fall', async () => {
    let status = 200;
    const srv = http.createServer((_req, res) => {
      res.statusCode = status;
      res.end();
    });
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    closers.push(() => new Promise((r) => srv.close(() => r())));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/health`;
    const events: ProbeEvent[] = [];
    track(
      new HttpProbe({
        name: 'web',
        url,
        interval: 30,
        timeout: 500,
        rise: 2,
        fall: 2,
        onEvent: (e) => events.push(e),
      }),
    );
    await until(() => events.length === 1, 1000, 'up');
    status = 503;
    await until(() => events.length === 2, 1000, 'down');
    assert.deepEqual(events, [
      { name: 'web', ok: true },
      { name: 'web', ok: false },
    ]);
    assert.throws(
      () =>
        new HttpProbe({ name: 'x', url: 'https://127.0.0.1/', interval: 1, timeout: 1, onEvent: () => {} }),
    );
  });
});

describe('system probe', () => {
  it('measures memory and CPU with cheap calls', async () => {
    const mem = new SystemProbe({
      name: 'mem',
      metric: 'memory',
      maxPercent: 100,
      interval: 50,
      onEvent: () => {},
    });
    const m = await mem.measure();
    assert.ok(m > 0 && m <= 100, `memory ${m}%`);
    const none = track(
      new SystemProbe({ name: 'tight', metric: 'memory', maxPercent: 0, interval: 50, onEvent: () => {} }),
    );
    const cpu = track(
      new SystemProbe({ name: 'cpu', metric: 'cpu', maxPercent: 100, interval: 50, onEvent: () => {} }),
    );
    await until(() => none.state() !== undefined && cpu.state() !== undefined, 3000, 'readings');
    assert.equal(none.state(), false);
    assert.equal(cpu.state(), true);
  });
});
