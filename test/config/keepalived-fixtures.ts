/** Paths of the keepalived.conf fixtures, and a helper returning the ConfigErrors a load throws. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKeepalivedConfig } from '../../src/config/keepalived/index.js';
import { ConfigErrors } from '../../src/core/errors.js';

/** Tests run from dist/test/config; fixtures stay in the source tree. */
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
export const VALID = join(FIXTURES, 'keepalived', 'valid');
export const INVALID = join(FIXTURES, 'keepalived', 'invalid');
export const SEED_LB1 = join(FIXTURES, 'seeds', 'keepalived-lb1.conf');

export function confFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.conf'))
    .sort()
    .map((n) => join(dir, n));
}

export function valid(name: string): string {
  return join(VALID, name);
}

/** Loads `paths` and returns the ConfigErrors thrown; fails when the load succeeds or throws anything else. */
export function loadErrors(paths: readonly string[]): ConfigErrors {
  try {
    loadKeepalivedConfig(paths);
  } catch (err) {
    if (err instanceof ConfigErrors) return err;
    throw err;
  }
  throw new Error(`expected ${paths.join(', ')} to be rejected`);
}
