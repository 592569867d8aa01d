/**
 * `compression algo|type|offload` (configuration.txt §4.2 "compression",
 * HAProxy 2.8): response compression, implemented by compression.ts and
 * compress-body.ts. Lines accumulate, and a proxy adds to what it inherited
 * from its defaults section, as HAProxy's parse_compression_options() appends
 * to the list copied from the defaults proxy. Request compression
 * (`algo-req`, `type-req`, `direction request|both`) is refused by name.
 */
import { badArgs, proxyOf } from '../../config/haproxy/args.js';
import { ALL_PROXIES, type SectionCtx, type SectionSpec, withModule } from '../../config/haproxy/context.js';
import type { CompressionConfig } from '../../config/haproxy/model.js';
import type { KeywordCall } from '../../config/registry.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';

type Algo = CompressionConfig['algos'][number];

const ALGOS: readonly Algo[] = ['identity', 'gzip', 'deflate', 'raw-deflate'];

function unsupported(call: KeywordCall, what: string): ConfigError {
  return new ConfigError(
    ConfigCode.Unsupported,
    call.loc,
    call.keyword,
    `${what} (request compression) is not supported by hapair yet`,
  );
}

/** `compression <sub> …` (flt_http_comp.c parse_compression_options). */
function compression(ctx: SectionCtx, call: KeywordCall): void {
  const [sub, ...rest] = call.args;
  const px = proxyOf(ctx);
  px.compression ??= { algos: [], types: [], offload: false, loc: call.loc };
  const comp = px.compression;
  switch (sub) {
    case 'algo':
    case 'algo-res': {
      if (rest.length === 0) throw badArgs(call, `'${sub}' expects <algorithm> (${ALGOS.join(', ')})`);
      for (const a of rest) {
        if (!(ALGOS as readonly string[]).includes(a)) {
          throw badArgs(call, `'${a}' is not a supported algorithm (${ALGOS.join(', ')})`);
        }
        comp.algos = [...comp.algos, a as Algo];
      }
      return;
    }
    case 'type':
    case 'type-res':
      if (rest.length === 0) throw badArgs(call, `'${sub}' expects <mime type>`);
      comp.types = [...comp.types, ...rest.map((t) => t.toLowerCase())];
      return;
    case 'offload':
      if (rest.length > 0) throw badArgs(call, `'offload' takes no argument, got '${rest[0]}'`);
      // §4.2 "compression offload": "If this setting is used in a defaults
      // section, a warning is emitted and the option is ignored."
      if (ctx.kind === 'defaults')
        ctx.warn(call.loc, call.keyword, "'offload' ignored in 'defaults' section");
      else comp.offload = true;
      return;
    case 'direction':
      if (rest.length !== 1 || !['request', 'response', 'both'].includes(rest[0]!)) {
        throw badArgs(call, "'direction' expects 'request', 'response', or 'both'");
      }
      if (rest[0] !== 'response') throw unsupported(call, `'direction ${rest[0]}'`);
      return;
    case 'algo-req':
    case 'type-req':
      throw unsupported(call, `'${sub}'`);
    default:
      throw badArgs(call, "expects 'algo', 'type', 'direction' or 'offload'");
  }
}

export const compressionKeywords: SectionSpec[] = withModule<SectionCtx>('http', [
  {
    name: 'compression',
    sections: ALL_PROXIES,
    usage: 'compression { algo <algorithm> … | type <mime type> … | offload | direction response }',
    doc: 'HTTP response compression (gzip, deflate, raw-deflate, identity) by Accept-Encoding and MIME type.',
    parse: compression,
  },
]);
