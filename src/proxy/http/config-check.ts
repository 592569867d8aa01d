/**
 * `mode http` settings this build does not serve yet are refused when the
 * engine starts (CFG_UNSUPPORTED, naming the keyword) rather than silently
 * ignored: a proxy that relies on them would otherwise behave differently
 * from HAProxy without a word. The log formats compile here too, so that a
 * bad one stops the start.
 */
import type { ProxyConfig } from '../../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';
import { compileForwarded } from './forwarded.js';
import { compileLogFormats } from './log-format.js';
import { monitorFailTests } from './monitor.js';

function refuse(p: ProxyConfig, keyword: string, what: string): never {
  throw new ConfigError(ConfigCode.Unsupported, p.loc, keyword, `${what} is not supported by hapair yet`);
}

/** Throws for the first unsupported HTTP setting of `p`. */
export function checkHttpProxy(p: ProxyConfig): void {
  if (p.balance.algorithm === 'url_param' && p.balance.checkPost) {
    refuse(p, 'balance', "'url_param … check_post' (hashing a parameter from the request body)");
  }
  if (p.balance.algorithm === 'rdp-cookie') refuse(p, 'balance', "'rdp-cookie' in mode http");
  monitorFailTests(p);
  if (p.options.forwarded && p.options.forwardedParams) compileForwarded(p.options.forwardedParams);
  compileLogFormats(p, 'http');
}
