/**
 * Listeners and the accept gate: at maxconn the proxy stops accepting and new
 * connections wait in the kernel's accept queue (not refused, not accepted);
 * pause/resume for reloads; `rate-limit sessions`; `tcp-request connection`
 * rules; unix sockets with permissions, IPv6, inherited fds.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ProxyConfig } from '../../src/config/haproxy/model.js';
import { silentLogger } from '../../src/core/logger.js';
import { copyListenHandle } from '../../src/proxy/accept-copies.js';
import { bindListener, listenHandle } from '../../src/proxy/bind.js';
import { startProxyEngine } from '../../src/proxy/engine.js';
import { acl, cond, makeBind, makeConfig, makeProxy, makeServer } from '../helpers/model.js';
import {
  exchange,
  fdCount,
  namedServer,
  type RunningEngine,
  runEngine,
  sleep,
  startServer,
  waitFor,
} from './helpers.js';

const stat = (r: RunningEngine, sv: string, px = 'px') =>
  r.engine.stats().find((x) => x.pxname === px && x.svname === sv)!;

/** Connections waiting in the kernel accept queue of a listening IPv4 socket (rx_queue in /proc/net/tcp). */
function acceptQueue(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1]?.endsWith(`:${hex}`) && f[3] === '0A') return Number.parseInt(f[4]!.split(':')[1]!, 16);
  }
  return -1;
}

async function withEngine(
  p: Partial<ProxyConfig>,
  fn: (r: RunningEngine) => Promise<void>,
  global = {},
): Promise<void> {
  const r = await runEngine(makeConfig([makeProxy({ binds: [makeBind('127.0.0.1:0')], ...p })], global));
  try {
    await fn(r);
  } finally {
    await r.stop();
  }
}

describe('maxconn', () => {
  it('frontend maxconn 2, 5 clients: 2 sessions in the proxy, 3 in the kernel queue, all served later', async () => {
    const release: (() => void)[] = [];
    const srv = await startServer((s) => release.push(() => s.end('done')));
    try {
      await withEngine({ maxconn: 2, servers: [makeServer('s', `127.0.0.1:${srv.port}`)] }, async (r) => {
        const results: Promise<Awaited<ReturnType<typeof exchange>>>[] = [];
        for (let i = 0; i < 5; i++) {
          results.push(exchange(r.port()));
          await sleep(30); // one accept at a time: the gate, not a burst, decides
        }
        await waitFor(() => acceptQueue(r.port()) === 3);
        assert.equal(acceptQueue(r.port()), 3, 'three connections wait in the listen queue');
        assert.equal(stat(r, 'FRONTEND').scur, 2);
        assert.equal(stat(r, 'FRONTEND').status, 'FULL');
        assert.equal(srv.current, 2);
        // Free the slots one by one: queued connections come in, still never more than 2.
        for (let served = 0; served < 5; served++) {
          await waitFor(() => release.length > 0);
          release.shift()!();
          await sleep(20);
          assert.ok(Number(stat(r, 'FRONTEND').scur) <= 2);
        }
        const all = await Promise.all(results);
        assert.deepEqual(
          all.map((x) => x.data),
          Array(5).fill('done'),
          'nobody was refused',
        );
        assert.ok(srv.peak <= 2, `server saw ${srv.peak}`);
        assert.equal(stat(r, 'FRONTEND').smax, 2);
      });
    } finally {
      await srv.close();
    }
  });

  it('a burst of simultaneous clients never makes more sessions than maxconn', async () => {
    const srv = await startServer((s) => setTimeout(() => s.end('ok'), 60));
    try {
      // The listen backlog defaults to maxconn (2) as in HAProxy, which would drop
      // SYNs of a burst; a larger backlog lets the whole burst reach the proxy.
      const binds = [makeBind('127.0.0.1:0', { backlog: 64 })];
      await withEngine(
        { maxconn: 2, binds, servers: [makeServer('s', `127.0.0.1:${srv.port}`)] },
        async (r) => {
          const all = await Promise.all(Array.from({ length: 12 }, () => exchange(r.port())));
          assert.deepEqual(
            all.map((x) => x.data),
            Array(12).fill('ok'),
          );
          assert.equal(stat(r, 'FRONTEND').smax, 2);
          assert.ok(srv.peak <= 2);
        },
      );
    } finally {
      await srv.close();
    }
  });

  it('global maxconn limits all frontends together', async () => {
    const release: (() => void)[] = [];
    const srv = await startServer((s) => release.push(() => s.end('x')));
    try {
      const p1 = makeProxy({
        name: 'a',
        binds: [makeBind('127.0.0.1:0')],
        servers: [makeServer('s', `127.0.0.1:${srv.port}`)],
      });
      const p2 = makeProxy({
        name: 'b',
        id: 3,
        binds: [makeBind('127.0.0.1:0')],
        servers: [makeServer('s', `127.0.0.1:${srv.port}`)],
      });
      const r = await runEngine(makeConfig([p1, p2], { maxconn: 3 }));
      try {
        const all = [
          exchange(r.port('a')),
          exchange(r.port('a')),
          exchange(r.port('b')),
          exchange(r.port('b')),
        ];
        await waitFor(() => release.length === 3);
        await sleep(50);
        assert.equal(r.engine.currentConnections, 3);
        assert.equal(release.length, 3);
        while (release.length > 0 || srv.current > 0) {
          release.shift()?.();
          await sleep(20);
        }
        assert.equal((await Promise.all(all)).length, 4);
      } finally {
        await r.stop();
      }
    } finally {
      await srv.close();
    }
  });
});

describe('pause and resume', () => {
  it('a paused listener leaves connections in the kernel queue and serves them after resume', async () => {
    const srv = await namedServer('s');
    try {
      await withEngine({ servers: [makeServer('s', `127.0.0.1:${srv.port}`)] }, async (r) => {
        const states: string[] = [];
        r.engine.on('listener-state', (ev) => states.push(ev.state));
        r.engine.pauseListeners();
        const pending = exchange(r.port());
        await waitFor(() => acceptQueue(r.port()) === 1);
        assert.equal(acceptQueue(r.port()), 1);
        assert.equal(stat(r, 'FRONTEND').stot, 0);
        assert.equal(stat(r, 'FRONTEND').status, 'PAUSED');
        r.engine.resumeListeners();
        assert.equal((await pending).data, 's\n');
        assert.deepEqual(states, ['paused', 'bound']);
      });
    } finally {
      await srv.close();
    }
  });
});

describe('rate-limit sessions', () => {
  it('spreads new sessions to the configured rate; the excess waits, it is not refused', async () => {
    const srv = await namedServer('s');
    try {
      await withEngine(
        { rateLimitSessions: 10, servers: [makeServer('s', `127.0.0.1:${srv.port}`)] },
        async (r) => {
          const t0 = performance.now();
          const all = await Promise.all(Array.from({ length: 25 }, () => exchange(r.port())));
          const elapsed = performance.now() - t0;
          assert.ok(all.every((x) => x.data === 's\n'));
          // 25 sessions at 10/s: the last ones need at least ~1.5 s.
          assert.ok(elapsed >= 1400, `25 sessions took ${elapsed} ms`);
          assert.equal(stat(r, 'FRONTEND').rate_lim, 10);
          assert.ok(Number(stat(r, 'FRONTEND').rate_max) <= 11, `rate_max ${stat(r, 'FRONTEND').rate_max}`);
        },
      );
    } finally {
      await srv.close();
    }
  });
});

describe('tcp-request connection', () => {
  it('reject if src matches closes the connection before any session (dcon)', async () => {
    const srv = await namedServer('s');
    try {
      await withEngine(
        {
          servers: [makeServer('s', `127.0.0.1:${srv.port}`)],
          rules: [
            {
              family: 'tcp-request connection',
              action: 'accept',
              args: [],
              cond: cond('if', acl('src', ['127.0.0.2'])),
              loc: { file: 't', line: 1 },
            },
            {
              family: 'tcp-request connection',
              action: 'reject',
              args: [],
              cond: cond('if', acl('src', ['127.0.0.0/8'])),
              loc: { file: 't', line: 2 },
            },
          ],
        },
        async (r) => {
          assert.equal(
            (await exchange(r.port(), '', { localAddress: '127.0.0.2' })).data,
            's\n',
            'accepted by the first rule',
          );
          const refused = await exchange(r.port(), '', { localAddress: '127.0.0.3' });
          assert.equal(refused.data, '');
          const fe = stat(r, 'FRONTEND');
          assert.equal(fe.dcon, 1);
          assert.equal(fe.stot, 1);
          assert.equal(fe.conn_tot, 2);
          assert.equal(srv.accepted, 1);
        },
      );
    } finally {
      await srv.close();
    }
  });

  it('an unsupported action is refused at start with its location', async () => {
    const cfg = makeConfig([
      makeProxy({
        binds: [makeBind('127.0.0.1:0')],
        rules: [
          {
            family: 'tcp-request connection',
            action: 'track-sc0',
            args: ['src'],
            loc: { file: 'h.cfg', line: 7 },
          },
        ],
      }),
    ]);
    await assert.rejects(
      startProxyEngine(cfg, { log: silentLogger }),
      /h\.cfg:7: tcp-request connection: .*track-sc0/,
    );
  });
});

describe('bind addresses', () => {
  it('unix socket with mode and IPv6 loopback', async () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'bind-'));
    const srv = await namedServer('s');
    try {
      const path = join(dir, 'px.sock');
      await withEngine(
        {
          binds: [makeBind(path, { mode: 0o600 }), makeBind('[::1]:0')],
          servers: [makeServer('s', `127.0.0.1:${srv.port}`)],
        },
        async (r) => {
          assert.equal(statSync(path).mode & 0o777, 0o600);
          const viaUnix = await new Promise<string>((res) => {
            let out = '';
            net
              .connect(path)
              .on('data', (d) => (out += d))
              .on('close', () => res(out));
          });
          assert.equal(viaUnix, 's\n');
          const ls = r.engine.frontend('px')!.listeners;
          const v6port = (ls[1]!.server.address() as net.AddressInfo).port;
          assert.equal((await exchange(v6port, '', { host: '::1' })).data, 's\n');
        },
      );
    } finally {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a port range gives one listener per port', async () => {
    const srv = await namedServer('s');
    try {
      // Another test may take a neighbour port between the probe and the bind: try a few ranges.
      for (let attempt = 0; ; attempt++) {
        const base = await new Promise<number>((res) => {
          const t = net.createServer().listen(0, '127.0.0.1', () => {
            const p = (t.address() as net.AddressInfo).port;
            t.close(() => res(p));
          });
        });
        let r: RunningEngine;
        try {
          r = await runEngine(
            makeConfig([
              makeProxy({
                binds: [makeBind(`127.0.0.1:${base}-${base + 2}`)],
                servers: [makeServer('s', `127.0.0.1:${srv.port}`)],
              }),
            ]),
          );
        } catch (e) {
          if (attempt < 20 && (e as { code?: string }).code === 'ERR_BIND_FAILED') continue;
          throw e;
        }
        try {
          assert.equal(r.engine.frontend('px')!.listeners.length, 3);
          for (const p of [base, base + 1, base + 2]) assert.equal((await exchange(p)).data, 's\n');
        } finally {
          await r.stop();
        }
        return;
      }
    } finally {
      await srv.close();
    }
  });

  it('adopts a socket bound elsewhere and can still pause it', async () => {
    const [sock] = await bindListener(makeBind('127.0.0.1:0'), 16);
    const port = (sock!.address() as net.AddressInfo).port;
    const srv = await namedServer('s');
    const bind = makeBind(`127.0.0.1:${port}`);
    const cfg = makeConfig([
      makeProxy({ binds: [bind], servers: [makeServer('s', `127.0.0.1:${srv.port}`)] }),
    ]);
    const engine = await startProxyEngine(cfg, {
      log: silentLogger,
      listenerHandles: new Map([[`px 127.0.0.1:${port}`, sock!]]),
    });
    try {
      assert.equal((await exchange(port)).data, 's\n');
      engine.pauseListeners();
      const pending = exchange(port);
      await waitFor(() => acceptQueue(port) === 1);
      assert.equal(acceptQueue(port), 1);
      engine.resumeListeners();
      assert.equal((await pending).data, 's\n');
    } finally {
      await engine.stop();
      await srv.close();
    }
  });

  it('binds fd@N inherited from a parent process', async () => {
    const srv = await namedServer('via-fd');
    const [sock] = await bindListener(makeBind('127.0.0.1:0'), 16);
    const port = (sock!.address() as net.AddressInfo).port;
    const dist = join(dirname(fileURLToPath(import.meta.url)), '../..');
    const script = `
      import { silentLogger } from '${dist}/src/core/logger.js';
      import { startProxyEngine } from '${dist}/src/proxy/engine.js';
      import { makeBind, makeConfig, makeProxy, makeServer } from '${dist}/test/helpers/model.js';
      const cfg = makeConfig([makeProxy({ binds: [makeBind('fd@3')], servers: [makeServer('s', '127.0.0.1:${srv.port}')] })]);
      await startProxyEngine(cfg, { log: silentLogger });
      process.stdout.write('ready\\n');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit', listenHandle(sock!)!.fd],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
        child.on('exit', (code) => reject(new Error(`child exited with ${code}`)));
      });
      await new Promise<void>((r) => sock!.close(() => r())); // only the child's copy is left
      assert.equal((await exchange(port)).data, 'via-fd\n');
    } finally {
      const closed = new Promise((r) => child.once('close', r));
      child.kill('SIGKILL');
      await closed;
      await srv.close();
    }
  });

  it('copies of a listening handle are new descriptors of the same socket', async () => {
    const [sock] = await bindListener(makeBind('127.0.0.1:0'), 16);
    const before = fdCount();
    const h = listenHandle(sock!)!;
    const copies = (await copyListenHandle(h, 3)) as unknown as { fd: number; close(): void }[];
    assert.equal(copies.length, 3);
    assert.equal(new Set([h.fd, ...copies.map((c) => c.fd)]).size, 4);
    assert.equal(fdCount(), before + 3);
    for (const c of copies) c.close();
    assert.ok(await waitFor(() => fdCount() === before), 'closing the copies closes their descriptors only');
    await new Promise<void>((r) => sock!.close(() => r()));
  });
});
