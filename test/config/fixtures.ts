/** Paths of the configuration fixtures, from the compiled test file (dist/test/config/). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

/** Sorted `*.cfg` files of a fixtures subfolder, as absolute paths. */
export function cfgFiles(sub: string): string[] {
  const dir = join(FIXTURES, sub);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cfg'))
    .sort()
    .map((f) => join(dir, f));
}
