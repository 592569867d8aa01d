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
  readonly port?: number;
  /** HAProxy's report: what changes, or "no need to change …", with the updater. */
  readonly message: string;
}

const UPDATER = " by 'stats socket command'\n";

/**
 * `set server B/S addr A [port P]` against the server's current address:
 * what to change and HAProxy's report, or an error answer (string).
 */
export function parseAddrChange(
  srv: ServerView,
  addr: string,
  port: string | undefined,
): AddrChange | string {
  if (isIP(addr) === 0) return `Invalid addr '${addr}'${UPDATER}`;
  const parts: string[] = [];
  let host: string | undefined;
  if (addr === srv.host) parts.push('no need to change the addr');
  else {
    host = addr;
    parts.push(`IP changed from '${srv.host}' to '${addr}'`);
  }
  let newPort: number | undefined;
  if (port !== undefined) {
    const n = strtol(port);
    if (!n) return `${parts.join('')}, problem converting port '${port}' to an int${UPDATER}`;
    if (port.startsWith('+') || port.startsWith('-'))
      return 'port offsets (+N/-N) are not supported by hapair yet.\n';
    if (n.value === srv.port) parts.push('no need to change the port');
    else {
      newPort = n.value;
      parts.push(`port changed from '${srv.port}' to '${n.value}'`);
    }
  }
  return {
    ...(host !== undefined ? { host } : {}),
    ...(newPort !== undefined ? { port: newPort } : {}),
    message: `${parts.join(', ')}${UPDATER}`,
  };
}
