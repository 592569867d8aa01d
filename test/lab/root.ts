/**
 * Root-only lab tests skip loudly, never silently, when not root.
 */
import type { TestContext } from 'node:test';
import { isRoot } from '../../src/lab/netns.js';

export { isRoot };

/**
 * Skips the test loudly unless we are root with `ip netns`; returns true when
 * it skipped, so the caller can `return`.
 */
export function skipUnlessRoot(t: TestContext): boolean {
  if (isRoot()) return false;
  const msg =
    'SKIPPED: needs root + ip netns (iproute2); run the lab tests as root to exercise real VRRP I/O';
  process.stderr.write(`\n${'#'.repeat(msg.length + 4)}\n# ${msg} #\n${'#'.repeat(msg.length + 4)}\n\n`);
  t.skip(msg);
  return true;
}
