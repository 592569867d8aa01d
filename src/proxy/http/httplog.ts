/**
 * HAProxy's log lines for one HTTP transaction (configuration.txt 8.2.3
 * "HTTP log format", 8.2.2 "TCP log format"), byte-compatible except for the
 * timers' values:
 *
 *   %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc
 *   %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}r
 *
 * and with `option tcplog`: %ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts
 * %ac/%fc/%bc/%sc/%rc %sq/%bq. Captured cookies (%CC %CS) are always "-"
 * (no `capture cookie` in this build). A sample recorded from HAProxy 2.6 is
 * in test/fixtures/http/haproxy-httplog.txt.
 */

/** What a transaction's log line reports. Timers are ms, -1 when not reached. */
export interface TxRecord {
  clientAddr: string;
  clientPort: number;
  /** Wall-clock ms when the request started (accept, or the first byte of a keep-alive request). */
  startWall: number;
  frontend: string;
  /** Backend name; the frontend's name when none was chosen. */
  backend: string;
  /** Server name or "<NOSRV>". */
  server: string;
  tR: number;
  tW: number;
  tC: number;
  tRs: number;
  tA: number;
  status: number;
  bytes: number;
  /** Two letters of the termination state, e.g. "--", "PR", "sH". */
  term: string;
  /** Persistence cookie flags: request cookie (N, V, D, I) and Set-Cookie (N, I, R, D, P). */
  cookie: string;
  actconn: number;
  feconn: number;
  beconn: number;
  srvconn: number;
  retries: number;
  redispatched: boolean;
  srvQueue: number;
  beQueue: number;
  /** The request line, or "<BADREQ>" when the request could not be parsed. */
  requestLine: string;
}

/** What the `option tcplog` line reads, so `mode tcp` sessions (tcp/tcplog.ts) can fill it too. */
export type TcpLogRecord = Pick<
  TxRecord,
  | 'clientAddr'
  | 'clientPort'
  | 'startWall'
  | 'frontend'
  | 'backend'
  | 'server'
  | 'tW'
  | 'tC'
  | 'tA'
  | 'bytes'
  | 'term'
  | 'actconn'
  | 'feconn'
  | 'beconn'
  | 'srvconn'
  | 'retries'
  | 'redispatched'
  | 'srvQueue'
  | 'beQueue'
>;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `dd/Mon/yyyy:HH:MM:SS.mmm` in local time (HAProxy's %tr). */
export function logDate(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

/** %{+Q}r: the request line in double quotes, quotes inside escaped as HAProxy does (\"). */
function quoted(s: string): string {
  return `"${s.replace(/"/g, '\\"')}"`;
}

function counters(r: TcpLogRecord): string {
  const rc = r.redispatched ? `+${r.retries}` : String(r.retries);
  return `${r.actconn}/${r.feconn}/${r.beconn}/${r.srvconn}/${rc} ${r.srvQueue}/${r.beQueue}`;
}

/** The `option httplog` line. */
export function httpLogLine(r: TxRecord): string {
  return (
    `${r.clientAddr}:${r.clientPort} [${logDate(r.startWall)}] ${r.frontend} ${r.backend}/${r.server} ` +
    `${r.tR}/${r.tW}/${r.tC}/${r.tRs}/${r.tA} ${r.status} ${r.bytes} - - ${r.term}${r.cookie} ` +
    `${counters(r)} ${quoted(r.requestLine)}`
  );
}

/** The `option tcplog` line (Tt is the total time: the transaction's, or the whole session's in mode tcp). */
export function tcpLogLine(r: TcpLogRecord): string {
  return (
    `${r.clientAddr}:${r.clientPort} [${logDate(r.startWall)}] ${r.frontend} ${r.backend}/${r.server} ` +
    `${r.tW}/${r.tC}/${r.tA} ${r.bytes} ${r.term} ${counters(r)}`
  );
}
