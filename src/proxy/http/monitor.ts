/**
 * `monitor fail if|unless <cond>` (configuration.txt 4 "monitor fail"): a
 * request for the `monitor-uri` is answered 503 instead of 200 when one of the
 * conditions holds, so that an upstream load balancer sees this site as
 * unable to serve (typically `nbsrv(backend) lt 1`). The conditions are tried
 * in order, as http_wait_for_request() does, on the parsed request (layer 7).
 */
import type { ProxyConfig } from '../../config/haproxy/model.js';
import { AclCompiler, type AclTest } from '../acl/compile.js';
import '../acl/fetches-proxy.js';
import type { SampleContext } from '../acl/types.js';

const compiled = new WeakMap<ProxyConfig, readonly AclTest[]>();

/** Compiles the proxy's `monitor fail` conditions (once); throws the ConfigError of a bad one. */
export function monitorFailTests(p: ProxyConfig): readonly AclTest[] {
  let tests = compiled.get(p);
  if (!tests) {
    const acls = new AclCompiler(p.acls);
    tests = p.monitorFail.map((c) => acls.condition(c, { maxLayer: 'l7', stage: 'monitor fail' }));
    compiled.set(p, tests);
  }
  return tests;
}

/** The monitor-uri's status for this request: 503 when a `monitor fail` condition holds, else 200. */
export function monitorStatus(p: ProxyConfig, ctx: SampleContext): 200 | 503 {
  if (p.monitorFail.length === 0) return 200;
  for (const t of monitorFailTests(p)) if (t(ctx)) return 503;
  return 200;
}
