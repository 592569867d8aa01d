/**
 * The statistics page's admin form POSTed through hapair's own HTTP data
 * path, as raw bytes: the body is read before the page answers (Content-Length
 * or chunked, in several writes), the action is applied and answered with
 * HAProxy's 303; a body larger than a buffer is refused with a 413.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sleep } from './harness.js';
import { type HttpStack, startHttpStack } from './http-stack.js';

const CONFIG = (env: { ports: readonly number[]; free: readonly number[] }) => `
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

listen stats
    bind 127.0.0.1:${env.free[0]}
    stats enable
    stats uri /st
    stats auth test:test
    stats admin if TRUE

backend web
    server web1 127.0.0.1:${env.ports[0]}
    server web2 127.0.0.1:${env.ports[1]}
`;

const AUTH = `authorization: Basic ${Buffer.from('test:test').toString('base64')}\r\n`;

/** Sends `parts` with a pause between them; resolves with everything read until the server closes. */
async function send(port: number, parts: readonly string[]): Promise<string> {
  const sock = net.connect(port, '127.0.0.1');
  let got = '';
  sock.setEncoding('latin1');
  sock.on('data', (d: string) => {
    got += d;
  });
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  for (const p of parts) {
    sock.write(p);
    await sleep(30);
  }
  await closed;
  return got;
}

describe('stats admin form POST', () => {
  let st: HttpStack;
  const admin = (s: string) => st.engine.backend('web')!.findServer(s)!.admin;
  before(async () => {
    st = await startHttpStack(CONFIG);
  });
  after(() => st.close());

  it('reads a Content-Length body sent after the head, then answers 303', async () => {
    const body = 's=web1&action=drain&b=web';
    const out = await send(st.port('stats'), [
      `POST /st HTTP/1.1\r\nhost: x\r\n${AUTH}content-type: application/x-www-form-urlencoded\r\ncontent-length: ${body.length}\r\n\r\n`,
      body.slice(0, 5),
      body.slice(5),
    ]);
    assert.match(out, /^HTTP\/1\.1 303 See Other\r\n/);
    assert.match(out, /\r\nlocation: \/st;st=DONE\r\n/);
    assert.equal(admin('web1'), 'drain');
  });

  it('decodes a chunked body', async () => {
    const out = await send(st.port('stats'), [
      `POST /st HTTP/1.1\r\nhost: x\r\n${AUTH}transfer-encoding: chunked\r\n\r\n`,
      '8\r\ns=web2&s\r\n',
      '10;ext=1\r\n=web1&action=mai\r\n3\r\nnt&\r\n5\r\nb=web\r\n0\r\n\r\n',
    ]);
    assert.match(out, /\r\nlocation: \/st;st=DONE\r\n/);
    assert.equal(admin('web1'), 'maint');
    assert.equal(admin('web2'), 'maint');
  });

  it('refuses a body larger than a buffer with a 413', async () => {
    const body = `s=web1&action=ready&b=web&pad=${'x'.repeat(20000)}`;
    const out = await send(st.port('stats'), [
      `POST /st HTTP/1.1\r\nhost: x\r\n${AUTH}content-length: ${body.length}\r\n\r\n`,
      body,
    ]);
    assert.match(out, /^HTTP\/1\.1 413 /);
    assert.equal(admin('web1'), 'maint', 'the action of a refused body was applied');
  });

  it('refuses the action without credentials', async () => {
    const body = 's=web1&action=ready&b=web';
    const out = await send(st.port('stats'), [
      `POST /st HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    ]);
    assert.match(out, /^HTTP\/1\.1 401 /);
    assert.equal(admin('web1'), 'maint');
  });
});
