/**
 * The statistics page (handleStatsRequest) served by a small node:http server
 * in this test, as the HTTP data path will serve it: basic auth, the HTML
 * tables with state classes, refresh, the CSV/JSON exports, the admin form's
 * POST with its 303 and its effect on the engine, scope and display options,
 * and the VRRP panel. The seed configuration is the `listen stats` section of
 * the issue, on loopback.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { StatsConfig } from '../../src/config/haproxy/model.js';
import { collectInfo } from '../../src/ops/info.js';
import { handleStatsRequest, type StatsPageContext, statsUriMatches } from '../../src/ops/stats-page.js';
import { baseConfig, type Stack, startStack, waitFor } from './harness.js';
import { electedPair, viewOf } from './vrrp-pair.js';

const STATS = (port: number, checkPort: number) => `
backend bc
    server c1 127.0.0.1:${checkPort} check inter 200ms

listen stats
    mode http
    bind 127.0.0.1:${port}
    stats enable
    stats uri /haproxy-status
    stats auth test:test
    stats refresh 10s
    stats admin if TRUE
`;

const AUTH = `Basic ${Buffer.from('test:test').toString('base64')}`;

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

function request(
  port: number,
  path: string,
  opts: { method?: string; auth?: string; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.auth !== undefined) headers.authorization = opts.auth;
    if (opts.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const req = http.request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('statistics page', () => {
  let st: Stack;
  let server: http.Server;
  let port: number;
  let stats: StatsConfig;
  let admin = true;
  const pair = electedPair();
  const ctx = (over: Partial<StatsConfig> = {}): StatsPageContext => ({
    stats: { ...stats, ...over },
    proxy: 'stats',
    control: st.control,
    vrrp: [viewOf(pair.a)],
    info: collectInfo({
      product: 'hapair',
      version: '9.8.7',
      startedAt: Date.now() - 5000,
      now: Date.now(),
      pid: process.pid,
      nbthread: 1,
      node: 'lb1',
      description: 'front door',
      process: st.control.process(),
    }),
    admin,
  });
  let over: Partial<StatsConfig> = {};

  before(async () => {
    st = await startStack((e) => baseConfig(e, { tail: STATS(e.free[2]!, e.ports[0]!) }), { checks: true });
    stats = st.cfg.proxies.find((p) => p.name === 'stats')!.stats!;
    server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const [path, query] = q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => {
        body += d;
      });
      req.on('end', () => {
        if (!statsUriMatches(stats, path, query)) {
          res.writeHead(404).end();
          return;
        }
        const headers = Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
        );
        const r = handleStatsRequest(
          { method: req.method ?? 'GET', path, query, headers, body, src: req.socket.remoteAddress ?? '' },
          ctx(over),
        );
        res.writeHead(r.status, r.headers).end(r.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
    assert.ok(await waitFor(() => st.control.servers('bc')[0]?.check?.status === 'L4OK'), 'c1 never checked');
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await st.close();
  });

  it('asks for credentials with the default realm', async () => {
    const r = await request(port, '/haproxy-status');
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], 'Basic realm="HAProxy Statistics"');
    assert.match(r.body, /401 Unauthorized/);
    assert.equal(
      (
        await request(port, '/haproxy-status', {
          auth: `Basic ${Buffer.from('test:nope').toString('base64')}`,
        })
      ).status,
      401,
    );
  });

  it('uses stats realm when set', () => {
    const r = handleStatsRequest(
      { method: 'GET', path: '/haproxy-status', query: '', headers: {}, body: '', src: '' },
      ctx({ realm: 'Ops' }),
    );
    assert.equal(r.headers['www-authenticate'], 'Basic realm="Ops"');
  });

  it('renders a table per proxy with a row per server and its state class', async () => {
    const r = await request(port, '/haproxy-status', { auth: AUTH });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html');
    assert.equal(r.headers.refresh, '10');
    for (const px of ['fe', 'be', 'bc'])
      assert.match(r.body, new RegExp(`<a class=px href="#${px}">${px}</a>`));
    assert.match(r.body, /<tr class="active_no_check">.*<a name="be\/s1"><\/a><u>s1<\/u>/);
    assert.match(r.body, /<tr class="maintain">.*<a name="be\/s3"><\/a><u>s3<\/u>/);
    assert.match(
      r.body,
      /<tr class="active_up">.*<a name="bc\/c1"><\/a><u>c1<\/u>.*<td class=ac>\d+\w? UP<\/td><td class=ac><u>L4OK in \d+ms<div class=tips>Layer4 check passed<\/div><\/u><\/td><td class=ac>1\/1<\/td>/,
    );
    assert.match(r.body, /<tr class="frontend">.*Frontend.*<td class=ac>OPEN<\/td>/);
    assert.match(r.body, /<tr class="backend">.*Backend/);
    assert.match(r.body, /<h1>hapair version 9\.8\.7<\/h1>/);
  });

  it('drops the Refresh header with ;norefresh', async () => {
    const r = await request(port, '/haproxy-status;norefresh', { auth: AUTH });
    assert.equal(r.headers.refresh, undefined);
  });

  it('exports ;csv and ;json', async () => {
    const csv = await request(port, '/haproxy-status;csv', { auth: AUTH });
    assert.equal(csv.headers['content-type'], 'text/plain');
    assert.ok(csv.body.startsWith('# pxname,svname,qcur,'));
    assert.match(csv.body, /^be,s2,/m);
    const json = await request(port, '/haproxy-status;json', { auth: AUTH });
    assert.equal(json.headers['content-type'], 'application/json');
    assert.ok((JSON.parse(json.body) as unknown[]).length >= 7);
  });

  it('applies an admin action posted by the form, then redirects with 303', async () => {
    const r = await request(port, '/haproxy-status', {
      method: 'POST',
      auth: AUTH,
      body: 's=s1&s=s2&action=maint&b=%233',
    });
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/haproxy-status;st=DONE');
    assert.deepEqual(
      st.control.servers('be').map((s) => s.admin),
      ['maint', 'maint', 'maint'],
    );
    const page = await request(port, '/haproxy-status;st=DONE', { auth: AUTH });
    assert.match(page.body, /Action processed successfully\./);
    const back = await request(port, '/haproxy-status', {
      method: 'POST',
      auth: AUTH,
      body: 'b=be&action=ready&s=s1&s=s2',
    });
    assert.equal(back.headers.location, '/haproxy-status;st=DONE');
    assert.deepEqual(
      st.control.servers('be').map((s) => s.admin),
      ['ready', 'ready', 'maint'],
    );
  });

  it("sets a weight with hapair's weight action", async () => {
    const r = await request(port, '/haproxy-status;up', {
      method: 'POST',
      auth: AUTH,
      body: 'b=be&action=weight&weight=4&s=s2',
    });
    assert.equal(r.headers.location, '/haproxy-status;st=DONE;up');
    assert.equal(st.control.servers('be')[1]!.uweight, 4);
  });

  it("answers HAProxy's status codes for partial, invalid and empty posts", async () => {
    const post = async (body: string) =>
      (await request(port, '/haproxy-status', { method: 'POST', auth: AUTH, body })).headers.location;
    assert.equal(await post('b=be&action=drain&s=s1&s=nope'), '/haproxy-status;st=PART');
    assert.equal(await post('b=be&action=explode&s=s1'), '/haproxy-status;st=ERRP');
    assert.equal(await post('b=zz&action=ready&s=s1'), '/haproxy-status;st=ERRP');
    assert.equal(await post('b=be&action=ready'), '/haproxy-status;st=NONE');
    await post('b=be&action=ready&s=s1');
    assert.equal(await post('b=be&action=hnolb&s=s1'), '/haproxy-status;st=DONE');
    assert.equal(st.control.servers('be')[0]!.oper, 'stopping');
    assert.equal(await post('b=be&action=hrunn&s=s1'), '/haproxy-status;st=DONE');
    assert.equal(st.control.servers('be')[0]!.oper, 'running');
  });

  it('denies admin actions when stats admin does not match', async () => {
    admin = false;
    try {
      const r = await request(port, '/haproxy-status', {
        method: 'POST',
        auth: AUTH,
        body: 'b=be&action=maint&s=s1',
      });
      assert.equal(r.headers.location, '/haproxy-status;st=DENY');
      assert.equal(st.control.servers('be')[0]!.admin, 'ready');
      const page = await request(port, '/haproxy-status', { auth: AUTH });
      assert.doesNotMatch(page.body, /<form method="post">/);
    } finally {
      admin = true;
    }
  });

  it('shows a checkbox per server and the action list to admins', async () => {
    const page = await request(port, '/haproxy-status', { auth: AUTH });
    assert.match(page.body, /<input type="checkbox" name="s" value="s1">/);
    assert.match(page.body, /<select name=action>.*<option value="maint">Set state to MAINT<\/option>/);
    assert.match(page.body, /<input type="hidden" name="b" value="#3">/);
  });

  it('limits the page to stats scope, and to the scope= text', async () => {
    over = { scope: ['bc'] };
    try {
      const page = await request(port, '/haproxy-status', { auth: AUTH });
      assert.match(page.body, /href="#bc"/);
      assert.doesNotMatch(page.body, /href="#be"/);
    } finally {
      over = {};
    }
    const typed = await request(port, '/haproxy-status;csv?scope=bc', { auth: AUTH });
    assert.deepEqual(
      [
        ...new Set(
          typed.body
            .split('\n')
            .filter((l) => l && !l.startsWith('#'))
            .map((l) => l.split(',')[0]),
        ),
      ],
      ['bc'],
    );
  });

  it('hides the version, shows legends, node and description on demand', async () => {
    over = { hideVersion: true, showLegends: true, showNode: '', showDesc: '' };
    try {
      const page = await request(port, '/haproxy-status', { auth: AUTH });
      assert.doesNotMatch(page.body, /9\.8\.7/);
      assert.match(page.body, /<h2>Statistics Report for pid \d+ on lb1: front door<\/h2>/);
      assert.match(page.body, /<div class=tips>cap: backend, mode: tcp, id: 3<\/div>/);
      assert.match(page.body, /<div class=tips>127\.0\.0\.1:\d+, id: 1<\/div>/);
    } finally {
      over = {};
    }
  });

  it('shows the VRRP panel', async () => {
    const page = await request(port, '/haproxy-status', { auth: AUTH });
    assert.match(page.body, /<h3>&gt; VRRP instances<\/h3>/);
    assert.match(
      page.body,
      /<tr class="active_up"><td class=ac>VI_1<\/td><td class=ac>MASTER<\/td><td>150\/150<\/td><td>51<\/td><td class=ac>198\.18\.0\.100<\/td>/,
    );
    assert.match(page.body, /BACKUP &rarr; MASTER at \d{4}-/);
  });
});
