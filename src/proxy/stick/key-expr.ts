/**
 * The sample expression of a `track-sc*` action or a `stick` rule
 * (`src`, `req.hdr(x-client)`, `url_param(id)`…). Until the sample
 * expression compiler (sample/expr.ts) serves every rule, a key is one fetch
 * with its arguments taken from the fetch registry; converters are refused
 * by name. This is the only function to change when that compiler lands.
 */
import { ConfigCode, ConfigError, type SourceLoc } from '../../core/errors.js';
import type { CompileOptions } from '../acl/compile.js';
import { lookupFetch } from '../acl/registry.js';
import type { SampleLayer } from '../acl/types.js';
import type { SampleExpr } from '../sample/types.js';

const LAYER_RANK: Record<SampleLayer, number> = { l4: 4, l5: 5, l6: 6, l7: 7 };

/** Compiles `text` for a rule of `stage`; every problem is a ConfigError at `loc` naming `keyword`. */
export function compileKeyExpr(
  text: string,
  loc: SourceLoc,
  keyword: string,
  stage: CompileOptions,
): SampleExpr {
  const m = /^([A-Za-z0-9_.]+)(?:\(([^()]*)\))?(,.*)?$/.exec(text);
  if (!m) throw new ConfigError(ConfigCode.BadArgs, loc, keyword, `invalid sample expression '${text}'`);
  const [, name, inner, converters] = m as unknown as [
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  if (converters !== undefined) {
    throw new ConfigError(
      ConfigCode.Unsupported,
      loc,
      keyword,
      `converters in a key expression ('${text}') are not supported by hapair yet`,
    );
  }
  const fetch = lookupFetch(name);
  if (!fetch) {
    throw new ConfigError(
      ConfigCode.Unsupported,
      loc,
      keyword,
      `unknown or unsupported sample fetch '${name}'`,
    );
  }
  if (LAYER_RANK[fetch.layer] > LAYER_RANK[stage.maxLayer]) {
    throw new ConfigError(
      ConfigCode.Conflict,
      loc,
      keyword,
      `fetch '${name}' is not available in a '${stage.stage}' rule`,
    );
  }
  const args = inner === undefined || inner === '' ? [] : inner.split(',');
  if (args.length < fetch.minArgs || args.length > fetch.maxArgs) {
    throw new ConfigError(ConfigCode.BadArgs, loc, keyword, `wrong number of arguments for '${name}'`);
  }
  return { type: fetch.type, eval: (ctx) => fetch.fetch(ctx, args) };
}
