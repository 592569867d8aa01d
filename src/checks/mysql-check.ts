/**
 * `option mysql-check [user <name> [post-41|pre-41|post-80]]` (doc 4.2). With a
 * user: send a Client Authentication packet and COM_QUIT, then require the
 * server's handshake and an OK packet. Without one: only read the handshake.
 * An Error packet (0xff) fails with L7STS, the MySQL error number as code and
 * its message as info; success reports the server version. Mirrors HAProxy's
 * do_parse_mysql_check_opt() and tcpcheck_mysql_expect_packet().
 */
import { ConfigCode, ConfigError, type SourceLoc } from '../core/errors.js';
import type { ExpectOutcome, ExpectRule, Rule, RuleSet } from './rules.js';

export type MysqlVariant = 'post-41' | 'pre-41' | 'post-80';

export interface MysqlOptions {
  readonly user?: string;
  readonly variant: MysqlVariant;
}

/** `args`: the words after `option mysql-check`. */
export function mysqlOptions(args: readonly string[], loc: SourceLoc): MysqlOptions {
  const bad = (reason: string) => new ConfigError(ConfigCode.BadArgs, loc, 'option mysql-check', reason);
  if (args.length === 0) return { variant: 'post-41' };
  if (args[0] !== 'user') throw bad(`only supports optional values: 'user' (got '${args[0]}')`);
  const user = args[1];
  if (user === undefined || user === '') throw bad("'user' expects <username> as argument");
  const v = args[2] ?? 'post-41';
  if (v !== 'post-41' && v !== 'pre-41' && v !== 'post-80')
    throw bad(`only supports 'post-41', 'pre-41' and 'post-80' (got '${v}')`);
  if (args.length > 3) throw bad(`unexpected '${args[3]}'`);
  return { user, variant: v };
}

const QUIT = Buffer.from([0x01, 0x00, 0x00, 0x00, 0x01]);

/** Client Authentication packet (sequence 1) followed by COM_QUIT. */
export function mysqlAuthPacket(user: string, variant: MysqlVariant): Buffer {
  const u = Buffer.concat([Buffer.from(user, 'utf8'), Buffer.from([0])]);
  const zeros23 = Buffer.alloc(23);
  let payload: Buffer;
  if (variant === 'pre-41') {
    payload = Buffer.concat([Buffer.from([0x00, 0x80, 0x00, 0x00, 0x01]), u, Buffer.from([0])]);
  } else {
    const caps = variant === 'post-80' ? [0x00, 0x82, 0x08, 0x00] : [0x00, 0x82, 0x00, 0x00];
    const plugin = variant === 'post-80' ? Buffer.from('mysql_native_password\0', 'latin1') : Buffer.alloc(0);
    payload = Buffer.concat([
      Buffer.from(caps),
      Buffer.from([0x00, 0x80, 0x00, 0x01, 0x21]),
      zeros23,
      u,
      Buffer.from([0]),
      plugin,
    ]);
  }
  const hdr = Buffer.from([
    payload.length & 0xff,
    (payload.length >> 8) & 0xff,
    (payload.length >> 16) & 0xff,
    1,
  ]);
  return Buffer.concat([hdr, payload, QUIT]);
}

function cString(buf: Buffer, at: number): string {
  if (at >= buf.length) return '';
  const nul = buf.indexOf(0, at);
  return buf.toString('latin1', at, nul < 0 ? buf.length : nul);
}

/** Validates the packet at `offset`; `final` makes a good packet the end of the check. */
function packet(input: Buffer, offset: number, lastRead: boolean, final: boolean): ExpectOutcome {
  if (input.length === 0) {
    return lastRead
      ? { kind: 'fail', status: 'L7RSP', info: 'TCPCHK got an empty response at step 2' }
      : { kind: 'wait' };
  }
  const truncated = (): ExpectOutcome =>
    lastRead ? { kind: 'fail', status: 'L7RSP', info: '' } : { kind: 'wait' };
  if (input.length < offset + 4) return truncated();
  const plen = input[offset]! | (input[offset + 1]! << 8) | (input[offset + 2]! << 16);
  if (input.length < offset + plen + 4) return truncated();
  if (input[offset + 4] === 0xff) {
    const code = input.length >= offset + 7 ? input.readUInt16LE(offset + 5) : 0;
    return { kind: 'fail', status: 'L7STS', code, info: input.toString('latin1', offset + 7) };
  }
  return final ? { kind: 'match', info: cString(input, 5) } : { kind: 'match' };
}

function expectRule(evaluate: ExpectRule['evaluate']): ExpectRule {
  return {
    kind: 'expect',
    okStatus: 'L7OK',
    toutStatus: 'L7TOUT',
    describe: ' (expect custom function)',
    evaluate,
  };
}

export function compileMysqlCheck(o: MysqlOptions): RuleSet {
  const rules: Rule[] = [{ kind: 'connect', implicit: false, linger: true }];
  if (o.user === undefined) {
    rules.push(expectRule((input, lastRead) => packet(input, 0, lastRead, true)));
    return { rules, tcpCheckLabels: false };
  }
  rules.push({ kind: 'send', data: mysqlAuthPacket(o.user, o.variant) });
  rules.push(expectRule((input, lastRead) => packet(input, 0, lastRead, false)));
  rules.push(
    expectRule((input, lastRead) => {
      const hslen = input.length >= 3 ? 4 + (input[0]! | (input[1]! << 8) | (input[2]! << 16)) : 0;
      return packet(input, hslen, lastRead, true);
    }),
  );
  return { rules, tcpCheckLabels: false };
}
