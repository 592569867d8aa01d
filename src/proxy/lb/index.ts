/**
 * Builds the balancer a backend's `balance` line asks for. Layer-7 hash
 * algorithms in a `mode tcp` backend fall back to roundrobin with a warning,
 * as HAProxy's configuration check does ("Layer 7 hash not possible … needs
 * 'mode http'. Falling back to round robin").
 */
import type { ProxyConfig } from '../../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Server } from '../server.js';
import { First } from './first.js';
import { KeyHash } from './key-hash.js';
import { LeastConn } from './leastconn.js';
import { RandomDraws } from './random.js';
import { RoundRobin } from './roundrobin.js';
import { SourceHash } from './source.js';
import { StaticRoundRobin } from './static-rr.js';
import type { Balancer } from './types.js';

export function createBalancer(cfg: ProxyConfig, servers: readonly Server[], log: Logger): Balancer {
  const b = cfg.balance;
  switch (b.algorithm) {
    case 'roundrobin':
      return new RoundRobin();
    case 'static-rr':
      return new StaticRoundRobin(servers);
    case 'leastconn':
      return new LeastConn();
    case 'first':
      return new First();
    case 'source':
      return new SourceHash(cfg.hashType, servers);
    case 'random':
      return new RandomDraws(b.draws);
    case 'uri':
    case 'url_param':
    case 'hdr':
      if (cfg.mode !== 'http') {
        log.warn({ balance: b.algorithm }, 'layer 7 hash needs mode http, falling back to roundrobin');
        return new RoundRobin();
      }
      return new KeyHash(b.algorithm, cfg.hashType, servers);
    case 'rdp-cookie':
      throw new ConfigError(
        ConfigCode.Unsupported,
        cfg.loc,
        'balance',
        'rdp-cookie needs tcp-request content inspection, not supported by hapair yet',
      );
  }
}
