/**
 * `mode http` settings this build does not serve yet are refused when the
 * engine starts (CFG_UNSUPPORTED, naming the keyword) rather than silently
 * ignored: a proxy that relies on them would otherwise behave differently
 * from HAProxy without a word. The log formats compile here too, so that a
 * bad one stops the start.
 */
import type { ProxyConfig } from '../../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';
import { compileLogFormats } from './log-format.js';

function refuse(p: ProxyConfig, keyword: string, what: string): never {
  throw new ConfigError(ConfigCode.Unsupported, p.loc, keyword, `${what} is not supported by hapair yet`);
}

/** Throws for the first unsupported HTTP setting of `p`. */
export function checkHttpProxy(p: ProxyConfig): void {
  const ck = p.cookie;
  if (ck && (ck.maxidle > 0 || ck.maxlife > 0)) refuse(p, 'cookie', "'maxidle'/'maxlife' (dated cookies)");
  if (ck?.dynamic) refuse(p, 'cookie', "'dynamic' (dynamic-cookie-key)");
  if (p.balance.algorithm === 'url_param' && p.balance.checkPost) {
    refuse(p, 'balance', "'url_param … check_post' (hashing a parameter from the request body)");
  }
  if (p.balance.algorithm === 'rdp-cookie') refuse(p, 'balance', "'rdp-cookie' in mode http");
  if (p.monitorFail.length > 0) refuse(p, 'monitor fail', "'monitor fail'");
  compileLogFormats(p, 'http');
}
