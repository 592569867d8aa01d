/**
 * Runtime API commands on frontends, limits, counters and sessions, through
 * a real stats socket against a real proxy engine: HAProxy's answers and the
 * effect on traffic or on the statistics.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { echoServer, exchange, type TestServer } from '../proxy/helpers.js';
import { ask, baseConfig, type Stack, sleep, startStack, waitFor } from './harness.js';

const HOLD = (port: number, feport: number) => `
frontend feh
    bind 127.0.0.1:${feport}
    default_backend hold

backend hold
    server h1 127.0.0.1:${port}
`;

/** A client connection through `port` that stays open; resolves once data went through both ways. */
async function openSession(port: number): Promise<net.Socket> {
  const c = net.connect(port, '127.0.0.1');
  c.on('error', () => {});
  await new Promise<void>((r) => c.once('connect', () => r()));
  c.write('ping');
  await new Promise<void>((r) => c.once('data', () => r()));
  return c;
}

describe('frontend, limit, counter and session commands', () => {
  let st: Stack;
  let echo: TestServer;
  let sock: string;
  const cmd = (c: string) => ask(sock, c);
  const feStatus = async () =>
    (await cmd('show stat'))
      .split('\n')
      .find((l) => l.startsWith('fe,FRONTEND,'))!
      .split(',')[17];
  before(async () => {
    echo = await echoServer();
    st = await startStack((e) => baseConfig(e, { tail: HOLD(echo.port, e.free[2]!) }));
    sock = `${st.dir}/admin.sock`;
  });
  after(async () => {
    await st.close();
    await echo.close();
  });

  it('disable frontend pauses accepting, enable frontend serves the waiting client', async () => {
    assert.equal(await cmd('disable frontend fe'), '\n');
    assert.equal(await feStatus(), 'PAUSED');
    assert.equal(await cmd('disable frontend fe'), 'All sockets are already disabled.\n\n');
    let answer = '';
    const pending = exchange(st.port('fe')).then((r) => {
      answer = r.data;
    });
    await sleep(200);
    assert.equal(answer, '', 'a paused frontend answered');
    assert.equal(await cmd('enable frontend fe'), '\n');
    await pending;
    assert.match(answer, /^web[12]\n$/);
    assert.equal(await feStatus(), 'OPEN');
    assert.equal(await cmd('enable frontend fe'), 'All sockets are already enabled.\n\n');
  });

  it('names a missing or unknown frontend like HAProxy', async () => {
    assert.equal(await cmd('disable frontend'), 'A frontend name is expected.\n\n');
    assert.equal(await cmd('disable frontend zz'), 'No such frontend.\n\n');
    assert.equal(await cmd('set maxconn frontend zz 5'), 'No such frontend.\n\n');
  });

  it('validates limits, sets the global ones and says what is not supported yet', async () => {
    const info = async (field: string) =>
      (await cmd('show info')).split('\n').find((l) => l.startsWith(`${field}: `));
    assert.equal(await cmd('set maxconn frontend fe'), 'Integer value expected.\n\n');
    assert.equal(await cmd('set maxconn frontend fe -1'), 'Value out of range.\n\n');
    const slim = async () => {
      const rows = (await cmd('show stat')).split('\n');
      const head = rows[0]!.replace(/^# /, '').split(',');
      const fe = rows.find((r) => r.startsWith('fe,FRONTEND,'))!.split(',');
      return fe[head.indexOf('slim')];
    };
    assert.equal(await cmd('set maxconn frontend fe 10'), '\n');
    assert.equal(await slim(), '10');
    assert.equal(await cmd('set maxconn global'), 'Expects an integer value.\n\n');
    assert.equal(await cmd('set maxconn global 5000'), 'Value out of range.\n\n');
    assert.equal(await cmd('set maxconn global 900'), '\n');
    assert.equal(await info('Maxconn'), 'Maxconn: 900');
    assert.equal(await info('Hard_maxconn'), 'Hard_maxconn: 1000');
    assert.equal(await cmd('set maxconn global 0'), '\n');
    assert.equal(await info('Maxconn'), 'Maxconn: 1000');
    assert.equal(await cmd('set rate-limit sessions global'), 'Expects an integer value.\n\n');
    assert.equal(await cmd('set rate-limit sessions global 100'), '\n');
    assert.equal(await info('SessRateLimit'), 'SessRateLimit: 100');
    assert.equal(await cmd('set rate-limit sessions global 0'), '\n');
    assert.equal(await info('SessRateLimit'), 'SessRateLimit: 0');
    assert.equal(
      await cmd('set rate-limit connections global 5'),
      "'set rate-limit connections global' is not supported by hapair yet.\n\n",
    );
    assert.equal(
      await cmd('set rate-limit foo'),
      "'set rate-limit' only supports :\n   - 'sessions global' to set the per-process maximum session rate\n\n",
    );
    // Nothing changed: the frontend still accepts beyond 10 connections' worth of limit checks.
    assert.match((await exchange(st.port('fe'))).data, /^web[12]\n$/);
  });

  it('clear counters resets the maxima, clear counters all every counter', async () => {
    const held = await openSession(st.port('feh'));
    const row = async () =>
      (await cmd('show stat'))
        .split('\n')
        .find((l) => l.startsWith('feh,FRONTEND,'))!
        .split(',');
    assert.equal((await row())[5], '1', 'smax');
    held.destroy();
    await waitFor(async () => (await row())[4] === '0');
    assert.equal(await cmd('clear counters'), '\n');
    assert.equal((await row())[5], '0', 'smax after clear counters');
    assert.equal((await row())[7], '1', 'stot kept');
    assert.equal(await cmd('clear counters all'), '\n');
    assert.equal((await row())[7], '0', 'stot after clear counters all');
  });

  it('show sess lists the CLI connection and the proxied sessions; shutdown sessions server closes them', async () => {
    const held = await openSession(st.port('feh'));
    const closed = new Promise<void>((r) => held.once('close', () => r()));
    const list = await ask(sock, 'show sess');
    const lines = list.split('\n').filter(Boolean);
    assert.ok(
      lines.some((l) =>
        /^0x[0-9a-f]+: proto=unix_stream src=unix:1 fe=GLOBAL be=<NONE> srv=<none> age=\d+s$/.test(l),
      ),
      list,
    );
    const mine = lines.find((l) => l.includes('fe=feh'));
    assert.match(
      mine ?? '',
      /^0x[0-9a-f]+: proto=tcpv4 src=127\.0\.0\.1:\d+ fe=feh be=hold srv=h1 age=\d+s$/,
    );
    const id = mine!.split(':')[0]!;
    assert.equal(await cmd(`show sess ${id}`), `${mine}\n\n`);
    assert.equal(await cmd('show sess 0xfffffff'), 'Session not found.\n\n');
    assert.equal(await cmd('shutdown sessions server hold/h1'), '\n');
    await closed;
    assert.ok(!(await ask(sock, 'show sess')).includes('fe=feh'));
    assert.equal(await cmd('shutdown sessions server hold/zz'), 'No such server.\n\n');
  });

  it('shutdown session <id> closes that session only', async () => {
    const held = await openSession(st.port('feh'));
    const other = await openSession(st.port('feh'));
    const closed = new Promise<void>((r) => held.once('close', () => r()));
    const ids = (await cmd('show sess'))
      .split('\n')
      .filter((l) => l.includes('fe=feh'))
      .map((l) => l.split(':')[0]!);
    assert.equal(ids.length, 2);
    assert.equal(await cmd(`shutdown session ${ids[0]}`), '\n');
    await closed;
    assert.equal(other.destroyed, false);
    assert.equal(await cmd('shutdown session'), "Session pointer expected (use 'show sess').\n\n");
    assert.equal(await cmd('shutdown session 0xfffffff'), "No such session (use 'show sess').\n\n");
    other.destroy();
  });

  it('names the HAProxy commands hapair lacks instead of calling them unknown', async () => {
    assert.equal(await cmd('show map'), "'show map' is not supported by hapair yet.\n\n");
    assert.equal(await cmd('set map m k v'), "'set map' is not supported by hapair yet.\n\n");
    assert.ok((await cmd('show tablez')).startsWith('Unknown command'));
  });
});
