/**
 * The hashing layer maps keys to the same servers as a real HAProxy 2.6 for
 * the same servers, weights, ids and hash-type. Expected tables were recorded
 * from /usr/sbin/haproxy by test/fixtures/hash/record-haproxy.mjs (the
 * haproxy.cfg used is stored in each fixture's `recipe`): `balance source`
 * with clients bound to distinct 127.x.y.z addresses, and `balance uri`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BalanceConfig } from '../../src/config/haproxy/model.js';
import { makeProxy, makeServer } from '../helpers/model.js';
import { backendOf, hashType, pickCtx } from './helpers.js';

interface Fixture {
  readonly cases: readonly {
    readonly name: string;
    readonly hashType: string;
    readonly servers: readonly { name: string; id: number; weight: number }[];
    readonly expected: Readonly<Record<string, string>>;
  }[];
}

const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/hash');
const load = (f: string) => JSON.parse(readFileSync(join(fixtureDir, f), 'utf8')) as Fixture;

function backendFor(c: Fixture['cases'][number], balance: BalanceConfig, mode: 'tcp' | 'http') {
  return backendOf(
    makeProxy({
      mode,
      balance,
      hashType: hashType(c.hashType),
      servers: c.servers.map((s) => makeServer(s.name, '127.0.0.1:1', { id: s.id, weight: s.weight })),
    }),
  );
}

function picked(p: ReturnType<ReturnType<typeof backendFor>['balancer']['pick']>): string {
  assert.equal(p.kind, 'server');
  return p.kind === 'server' ? p.server.name : '';
}

describe('hash mapping matches HAProxy 2.6', () => {
  for (const c of load('source.json').cases) {
    it(`balance source, hash-type ${c.hashType}: ${Object.keys(c.expected).length} source addresses`, () => {
      const be = backendFor(c, { algorithm: 'source' }, 'tcp');
      for (const [src, want] of Object.entries(c.expected)) {
        assert.equal(picked(be.balancer.pick(pickCtx({ srcAddr: src }))), want, `source ${src}`);
      }
    });
  }
  for (const c of load('uri.json').cases) {
    it(`balance uri, hash-type ${c.hashType}: ${Object.keys(c.expected).length} URIs`, () => {
      const be = backendFor(c, { algorithm: 'uri', whole: false, pathOnly: false, len: 0, depth: 0 }, 'http');
      for (const [uri, want] of Object.entries(c.expected)) {
        assert.equal(picked(be.balancer.pick(pickCtx({ hashKey: Buffer.from(uri) }))), want, `uri ${uri}`);
      }
    });
  }
});
