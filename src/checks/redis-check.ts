/**
 * `option redis-check` (doc 4.2): send PING as a RESP array and expect
 * `+PONG`. Mirrors HAProxy's do_parse_redis_check_opt(): a wrong reply is
 * L7STS with the reply's first line as info; success says "Redis server is ok".
 */
import type { RuleSet } from './rules.js';
import { compileTcpExpect, payloadLine, withImplicitConnect } from './tcp-check.js';

const BUILTIN = { file: '<redis-check>', line: 0 };

export function compileRedisCheck(): RuleSet {
  const expect = compileTcpExpect(['error-status', 'L7STS', 'string', '+PONG\r\n'], BUILTIN, 2, false, {
    onError: (input) => payloadLine(input),
    onSuccess: () => 'Redis server is ok',
  });
  return {
    rules: withImplicitConnect([
      { kind: 'send', data: Buffer.from('*1\r\n$4\r\nPING\r\n', 'latin1') },
      expect,
    ]),
    tcpCheckLabels: false,
  };
}
