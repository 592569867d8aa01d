/**
 * Log-format variables, `%ci`, `%HM`, … (configuration.txt 8.2.6 alias
 * table): a registry, so the module that owns the data registers the
 * variable (the log module adds the timers %Tr, %TR … that need a
 * transaction record), and the variables computable from a SampleContext.
 */
import os from 'node:os';
import { uriPath } from '../acl/http-scan.js';
import { parseIPv4, parseIPv6 } from '../acl/ip.js';
import type { SampleContext, SampleLayer } from '../acl/types.js';
import {
  type FormatFlags,
  renderIp,
  renderPort,
  renderRawText,
  renderText,
  renderUrlText,
} from './format-render.js';

/** Prints the variable with the item's flags; called per log line or header value. */
export type FormatVarFn = (ctx: SampleContext, flags: FormatFlags) => string;

/**
 * Where a variable can be used: the layer whose data it reads (a format
 * compiled for a lower stage refuses it), and `logOnly` for variables that
 * need the log module's transaction record (timers, byte counts).
 */
export interface FormatVarAvailability {
  readonly layer: SampleLayer;
  readonly logOnly?: boolean;
}

export interface FormatVarDef {
  readonly render: FormatVarFn;
  readonly layer: SampleLayer;
  readonly logOnly: boolean;
}

const vars = new Map<string, FormatVarDef>();

/** Registers `%<name>`; `availability` is a layer or { layer, logOnly }. */
export function registerFormatVar(
  name: string,
  render: FormatVarFn,
  availability: SampleLayer | FormatVarAvailability,
): void {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new Error(`invalid log-format variable name: ${name}`);
  if (vars.has(name)) throw new Error(`log-format variable registered twice: ${name}`);
  const a = typeof availability === 'string' ? { layer: availability } : availability;
  vars.set(name, { render, layer: a.layer, logOnly: a.logOnly === true });
}

export function lookupFormatVar(name: string): FormatVarDef | undefined {
  return vars.get(name);
}

/** Address bytes for +X. */
function addrBytes(text: string): Uint8Array | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return Uint8Array.of(v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255);
  const v6 = parseIPv6(text);
  if (!v6) return undefined;
  const b = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) b.writeUInt32BE(v6[i]!, 4 * i);
  return b;
}

function addr(text: string, unix: boolean, f: FormatFlags): string {
  return unix ? renderText('unix', f) : renderIp(text, f, f.hex ? addrBytes(text) : undefined);
}

const frontendOf = (c: SampleContext) => c.http?.frontend ?? c.frontendName;

registerFormatVar('ci', (c, f) => addr(c.conn.srcAddr, c.conn.family === 'unix', f), 'l4');
registerFormatVar('cp', (c, f) => renderPort(c.conn.srcPort, f), 'l4');
registerFormatVar('fi', (c, f) => addr(c.conn.dstAddr, c.conn.family === 'unix', f), 'l4');
registerFormatVar('fp', (c, f) => renderPort(c.conn.dstPort, f), 'l4');
registerFormatVar('f', (c, f) => renderText(frontendOf(c), f), 'l4');
/** Frontend name with '~' when the client connection is TLS. */
registerFormatVar('ft', (c, f) => renderRawText(`${frontendOf(c) ?? ''}${c.tls ? '~' : ''}`, f), 'l4');
/** The backend chosen so far; HAProxy's stream backend is the frontend until one is chosen. */
registerFormatVar('b', (c, f) => renderText(c.http?.backend ?? c.backendName ?? frontendOf(c), f), 'l4');
/** Read once, as HAProxy does at start-up. */
const hostname = os.hostname();
registerFormatVar('H', (_c, f) => renderText(hostname, f), 'l4');
registerFormatVar(
  'pid',
  (_c, f) => (f.hex ? process.pid.toString(16).toUpperCase().padStart(4, '0') : String(process.pid)),
  'l4',
);
registerFormatVar('sslc', (c, f) => renderText(c.tls?.cipher, f), 'l5');
registerFormatVar('sslv', (c, f) => renderText(c.tls?.protocol, f), 'l5');

/** HTTP status: the transaction's (-1 before one is known), 0 outside HTTP. */
registerFormatVar(
  'ST',
  (c) => {
    const h = c.http;
    // A log line for a request that never parsed still knows the status it got (400, 408 …).
    if (!h) return String((c as { rec?: { status?: number } }).rec?.status ?? 0);
    return String(h.status > 0 ? h.status : (h.resp?.status ?? -1));
  },
  'l4',
);

/** Request-line items print "<BADREQ>" when there is no parsed request, as HAProxy does. */
function requestPart(part: (target: string, c: NonNullable<SampleContext['http']>) => string): FormatVarFn {
  return (c, f) => renderUrlText(c.http ? part(c.http.req.target, c.http) : '<BADREQ>', f);
}
const query = (t: string) => {
  const q = t.indexOf('?');
  return q < 0 ? '' : t.slice(q);
};

registerFormatVar(
  'HM',
  requestPart((_t, h) => h.req.method),
  'l7',
);
registerFormatVar(
  'HU',
  requestPart((t) => t),
  'l7',
);
registerFormatVar(
  'HP',
  requestPart((t) => t.slice(0, t.length - query(t).length)),
  'l7',
);
registerFormatVar(
  'HPO',
  requestPart((t) => {
    const p = uriPath(t) ?? '';
    return p.slice(0, p.length - query(p).length);
  }),
  'l7',
);
registerFormatVar(
  'HQ',
  requestPart((t) => query(t)),
  'l7',
);
registerFormatVar(
  'HV',
  requestPart((_t, h) => `HTTP/${Math.floor(h.req.version / 10)}.${h.req.version % 10}`),
  'l7',
);
