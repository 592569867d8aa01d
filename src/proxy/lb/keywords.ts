/**
 * `balance` and `hash-type` (configuration.txt §4.2), registered next to the
 * balance algorithms they select. Parsing yields the BalanceConfig union the
 * algorithms read.
 */
import { argCount, badArgs, intArg, oneOf, proxyOf } from '../../config/haproxy/args.js';
import { BACK_SIDE, type SectionCtx, type SectionSpec, withModule } from '../../config/haproxy/context.js';
import type { BalanceConfig, HashFunction } from '../../config/haproxy/model.js';
import type { KeywordCall } from '../../config/registry.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';

const SIMPLE = ['roundrobin', 'static-rr', 'leastconn', 'first', 'source'] as const;

function noMore(call: KeywordCall, from: number): void {
  if (call.args.length > from) throw badArgs(call, `unexpected '${call.args[from]}' after '${call.args[0]}'`);
}

/** `balance uri [whole] [len <len>] [depth <depth>] [path-only]` */
function uri(call: KeywordCall): BalanceConfig {
  let whole = false;
  let pathOnly = false;
  let len = 0;
  let depth = 0;
  for (let i = 1; i < call.args.length; i++) {
    const w = call.args[i];
    if (w === 'whole') whole = true;
    else if (w === 'path-only') pathOnly = true;
    else if (w === 'len') len = intArg(call, call.args[++i], 1, 2 ** 31 - 1, 'uri len');
    else if (w === 'depth') depth = intArg(call, call.args[++i], 1, 2 ** 31 - 1, 'uri depth');
    else throw badArgs(call, `unknown 'uri' option '${w}' (expects whole, len, depth, path-only)`);
  }
  return { algorithm: 'uri', whole, pathOnly, len, depth };
}

function withParen(call: KeywordCall, word: string, prefix: string): string | undefined {
  if (word === prefix) return undefined;
  const m = new RegExp(`^${prefix}\\((.*)\\)$`).exec(word);
  if (!m) throw badArgs(call, `invalid '${word}' (expects ${prefix} or ${prefix}(<arg>))`);
  return m[1]!;
}

function parseBalance(call: KeywordCall): BalanceConfig {
  argCount(call, 1, 8, 'balance <algorithm> [<arguments>]');
  const algo = call.args[0]!;
  if ((SIMPLE as readonly string[]).includes(algo)) {
    noMore(call, 1);
    return { algorithm: algo as (typeof SIMPLE)[number] };
  }
  if (algo === 'uri') return uri(call);
  if (algo === 'url_param') {
    const param = call.args[1];
    if (param === undefined) throw badArgs(call, "'url_param' expects a parameter name");
    // check_post (optionally followed by a size) is the 1.x form; the size is ignored as in HAProxy 2.x.
    const checkPost = call.args[2] === 'check_post';
    if (call.args.length > 2 && !checkPost)
      throw badArgs(call, `unexpected '${call.args[2]}' (expects check_post)`);
    if (call.args[3] !== undefined) intArg(call, call.args[3], 0, 2 ** 31 - 1, 'check_post size');
    noMore(call, 4);
    return { algorithm: 'url_param', param, checkPost };
  }
  if (algo.startsWith('random')) {
    const draws = withParen(call, algo, 'random');
    noMore(call, 1);
    return { algorithm: 'random', draws: draws === undefined ? 2 : intArg(call, draws, 1, 100, 'draws') };
  }
  if (algo.startsWith('hdr(')) {
    const header = withParen(call, algo, 'hdr');
    if (!header) throw badArgs(call, "'hdr' expects a header name: hdr(<name>)");
    if (call.args.length > 1 && call.args[1] !== 'use_domain_only')
      throw badArgs(call, `unexpected '${call.args[1]}'`);
    noMore(call, 2);
    return { algorithm: 'hdr', header, useDomainOnly: call.args[1] === 'use_domain_only' };
  }
  if (algo.startsWith('rdp-cookie')) {
    const cookie = withParen(call, algo, 'rdp-cookie');
    noMore(call, 1);
    return { algorithm: 'rdp-cookie', cookie: cookie || 'mstshash' };
  }
  if (algo === 'hash') {
    throw new ConfigError(
      ConfigCode.Unsupported,
      call.loc,
      call.keyword,
      "'balance hash <expr>' is not supported by hapair yet",
    );
  }
  throw badArgs(call, `unknown load balancing algorithm '${algo}'`);
}

function hashType(ctx: SectionCtx, call: KeywordCall): void {
  argCount(call, 1, 3, 'hash-type <method> [<function>] [<modifier>]');
  const method = oneOf(call, call.args[0], ['map-based', 'consistent'] as const);
  const fn: HashFunction =
    call.args[1] === undefined
      ? 'sdbm'
      : oneOf(call, call.args[1], ['sdbm', 'djb2', 'wt6', 'crc32'] as const);
  if (call.args[2] !== undefined) oneOf(call, call.args[2], ['avalanche'] as const);
  // A bare `hash-type consistent` hashes as sdbm + avalanche in HAProxy
  // (cfgparse sets BE_LB_HMOD_AVAL when no function is given; verified
  // against haproxy 2.6 in test/fixtures/hash).
  const avalanche = call.args[2] === 'avalanche' || (method === 'consistent' && call.args[1] === undefined);
  proxyOf(ctx).hashType = { method, fn, avalanche };
}

export const lbKeywords: SectionSpec[] = withModule<SectionCtx>('proxy', [
  {
    name: 'balance',
    sections: BACK_SIDE,
    usage:
      'balance { roundrobin | static-rr | leastconn | first | source | random[(<draws>)] | uri [whole] [len <n>] [depth <n>] [path-only] | url_param <param> [check_post] | hdr(<name>) [use_domain_only] | rdp-cookie[(<name>)] }',
    doc: 'Load-balancing algorithm of a backend.',
    defaultValue: 'roundrobin',
    parse(ctx, call) {
      proxyOf(ctx).balance = parseBalance(call);
    },
  },
  {
    name: 'hash-type',
    sections: BACK_SIDE,
    usage: 'hash-type { map-based | consistent } [sdbm | djb2 | wt6 | crc32] [avalanche]',
    doc: 'How hash-based algorithms map a hash to a server.',
    defaultValue: 'map-based sdbm',
    parse: hashType,
  },
]);
