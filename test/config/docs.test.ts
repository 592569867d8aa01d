/** docs/configuration.md must be what src/config/docs.ts renders from the registries today. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DOC_PARTS, renderConfigurationDoc } from '../../src/config/docs.js';
import { haproxyRegistry } from '../../src/config/haproxy/registry.js';

const DOC = fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url));

describe('docs/configuration.md', () => {
  it('is up to date (regenerate: node dist/src/config/docs.js > docs/configuration.md)', () => {
    assert.equal(readFileSync(DOC, 'utf8'), renderConfigurationDoc());
  });

  it('documents every keyword of every registry, and the refused ones', () => {
    const doc = renderConfigurationDoc();
    for (const part of DOC_PARTS) {
      for (const spec of part.registry.all()) assert.ok(doc.includes(`### \`${spec.name}\`\n`), spec.name);
    }
    for (const u of haproxyRegistry.allUnsupported()) assert.ok(doc.includes(`| \`${u.name}\` |`), u.name);
    assert.match(
      doc,
      /### `balance`\n\n- Usage: `balance \{ roundrobin[^\n]*\n- May be used in sections: defaults, listen, backend\n- Default: roundrobin\n- Module: proxy\n/,
    );
  });
});
