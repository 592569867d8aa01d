/**
 * Layer-4 sample fetches (configuration.txt 7.3.3) and the predefined ACLs
 * that only need them (7.4). Available from `tcp-request connection` on.
 */
import { registerFetch, registerPredefinedAcl } from './registry.js';

const L4 = { layer: 'l4', minArgs: 0, maxArgs: 0 } as const;

registerFetch('src', {
  ...L4,
  type: 'ip',
  fetch: (c) => (c.conn.family === 'unix' ? undefined : c.conn.srcAddr),
});
registerFetch('src_port', {
  ...L4,
  type: 'int',
  fetch: (c) => (c.conn.family === 'unix' ? undefined : c.conn.srcPort),
});
registerFetch('dst', {
  ...L4,
  type: 'ip',
  fetch: (c) => (c.conn.family === 'unix' ? undefined : c.conn.dstAddr),
});
registerFetch('dst_port', {
  ...L4,
  type: 'int',
  fetch: (c) => (c.conn.family === 'unix' ? undefined : c.conn.dstPort),
});
registerFetch('always_true', { ...L4, type: 'bool', fetch: () => true });
registerFetch('always_false', { ...L4, type: 'bool', fetch: () => false });

registerPredefinedAcl('TRUE', { fetch: 'always_true', fetchArgs: [], matcher: undefined, patterns: [] });
registerPredefinedAcl('FALSE', { fetch: 'always_false', fetchArgs: [], matcher: undefined, patterns: [] });
registerPredefinedAcl('LOCALHOST', {
  fetch: 'src',
  fetchArgs: [],
  matcher: undefined,
  patterns: ['127.0.0.1/8', '::1'],
});
