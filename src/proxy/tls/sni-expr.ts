/**
 * The sample expression of a server's `sni` (configuration.txt 5.2 "sni"),
 * evaluated per connection to give the server name sent to a TLS server:
 * `str(<name>)`, `req.hdr(host)`, `ssl_fc_sni`, with converters, like any
 * sample expression (sample/expr.ts). It reads the request in mode http and
 * the client's session; an expression that cannot be compiled is refused
 * when the configuration is loaded, with the server line.
 */
import type { SourceLoc } from '../../core/errors.js';
import type { SampleContext } from '../acl/types.js';
import { compileExpr } from '../sample/expr.js';

/** The server name for one connection, or undefined to send none. */
export type SniExpr = (ctx: SampleContext | undefined) => string | undefined;

const SNI_STAGE = { maxLayer: 'l7', stage: 'server sni', side: 'request' } as const;

/** Compiles `text`; throws a ConfigError naming the expression when it cannot be. */
export function compileSni(text: string, loc: SourceLoc): SniExpr {
  const expr = compileExpr(text, loc, 'sni', SNI_STAGE);
  return (ctx) => {
    const v = ctx ? expr.eval(ctx) : undefined;
    if (v === undefined || v === '') return undefined;
    if (typeof v === 'string') return v;
    return v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : String(v);
  };
}
