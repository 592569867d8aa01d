/**
 * The seed's stats page (`listen stats … stats uri /haproxy-status … stats
 * auth test:test`) served by a real hapair process through its own HTTP data
 * path: 401 without credentials, the HTML page with a row per server, CSV.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function get(
  port: number,
  path: string,
  auth?: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {},
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

it("serves the seed's `listen stats` page with auth, HTML rows and ;csv", async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hapair-stats-'));
  const cfg = join(dir, 'h.cfg');
  writeFileSync(
    cfg,
    `defaults\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n` +
      `listen stats\n    mode http\n    bind 127.0.0.1:${port}\n    stats enable\n    log global\n    stats uri /haproxy-status\n    stats auth test:test\n` +
      'backend web\n    mode http\n    server web1 127.0.0.1:9\n    server web2 127.0.0.1:10\n',
  );
  const p = spawn(join(process.cwd(), 'bin/hapair'), ['-db', '-f', cfg], { stdio: 'ignore' });
  try {
    let up = false;
    for (let i = 0; i < 60 && !up; i++) {
      await new Promise((r) => setTimeout(r, 50));
      up = await get(port, '/haproxy-status').then(
        () => true,
        () => false,
      );
    }
    const denied = await get(port, '/haproxy-status');
    assert.equal(denied.status, 401);
    assert.match(String(denied.headers['www-authenticate']), /^Basic realm=/);
    const page = await get(port, '/haproxy-status', 'test:test');
    assert.equal(page.status, 200);
    assert.match(page.body, /<html/i);
    assert.match(page.body, /web1/);
    assert.match(page.body, /web2/);
    const csv = await get(port, '/haproxy-status;csv', 'test:test');
    assert.equal(csv.status, 200);
    assert.match(csv.body, /^# pxname,svname,qcur,qmax,scur,smax,slim,stot/);
    assert.match(csv.body, /^web,web1,/m);
  } finally {
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
