/**
 * The statistics page in a real headless Chromium (Debian's /usr/bin/chromium
 * driven by playwright-core; skipped with a message when it is absent),
 * served by hapair's own HTTP data path: basic authentication, one table per
 * proxy, server rows coloured by their state classes, the VRRP panel, then an
 * admin action chosen in the page's form and applied by its POST (303 back to
 * the page, as HAProxy), and its effect after a reload and on traffic. The
 * page is saved to test-artifacts/stats-page.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { waitFor } from './harness.js';
import { type HttpStack, httpRequest, startHttpStack } from './http-stack.js';
import { electedPair, viewOf } from './vrrp-pair.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`SKIPPING stats page browser test: ${CHROMIUM} not found (apt-get install chromium)`);

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const AUTH = { authorization: `Basic ${Buffer.from('test:test').toString('base64')}` };

const CONFIG = (env: { ports: readonly number[]; free: readonly number[] }) => `
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

listen stats
    bind 127.0.0.1:${env.free[0]}
    stats enable
    stats uri /haproxy-status
    stats auth test:test
    stats admin if TRUE
    stats refresh 5s

frontend fe
    bind 127.0.0.1:${env.free[1]}
    default_backend web

backend web
    server web1 127.0.0.1:${env.ports[0]} check inter 200ms
    server web2 127.0.0.1:${env.ports[1]} check inter 200ms
`;

describe('statistics page in Chromium', { skip: haveChromium ? false : `${CHROMIUM} not found` }, () => {
  let st: HttpStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pair = electedPair();
  const url = () => `http://127.0.0.1:${st.port('stats')}/haproxy-status`;
  /**
   * Reloads the page; the page's own `stats refresh` may navigate at the same
   * moment on a loaded machine, so a reload that loses the page retries with goto.
   */
  async function reload(): Promise<void> {
    try {
      await page.reload();
    } catch {
      await page.goto(url());
    }
  }
  const row = (server: string) => page.locator(`tr:has(a[name="web/${server}"])`);

  before(async () => {
    st = await startHttpStack(CONFIG, { vrrp: () => [viewOf(pair.a)] });
    // Both servers checked once (L4OK) before the page is read.
    const checked = async () => {
      const csv = (await httpRequest(st.port('stats'), '/haproxy-status;csv', { headers: AUTH })).body;
      return csv.split('\n').filter((l) => /^web,web\d,/.test(l) && l.includes(',L4OK,')).length === 2;
    };
    assert.ok(await waitFor(checked, 5000), 'servers not checked');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext({ httpCredentials: { username: 'test', password: 'test' } });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await st?.close();
  });

  it('asks for credentials', async () => {
    const anon = await browser.newContext();
    try {
      const r = await anon.request.get(url());
      assert.equal(r.status(), 401);
      assert.equal(r.headers()['www-authenticate'], 'Basic realm="HAProxy Statistics"');
    } finally {
      await anon.close();
    }
  });

  it('shows one table per proxy, server rows in their state colours and the VRRP panel', async () => {
    const r = await page.goto(url());
    assert.equal(r?.status(), 200);
    assert.equal(r?.headers().refresh, '5');
    assert.deepEqual(await page.locator('th.pxname').allTextContents(), ['stats', 'fe', 'web']);
    assert.equal(await row('web1').getAttribute('class'), 'active_up');
    assert.equal(await row('web2').getAttribute('class'), 'active_up');
    assert.match((await row('web1').textContent()) ?? '', /L4OK/);
    // #c0ffc0, HAProxy's colour for an active server UP.
    assert.equal(
      await row('web1').evaluate((e) => getComputedStyle(e).backgroundColor),
      'rgb(192, 255, 192)',
    );
    assert.equal(await page.locator('tr.frontend').count(), 2);
    assert.equal(await page.locator('tr.backend').count(), 2);
    const vrrp = page.locator('tr:has(td:text-is("VI_1"))');
    assert.equal(await vrrp.getAttribute('class'), 'active_up');
    assert.match((await vrrp.textContent()) ?? '', /MASTER/);
  });

  it('applies an admin action through the form: POST, 303 back to the page, new state after reload', async () => {
    await page.goto(url());
    const form = page.locator('form:has(a[name="web"])');
    await form.locator('input[name="s"][value="web1"]').check();
    await form.locator('select[name="action"]').selectOption({ label: 'Set state to DRAIN' });
    const posted = page.waitForResponse((res) => res.request().method() === 'POST');
    await form.locator('input[type="submit"]').click();
    const post = await posted;
    assert.equal(post.status(), 303);
    assert.equal(post.headers().location, '/haproxy-status;st=DONE');
    assert.match(post.request().postData() ?? '', /(^|&)s=web1(&|$)/);
    await page.waitForURL(/;st=DONE$/);
    assert.match(
      (await page.locator('div.active_up').textContent()) ?? '',
      /Action processed successfully\./,
    );
    assert.equal(st.engine.backend('web')!.findServer('web1')!.admin, 'drain');

    await reload();
    assert.equal(await row('web1').getAttribute('class'), 'active_draining');
    assert.match((await row('web1').textContent()) ?? '', /DRAIN/);
    assert.equal(await row('web2').getAttribute('class'), 'active_up');
    // A drained server takes no new load-balanced traffic.
    for (let i = 0; i < 4; i++) assert.equal((await httpRequest(st.port('fe'), '/')).body, 'web2');

    await form.locator('input[name="s"][value="web2"]').check();
    await form.locator('select[name="action"]').selectOption({ label: 'Set state to MAINT' });
    await Promise.all([page.waitForURL(/;st=DONE$/), form.locator('input[type="submit"]').click()]);
    await reload();
    assert.equal(await row('web2').getAttribute('class'), 'maintain');
    assert.match((await row('web2').textContent()) ?? '', /MAINT/);
    assert.equal((await httpRequest(st.port('fe'), '/')).status, 503);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'stats-page.png'), fullPage: true });
    assert.ok(existsSync(join(ARTIFACTS, 'stats-page.png')));
  });

  it('refuses an action when the form names no server', async () => {
    await page.goto(url());
    const form = page.locator('form:has(a[name="web"])');
    await form.locator('select[name="action"]').selectOption({ label: 'Set state to READY' });
    await Promise.all([page.waitForURL(/;st=NONE$/), form.locator('input[type="submit"]').click()]);
    assert.match((await page.locator('div.active_going_down').textContent()) ?? '', /Nothing has changed\./);
    assert.equal(st.engine.backend('web')!.findServer('web2')!.admin, 'maint');
  });
  it("forces a checked server's health and toggles its check from the form", async () => {
    const apply = async (servers: readonly string[], label: string) => {
      const form = page.locator('form:has(a[name="web"])');
      for (const sv of servers) await form.locator(`input[name="s"][value="${sv}"]`).check();
      await form.locator('select[name="action"]').selectOption({ label });
      await Promise.all([page.waitForURL(/;st=DONE$/), form.locator('input[type="submit"]').click()]);
    };
    await page.goto(url());
    await apply(['web1', 'web2'], 'Set state to READY');
    await apply(['web1'], 'Health: disable checks');
    await reload();
    assert.equal(await row('web1').getAttribute('class'), 'active_no_check');
    await apply(['web1'], 'Health: force DOWN');
    await reload();
    assert.equal(await row('web1').getAttribute('class'), 'active_down');
    assert.equal(st.engine.backend('web')!.findServer('web1')!.health, 'down');
    await apply(['web1'], 'Health: enable checks');
    // Two passing checks, 200 ms apart, bring it back.
    const up = async () => {
      await reload();
      return (await row('web1').getAttribute('class')) === 'active_up';
    };
    assert.ok(await waitFor(up, 5000), 'the check did not bring web1 back');
  });
});
