import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** hapair's own version, from package.json (dist/src/cli → repo root). */
export const VERSION: string = (() => {
  for (const up of ['../../..', '../..']) {
    try {
      const pkg = JSON.parse(readFileSync(join(here, up, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'hapair' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
})();

export function versionLine(): string {
  return `hapair version ${VERSION} - HAProxy-compatible load balancer with keepalived-compatible VRRP`;
}

export function versionDetails(): string {
  return [
    versionLine(),
    `Running on: Node.js ${process.version} ${process.platform} ${process.arch}`,
    'Configuration compatibility: haproxy.cfg (HAProxy 2.8 syntax), keepalived.conf (keepalived 2.2, VRRP part)',
    'VRRP: v2 (RFC 3768) and v3 (RFC 5798), raw IP protocol 112 or UDP transport',
    'See docs/configuration.md for every supported keyword and docs/compat.md for differences.',
  ].join('\n');
}
