/**
 * The Prometheus exposition: HAProxy exporter names and labels for frontends,
 * backends and servers of a running engine, hapair's VRRP families from real
 * VRRP instances, and the whole output accepted by `promtool check metrics`
 * (Debian package `prometheus`); without promtool that part is skipped with
 * a message saying so.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { renderPrometheus } from '../../src/ops/prometheus.js';
import { exchange } from '../proxy/helpers.js';
import { baseConfig, type Stack, startStack, waitFor } from './harness.js';
import { electedPair, viewOf } from './vrrp-pair.js';

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const havePromtool = promtool.status === 0;
if (!havePromtool) {
  console.warn('SKIPPING promtool check: promtool not found (apt-get install prometheus provides it)');
}

const CHECKED = (port: number) => `
backend bc
    server c1 127.0.0.1:${port} check inter 200ms
`;

describe('Prometheus exposition', () => {
  let st: Stack;
  let text: string;
  const pair = electedPair();
  before(async () => {
    st = await startStack((e) => baseConfig(e, { tail: CHECKED(e.ports[0]!) }), { checks: true });
    await exchange(st.port('fe'));
    assert.ok(await waitFor(() => st.control.servers('bc')[0]?.check?.status === 'L4OK'));
    text = renderPrometheus(st.control.stats(), [viewOf(pair.a), viewOf(pair.b)], {
      Nbthread: 1,
      Uptime_sec: 12,
      CurrConns: 0,
      CumConns: 1,
    });
  });
  after(() => st.close());

  const sample = (name: string) =>
    text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`)) ?? '';
  const lines = (prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

  it('names frontend, backend and server metrics like HAProxy, with HELP and TYPE', () => {
    assert.match(
      text,
      /^# HELP haproxy_frontend_sessions_total .+\n# TYPE haproxy_frontend_sessions_total counter\n/m,
    );
    assert.ok(lines('haproxy_frontend_sessions_total{proxy="fe"} 1').length === 1);
    assert.ok(lines('haproxy_backend_sessions_total{proxy="be"} 1').length === 1);
    assert.equal(lines('haproxy_server_sessions_total{proxy="be",server=').length, 3);
    assert.match(sample('haproxy_backend_active_servers{proxy="be"}'), / 2$/);
    assert.match(sample('haproxy_server_weight{proxy="be",server="s3"}'), / 5$/);
    assert.match(text, /^# TYPE haproxy_backend_connect_time_average_seconds gauge$/m);
    assert.match(sample('haproxy_backend_connect_time_average_seconds{proxy="be"}'), / \d+\.\d{6}$/);
  });

  it('exports states one sample per state label, as promex does', () => {
    assert.deepEqual(lines('haproxy_server_status{proxy="be",server="s3"'), [
      'haproxy_server_status{proxy="be",server="s3",state="DOWN"} 0',
      'haproxy_server_status{proxy="be",server="s3",state="UP"} 0',
      'haproxy_server_status{proxy="be",server="s3",state="MAINT"} 1',
      'haproxy_server_status{proxy="be",server="s3",state="DRAIN"} 0',
      'haproxy_server_status{proxy="be",server="s3",state="NOLB"} 0',
    ]);
    assert.deepEqual(lines('haproxy_frontend_status{proxy="fe"'), [
      'haproxy_frontend_status{proxy="fe",state="DOWN"} 0',
      'haproxy_frontend_status{proxy="fe",state="UP"} 1',
    ]);
    assert.ok(lines('haproxy_server_check_status{proxy="bc",server="c1",state="L4OK"} 1').length === 1);
    assert.equal(
      lines('haproxy_server_check_status{proxy="be"').length,
      0,
      'unchecked servers have no check status',
    );
    assert.ok(lines('haproxy_backend_agg_server_status{proxy="be",state="UP"} 2').length === 1);
    assert.ok(lines('haproxy_backend_agg_server_status{proxy="be",state="MAINT"} 1').length === 1);
  });

  it('adds the process families it is given', () => {
    assert.match(text, /^haproxy_process_uptime_seconds 12$/m);
    assert.match(
      text,
      /^# TYPE haproxy_process_connections_total counter\nhaproxy_process_connections_total 1$/m,
    );
  });

  it("exports hapair's VRRP metrics", () => {
    const a = pair.a.runner.status();
    assert.ok(lines('hapair_vrrp_state{instance="VI_1",state="MASTER"} 1').length === 1);
    assert.ok(lines('hapair_vrrp_state{instance="VI_1",state="BACKUP"} 1').length === 1);
    assert.match(
      text,
      /^# TYPE hapair_vrrp_effective_priority gauge\nhapair_vrrp_effective_priority\{instance="VI_1"\} 150\n/m,
    );
    assert.ok(
      lines(`hapair_vrrp_adverts_sent_total{instance="VI_1"} ${a.counters.advertsSent}`).length === 1,
    );
    assert.ok(lines('hapair_vrrp_adverts_received_total{instance="VI_1"}').length === 2);
    assert.ok(lines('hapair_vrrp_drops_total{instance="VI_1",reason="ttl"} 0').length === 2);
    assert.ok(lines('hapair_vrrp_transitions_total{instance="VI_1"}').length === 2);
  });

  it('declares each family once', () => {
    const types = lines('# TYPE ').map((l) => l.split(' ')[2]);
    assert.equal(new Set(types).size, types.length);
  });

  it('passes promtool check metrics', { skip: havePromtool ? false : 'promtool not installed' }, () => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '');
  });
});
