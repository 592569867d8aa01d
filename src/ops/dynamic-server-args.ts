/**
 * The words of `add server <b>/<s> <addr> [keyword…]` turned into a server
 * configuration the way HAProxy 2.6 builds a dynamic server (server.c
 * _srv_parse_init, _srv_parse_kw and _srv_parse_finalize with
 * SRV_PARSE_DYNAMIC): no `default-server` settings, weight 1, in
 * maintenance, and only the keywords HAProxy accepts on a dynamic server,
 * parsed by the registry that parses the configuration's `server` lines.
 * A refusal is HAProxy's answer, ending with its newline.
 */
import { parseAddress } from '../config/address.js';
import { buildServer } from '../config/haproxy/build.js';
import type { ServerParamCtx } from '../config/haproxy/context.js';
import { newProxy, newServer, type ServerDraft } from '../config/haproxy/draft.js';
import type { ProxyConfig, ServerConfig } from '../config/haproxy/model.js';
import { applyParams } from '../config/haproxy/params.js';
import { serverParamRegistry } from '../config/haproxy/registry.js';
import { ConfigError, type SourceLoc } from '../core/errors.js';
import { strtol } from './cli-server-args.js';
import type { NewServer } from './types.js';

/** HAProxy 2.6's server keywords with `dynamic_ok` (server.c, check.c, cfgparse-ssl.c). */
const DYNAMIC_OK: ReadonlySet<string> = new Set(
  (
    'backup disabled enabled error-limit ws id maxconn maxqueue minconn no-backup no-send-proxy ' +
    'no-send-proxy-v2 no-tfo observe on-error on-marked-down on-marked-up pool-low-conn pool-max-conn ' +
    'pool-purge-delay proto proxy-v2-options send-proxy send-proxy-v2 slowstart source tfo track usesrc ' +
    'weight addr agent-addr agent-check agent-inter agent-port agent-send check check-proto ' +
    'check-send-proxy check-via-socks4 rise fall inter fastinter downinter port allow-0rtt alpn ca-file ' +
    'check-alpn check-sni check-ssl ciphers ciphersuites crl-file crt force-sslv3 force-tlsv10 ' +
    'force-tlsv11 force-tlsv12 force-tlsv13 no-ssl-reuse no-sslv3 no-tlsv10 no-tlsv11 no-tlsv12 ' +
    'no-tlsv13 no-tls-tickets npn send-proxy-v2-ssl send-proxy-v2-ssl-cn sni ssl ssl-min-ver ' +
    'ssl-max-ver tls-tickets verify verifyhost'
  ).split(' '),
);

/** HAProxy 2.6's other server keywords: only for `server` lines of the configuration. */
const STATIC_ONLY: readonly string[] = (
  'cookie init-addr log-proto max-reuse namespace non-stick redir resolve-net resolve-opts ' +
  'resolve-prefer resolvers stick socks4 no-agent-check no-check no-check-send-proxy no-check-ssl ' +
  'no-send-proxy-v2-ssl no-send-proxy-v2-ssl-cn no-ssl ssl-reuse tcp-ut'
).split(' ');

/** Words srv_find_best_kw() also suggests (server.c extra_kw_list). */
const EXTRA_WORDS = ['ipv4', 'ipv6', 'legacy', 'octet-count', 'fail-check', 'sudden-death', 'mark-down'];

const SUGGESTIONS: readonly string[] = [...DYNAMIC_OK, ...STATIC_ONLY, ...EXTRA_WORDS];

/** Where errors of a command-line server point: nowhere in a file. */
const CLI_LOC: SourceLoc = { file: 'stats socket command', line: 0 };

/** A server that exists already, for the `id` clash message: its name and where it was declared. */
export interface TakenId {
  readonly name: string;
  /** `file:line`, or HAProxy's `(null):0` for a server added at run time. */
  readonly where: string;
}

/** Character transitions of a word (tools.c update_word_fingerprint). */
function fingerprint(word: string): Uint8Array {
  const fp = new Uint8Array(1024);
  let from = 28;
  for (const ch of word.toLowerCase()) {
    const c = ch.charCodeAt(0);
    const to = c >= 97 && c <= 122 ? c - 96 : c >= 48 && c <= 57 ? 27 : 28;
    fp[to] = 1;
    fp[32 * from + to]! += 1;
    from = to;
  }
  fp[32 * from + 28]! += 1;
  return fp;
}

/** server.c srv_find_best_kw(): the closest keyword, when close enough. */
function bestKeyword(word: string): string | undefined {
  const sig = fingerprint(word);
  let best: string | undefined;
  let bestDist = Number.POSITIVE_INFINITY;
  for (const kw of SUGGESTIONS) {
    const other = fingerprint(kw);
    let dist = 0;
    for (let i = 0; i < sig.length; i++) dist += Math.abs(sig[i]! - other[i]!);
    if (dist < bestDist) {
      bestDist = dist;
      best = kw;
    }
  }
  if (best === undefined || bestDist > 2 * word.length || bestDist > 2 * best.length) return undefined;
  return best;
}

function unknownKeyword(word: string): string {
  const best = bestKeyword(word);
  return best
    ? `unknown keyword '${word}'; did you mean '${best}' maybe ?\n`
    : `unknown keyword '${word}'.\n`;
}

/** tools.c invalid_char(): names take letters, digits and `.:_-`. */
function invalidChar(name: string): string | undefined {
  return /[^A-Za-z0-9.:_-]/.exec(name)?.[0];
}

/** srv_parse_id(): atol() of the value, positive and unused in the backend. */
function parseId(value: string | undefined, taken: ReadonlyMap<number, TakenId>): number | string {
  if (!value) return "'id' : expects an integer argument.\n";
  const id = strtol(value)?.value ?? 0;
  if (id <= 0) return "'id' : custom id has to be > 0.\n";
  const owner = taken.get(id);
  if (owner) return `'id' : custom id ${id} already used at ${owner.where} ('server ${owner.name}').\n`;
  return id;
}

/** How many words a supported keyword takes, and whether hapair implements it. */
function keywordArity(word: string): number | undefined {
  const direct = serverParamRegistry.match([word]);
  if (direct) return direct.spec.arity ?? 0;
  if (!word.startsWith('no-')) return undefined;
  return serverParamRegistry.match([word.slice(3)])?.spec.negatable ? 0 : undefined;
}

/** _srv_parse_finalize() and the SSL preparation, for what hapair's dynamic server supports. */
function finalize(d: ServerDraft): string | undefined {
  if (d.check.agent.enabled && d.check.agent.port === undefined) {
    return `server ${d.name} does not have agent port. Agent check has been disabled.\n`;
  }
  if (d.ssl && (d.verify ?? 'required') === 'required' && d.caFile === undefined) {
    return "verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default.\n";
  }
  return undefined;
}

/** The frozen configuration of the draft, in maintenance, with its id. */
function build(d: ServerDraft, id: number): ServerConfig {
  return { ...buildServer(d, id), initialState: 'maint' };
}

/** get_next_id(): the lowest id from 1 no server of the backend uses. */
function nextId(taken: ReadonlyMap<number, TakenId>): number {
  let id = 1;
  while (taken.has(id)) id++;
  return id;
}

/**
 * `add server` after `<backend>/<server>`: `words` are the address and the
 * keywords, `taken` the ids the backend's servers use. Returns the server
 * to add, or HAProxy's refusal.
 */
export function parseDynamicServer(
  px: ProxyConfig,
  name: string,
  words: readonly string[],
  taken: ReadonlyMap<number, TakenId>,
): NewServer | string {
  if (!words[0]) return "'server' expects <name> and <addr>[:<port>] as arguments.\n";
  const bad = invalidChar(name);
  if (bad !== undefined) return `character '${bad}' is not permitted in server name '${name}'.\n`;
  const d = newServer(CLI_LOC);
  d.name = name;
  try {
    d.addr = parseAddress(words[0], { loc: CLI_LOC, keyword: 'server', role: 'server' });
  } catch (e) {
    if (e instanceof ConfigError) return `${e.reason}\n`;
    throw e;
  }
  if (d.addr.family === 'hostname') {
    return `'${words[0]}' is not an IP address: hapair does not resolve the names of servers added at run time.\n`;
  }
  if (d.addr.family === 'fd') return `'${words[0]}' cannot be the address of a server.\n`;
  const ctx: ServerParamCtx = {
    server: d,
    proxy: newProxy(px.kind, px.name, CLI_LOC),
    scope: 'server',
    warn: () => {},
  };
  let forcedId: number | undefined;
  let disabled = false;
  for (let i = 1; i < words.length; ) {
    const word = words[i]!;
    if (!DYNAMIC_OK.has(word)) {
      return STATIC_ONLY.includes(word)
        ? `'${word}' option is not accepted for dynamic server\n`
        : unknownKeyword(word);
    }
    if (word === 'id') {
      const id = parseId(words[i + 1], taken);
      if (typeof id === 'string') return id;
      forcedId = id;
      i += 2;
      continue;
    }
    // HAProxy's stable branches ignore `enabled` here: a dynamic server starts in maintenance.
    if (word === 'enabled') {
      i += 1;
      continue;
    }
    const arity = keywordArity(word);
    if (arity === undefined) return `'${word}' option is not supported by hapair yet.\n`;
    try {
      applyParams(serverParamRegistry, ctx, 'server', words.slice(i, i + 1 + arity), CLI_LOC);
    } catch (e) {
      if (e instanceof ConfigError) return `'${word}' : ${e.reason}.\n`;
      throw e;
    }
    if (word === 'disabled') disabled = true;
    i += 1 + arity;
  }
  const refused = finalize(d);
  if (refused) return refused;
  return {
    config: build(d, forcedId ?? nextId(taken)),
    forcedId: forcedId !== undefined,
    disabled,
  };
}
