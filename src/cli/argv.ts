/**
 * HAProxy's command line uses multi-letter short flags (`-sf`, `-st`, `-vv`,
 * `-cc`, `-db`, `-Ws`) that commander cannot express. They are rewritten here
 * to long options before commander sees them, so `hapair -f x.cfg -sf 123 456`
 * behaves as `haproxy -f x.cfg -sf 123 456` does.
 */

const REWRITES: Record<string, readonly string[]> = {
  '-sf': ['--sf'],
  '-st': ['--st'],
  '-vv': ['--vv'],
  '-cc': ['--cc'],
  '-db': ['--no-daemon'],
  '-Ws': ['-W', '--systemd'],
};

export function normalizeArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of argv) {
    const r = REWRITES[a];
    if (r) out.push(...r);
    else out.push(a);
  }
  return out;
}
