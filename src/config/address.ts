/**
 * Address parser following HAProxy's str2sa_range() (configuration.txt §11,
 * "Address formats"). Pure text work: a host name is kept as written and
 * resolved later by the runtime; this module never touches DNS or sockets.
 *
 * Accepted forms: `host:port`, `:port`, `*:port`, `[v6]:port`, bare IPv6 where
 * the port follows the LAST colon (`:::80`, `::1:` = ::1 without port), port
 * ranges `80-85`, server port offsets `+N`/`-N`, `/path` and the prefixes
 * `ip@ ipv4@ ipv6@ tcp@ tcp4@ tcp6@ udp@ udp4@ udp6@ unix@ uxst@ uxdg@ abns@ fd@`.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ConfigCode, ConfigError, type SourceLoc } from '../core/errors.js';
import type { Address } from './haproxy/model.js';

/** What the address is for decides which forms are legal (str2sa_range's PA_O_* flags). */
export type AddressRole = 'bind' | 'server' | 'source' | 'log';

export interface AddressContext {
  readonly loc: SourceLoc | undefined;
  readonly keyword: string | undefined;
  readonly role: AddressRole;
}

type Family = 'auto' | 'ipv4' | 'ipv6' | 'unix' | 'abns' | 'fd';
type Transport = 'stream' | 'dgram' | 'any';

interface Prefix {
  readonly family: Family;
  readonly transport: Transport;
}

/** HAProxy prefixes hapair implements (§11.1–§11.3). */
const PREFIXES: Readonly<Record<string, Prefix>> = {
  'ip@': { family: 'auto', transport: 'any' },
  'ipv4@': { family: 'ipv4', transport: 'any' },
  'ipv6@': { family: 'ipv6', transport: 'any' },
  'tcp@': { family: 'auto', transport: 'stream' },
  'tcp4@': { family: 'ipv4', transport: 'stream' },
  'tcp6@': { family: 'ipv6', transport: 'stream' },
  'udp@': { family: 'auto', transport: 'dgram' },
  'udp4@': { family: 'ipv4', transport: 'dgram' },
  'udp6@': { family: 'ipv6', transport: 'dgram' },
  'unix@': { family: 'unix', transport: 'any' },
  'uxst@': { family: 'unix', transport: 'stream' },
  'uxdg@': { family: 'unix', transport: 'dgram' },
  'abns@': { family: 'abns', transport: 'any' },
  'fd@': { family: 'fd', transport: 'any' },
};

/** HAProxy prefixes that exist but that hapair has no transport for. */
const UNSUPPORTED_PREFIXES = ['sockpair@', 'quic4@', 'quic6@', 'stream+', 'dgram+', 'quic+'];

/** Longest path a sockaddr_un can hold (108 bytes with the NUL). */
const MAX_UNIX_PATH = 107;

const HOSTNAME_RE = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/;

export function parseAddress(text: string, ctx: AddressContext): Address {
  const fail = (reason: string): never => {
    throw new ConfigError(ConfigCode.BadAddress, ctx.loc, ctx.keyword, reason);
  };
  if (text === '') fail('empty address (environment variable missing?)');
  for (const p of UNSUPPORTED_PREFIXES) {
    if (text.startsWith(p)) {
      throw new ConfigError(
        ConfigCode.Unsupported,
        ctx.loc,
        ctx.keyword,
        `address prefix '${p}' in '${text}' is not supported by hapair yet`,
      );
    }
  }
  let rest = text;
  let prefix: Prefix = { family: 'auto', transport: 'any' };
  const at = text.indexOf('@');
  if (at >= 0) {
    const known = PREFIXES[text.slice(0, at + 1)];
    if (!known) fail(`unknown address prefix '${text.slice(0, at + 1)}' in '${text}'`);
    prefix = known!;
    rest = text.slice(at + 1);
  } else if (text.startsWith('/')) {
    prefix = { family: 'unix', transport: 'any' };
  }
  checkTransport(prefix.transport, text, ctx.role, fail);
  if (prefix.family === 'fd') return fdAddress(rest, text, ctx.role, fail);
  if (prefix.family === 'unix' || prefix.family === 'abns') {
    return pathAddress(prefix.family, rest, text, ctx.role, fail);
  }
  return ipAddress(prefix.family, rest, text, ctx.role, fail);
}

function checkTransport(t: Transport, text: string, role: AddressRole, fail: (r: string) => never): void {
  if (t === 'dgram' && role !== 'log') fail(`datagram address '${text}' is only valid for 'log'`);
  if (t === 'stream' && role === 'log') fail(`stream address '${text}' is not supported for 'log' targets`);
}

function fdAddress(rest: string, text: string, role: AddressRole, fail: (r: string) => never): Address {
  if (role !== 'bind' && role !== 'log') fail(`a file descriptor is not acceptable here in '${text}'`);
  if (!/^\d+$/.test(rest)) fail(`file descriptor '${rest}' is not a valid integer in '${text}'`);
  return { family: 'fd', host: '', port: 0, portEnd: 0, fd: Number(rest), text };
}

function pathAddress(
  family: 'unix' | 'abns',
  path: string,
  text: string,
  role: AddressRole,
  fail: (r: string) => never,
): Address {
  if (role === 'source') fail(`a socket path is not acceptable as a source address in '${text}'`);
  if (path === '') fail(`missing socket path in '${text}'`);
  if (path.length > MAX_UNIX_PATH) fail(`socket path '${text}' too long (max ${MAX_UNIX_PATH})`);
  return { family, host: '', port: 0, portEnd: 0, path, text };
}

interface PortSpec {
  readonly port: number;
  readonly portEnd: number;
  readonly portOffset?: number;
}

function ipAddress(
  forced: Family,
  rest: string,
  text: string,
  role: AddressRole,
  fail: (r: string) => never,
): Address {
  // The port separator is the last ':' unless a ']' comes after it (str2sa_range).
  let sep = -1;
  for (let i = rest.length - 1; i >= 0; i--) {
    if (rest[i] === ']' || rest[i] === ':') {
      if (rest[i] === ':') sep = i;
      break;
    }
  }
  const hostPart = sep >= 0 ? rest.slice(0, sep) : rest;
  const ports = parsePorts(sep >= 0 ? rest.slice(sep + 1) : '', text, role, fail);
  const { family, host } = parseHost(hostPart, forced, text, role, fail);
  const base = { family, host, port: ports.port, portEnd: ports.portEnd, text };
  return ports.portOffset === undefined ? base : { ...base, portOffset: ports.portOffset };
}

function parseHost(
  raw: string,
  forced: Family,
  text: string,
  role: AddressRole,
  fail: (r: string) => never,
): { family: Address['family']; host: string } {
  if (raw === '' || raw === '*') {
    if (forced === 'ipv6') return { family: 'ipv6', host: '::' };
    return { family: 'ipv4', host: '' };
  }
  let host = raw;
  const bracketed = host.startsWith('[') && host.endsWith(']');
  if (bracketed) host = host.slice(1, -1);
  if (isIPv4(host) && !bracketed) {
    if (forced === 'ipv6') fail(`'${host}' is not an IPv6 address in '${text}'`);
    return { family: 'ipv4', host };
  }
  if (isIPv6(host)) {
    if (forced === 'ipv4') fail(`'${host}' is not an IPv4 address in '${text}'`);
    return { family: 'ipv6', host };
  }
  if (bracketed || host.includes('[') || host.includes(']'))
    fail(`invalid IPv6 address '${raw}' in '${text}'`);
  if (!HOSTNAME_RE.test(host)) fail(`invalid address '${raw}' in '${text}'`);
  if (role === 'source') fail(`source address must be an IP address, not '${host}'`);
  if (forced !== 'auto')
    fail(`'${host}' is not an ${forced === 'ipv4' ? 'IPv4' : 'IPv6'} address in '${text}'`);
  return { family: 'hostname', host };
}

function parsePorts(spec: string, text: string, role: AddressRole, fail: (r: string) => never): PortSpec {
  if (spec === '') {
    if (role === 'bind') fail(`missing port specification in '${text}'`);
    return { port: 0, portEnd: 0 };
  }
  const c = spec[0]!;
  if (c === '+' || c === '-') {
    if (role !== 'server') fail(`port offset not permitted here in '${text}'`);
    if (!/^\d+$/.test(spec.slice(1))) fail(`invalid port offset '${spec}' in '${text}'`);
    const n = Number(spec.slice(1));
    if (n > 65535) fail(`invalid port offset '${spec}' in '${text}'`);
    return { port: 0, portEnd: 0, portOffset: c === '+' ? n : -n };
  }
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec);
  if (!m) {
    const bad = [...spec].find((ch) => !/[\d-]/.test(ch)) ?? '-';
    fail(`invalid character '${bad}' in port number '${spec}' in '${text}'`);
  }
  if (m![2] !== undefined && role !== 'bind' && role !== 'source') {
    fail(`port range not permitted here in '${text}'`);
  }
  const low = Number(m![1]);
  const high = m![2] === undefined ? low : Number(m![2]);
  const min = role === 'bind' ? 1 : 0;
  if (low < min || low > 65535) fail(`invalid port '${m![1]}' in '${text}'`);
  if (high < min || high > 65535) fail(`invalid port '${m![2]}' in '${text}'`);
  if (low > high) fail(`invalid port range '${low}-${high}' in '${text}'`);
  return { port: low, portEnd: high };
}

/** True when `text` reads as an IP address with a port: used to spot `listen 1.2.3.4:80`. */
export function looksLikeIpPort(text: string): boolean {
  try {
    const a = parseAddress(text, { loc: undefined, keyword: undefined, role: 'bind' });
    return a.family === 'ipv4' || a.family === 'ipv6';
  } catch {
    return false;
  }
}
