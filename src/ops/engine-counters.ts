/**
 * `clear counters [all]` on the proxy engine (management.txt 9.3, stats.c
 * cli_parse_clear_counters): without `all`, the maximum values only; with
 * it, every cumulative counter too. Averages over the last samples and the
 * current rates are left to age out on their own: they describe the recent
 * past rather than accumulate.
 */

import type { ProxyCounters } from '../proxy/counters.js';
import type { ProxyEngine } from '../proxy/engine.js';
import type { Frontend } from '../proxy/frontend.js';

function clearMax(c: ProxyCounters): void {
  c.smax = 0;
  c.qmax = 0;
  c.sessRateMax = 0;
  c.connRateMax = 0;
  c.qtime.max = 0;
  c.ctime.max = 0;
  c.ttime.max = 0;
}

function clearAll(c: ProxyCounters): void {
  clearMax(c);
  c.stot = 0;
  c.connTot = 0;
  c.bytesIn = 0;
  c.bytesOut = 0;
  c.deniedReq = 0;
  c.deniedResp = 0;
  c.deniedConn = 0;
  c.deniedSess = 0;
  c.failedReq = 0;
  c.failedConns = 0;
  c.failedResp = 0;
  c.retries = 0;
  c.redispatches = 0;
  c.cliAborts = 0;
  c.srvAborts = 0;
  c.lbtot = 0;
  c.connect = 0;
  c.internalErrors = 0;
  c.chkfail = 0;
  c.chkdown = 0;
  c.lastSess = 0;
}

export function clearEngineCounters(
  engine: ProxyEngine,
  frontends: readonly Frontend[],
  backends: readonly string[],
  all: boolean,
): void {
  const clear = all ? clearAll : clearMax;
  for (const fe of frontends) clear(fe.counters);
  for (const name of backends) {
    const be = engine.backend(name);
    if (!be) continue;
    clear(be.counters);
    for (const s of be.servers) clear(s.counters);
  }
}
