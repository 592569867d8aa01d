/**
 * Traffic counters for frontends, backends and servers: the figures HAProxy
 * reports in `show stat` (management.txt 9.1). Plain number fields updated in
 * place; rates use FreqCounter; averages use HAProxy's sliding-window sum
 * (freq_ctr.h swrate_add_dynamic / swrate_avg). One class serves the three
 * object kinds; stats.ts picks the fields each kind reports.
 */
import { FreqCounter } from './rate.js';

/** HAProxy averages times over the last TIME_STATS_SAMPLES samples (defaults.h). */
const TIME_STATS_SAMPLES = 512;

export class SlidingAvg {
  private sum = 0;
  private samples = 0;
  max = 0;

  add(v: number): void {
    this.samples++;
    const n = Math.min(this.samples, TIME_STATS_SAMPLES);
    this.sum = this.sum - Math.floor((this.sum + n - 1) / n) + v;
    if (v > this.max) this.max = v;
  }

  get avg(): number {
    const n = Math.min(this.samples, TIME_STATS_SAMPLES);
    return n === 0 ? 0 : Math.floor((this.sum + n - 1) / n);
  }
}

export class ProxyCounters {
  /** Highest concurrent sessions seen. */
  smax = 0;
  /** Cumulative sessions (frontend: after handshakes; server: connection attempts, as HAProxy). */
  stot = 0;
  /** Cumulative accepted connections (frontend `conn_tot`). */
  connTot = 0;
  /** Bytes from the client side / to the client side. */
  bytesIn = 0;
  bytesOut = 0;
  /** Requests denied by rules (`dreq`) and connections denied by `tcp-request connection` (`dcon`). */
  deniedReq = 0;
  deniedResp = 0;
  deniedConn = 0;
  deniedSess = 0;
  /** Request errors (`ereq`). */
  failedReq = 0;
  /** Connection errors to servers (`econ`): failed connects, queue timeouts, no server. */
  failedConns = 0;
  /** Response errors (`eresp`), srv_abrt included. */
  failedResp = 0;
  /** Retries on the same server (`wretr`) and redispatches (`wredis`). */
  retries = 0;
  redispatches = 0;
  /** Data transfers aborted by the client / by the server. */
  cliAborts = 0;
  srvAborts = 0;
  /** Times this server (or a server of this backend) was picked by the balancer. */
  lbtot = 0;
  /** Connection establishment attempts. */
  connect = 0;
  /** Internal errors (`eint`). */
  internalErrors = 0;
  /** Highest queue length seen. */
  qmax = 0;
  /** Failed health checks and UP→DOWN transitions (filled by the check runner through the engine). */
  chkfail = 0;
  chkdown = 0;
  /** Wall-clock ms of the last session (lastsess), 0 if none. */
  lastSess = 0;
  readonly sessRate = new FreqCounter();
  sessRateMax = 0;
  readonly connRate = new FreqCounter();
  connRateMax = 0;
  /** HTTP requests (`req_tot`) and their rate (`req_rate`, frontends only). */
  reqTot = 0;
  readonly reqRate = new FreqCounter();
  reqRateMax = 0;
  /** HTTP responses by status class: [other, 1xx, 2xx, 3xx, 4xx, 5xx] (`hrsp_*`). */
  readonly hrsp = [0, 0, 0, 0, 0, 0];
  /** Requests answered by the proxy itself: stats, monitor, redirect, return (`intercepted`). */
  intercepted = 0;
  /** Header or request-line rewrites that failed (`wrew`). */
  failedRewrites = 0;
  readonly qtime = new SlidingAvg();
  readonly ctime = new SlidingAvg();
  readonly ttime = new SlidingAvg();

  /** Counts one new session at `now` (monotonic ms) and wall time `wall`. */
  countSession(now: number, wall: number): void {
    this.stot++;
    this.lastSess = wall;
    const cur = this.sessRate.add(now);
    if (cur > this.sessRateMax) this.sessRateMax = cur;
  }

  countConnection(now: number): void {
    this.connTot++;
    const cur = this.connRate.add(now);
    if (cur > this.connRateMax) this.connRateMax = cur;
  }

  /** One HTTP request received; `rate` for the frontend, whose row reports req_rate. */
  countHttpRequest(now: number, rate: boolean): void {
    this.reqTot++;
    if (!rate) return;
    const cur = this.reqRate.add(now);
    if (cur > this.reqRateMax) this.reqRateMax = cur;
  }

  /** One HTTP response with `status` (stream.c: classes 1 to 5, anything else "other"). */
  countHttpStatus(status: number): void {
    const n = Math.floor(status / 100);
    this.hrsp[n >= 1 && n <= 5 ? n : 0]!++;
  }

  noteConcurrent(cur: number): void {
    if (cur > this.smax) this.smax = cur;
  }

  noteQueue(len: number): void {
    if (len > this.qmax) this.qmax = len;
  }
}
