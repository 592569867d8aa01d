/**
 * `option pgsql-check user <name>` (doc 4.2): send a protocol 3.0
 * StartupMessage and accept an AuthenticationRequest ('R') of a known kind;
 * an ErrorResponse ('E') fails with the server's text. Same rules as HAProxy's
 * do_parse_pgsql_check_opt().
 */
import { ConfigCode, ConfigError, type SourceLoc } from '../core/errors.js';
import type { RuleSet } from './rules.js';
import { compileTcpExpect } from './tcp-check.js';

const BUILTIN = { file: '<pgsql-check>', line: 0 };

/** `args`: the words after `option pgsql-check`. */
export function pgsqlUser(args: readonly string[], loc: SourceLoc): string {
  if (args.length !== 2 || args[0] !== 'user' || args[1] === '') {
    throw new ConfigError(
      ConfigCode.BadArgs,
      loc,
      'option pgsql-check',
      "expects 'user <username>' as argument",
    );
  }
  return args[1]!;
}

/** StartupMessage: length, version 3.0, "user" NUL <user> NUL, terminating NUL. */
export function pgsqlStartup(user: string): Buffer {
  const u = Buffer.from(user, 'utf8');
  const body = Buffer.concat([
    Buffer.from([0, 3, 0, 0]),
    Buffer.from('user\0', 'latin1'),
    u,
    Buffer.from([0, 0]),
  ]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length + 4);
  return Buffer.concat([len, body]);
}

export function compilePgsqlCheck(user: string): RuleSet {
  return {
    rules: [
      { kind: 'connect', implicit: false, linger: true },
      { kind: 'send', data: pgsqlStartup(user) },
      compileTcpExpect(['min-recv', '5', 'error-status', 'L7RSP', '!', 'rstring', '^E'], BUILTIN, 3, false, {
        onError: (input) => input.toString('latin1', Math.min(6, input.length)),
      }),
      compileTcpExpect(
        [
          'min-recv',
          '9',
          'error-status',
          'L7STS',
          'on-success',
          'PostgreSQL server is ok',
          'on-error',
          'PostgreSQL unknown error',
          'rbinary',
          '^52000000[A-Z0-9]{2}000000(00|02|03|04|05|06|07|09|0A)',
        ],
        BUILTIN,
        4,
        false,
      ),
    ],
    tcpCheckLabels: false,
  };
}
