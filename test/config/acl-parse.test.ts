/**
 * The shape `acl` lines and `if`/`unless` conditions parse into
 * (configuration.txt 7.1 and 7.2): flags that apply to what follows them,
 * the order parse_acl_expr() imposes on `-m`, and the "or" separator.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAclDef, parseCondition } from '../../src/config/haproxy/acl.js';
import { ConfigError } from '../../src/core/errors.js';

const loc = { file: 'h.cfg', line: 7 };
const def = (text: string) => parseAclDef('a', text.split(' '), loc, 'acl');
const refused = (text: string, reason: RegExp) =>
  assert.throws(
    () => def(text),
    (e: unknown) => e instanceof ConfigError && e.loc?.line === 7 && reason.test(e.message),
    text,
  );

describe('acl flags', () => {
  it('records -i and -n as they stand at each -f, the final ones for inline patterns', () => {
    const d = def('hdr(user-agent) -f exact.lst -i -f generic.lst -n -f nets.lst test');
    assert.deepEqual(d.files, [
      { path: 'exact.lst', ignoreCase: false, noDns: false },
      { path: 'generic.lst', ignoreCase: true, noDns: false },
      { path: 'nets.lst', ignoreCase: true, noDns: true },
    ]);
    assert.deepEqual(d.patternFiles, ['exact.lst', 'generic.lst', 'nets.lst']);
    assert.deepEqual([d.ignoreCase, d.noDns, d.patterns], [true, true, ['test']]);
    assert.deepEqual([def('src 10.0.0.1').ignoreCase, def('src 10.0.0.1').noDns], [false, false]);
  });

  it('takes -m before any -f; a second -m replaces the first (HAProxy 2.6-2.8)', () => {
    assert.equal(def('hdr(x) -m beg -f a.lst -i b').matcher, 'beg');
    refused('hdr(x) -f a.lst -m beg', /'-m' must only be specified before patterns and files/);
    assert.equal(def('hdr(x) -m beg -m end x').matcher, 'end');
    refused('hdr(x) -m nosuch x', /unknown matching method 'nosuch'/);
  });
});

describe('conditions', () => {
  const words = (text: string) => parseCondition(text.split(' '), loc, 'http-request').or;

  it('splits on "||" and on "or" in any case', () => {
    for (const sep of ['||', 'or', 'OR', 'Or', 'oR']) {
      assert.deepEqual(words(`if a b ${sep} !c`), [
        [
          { acl: 'a', negate: false },
          { acl: 'b', negate: false },
        ],
        [{ acl: 'c', negate: true }],
      ]);
    }
    assert.deepEqual(words('if ora'), [[{ acl: 'ora', negate: false }]]);
  });
});
