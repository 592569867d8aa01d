/**
 * Argument parsing shared by the server commands, with HAProxy 2.6's answers
 * (server.c server_parse_weight_change_request,
 * server_parse_maxconn_change_request, srv_update_addr_port). Some of
 * HAProxy's messages have no trailing newline; they are kept that way, since
 * the session's closing empty line then ends them exactly as HAProxy does.
 */
import { isIP } from 'node:net';
import type { ServerView } from './types.js';

/** C strtol(s, &end, 10): the leading integer and what follows it; undefined without digits. */
export function strtol(s: string): { readonly value: number; readonly rest: string } | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (!m) return undefined;
  return { value: Number.parseInt(m[1]!, 10), rest: s.slice(m[0].length) };
}

/** `N` (0–256) or `N%` of the initial weight → the new user weight, or HAProxy's refusal. */
export function parseWeight(text: string | undefined, srv: ServerView): number | string {
  if (!text) return 'Require <weight> or <weight%>.\n';
  const n = strtol(text);
  if (!n) return 'Empty weight string empty or preceded by garbage';
  let w = n.value;
  if (n.rest === '%') {
    if (w < 0) return 'Relative weight must be positive.\n';
    w = Math.min(256, Math.floor((srv.iweight * Math.min(w, 25600)) / 100));
  } else if (w < 0 || w > 256) return 'Absolute weight can only be between 0 and 256 inclusive.\n';
  else if (n.rest !== '') return 'Trailing garbage in weight string';
  if (w !== 0 && w !== srv.iweight && !srv.dynamicWeights) {
    return "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n";
  }
  return w;
}

export function parseMaxconn(text: string | undefined): number | string {
  if (!text) return 'Require <maxconn>.\n';
  const n = strtol(text);
  if (!n) return 'maxconn string empty or preceded by garbage';
  if (n.rest !== '') return 'Trailing garbage in maxconn string';
  return n.value;
}

export interface AddrChange {
  readonly host?: string;
  /** The new service port (HAProxy's 16-bit svc_port), an offset with `mapPorts`. */
  readonly port?: number;
  readonly mapPorts?: boolean;
  /** HAProxy's report: what changes, or "no need to change …", or what went wrong, with the updater. */
  readonly message: string;
}

const UPDATER = " by 'stats socket command'\n";

/**
 * server.c srv_update_addr_port for `set server B/S addr A [port P]`: the
 * address first, then the port, each reported; an error with the port
 * leaves the address change standing, as in HAProxy. `+N`/`-N` switch to
 * mapping the client's port, which needs a check port of its own. A string
 * is an error answer with nothing to change.
 */
export function parseAddrChange(
  srv: ServerView,
  addr: string,
  port: string | undefined,
): AddrChange | string {
  if (isIP(addr) === 0) return `Invalid addr '${addr}'${UPDATER}`;
  const ip = srv.family === undefined ? srv.host !== '' : ['ipv4', 'ipv6', 'hostname'].includes(srv.family);
  if (!ip)
    return `Update for the current server address family is only supported through configuration file${UPDATER}`;
  const host = addr === srv.host ? undefined : addr;
  const said =
    host === undefined ? 'no need to change the addr' : `IP changed from '${srv.host}' to '${addr}'`;
  const withHost = host !== undefined ? { host } : {};
  if (port === undefined) return { ...withHost, message: `${said}${UPDATER}` };
  const p = portChange(srv, port);
  if (typeof p === 'string') return { ...withHost, message: `${said}, ${p}${UPDATER}` };
  return { ...withHost, port: p.port, mapPorts: p.mapPorts, message: `${said}, ${p.message}${UPDATER}` };
}

/** The port half of srv_update_addr_port: the change and its report, or the report alone. */
function portChange(
  srv: ServerView,
  text: string,
): { port: number; mapPorts: boolean; message: string } | string {
  const n = strtol(text);
  if (!n) return `problem converting port '${text}' to an int`;
  const sign = text[0];
  const mapped = sign === '+' || sign === '-';
  // HAProxy stores the value in a 16-bit port: -5 becomes 65531, an offset of -5 modulo 2^16.
  const next = n.value & 0xffff;
  const current = srv.port;
  if (mapped && !srv.mapPorts && !srv.checkPort) {
    return "can't change <port> to port map because it is incompatible with current health check port configuration (use 'port' statement from the 'server' directive.";
  }
  if (!(mapped && !srv.mapPorts) && current === next) return 'no need to change the port';
  const from = `${srv.mapPorts ? '+' : ''}${current}`;
  const to = sign === '-' ? `-${-next & 0xffff}` : `${sign === '+' ? '+' : ''}${next}`;
  return { port: next, mapPorts: mapped, message: `port changed from '${from}' to '${to}'` };
}
