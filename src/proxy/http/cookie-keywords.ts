/**
 * `cookie` persistence (configuration.txt §4.2 "cookie"): the cookie the
 * HTTP engine inserts, rewrites or prefixes to pin a client to its server.
 */
import { badArgs, proxyOf } from '../../config/haproxy/args.js';
import { BACK_SIDE, type SectionCtx, type SectionSpec, withModule } from '../../config/haproxy/context.js';
import type { CookieDraft } from '../../config/haproxy/draft.js';
import type { KeywordCall } from '../../config/registry.js';
import { timeValue } from '../../config/units.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';

function cookieMode(c: CookieDraft, call: KeywordCall, mode: CookieDraft['mode']): void {
  if (c.mode !== 'passive') {
    throw new ConfigError(
      ConfigCode.Conflict,
      call.loc,
      call.keyword,
      "cookie 'rewrite', 'insert' and 'prefix' modes are incompatible",
    );
  }
  c.mode = mode;
}

/** `cookie <name> [rewrite|insert|prefix] [indirect] [nocache] …` (§4.2 cookie). */
function cookie(ctx: SectionCtx, call: KeywordCall): void {
  const [name, ...opts] = call.args;
  if (name === undefined) throw badArgs(call, 'expects <cookie_name> as argument');
  const c: CookieDraft = {
    name,
    mode: 'passive',
    indirect: false,
    nocache: false,
    postonly: false,
    preserve: false,
    httponly: false,
    secure: false,
    domains: [],
    maxidle: 0,
    maxlife: 0,
    dynamic: false,
    loc: call.loc,
  };
  const bools = ['indirect', 'nocache', 'postonly', 'preserve', 'httponly', 'secure', 'dynamic'] as const;
  for (let i = 0; i < opts.length; i++) {
    const w = opts[i]!;
    if (w === 'rewrite' || w === 'insert' || w === 'prefix') cookieMode(c, call, w);
    else if ((bools as readonly string[]).includes(w)) c[w as (typeof bools)[number]] = true;
    else if (w === 'domain') cookieDomain(ctx, call, c, opts[++i]);
    else if (w === 'maxidle' || w === 'maxlife') {
      if (opts[i + 1] === undefined) throw badArgs(call, `'${w}' expects a time in seconds`);
      c[w] = timeValue(opts[++i]!, call.loc, call.keyword, 's');
    } else if (w === 'attr') {
      throw new ConfigError(
        ConfigCode.Unsupported,
        call.loc,
        call.keyword,
        "cookie 'attr' is not supported by hapair yet",
      );
    } else throw badArgs(call, `unknown cookie option '${w}'`);
  }
  const conflict = (why: string) => new ConfigError(ConfigCode.Conflict, call.loc, call.keyword, why);
  if (c.mode === 'rewrite' && c.indirect)
    throw conflict("cookie 'rewrite' and 'indirect' modes are incompatible");
  if (c.preserve && c.mode !== 'insert' && !c.indirect)
    throw conflict("cookie 'preserve' requires at least 'insert' or 'indirect'");
  proxyOf(ctx).cookie = c;
}

function cookieDomain(ctx: SectionCtx, call: KeywordCall, c: CookieDraft, domain: string | undefined): void {
  if (domain === undefined) throw badArgs(call, "'domain' expects <domain> as argument");
  if (!domain.slice(1).includes('.')) {
    ctx.warn(call.loc, call.keyword, `domain '${domain}' contains no embedded dot, browsers will ignore it`);
  }
  c.domains = [...c.domains, domain];
}

export const cookieKeywords: SectionSpec[] = withModule<SectionCtx>('http', [
  {
    name: 'cookie',
    sections: BACK_SIDE,
    usage:
      'cookie <name> [rewrite|insert|prefix] [indirect] [nocache] [postonly] [preserve] [httponly] [secure] [domain <domain>]* [maxidle <idle>] [maxlife <life>] [dynamic]',
    doc: 'Cookie-based server persistence.',
    parse: cookie,
  },
]);
