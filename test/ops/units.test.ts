/**
 * The small pure pieces behind the runtime API and the stats page, checked
 * against HAProxy 2.6's behaviour: request cutting and word escapes
 * (cli.c), CSV quoting (tools.c csv_enc_append), human_time (stats.c),
 * weight parsing (server.c) and the uptime format of `show info`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cutRequest, splitWords } from '../../src/ops/cli-line.js';
import { parseWeight, strtol } from '../../src/ops/cli-server-args.js';
import { formatUptime } from '../../src/ops/info.js';
import { csvCell } from '../../src/ops/stats-csv.js';
import { humanTime } from '../../src/ops/stats-html-proxy.js';
import type { ServerView } from '../../src/ops/types.js';

describe('request cutting', () => {
  it('ends a request at a line feed or an unescaped semicolon, dropping a CR', () => {
    assert.deepEqual(cutRequest('show info\nrest'), { line: 'show info', rest: 'rest' });
    assert.deepEqual(cutRequest('a;b\n'), { line: 'a', rest: 'b\n' });
    assert.deepEqual(cutRequest('a\\;b\n'), { line: 'a\\;b', rest: '' });
    assert.deepEqual(cutRequest('x\r\n'), { line: 'x', rest: '' });
    assert.equal(cutRequest('no end yet'), undefined);
  });

  it('splits words on spaces and tabs and resolves backslash escapes', () => {
    assert.deepEqual(splitWords('  set\tweight  be/s1   50% '), ['set', 'weight', 'be/s1', '50%']);
    assert.deepEqual(splitWords('a\\ b c\\\\d e\\;f'), ['a b', 'c\\d', 'e;f']);
    assert.deepEqual(splitWords(''), []);
  });

  it('keeps at most 64 words', () => {
    assert.equal(splitWords('w '.repeat(100)).length, 64);
  });
});

describe('formats', () => {
  it('quotes a CSV cell only when it holds a comma, a quote or a line break', () => {
    assert.equal(csvCell('no check'), 'no check');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell(undefined), '');
    assert.equal(csvCell(0), '0');
  });

  it('prints durations with the first two non-zero units, like human_time()', () => {
    assert.equal(humanTime(0), '0s');
    assert.equal(humanTime(59), '59s');
    assert.equal(humanTime(65), '1m5s');
    assert.equal(humanTime(3600), '1h');
    assert.equal(humanTime(3661), '1h1m');
    assert.equal(humanTime(86405), '1d5s');
    assert.equal(humanTime(-1), '?');
  });

  it('prints the uptime as HAProxy does', () => {
    assert.equal(formatUptime(15), '0d 0h00m15s');
    assert.equal(formatUptime(90061), '1d 1h01m01s');
  });
});

describe('weights', () => {
  const srv = { iweight: 10, dynamicWeights: true } as ServerView;

  it('reads integers the way strtol does', () => {
    assert.deepEqual(strtol(' +12%'), { value: 12, rest: '%' });
    assert.equal(strtol('x1'), undefined);
  });

  it('takes N or N% of the initial weight, capped at 256', () => {
    assert.equal(parseWeight('7', srv), 7);
    assert.equal(parseWeight('50%', srv), 5);
    assert.equal(parseWeight('99999%', srv), 256);
    assert.equal(parseWeight('256', srv), 256);
  });

  it('accepts only 0% and 100% on a static algorithm', () => {
    const fixed = { iweight: 10, dynamicWeights: false } as ServerView;
    assert.equal(parseWeight('0', fixed), 0);
    assert.equal(parseWeight('100%', fixed), 10);
    assert.match(String(parseWeight('5', fixed)), /static LB algorithm/);
  });
});
