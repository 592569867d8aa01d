/**
 * Traffic log lines from a format string (configuration.txt 8.2.4 "log-format",
 * 8.2.6 "Custom log format") and the unique request id ("unique-id-format",
 * "unique-id-header"), compiled once per frontend when the engine starts.
 *
 * The variables that need the transaction record (timers, byte counts,
 * connection counts, captures, the termination state) are registered here
 * and read a LogContext, built when the line is written. The dates, %rt and
 * %ID are known while the request is processed, so they also serve
 * unique-id-format and header rules, reading the transaction's StreamFacts.
 *
 * `option httplog clf` is HAProxy's CLF format string, compiled the same way;
 * plain `option httplog`/`tcplog` keep their fixed fast path (httplog.ts).
 */
import type { ProxyConfig } from '../../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../../core/errors.js';
import { registerFetch } from '../acl/registry.js';
import type { ConnInfo, HttpSample, SampleContext, SampleLayer, TlsInfo } from '../acl/types.js';
import { compileFormat, type FormatFlags, registerFormatVar } from '../sample/format.js';
import { renderIp, renderPort, renderText, renderUrlText } from '../sample/format-render.js';
import type { FormatFn } from '../sample/types.js';
import type { VarStore } from '../sample/vars.js';
import type { TrackedEntry } from '../stick/types.js';
import { type CaptureHolder, renderCaptureBlock, renderCaptureList } from './captures.js';
import { isToken } from './chars.js';
import { gmtDate, localDate, logDate, retriesField, type TcpLogRecord, type TxRecord } from './httplog.js';

/** When the stream started and which request it is: what %t, %tr, %Ts, %ms and %rt print. */
export interface StreamFacts {
  /** Wall-clock ms of the stream's start (accept, or the end of the previous keep-alive response). */
  readonly acceptWall: number;
  /** Wall-clock ms of the request's first byte. */
  readonly startWall: number;
  /** The global request counter, -1 before the request's first byte. */
  readonly reqId: number;
}

/** A context that can give (and lazily generate) the transaction's unique id (`unique-id` fetch). */
export interface UniqueIdSource {
  uniqueIdValue(): string | undefined;
}

interface FactsHolder {
  readonly streamFacts?: StreamFacts | undefined;
  readonly uniqueId?: string | undefined;
}

let requestCount = 0;

/** HAProxy's global.req_count: each HTTP request and each TCP session takes the next number, from 0. */
export function nextRequestId(): number {
  return requestCount++;
}

export interface LogContextInit {
  readonly conn: ConnInfo;
  readonly tls: TlsInfo | undefined;
  readonly http: HttpSample | undefined;
  readonly vars: VarStore | undefined;
  readonly sc: readonly (TrackedEntry | undefined)[] | undefined;
  readonly frontendName: string;
  readonly backendName: string;
  readonly rec: TcpLogRecord & Partial<TxRecord>;
  readonly startWall: number;
  readonly reqCaptures: readonly (string | undefined)[] | undefined;
  readonly resCaptures: readonly (string | undefined)[] | undefined;
  /** The id already generated for the transaction, if any. */
  readonly uniqueId: string | undefined;
  /** Generates the id when none was (a `mode tcp` session: strm_log() does it before the line). */
  readonly uniqueIdFormat: FormatFn | undefined;
}

/** What a log-format line is rendered from: the sample context plus the finished record. */
export class LogContext implements SampleContext, StreamFacts, CaptureHolder, UniqueIdSource {
  readonly conn: ConnInfo;
  readonly tls: TlsInfo | undefined;
  readonly http: HttpSample | undefined;
  readonly vars: VarStore | undefined;
  readonly sc: readonly (TrackedEntry | undefined)[] | undefined;
  readonly frontendName: string;
  readonly backendName: string;
  readonly rec: TcpLogRecord & Partial<TxRecord>;
  readonly acceptWall: number;
  readonly startWall: number;
  readonly reqId: number;
  readonly reqCaptures: readonly (string | undefined)[] | undefined;
  readonly resCaptures: readonly (string | undefined)[] | undefined;
  uniqueId: string | undefined;
  /** %lc: lines this frontend logged before this one. */
  logCount = 0;
  private readonly uidFormat: FormatFn | undefined;

  constructor(i: LogContextInit) {
    this.conn = i.conn;
    this.tls = i.tls;
    this.http = i.http;
    this.vars = i.vars;
    this.sc = i.sc;
    this.frontendName = i.frontendName;
    this.backendName = i.backendName;
    this.rec = i.rec;
    this.acceptWall = i.rec.acceptWall;
    this.startWall = i.startWall;
    this.reqId = i.rec.reqId;
    this.reqCaptures = i.reqCaptures;
    this.resCaptures = i.resCaptures;
    this.uniqueId = i.uniqueId;
    this.uidFormat = i.uniqueIdFormat;
  }

  get streamFacts(): StreamFacts {
    return this;
  }

  uniqueIdValue(): string | undefined {
    if (this.uniqueId === undefined && this.uidFormat) {
      // '' while it is built: a format that reads %[unique-id] itself gets nothing, not a loop.
      this.uniqueId = '';
      this.uniqueId = this.uidFormat(this);
    }
    return this.uniqueId;
  }
}

/** The compiled log settings of one frontend. */
export interface ProxyLogFormats {
  /** `log-format` (or `option httplog clf`): replaces the fixed httplog/tcplog line. */
  readonly line: FormatFn | undefined;
  readonly uniqueId: FormatFn | undefined;
  readonly uniqueIdHeader: string | undefined;
  /** The line prints %si/%sp/%bi/%bp: the server socket's addresses are kept when it connects. */
  readonly wantsServerAddrs: boolean;
  /** %lc: lines logged so far. */
  lines: number;
}

const compiled = new WeakMap<ProxyConfig, ProxyLogFormats>();

/** configuration.txt 8.2.3: what `option httplog clf` is declared as. */
const CLF_FORMAT =
  '%{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" "" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc ' +
  '%bc %sc %rc %sq %bq %CC %CS %hrl %hsl';

const SERVER_ADDR_VAR = /%(\([^)]*\))?(\{[^}]*\})?(si|sp|bi|bp)(?![A-Za-z0-9])/;

/**
 * Compiles the frontend's log line and unique id formats (ConfigError
 * naming the directive on an unknown or unavailable variable or fetch).
 * Backends are skipped: HAProxy drops the formats of proxies that do not
 * accept connections (cfgparse.c). In mode tcp the HTTP-only variables
 * and fetches are refused, as HAProxy refuses them ("reserved for HTTP mode").
 */
export function compileLogFormats(p: ProxyConfig, mode: 'http' | 'tcp'): void {
  if (p.kind !== 'frontend' && p.kind !== 'listen') return;
  const maxLayer: SampleLayer = mode === 'http' ? 'l7' : 'l6';
  const where = mode === 'http' ? '' : 'mode tcp ';
  const lineText =
    p.logFormat ?? (mode === 'http' && p.options.httplog && p.options.httplogClf ? CLF_FORMAT : undefined);
  const keyword = p.logFormat !== undefined ? 'log-format' : 'option httplog';
  const line =
    lineText === undefined
      ? undefined
      : compileFormat(lineText, p.loc, keyword, { maxLayer, stage: `${where}log-format`, mode: 'log' });
  const header = p.uniqueIdHeader;
  if (header !== undefined && !isToken(header)) {
    throw new ConfigError(ConfigCode.BadArgs, p.loc, 'unique-id-header', `'${header}' is not a header name`);
  }
  const uniqueId =
    p.uniqueIdFormat === undefined
      ? undefined
      : compileFormat(p.uniqueIdFormat, p.loc, 'unique-id-format', {
          maxLayer,
          stage: `${where}unique-id-format`,
          mode: 'unique-id',
        });
  if (!line && !uniqueId) {
    compiled.delete(p);
    return;
  }
  compiled.set(p, {
    line,
    uniqueId,
    uniqueIdHeader: uniqueId && mode === 'http' ? header : undefined,
    wantsServerAddrs: lineText !== undefined && SERVER_ADDR_VAR.test(lineText),
    lines: 0,
  });
}

export function logFormatsOf(p: ProxyConfig): ProxyLogFormats | undefined {
  return compiled.get(p);
}

/** Renders the frontend's log line; the id is generated first when the frontend has a format (strm_log()). */
export function renderLogLine(f: ProxyLogFormats, ctx: LogContext): string {
  ctx.uniqueIdValue();
  ctx.logCount = f.lines++;
  return f.line!(ctx);
}

// --- the unique-id fetch ------------------------------------------------------------------------

const isUidSource = (c: SampleContext): c is SampleContext & UniqueIdSource =>
  typeof (c as Partial<UniqueIdSource>).uniqueIdValue === 'function';

/** configuration.txt 7.3.2 "unique-id": the transaction's id, generated on first use. */
registerFetch('unique-id', {
  type: 'str',
  layer: 'l4',
  minArgs: 0,
  maxArgs: 0,
  fetch: (c) => (isUidSource(c) ? c.uniqueIdValue() : undefined),
});

// --- variables --------------------------------------------------------------------------------

const factsOf = (c: SampleContext) => (c as FactsHolder).streamFacts;
const recOf = (c: SampleContext): Partial<TxRecord> | undefined =>
  c instanceof LogContext ? c.rec : undefined;

const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

/** A number from the record, '-' without one; +X prints it in hexadecimal where HAProxy does. */
function logNum(name: string, get: (r: Partial<TxRecord>) => number | undefined, layer: SampleLayer): void {
  registerFormatVar(
    name,
    (c) => {
      const r = recOf(c);
      const v = r && get(r);
      return v === undefined ? '-' : String(v);
    },
    { layer, logOnly: true },
  );
}

/** A value known from the start of the request (dates, counters). */
function streamVar(
  name: string,
  render: (s: StreamFacts, f: FormatFlags) => string,
  layer: SampleLayer,
): void {
  registerFormatVar(
    name,
    (c, f) => {
      const s = factsOf(c);
      return s ? render(s, f) : renderText(undefined, f);
    },
    layer,
  );
}

/** A text from the log line's context only. */
function logText(name: string, render: (c: LogContext, f: FormatFlags) => string, layer: SampleLayer): void {
  registerFormatVar(name, (c, f) => (c instanceof LogContext ? render(c, f) : renderText(undefined, f)), {
    layer,
    logOnly: true,
  });
}

// Timers (configuration.txt 8.4). Tq = Th + Ti + TR; Tu = Tt - Ti.
logNum('Th', (r) => r.tH, 'l4');
logNum('Ti', (r) => r.tI, 'l7');
logNum('TR', (r) => r.tR, 'l7');
logNum(
  'Tq',
  (r) => (r.tR === undefined || r.tR < 0 ? -1 : (r.tH ?? 0) + Math.max(r.tI ?? 0, 0) + r.tR),
  'l7',
);
logNum('Tw', (r) => r.tW, 'l4');
logNum('Tc', (r) => r.tC, 'l4');
logNum('Tr', (r) => r.tRs, 'l7');
logNum('Ta', (r) => r.tA, 'l7');
logNum('Tt', (r) => r.tT, 'l4');
logNum('Tu', (r) => (r.tT === undefined ? undefined : r.tT - Math.max(r.tI ?? 0, 0)), 'l4');
logNum('Td', (r) => r.tD, 'l4');
// Bytes and counts.
logNum('B', (r) => r.bytes, 'l4');
logNum('U', (r) => r.bytesIn, 'l4');
logNum('ac', (r) => r.actconn, 'l4');
logNum('fc', (r) => r.feconn, 'l4');
logNum('bc', (r) => r.beconn, 'l4');
logNum('sc', (r) => r.srvconn, 'l4');
logNum('sq', (r) => r.srvQueue, 'l4');
logNum('bq', (r) => r.beQueue, 'l4');
logText('rc', (c) => retriesField(c.rec), 'l4');
logText('lc', (c, f) => (f.hex ? hex4(c.logCount) : String(c.logCount)), 'l4');
logText('s', (c, f) => renderText(c.rec.server, f), 'l4');
// The termination state is printed as two (four with %tsc) raw characters, never quoted.
logText('ts', (c) => c.rec.term, 'l4');
logText('tsc', (c) => `${c.rec.term}${c.rec.cookie ?? '--'}`, 'l4');
/** No `capture cookie` in hapair: always empty, as HAProxy prints it without one. */
registerFormatVar('CC', (_c, f) => renderText(undefined, f), { layer: 'l7', logOnly: true });
registerFormatVar('CS', (_c, f) => renderText(undefined, f), { layer: 'l7', logOnly: true });
logText('r', (c, f) => renderUrlText(c.rec.requestLine ?? '<BADREQ>', f), 'l7');
logText('hr', (c, f) => renderCaptureBlock(c.reqCaptures, f), 'l4');
logText('hs', (c, f) => renderCaptureBlock(c.resCaptures, f), 'l4');
logText('hrl', (c, f) => renderCaptureList(c.reqCaptures, f), 'l4');
logText('hsl', (c, f) => renderCaptureList(c.resCaptures, f), 'l4');

/**
 * The server connection's addresses. Registered as HTTP-only: a `mode tcp`
 * session does not keep its server socket's addresses for the log line in
 * hapair, so a tcp log-format naming them is refused rather than printing '-'.
 */
function serverAddr(
  name: string,
  render: (a: NonNullable<TxRecord['serverAddrs']>, f: FormatFlags) => string,
) {
  logText(
    name,
    (c, f) => {
      const a = c.rec.serverAddrs;
      return a ? render(a, f) : renderText(undefined, f);
    },
    'l7',
  );
}
const ipBytes = (ip: string): Uint8Array | undefined => {
  const parts = ip.split('.');
  return parts.length === 4 ? Uint8Array.from(parts, Number) : undefined;
};
serverAddr('si', (a, f) => renderIp(a.si, f, f.hex ? ipBytes(a.si) : undefined));
serverAddr('sp', (a, f) => renderPort(a.sp, f));
serverAddr('bi', (a, f) => renderIp(a.bi, f, f.hex ? ipBytes(a.bi) : undefined));
serverAddr('bp', (a, f) => renderPort(a.bp, f));

// Dates: printed raw (HAProxy's date2str_log() and friends ignore +Q).
streamVar('t', (s) => logDate(s.acceptWall), 'l4');
streamVar('T', (s) => gmtDate(s.acceptWall), 'l4');
streamVar('Tl', (s) => localDate(s.acceptWall), 'l4');
streamVar('tr', (s) => logDate(s.startWall), 'l7');
streamVar('trg', (s) => gmtDate(s.startWall), 'l7');
streamVar('trl', (s) => localDate(s.startWall), 'l7');
streamVar(
  'Ts',
  (s, f) => {
    const sec = Math.floor(s.acceptWall / 1000);
    return f.hex ? hex4(sec) : String(sec);
  },
  'l4',
);
streamVar(
  'ms',
  (s, f) => {
    const ms = Math.floor(s.acceptWall) % 1000;
    return f.hex ? ms.toString(16).toUpperCase().padStart(2, '0') : String(ms).padStart(3, '0');
  },
  'l4',
);
streamVar('rt', (s, f) => (f.hex ? hex4(Math.max(s.reqId, 0)) : String(Math.max(s.reqId, 0))), 'l4');
/** %ID prints the id if it was generated (a log line generates it first); it never generates it itself. */
registerFormatVar('ID', (c, f) => renderText((c as FactsHolder).uniqueId, f), 'l4');
