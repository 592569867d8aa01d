import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  asciiEncode,
  checkInfoSuffix,
  checkReportMessage,
  noServerMessage,
  serverDownMessage,
  serverOnlineMessage,
} from '../../src/checks/messages.js';
import { proxyHeader } from '../../src/checks/proxy-header.js';

const ref = { backend: 'be', server: 'srv', backup: false };
const counts = { active: 2, backup: 0, sessions: 0, requeued: 0, queued: 0 };

describe('HAProxy log wording', () => {
  it('DOWN, UP and no-server lines', () => {
    assert.equal(
      serverDownMessage(ref, { status: 'L4CON', info: 'Connection refused', durationMs: 0.4 }, counts),
      'Server be/srv is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 2 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    );
    assert.equal(
      serverOnlineMessage(
        ref,
        'UP',
        { status: 'L7OK', code: 200, info: '', durationMs: 1 },
        { ...counts, active: 3 },
      ),
      'Server be/srv is UP, reason: Layer7 check passed, code: 200, check duration: 1ms. 3 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    );
    assert.equal(noServerMessage('backend', 'be'), 'backend be has no server available!');
  });

  it('codes only for L7 data and PROC statuses; info escaped like chunk_asciiencode', () => {
    assert.equal(
      checkInfoSuffix({ status: 'L7RSP', code: 200, info: '', durationMs: 2 }),
      ', reason: Layer7 invalid response, check duration: 2ms',
    );
    assert.equal(
      checkInfoSuffix({ status: 'PROCERR', code: 3, info: '', durationMs: 2 }),
      ', reason: External check error, code: 3, check duration: 2ms',
    );
    assert.equal(asciiEncode('a"b<c>\x00\n'), 'a<22>b<3C>c<3E><00><0A>');
    const long = checkInfoSuffix({ status: 'L7STS', code: 1, info: 'x'.repeat(200), durationMs: 0 });
    assert.ok(long.includes(`"${'x'.repeat(127)}"`), 'info is cut at 127 characters (HCHK_DESC_LEN)');
  });

  it('log-health-checks report line', () => {
    assert.equal(
      checkReportMessage(
        { ...ref, backup: true },
        'health',
        { status: 'L7STS', code: 503, info: 'Service Unavailable', durationMs: 3 },
        {
          health: 4,
          rise: 2,
          fall: 3,
          weight: 1,
        },
      ),
      'Health check for backup server be/srv failed, reason: Layer7 wrong status, code: 503, info: "Service Unavailable", check duration: 3ms, status: 3/3 UP.',
    );
    assert.match(
      checkReportMessage(
        ref,
        'agent',
        { status: 'L7OKC', code: 0, info: '', durationMs: 0 },
        { health: 1, rise: 1, fall: 1, weight: 0 },
      ),
      /^Agent check for server be\/srv conditionally succeeded, .* status: 1\/1 DRAIN\.$/,
    );
  });
});

describe('PROXY protocol header for check-send-proxy', () => {
  it('v1 text and v2 binary', () => {
    const ep = { srcAddr: '127.0.0.1', srcPort: 40000, dstAddr: '127.0.0.2', dstPort: 80 };
    assert.equal(proxyHeader(1, ep).toString(), 'PROXY TCP4 127.0.0.1 127.0.0.2 40000 80\r\n');
    const v2 = proxyHeader(2, ep);
    assert.equal(v2.subarray(0, 12).toString('hex'), '0d0a0d0a000d0a515549540a');
    assert.equal(v2.subarray(12, 16).toString('hex'), '2111000c');
    assert.equal(v2.subarray(16).toString('hex'), '7f0000017f0000029c400050');
    const v6 = proxyHeader(2, { srcAddr: '::1', srcPort: 1, dstAddr: '::ffff:192.0.2.1', dstPort: 2 });
    assert.equal(v6.subarray(13, 14).toString('hex'), '21');
    assert.equal(v6.subarray(16 + 16, 16 + 32).toString('hex'), '00000000000000000000ffffc0000201');
    assert.equal(proxyHeader(1, {}).toString(), 'PROXY UNKNOWN\r\n');
  });
});
