/**
 * Every fixture under test/fixtures/keepalived: valid ones load; each invalid
 * one starts with `# expect: CFG_CODE LINE` and must fail with exactly that one
 * error, printed as `file:line: keyword: reason`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { loadKeepalivedConfig } from '../../src/config/keepalived/index.js';
import { confFiles, INVALID, loadErrors, SEED_LB1, VALID } from './keepalived-fixtures.js';

describe('keepalived fixtures', () => {
  it('has at least 25 fixture files', () => {
    assert.ok(confFiles(VALID).length + confFiles(INVALID).length >= 25);
  });

  for (const file of [...confFiles(VALID), SEED_LB1]) {
    it(`loads ${basename(file)}`, () => {
      const config = loadKeepalivedConfig([file]);
      assert.ok(config.instances.length > 0, 'at least one vrrp_instance');
      assert.ok(Object.isFrozen(config) && Object.isFrozen(config.instances[0]));
    });
  }

  for (const file of confFiles(INVALID)) {
    it(`rejects ${basename(file)} as announced on its first line`, () => {
      const header = /^# expect: (CFG_[A-Z_]+) (\d+)$/m.exec(readFileSync(file, 'utf8').split('\n')[0] ?? '');
      assert.ok(header, 'first line is "# expect: CFG_CODE LINE"');
      const errors = loadErrors([file]).errors;
      assert.equal(errors.length, 1, errors.map((e) => e.message).join('\n'));
      const [error] = errors;
      assert.equal(error!.code, header[1]);
      assert.deepEqual(error!.loc, { file: error!.loc?.file, line: Number(header[2]) });
      assert.ok(error!.loc!.file.endsWith('.conf'));
      assert.match(
        error!.message,
        new RegExp(`^${error!.loc!.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${header[2]}: \\S+: .+`),
      );
    });
  }
});
