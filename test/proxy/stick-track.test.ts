/**
 * `tcp-request connection track-scN` end to end on loopback: a connection
 * rate limit refusing the 4th connection of a period, conn_cur following the
 * open connections, sessions and bytes counted, entries expiring (manual
 * clock, lazy and swept), a full table dropping its oldest entry, and the
 * `src_*` / alternate-table fetches in connection rules.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import type { ProxyEngine } from '../../src/proxy/engine.js';
import { echoServer, namedServer, type TestServer, waitFor } from './helpers.js';
import { fetchFrom, freePorts, hold, startText } from './stick-helpers.js';

const entry = (engine: ProxyEngine, table: string, key: string) =>
  engine.stickTables.get(table)!.lookup(key, engine.clock.now());
const read = (engine: ProxyEngine, table: string, key: string, data: string) =>
  entry(engine, table, key)?.read(data, engine.clock.now());

describe('tcp-request connection track-sc0', () => {
  let web: TestServer;
  let echo: TestServer;
  before(async () => {
    web = await namedServer('web');
    echo = await echoServer();
  });
  after(async () => {
    await web.close();
    await echo.close();
  });

  it('rejects the 4th connection of a 10 s period with sc_conn_rate(0) gt 3', async () => {
    const [port] = await freePorts(1);
    const engine = await startText(`frontend fe
  bind 127.0.0.1:${port}
  stick-table type ip size 100 expire 30s store conn_rate(10s),conn_cnt
  tcp-request connection track-sc0 src
  tcp-request connection reject if { sc_conn_rate(0) gt 3 }
  default_backend be
backend be
  server web 127.0.0.1:${web.port}
`);
    try {
      const got: string[] = [];
      for (let i = 0; i < 5; i++) got.push(await fetchFrom(port!, '127.0.0.1'));
      assert.deepEqual(got, ['web\n', 'web\n', 'web\n', '', '']);
      assert.equal(engine.frontend('fe')!.counters.deniedConn, 2);
      assert.equal(read(engine, 'fe', '127.0.0.1', 'conn_cnt'), 5, 'rejected connections are counted too');
      assert.equal(await fetchFrom(port!, '127.0.0.2'), 'web\n', 'another source has its own rate');
    } finally {
      await engine.stop();
    }
  });

  it('conn_cur follows open connections, and sc0_conn_cur limits them', async () => {
    const [port] = await freePorts(1);
    const engine = await startText(`frontend fe
  bind 127.0.0.1:${port}
  stick-table type ip size 100 expire 30s store conn_cur,sess_cnt,sess_rate(10s),bytes_in_cnt,bytes_out_cnt
  tcp-request connection track-sc0 src
  tcp-request connection reject if { sc0_conn_cur gt 2 }
  default_backend be
backend be
  server echo 127.0.0.1:${echo.port}
`);
    try {
      const a = hold(port!);
      const b = hold(port!);
      await Promise.all([a.ready, b.ready]);
      assert.ok(await waitFor(() => read(engine, 'fe', '127.0.0.1', 'conn_cur') === 2));
      assert.equal(entry(engine, 'fe', '127.0.0.1')!.ref, 2);
      assert.equal(await fetchFrom(port!), '', 'a third concurrent connection is refused');
      await a.close();
      assert.ok(await waitFor(() => read(engine, 'fe', '127.0.0.1', 'conn_cur') === 1));
      const c = hold(port!);
      await c.ready;
      c.sock.write('ping');
      const echoed = await new Promise<string>((r) => c.sock.once('data', (d) => r(String(d))));
      assert.equal(echoed, 'ping', 'accepted again once below the limit');
      await Promise.all([b.close(), c.close()]);
      assert.ok(await waitFor(() => read(engine, 'fe', '127.0.0.1', 'conn_cur') === 0));
      assert.equal(entry(engine, 'fe', '127.0.0.1')!.ref, 0);
      assert.equal(read(engine, 'fe', '127.0.0.1', 'sess_cnt'), 3, 'the refused connection was no session');
      assert.equal(read(engine, 'fe', '127.0.0.1', 'sess_rate'), 3);
      assert.equal(read(engine, 'fe', '127.0.0.1', 'bytes_in_cnt'), 4);
      assert.equal(read(engine, 'fe', '127.0.0.1', 'bytes_out_cnt'), 4);
    } finally {
      await engine.stop();
    }
  });

  it('entries expire after `expire` without traffic: read lazily, swept periodically', async () => {
    const clock = new ManualClock();
    const [port] = await freePorts(1);
    const engine = await startText(
      `frontend fe
  bind 127.0.0.1:${port}
  stick-table type ip size 100 expire 5s store conn_cnt
  tcp-request connection track-sc0 src
  default_backend be
backend be
  server web 127.0.0.1:${web.port}
`,
      clock,
    );
    try {
      const t = engine.stickTables.get('fe')!;
      assert.equal(await fetchFrom(port!, '127.0.0.1'), 'web\n');
      assert.ok(await waitFor(() => t.lookup('127.0.0.1', clock.now())?.ref === 0));
      clock.advance(3000);
      assert.equal(await fetchFrom(port!, '127.0.0.2'), 'web\n');
      assert.ok(await waitFor(() => t.lookup('127.0.0.2', clock.now())?.ref === 0));
      clock.advance(2000);
      assert.equal(t.lookup('127.0.0.1', clock.now()), undefined, '5 s after its last refresh');
      assert.ok(t.lookup('127.0.0.2', clock.now()));
      clock.advance(5100);
      assert.equal(t.used, 0, 'the sweep dropped the second one without a read');
      assert.equal(await fetchFrom(port!, '127.0.0.1'), 'web\n');
      assert.equal(
        t.lookup('127.0.0.1', clock.now())?.read('conn_cnt', clock.now()),
        1,
        'counting starts over',
      );
    } finally {
      await engine.stop();
    }
  });

  it('a full table drops its oldest untracked entry for a new source', async () => {
    const [port] = await freePorts(1);
    const engine = await startText(`frontend fe
  bind 127.0.0.1:${port}
  stick-table type ip size 2 expire 1m store conn_cnt
  tcp-request connection track-sc0 src
  default_backend be
backend be
  server web 127.0.0.1:${web.port}
`);
    try {
      const t = engine.stickTables.get('fe')!;
      for (const src of ['127.0.0.1', '127.0.0.2', '127.0.0.1', '127.0.0.3']) {
        assert.equal(await fetchFrom(port!, src), 'web\n');
        assert.ok(await waitFor(() => t.all().every((e) => e.ref === 0)));
      }
      assert.equal(t.used, 2);
      assert.deepEqual(
        t
          .all()
          .map((e) => e.key)
          .sort(),
        ['127.0.0.1', '127.0.0.3'],
      );
      assert.equal(t.lookup('127.0.0.1', engine.clock.now())?.read('conn_cnt', engine.clock.now()), 2);
    } finally {
      await engine.stop();
    }
  });

  it('src_* fetches look the source up without tracking; sc1 tracks into another table', async () => {
    const [port] = await freePorts(1);
    const engine = await startText(`frontend fe
  bind 127.0.0.1:${port}
  stick-table type ip size 100 expire 1m store conn_cur,conn_rate(10s),gpc0
  tcp-request connection reject if { src_get_gpc0(fe) gt 0 }
  tcp-request connection track-sc0 src
  tcp-request connection track-sc1 src table counts
  tcp-request connection reject if { src_conn_rate(fe) ge 3 } { sc1_inc_gpc0 gt 0 }
  default_backend be
backend be
  server web 127.0.0.1:${web.port}
backend counts
  stick-table type ip size 100 store gpc0,conn_cnt
`);
    try {
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push(await fetchFrom(port!));
      assert.deepEqual(got, ['web\n', 'web\n', '']);
      assert.equal(read(engine, 'counts', '127.0.0.1', 'gpc0'), 1, 'sc1_inc_gpc0 marked the source');
      assert.equal(read(engine, 'counts', '127.0.0.1', 'conn_cnt'), 3);
      // Mark the source in fe's table: the first rule now refuses it before any tracking.
      entry(engine, 'fe', '127.0.0.1')!.incGpc0(engine.clock.now());
      assert.equal(await fetchFrom(port!), '');
      assert.equal(read(engine, 'counts', '127.0.0.1', 'conn_cnt'), 3, 'refused before track-sc1');
      assert.equal(await fetchFrom(port!, '127.0.0.2'), 'web\n');
    } finally {
      await engine.stop();
    }
  });
});
