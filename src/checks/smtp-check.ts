/**
 * `option smtpchk [HELO|EHLO <domain>]` (doc 4.2): expect a 2xx banner, send
 * HELO (or EHLO) and expect 2xx, then QUIT and expect 2xx, as HAProxy's
 * do_parse_smtpchk_opt() does. Any other hello word falls back to
 * "HELO localhost", like HAProxy. The reply code becomes the check code and
 * the reply text its info.
 */
import { ConfigCode, ConfigError, type SourceLoc } from '../core/errors.js';
import type { RuleSet } from './rules.js';
import { compileTcpExpect, type ExpectHooks, payloadLine } from './tcp-check.js';

const BUILTIN = { file: '<smtpchk>', line: 0 };

const replyText = (input: Buffer): string => payloadLine(input, 4, true);
const replyCode = (input: Buffer): number | undefined => {
  const m = /^\d{3}/.exec(input.toString('latin1', 0, 3));
  return m ? Number(m[0]) : undefined;
};
const reply: ExpectHooks = { onError: replyText, onSuccess: replyText, code: replyCode };

/** `args`: the words after `option smtpchk`. */
export function smtpHello(args: readonly string[], loc: SourceLoc): string {
  if (args.length > 2)
    throw new ConfigError(ConfigCode.BadArgs, loc, 'option smtpchk', 'expects [<hello> <domain>]');
  const [hello, domain] = args;
  if (hello !== undefined && domain === undefined) {
    throw new ConfigError(
      ConfigCode.BadArgs,
      loc,
      'option smtpchk',
      `'${hello}' must be followed by a domain`,
    );
  }
  return (hello === 'HELO' || hello === 'EHLO') && domain !== undefined
    ? `${hello} ${domain}`
    : 'HELO localhost';
}

export function compileSmtpCheck(hello: string): RuleSet {
  return {
    rules: [
      { kind: 'connect', implicit: false, linger: true },
      compileTcpExpect(
        ['min-recv', '4', 'error-status', 'L7RSP', 'rstring', '^[0-9]{3}[ \r]'],
        BUILTIN,
        2,
        false,
        {
          onError: (input) => payloadLine(input),
        },
      ),
      compileTcpExpect(
        ['min-recv', '4', 'error-status', 'L7STS', 'rstring', '^2[0-9]{2}[ \r]'],
        BUILTIN,
        3,
        false,
        {
          onError: replyText,
          code: replyCode,
        },
      ),
      { kind: 'send', data: Buffer.from(`${hello}\r\n`, 'latin1') },
      compileTcpExpect(
        ['error-status', 'L7STS', 'rstring', '^(2[0-9]{2}-[^\r]*\r\n)*2[0-9]{2}[ \r]'],
        BUILTIN,
        5,
        false,
        reply,
      ),
      { kind: 'send', data: Buffer.from('QUIT\r\n', 'latin1') },
      compileTcpExpect(
        ['min-recv', '4', 'error-status', 'L7STS', 'rstring', '^2[0-9]{2}[- \r]'],
        BUILTIN,
        7,
        false,
        reply,
      ),
    ],
    tcpCheckLabels: false,
  };
}
