/**
 * The stats socket protocol on real unix and TCP sockets: one request per line
 * or per `;`, answers closed by an empty line, non-interactive close,
 * `prompt` mode, escapes, HAProxy's answers to unknown or empty requests, and
 * a server that keeps serving whatever it is sent. Also `stats maxconn`,
 * `stats timeout` and the socket file permissions.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { COMMANDS } from '../../src/ops/cli-commands.js';
import { ask, baseConfig, type Stack, sleep, startStack, talk } from './harness.js';

const FIXED_HELP =
  '  help [<command>]                        : list matching or all commands\n' +
  '  prompt                                  : toggle interactive mode with prompt\n' +
  '  quit                                    : disconnect\n';

describe('stats socket protocol', () => {
  let st: Stack;
  let admin: string;
  before(async () => {
    st = await startStack((e) => baseConfig(e));
    admin = `${st.dir}/admin.sock`;
  });
  after(() => st.close());

  it('answers one command, ends it with an empty line and closes (non-interactive mode)', async () => {
    assert.equal(await ask(admin, 'show cli level'), 'admin\n\n');
  });

  it('runs commands separated by semicolons on one line, in order', async () => {
    const out = await talk(admin, 'get weight be/s1; get weight be/s3;show cli level\n');
    assert.equal(out, '1 (initial 1)\n\n5 (initial 5)\n\nadmin\n\n');
  });

  it('answers pipelined lines sent in one write', async () => {
    assert.equal(await talk(admin, 'show cli level\nget weight be/s2\n'), 'admin\n\n1 (initial 1)\n\n');
  });

  it('keeps an escaped semicolon inside the word, like HAProxy', async () => {
    assert.equal(await talk(admin, 'get weight be\\;s1\n'), "Require 'backend/server'.\n\n");
  });

  it('accepts CRLF line ends', async () => {
    assert.equal(await talk(admin, 'show cli level\r\n'), 'admin\n\n');
  });

  it('drops a request the client ends without a line feed', async () => {
    assert.equal(await talk(admin, 'show cli level'), '');
  });

  it('switches to interactive mode with prompt, answers with "\\n> " and closes on quit', async () => {
    assert.equal(await talk(admin, 'prompt\nshow cli level\nquit\n'), '\n> admin\n\n> ');
  });

  it('stays open in interactive mode until quit', async () => {
    const sock = net.connect(admin);
    let out = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      out += d;
    });
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.write('prompt\n');
    await sleep(100);
    sock.write('get weight be/s1\n');
    await sleep(100);
    assert.equal(out, '\n> 1 (initial 1)\n\n> ');
    assert.equal(sock.destroyed, false);
    sock.write('quit\n');
    await closed;
  });

  it("answers an unknown command with HAProxy's suggestions and keeps serving", async () => {
    const out = await ask(admin, 'shw stat');
    assert.ok(
      out.startsWith('Unknown command, but maybe one of the following ones is a better match:\n'),
      out,
    );
    assert.ok(out.endsWith(`${FIXED_HELP}\n`));
    assert.equal(await ask(admin, 'show cli level'), 'admin\n\n');
  });

  it('suggests the commands sharing the known words (set maxconn)', async () => {
    const out = await ask(admin, 'set maxconn');
    assert.equal(
      out,
      'Unknown command, but maybe one of the following ones is a better match:\n' +
        "  set maxconn frontend <frontend> <value> : change a frontend's maxconn setting\n" +
        '  set maxconn global <value>              : change the per-process maxconn setting\n' +
        "  set maxconn server <bk>/<srv>           : change a server's maxconn setting\n" +
        `${FIXED_HELP}\n`,
    );
  });

  it('lists every command for an empty request, as HAProxy does', async () => {
    const out = await talk(admin, '\n');
    assert.ok(out.startsWith('Unknown command. Please enter one of the following commands only:\n'));
    assert.equal(out.split('\n').length, 1 + COMMANDS.length + 3 + 2);
  });

  it('help lists each command once, sorted, with the fixed lines last', async () => {
    const out = await ask(admin, 'help');
    const lines = out.split('\n').slice(1, -2);
    assert.equal(lines.length, COMMANDS.length + 3);
    const listed = lines.slice(0, -3);
    assert.deepEqual(listed, [...listed].sort());
    assert.ok(listed.some((l) => l.startsWith('  show vrrp [<instance>]')));
    assert.ok(out.endsWith(`${FIXED_HELP}\n`));
  });

  it('help <words> lists the matching commands only', async () => {
    assert.equal(
      await ask(admin, 'help get'),
      `The following commands are valid at this level:\n  get weight <bk>/<srv>                   : report a server's current weight\n${FIXED_HELP}\n`,
    );
  });

  it('survives 100 kB of random bytes and still answers', async () => {
    const junk = randomBytes(100_000).toString('latin1');
    const out = await talk(admin, `${junk}\n`);
    assert.ok(out.length > 0);
    assert.equal(await ask(admin, 'show cli level'), 'admin\n\n');
  });

  it('closes a connection whose request outgrows the 16 kB buffer, and keeps serving others', async () => {
    assert.equal(await talk(admin, 'x'.repeat(20_000), { keepOpen: true }), '');
    assert.equal(await ask(admin, 'show cli level'), 'admin\n\n');
  });

  it('serves the same protocol on the ipv4@ socket', async () => {
    const tcp = st.api.addresses.find((a) => a.startsWith('127.0.0.1:'))!;
    assert.equal(await ask(tcp, 'show cli level'), 'admin\n\n');
  });

  it('serves an ipv6@ socket on ::1', async (t) => {
    const probe = net.createServer();
    const v6 = await new Promise<boolean>((r) => {
      probe.once('error', () => r(false));
      probe.listen(0, '::1', () => probe.close(() => r(true)));
    });
    if (!v6) {
      t.skip('no IPv6 loopback in this environment');
      return;
    }
    const other = await startStack((e) => `global\n    stats socket ipv6@[::1]:${e.free[0]} level user\n`, {
      webs: 0,
    });
    try {
      assert.match(other.api.addresses[0]!, /^\[::1\]:\d+$/);
      assert.equal(await ask(other.api.addresses[0]!, 'show cli level'), 'user\n\n');
    } finally {
      await other.close();
    }
  });

  it('creates the unix sockets with the `mode` permissions', () => {
    assert.equal(statSync(admin).mode & 0o777, 0o600);
    assert.equal(statSync(`${st.dir}/user.sock`).mode & 0o777, 0o660);
  });

  it('uses the default level operator when the socket sets none', async () => {
    const other = await startStack((e) => `global\n    stats socket ${e.dir}/plain.sock\n`, { webs: 0 });
    try {
      assert.equal(await ask(`${other.dir}/plain.sock`, 'show cli level'), 'operator\n\n');
    } finally {
      await other.close();
    }
  });
});

describe('stats maxconn and stats timeout', () => {
  let st: Stack;
  before(async () => {
    st = await startStack((e) => baseConfig(e, { global: '    stats maxconn 1\n    stats timeout 300ms\n' }));
  });
  after(() => st.close());

  it('makes a connection beyond stats maxconn wait until a slot frees', async () => {
    const sock = `${st.dir}/admin.sock`;
    const first = net.connect(sock);
    first.write('prompt\n');
    await sleep(50);
    let answered = false;
    const second = ask(sock, 'show cli level').then((o) => {
      answered = true;
      return o;
    });
    await sleep(150);
    assert.equal(answered, false, 'second connection served while the first holds the only slot');
    first.end('quit\n');
    assert.equal(await second, 'admin\n\n');
  });

  it('closes an idle interactive connection after stats timeout', async () => {
    const started = Date.now();
    const out = await talk(`${st.dir}/admin.sock`, 'prompt\n', { keepOpen: true });
    const ms = Date.now() - started;
    assert.equal(out, '\n> ');
    assert.ok(ms >= 250 && ms < 3000, `closed after ${ms} ms`);
  });
});
