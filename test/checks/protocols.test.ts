import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { HealthCheckRunner } from '../../src/checks/runner.js';
import type { ProxyConfig } from '../../src/config/haproxy/model.js';
import { backend, checkParams, config, RecordingSink, server, ToggleServer } from './helpers.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

async function fake(handler: (s: Socket) => void): Promise<ToggleServer> {
  const t = new ToggleServer();
  t.handler = handler;
  await t.listen();
  closers.push(() => t.close());
  return t;
}

function run(px: ProxyConfig) {
  const sink = new RecordingSink();
  const runner = new HealthCheckRunner({ config: config([px]), sink, onLog: sink.onLog });
  runner.start();
  closers.push(() => runner.stop());
  return { sink, runner };
}

function proxy(name: string, port: number, over: Partial<ProxyConfig>, check = checkParams({ inter: 100 })) {
  return backend(name, [server('s1', port, { check })], over);
}

async function firstResult(runner: HealthCheckRunner, sink: RecordingSink, name: string) {
  await sink.until(() => runner.status(name, 's1')?.check?.status !== 'INI', 3000, `${name} result`);
  return runner.status(name, 's1')!.check!;
}

describe('option redis-check', () => {
  it('+PONG passes, an error reply fails with its first line', async () => {
    const good = await fake((s) => s.once('data', () => s.write('+PONG\r\n')));
    const bad = await fake((s) => s.once('data', () => s.end('-LOADING Redis is loading the dataset\r\n')));
    const g = run(proxy('rg', good.port, { checkKind: 'redis' }));
    const b = run(proxy('rb', bad.port, { checkKind: 'redis' }));
    assert.deepEqual(
      { ...(await firstResult(g.runner, g.sink, 'rg')), durationMs: 0 },
      { status: 'L7OK', info: 'Redis server is ok', durationMs: 0, health: 4, rise: 2, fall: 3 },
    );
    const r = await firstResult(b.runner, b.sink, 'rb');
    assert.equal(r.status, 'L7STS');
    assert.equal(r.info, '-LOADING Redis is loading the dataset');
  });
});

describe('option smtpchk', () => {
  it('banner, HELO/EHLO and QUIT must all be 2xx; the reply code and text are reported', async () => {
    const seen: string[] = [];
    const smtp = (banner: string) => (s: Socket) => {
      s.write(banner);
      s.on('data', (d: Buffer) => {
        const line = d.toString();
        seen.push(line);
        if (line.startsWith('QUIT')) s.end('221 2.0.0 Bye\r\n');
        else s.write('250-mail.test\r\n250 SIZE 1000\r\n');
      });
    };
    const good = await fake(smtp('220 mail.test ESMTP\r\n'));
    const bad = await fake(smtp('554 5.3.2 No service here\r\n'));
    const g = run(proxy('sg', good.port, { checkKind: 'smtp', checkArgs: ['EHLO', 'lb.example'] }));
    const b = run(proxy('sb', bad.port, { checkKind: 'smtp' }));
    const r = await firstResult(g.runner, g.sink, 'sg');
    assert.deepEqual([r.status, r.code, r.info], ['L7OK', 221, '2.0.0 Bye']);
    assert.equal(seen[0], 'EHLO lb.example\r\n');
    await b.sink.until(() => b.sink.count('down') === 1, 3000, 'smtp DOWN');
    assert.match(
      b.sink.lines[0]!.message,
      /reason: Layer7 wrong status, code: 554, info: "5\.3\.2 No service here"/,
    );
  });
});

describe('option pgsql-check', () => {
  it('AuthenticationOk passes; an ErrorResponse fails with the server text', async () => {
    let startup: Buffer = Buffer.alloc(0);
    const ok = await fake((s) =>
      s.once('data', (d: Buffer) => {
        startup = d;
        s.write(Buffer.from('520000000800000000', 'hex'));
      }),
    );
    const err = await fake((s) =>
      s.once('data', () => {
        const body = Buffer.from('SFATAL\0C28000\0Mno pg_hba.conf entry\0\0', 'latin1');
        const len = Buffer.alloc(4);
        len.writeUInt32BE(body.length + 4);
        s.end(Buffer.concat([Buffer.from('E'), len, body]));
      }),
    );
    const g = run(proxy('pg', ok.port, { checkKind: 'pgsql', checkArgs: ['user', 'hapair'] }));
    const b = run(proxy('pb', err.port, { checkKind: 'pgsql', checkArgs: ['user', 'hapair'] }));
    const r = await firstResult(g.runner, g.sink, 'pg');
    assert.deepEqual([r.status, r.info], ['L7OK', 'PostgreSQL server is ok']);
    assert.equal(startup.readUInt32BE(0), startup.length);
    assert.ok(startup.includes(Buffer.from('user\0hapair\0\0', 'latin1')));
    await b.sink.until(() => b.sink.count('down') === 1, 3000, 'pgsql DOWN');
    assert.match(
      b.sink.lines[0]!.message,
      /Layer7 invalid response, info: "FATAL<00>C28000<00>Mno pg_hba.conf entry/,
    );
  });

  it('refuses a missing user at construction', () => {
    assert.throws(
      () =>
        new HealthCheckRunner({
          config: config([proxy('px', 1, { checkKind: 'pgsql' })]),
          sink: new RecordingSink(),
        }),
      { code: 'CFG_BAD_ARGS' },
    );
  });
});

describe('option mysql-check', () => {
  const handshake = () => {
    const payload = Buffer.concat([
      Buffer.from([0x0a]),
      Buffer.from('8.0.99-fake\0', 'latin1'),
      Buffer.alloc(20, 1),
    ]);
    return Buffer.concat([Buffer.from([payload.length, 0, 0, 0]), payload]);
  };
  it('user check: handshake + OK passes with the version; an Error packet is L7STS with its number', async () => {
    const okSrv = await fake((s) => {
      s.write(handshake());
      s.once('data', () => s.end(Buffer.from([7, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0])));
    });
    const errSrv = await fake((s) => {
      s.write(handshake());
      s.once('data', () => {
        const p = Buffer.concat([
          Buffer.from([0xff, 0x15, 0x04]),
          Buffer.from("#28000Access denied for user 'hapair'", 'latin1'),
        ]);
        s.end(Buffer.concat([Buffer.from([p.length, 0, 0, 2]), p]));
      });
    });
    const g = run(proxy('my', okSrv.port, { checkKind: 'mysql', checkArgs: ['user', 'hapair'] }));
    const b = run(proxy('mb', errSrv.port, { checkKind: 'mysql', checkArgs: ['user', 'hapair', 'post-41'] }));
    const r = await firstResult(g.runner, g.sink, 'my');
    assert.deepEqual([r.status, r.info], ['L7OK', '8.0.99-fake']);
    await b.sink.until(() => b.sink.count('down') === 1, 3000, 'mysql DOWN');
    assert.match(
      b.sink.lines[0]!.message,
      /Layer7 wrong status, code: 1045, info: "#28000Access denied for user 'hapair'"/,
    );
  });
});

describe('TLS: option ssl-hello-chk and check-ssl', () => {
  let dir = '';
  let key: Buffer;
  let cert: Buffer;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hapair-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { stdio: 'ignore' },
    );
    key = readFileSync(join(dir, 'k.pem'));
    cert = readFileSync(join(dir, 'c.pem'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function tlsServer(): Promise<number> {
    const srv = tls.createServer({ key, cert }, (s) => s.end('hi'));
    srv.on('tlsClientError', () => {});
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    closers.push(() => new Promise((r) => srv.close(() => r())));
    return (srv.address() as AddressInfo).port;
  }

  it('ssl-hello-chk: a TLS server answers the forged SSLv3 hello (L6OK), a plain one does not (L6RSP)', async () => {
    const tlsPort = await tlsServer();
    const plain = await fake((s) => s.once('data', () => s.end('HTTP/1.0 400 Bad Request\r\n\r\n')));
    const g = run(proxy('sslg', tlsPort, { checkKind: 'ssl-hello' }));
    const b = run(proxy('sslb', plain.port, { checkKind: 'ssl-hello' }));
    assert.equal((await firstResult(g.runner, g.sink, 'sslg')).status, 'L6OK');
    await b.sink.until(() => b.sink.count('down') === 1, 3000, 'ssl-hello DOWN');
    assert.match(b.sink.lines[0]!.message, /reason: Layer6 invalid response/);
  });

  it('check-ssl: a handshake is L6OK; a peer that never answers the handshake is L6TOUT', async () => {
    const tlsPort = await tlsServer();
    const mute = await fake(() => {});
    const ssl = checkParams({ inter: 150, ssl: true });
    const g = run(proxy('cs', tlsPort, {}, ssl));
    const b = run(proxy('cb', mute.port, { timeouts: { connect: 1000, check: 100 } }, ssl));
    assert.equal((await firstResult(g.runner, g.sink, 'cs')).status, 'L6OK');
    await b.sink.until(() => b.sink.count('down') === 1, 3000, 'check-ssl DOWN');
    assert.match(b.sink.lines[0]!.message, /reason: Layer6 timeout/);
  });
});
