/**
 * `hapair lab` (what `npm start` runs): the HA pair demo. As root with
 * `ip netns` it builds the namespace lab (real VIP, raw VRRP, GARP); otherwise,
 * or with --udp, it runs the unprivileged loopback demo.
 */
import { execFileSync } from 'node:child_process';
import { runLoopbackDemo } from '../lab/loopback-demo.js';
import { isRoot } from '../lab/netns.js';
import { runNetnsDemo } from '../lab/netns-demo.js';

function netnsAvailable(): boolean {
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function runLab(action: string, opts: { udp?: boolean; once?: boolean }): Promise<number> {
  if (action !== 'demo') {
    process.stderr.write(`hapair lab: unknown action '${action}' (known: demo)\n`);
    return 1;
  }
  const once = Boolean(opts.once);
  if (!opts.udp && isRoot() && netnsAvailable()) return runNetnsDemo({ once });
  return runLoopbackDemo({ once });
}
