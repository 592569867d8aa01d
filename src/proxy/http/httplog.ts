/**
 * HAProxy's log lines for one HTTP transaction (configuration.txt 8.2.3
 * "HTTP log format", 8.2.2 "TCP log format"), byte-compatible except for the
 * timers' values:
 *
 *   %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc
 *   %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r
 *
 * and with `option tcplog`: %ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts
 * %ac/%fc/%bc/%sc/%rc %sq/%bq. These two fixed formats are the fast path;
 * `log-format` and `option httplog clf` go through the log-format compiler
 * (log-format.ts) and read the same records. Captured cookies (%CC %CS) are
 * always "-" (no `capture cookie` in this build). A sample recorded from
 * HAProxy 2.6 is in test/fixtures/http/haproxy-httplog.txt.
 */
import { renderCaptureBlock } from './captures.js';

/** The server connection's addresses: %si:%sp where it went, %bi:%bp where it came from. */
export interface ServerAddrs {
  readonly si: string;
  readonly sp: number;
  readonly bi: string;
  readonly bp: number;
}

/**
 * What every traffic log line reports (a `mode tcp` session or an HTTP
 * transaction). Timers are ms, -1 when the stage was not reached; they count
 * from the stream's start ("accept"): the connection's accept for its first
 * request, the end of the previous response for a keep-alive one
 * (configuration.txt 8.4).
 */
export interface TcpLogRecord {
  clientAddr: string;
  clientPort: number;
  /** Wall-clock ms of the stream's start (%t, %T, %Ts, %ms). */
  acceptWall: number;
  /** The global request counter (%rt): one number per HTTP request or TCP session. */
  reqId: number;
  frontend: string;
  /** Backend name; the frontend's name when none was chosen. */
  backend: string;
  /** Server name or "<NOSRV>". */
  server: string;
  /** Handshakes (TLS, PROXY protocol) before the first request; 0 afterwards. */
  tH: number;
  tW: number;
  tC: number;
  /** Total time, from the start to the end (%Tt). */
  tT: number;
  /** Data transfer time (%Td). */
  tD: number;
  /** Bytes sent to the client (%B) and received from it (%U). */
  bytes: number;
  bytesIn: number;
  /** Two letters of the termination state, e.g. "--", "PR", "sH". */
  term: string;
  actconn: number;
  feconn: number;
  beconn: number;
  srvconn: number;
  retries: number;
  redispatched: boolean;
  srvQueue: number;
  beQueue: number;
  /** Known when a log-format asked for them (%si %sp %bi %bp). */
  serverAddrs?: ServerAddrs | undefined;
}

/** An HTTP transaction's record: the TCP fields plus the request's. */
export interface TxRecord extends TcpLogRecord {
  /** Wall-clock ms of the request's first byte (%tr). */
  startWall: number;
  /** Idle time before the first byte of the request (%Ti). */
  tI: number;
  tR: number;
  tRs: number;
  tA: number;
  status: number;
  /** Persistence cookie flags: request cookie (N, V, D, I) and Set-Cookie (N, I, R, D, P). */
  cookie: string;
  /** The request line, or "<BADREQ>" when the request could not be parsed. */
  requestLine: string;
  /** `capture request header` values in declaration order; absent without a parsed request. */
  reqCaptures?: readonly (string | undefined)[] | undefined;
  resCaptures?: readonly (string | undefined)[] | undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `dd/Mon/yyyy:HH:MM:SS.mmm` in local time (HAProxy's %t, %tr). */
export function logDate(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

/** `dd/Mon/yyyy:HH:MM:SS +0000` (gmt2str_log(): %T, %trg). */
export function gmtDate(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}

/** `dd/Mon/yyyy:HH:MM:SS +hhmm` in local time with its offset (localdate2str_log(): %Tl, %trl). */
export function localDate(ms: number): string {
  const d = new Date(ms);
  const east = -d.getTimezoneOffset();
  const off = Math.abs(east);
  return (
    `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ` +
    `${east < 0 ? '-' : '+'}${pad(Math.floor(off / 60))}${pad(off % 60)}`
  );
}

const hex2 = (c: number) => c.toString(16).toUpperCase().padStart(2, '0');

/**
 * %r: the request line, '"', '#', control and non-ASCII bytes written as
 * '#' and two hex digits (url_encode_map in HAProxy's log.c).
 */
export function encodeRequestLine(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x23) continue;
    out += `${s.slice(from, i)}#${hex2(c)}`;
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

/** `retries`, with '+' when the request was redispatched (%rc). */
export function retriesField(r: TcpLogRecord): string {
  return r.redispatched ? `+${r.retries}` : String(r.retries);
}

function counters(r: TcpLogRecord): string {
  return `${r.actconn}/${r.feconn}/${r.beconn}/${r.srvconn}/${retriesField(r)} ${r.srvQueue}/${r.beQueue}`;
}

const NO_FLAGS = { quote: false, hex: false, escape: false, mandatory: false, http: false } as const;

/** " {a|b}" for %hr (and %hs), nothing when the frontend captures no header of that side. */
function captureField(values: readonly (string | undefined)[] | undefined): string {
  const block = renderCaptureBlock(values, NO_FLAGS);
  return block === '' ? '' : ` ${block}`;
}

/** The `option httplog` line. */
export function httpLogLine(r: TxRecord): string {
  return (
    `${r.clientAddr}:${r.clientPort} [${logDate(r.startWall)}] ${r.frontend} ${r.backend}/${r.server} ` +
    `${r.tR}/${r.tW}/${r.tC}/${r.tRs}/${r.tA} ${r.status} ${r.bytes} - - ${r.term}${r.cookie} ` +
    `${counters(r)}${captureField(r.reqCaptures)}${captureField(r.resCaptures)} ` +
    `"${encodeRequestLine(r.requestLine)}"`
  );
}

/** The `option tcplog` line (Tt is the total time: the transaction's, or the whole session's in mode tcp). */
export function tcpLogLine(r: TcpLogRecord): string {
  return (
    `${r.clientAddr}:${r.clientPort} [${logDate(r.acceptWall)}] ${r.frontend} ${r.backend}/${r.server} ` +
    `${r.tW}/${r.tC}/${r.tT} ${r.bytes} ${r.term} ${counters(r)}`
  );
}
