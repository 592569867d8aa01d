/**
 * Client-side TLS fetches (configuration.txt 7.3.4 "Layer 5"), reading the
 * session in `ctx.tls`. Layer 5: usable from `tcp-request session` on, so
 * also in content rules and HTTP rules.
 */
import { registerFetch } from './registry.js';
import type { SampleContext, TlsInfo } from './types.js';

function tlsString(read: (t: TlsInfo) => string | undefined) {
  return {
    type: 'str',
    layer: 'l5',
    minArgs: 0,
    maxArgs: 0,
    fetch: (c: SampleContext) => (c.tls ? read(c.tls) : undefined),
  } as const;
}

/** True when the client connection is TLS (false, not "no sample", on a clear connection). */
registerFetch('ssl_fc', {
  type: 'bool',
  layer: 'l5',
  minArgs: 0,
  maxArgs: 0,
  fetch: (c) => c.tls !== undefined,
});
registerFetch(
  'ssl_fc_sni',
  tlsString((t) => t.sni),
);
registerFetch(
  'ssl_fc_protocol',
  tlsString((t) => t.protocol),
);
registerFetch(
  'ssl_fc_cipher',
  tlsString((t) => t.cipher),
);
registerFetch(
  'ssl_fc_alpn',
  tlsString((t) => t.alpn),
);
