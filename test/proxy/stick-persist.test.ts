/**
 * Stick-table persistence in mode tcp (configuration.txt "stick on", "stick
 * match", "stick store-request"): a client keeps its server across
 * reconnections, moves when that server goes down and stays on the new one,
 * `option persist` keeps it on a down server, a table learnt by one backend
 * steers another, and conditions choose what is stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ProxyEngine } from '../../src/proxy/engine.js';
import { namedServer, type TestServer } from './helpers.js';
import { fetchFrom, freePorts, startText } from './stick-helpers.js';

async function many(port: number, from: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await fetchFrom(port, from)).trim());
  return out;
}

describe('stick on src (mode tcp)', () => {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    [a, b] = await Promise.all([namedServer('a'), namedServer('b')]);
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  const listen = (port: number, extra = '') => `listen app
  bind 127.0.0.1:${port}
  balance roundrobin
  stick-table type ip size 100 expire 1m
  stick on src
${extra}  server a 127.0.0.1:${a.port}
  server b 127.0.0.1:${b.port}
`;

  it('keeps a client on one server across reconnects, moves it when that server goes down', async () => {
    const [port] = await freePorts(1);
    const engine = await startText(listen(port!));
    try {
      assert.deepEqual(await many(port!, '127.0.0.1', 3), ['a', 'a', 'a']);
      assert.deepEqual(await many(port!, '127.0.0.2', 3), ['b', 'b', 'b'], 'a new client is balanced');
      assert.deepEqual(await many(port!, '127.0.0.1', 2), ['a', 'a']);
      engine.setServerHealth('app', 'a', false, 'test');
      assert.deepEqual(await many(port!, '127.0.0.1', 2), ['b', 'b']);
      engine.setServerHealth('app', 'a', true, 'test');
      assert.deepEqual(await many(port!, '127.0.0.1', 2), ['b', 'b'], 'the table now names b');
      const e = engine.stickTables.get('app')!.lookup('127.0.0.1', engine.clock.now())!;
      assert.equal(e.serverKey, 'b');
      assert.equal(e.serverId, 2);
      engine.setServerAdminState('app', 'b', 'maint');
      assert.deepEqual(await many(port!, '127.0.0.2', 1), ['a'], 'maintenance moves the client too');
      engine.setServerAdminState('app', 'b', 'drain');
      assert.deepEqual(await many(port!, '127.0.0.2', 1), ['a'], 'stored a again');
      engine.setServerAdminState('app', 'a', 'drain');
      assert.deepEqual(
        await many(port!, '127.0.0.2', 2),
        ['a', 'a'],
        'a draining server keeps its sticky clients',
      );
    } finally {
      await engine.stop();
    }
  });

  it('with option persist, a client stays on its server even when it is marked down', async () => {
    const [port] = await freePorts(1);
    const engine = await startText(listen(port!, '  option persist\n'));
    try {
      assert.deepEqual(await many(port!, '127.0.0.3', 1), ['a']);
      engine.setServerHealth('app', 'a', false, 'test');
      assert.deepEqual(await many(port!, '127.0.0.3', 2), ['a', 'a']);
      assert.deepEqual(await many(port!, '127.0.0.4', 1), ['b'], 'new clients avoid it');
    } finally {
      await engine.stop();
    }
  });

  it('entries expire: the client is balanced again', async () => {
    const [port] = await freePorts(1);
    const engine = await startText(listen(port!).replace('expire 1m', 'expire 300ms'));
    try {
      assert.deepEqual(await many(port!, '127.0.0.5', 2), ['a', 'a']);
      await new Promise((r) => setTimeout(r, 400));
      assert.deepEqual(await many(port!, '127.0.0.5', 1), ['b'], 'roundrobin goes on with b');
    } finally {
      await engine.stop();
    }
  });
});

describe('a table shared between backends', () => {
  let servers: TestServer[];
  let engine: ProxyEngine;
  let popPort: number;
  let smtpPort: number;
  before(async () => {
    servers = await Promise.all(['pop1', 'pop2', 'smtp1', 'smtp2'].map(namedServer));
    [popPort, smtpPort] = (await freePorts(2)) as [number, number];
    // configuration.txt "stick match": SMTP users go to the server they used for POP.
    engine = await startText(`frontend pop
  bind 127.0.0.1:${popPort}
  default_backend pop
frontend smtp
  bind 127.0.0.1:${smtpPort}
  default_backend smtp
backend pop
  balance roundrobin
  stick store-request src if !{ src 127.0.0.9 }
  stick-table type ip size 200k expire 30m
  server s1 127.0.0.1:${servers[0]!.port}
  server s2 127.0.0.1:${servers[1]!.port}
backend smtp
  balance roundrobin
  stick match src table pop
  server s1 127.0.0.1:${servers[2]!.port}
  server s2 127.0.0.1:${servers[3]!.port}
`);
  });
  after(async () => {
    await engine.stop();
    for (const s of servers) await s.close();
  });

  it('stick match finds the server learnt by stick store-request elsewhere (by name)', async () => {
    assert.deepEqual(await many(popPort, '127.0.0.2', 1), ['pop1']);
    assert.deepEqual(await many(popPort, '127.0.0.3', 1), ['pop2']);
    assert.deepEqual(await many(smtpPort, '127.0.0.3', 3), ['smtp2', 'smtp2', 'smtp2']);
    assert.deepEqual(await many(smtpPort, '127.0.0.2', 2), ['smtp1', 'smtp1']);
    assert.deepEqual(await many(popPort, '127.0.0.3', 1), ['pop1'], 'store-request alone does not match');
  });

  it('conditions decide what is stored; an unknown key is balanced', async () => {
    assert.deepEqual(await many(popPort, '127.0.0.9', 1), ['pop2']);
    const t = engine.stickTables.get('pop')!;
    assert.equal(t.lookup('127.0.0.9', engine.clock.now()), undefined);
    const smtp = await many(smtpPort, '127.0.0.9', 2);
    assert.notEqual(smtp[0], smtp[1], 'no entry: roundrobin alternates');
  });
});
