/**
 * Proxy and server ids (`iid`/`sid` in `show stat`) numbered as HAProxy 2.6
 * numbers them. Every expected value below was read from haproxy 2.6.12's
 * stats CSV for the same configuration (the stats socket's hidden "GLOBAL"
 * CLI frontend holds id 1; forced ids also move the counter on).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hapair-ids-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function ids(global: string, l2: string, fe: string): string {
  const file = join(dir, 'h.cfg');
  writeFileSync(
    file,
    `global
${global}
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
${fe}
    bind 127.0.0.1:40051
    default_backend be
backend be
    server s1 127.0.0.1:40052
    server s2 127.0.0.1:40052 id 1
    server s3 127.0.0.1:40052
listen l2
${l2}
    bind 127.0.0.1:40054
`,
  );
  const cfg = loadHaproxyConfig([file]);
  return cfg.proxies
    .map(
      (p) =>
        `${p.name}=${p.id}${p.servers.length ? `(${p.servers.map((s) => `${s.name}:${s.id}`).join(',')})` : ''}`,
    )
    .join(' ');
}

const SOCK = '    stats socket /tmp/hapair-ids-unused.sock';

describe('proxy and server ids as HAProxy 2.6 assigns them', () => {
  it('without a stats socket, from 1; servers skip forced ids and forced ones move the counter', () => {
    assert.equal(ids('', '', ''), 'fe=1 be=2(s1:2,s2:1,s3:4) l2=3');
  });
  it("with a stats socket, from 2 (the CLI frontend's id 1)", () => {
    assert.equal(ids(SOCK, '', ''), 'fe=2 be=3(s1:2,s2:1,s3:4) l2=4');
  });
  it('a forced id 1 does not collide with the CLI frontend', () => {
    assert.equal(ids(SOCK, '    id 1', ''), 'fe=2 be=3(s1:2,s2:1,s3:4) l2=1');
    assert.equal(ids('', '    id 1', ''), 'fe=2 be=3(s1:2,s2:1,s3:4) l2=1');
  });
  it('automatic ids skip forced ones further on', () => {
    assert.equal(ids(SOCK, '    id 3', ''), 'fe=2 be=4(s1:2,s2:1,s3:4) l2=3');
  });
  it('a forced id moves the counter one on, whatever its value', () => {
    assert.equal(ids('', '', '    id 10'), 'fe=10 be=2(s1:2,s2:1,s3:4) l2=3');
    assert.equal(ids(SOCK, '', '    id 10'), 'fe=10 be=3(s1:2,s2:1,s3:4) l2=4');
  });
});
