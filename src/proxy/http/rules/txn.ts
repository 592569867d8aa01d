/**
 * One HTTP transaction as rules, conditions and sample fetches see it
 * (RuleTx and HttpSample). The stream keeps one object per client connection
 * and resets it for each request, so evaluating rules allocates nothing per
 * transaction besides what actions produce.
 *
 * Stick counters: slots tracked by `tcp-request connection track-scN` belong
 * to the session and stay for every request; slots filled by `http-request
 * track-scN` belong to the transaction and are released when it ends (each
 * HTTP request is its own stream in HAProxy).
 *
 * Log data that rules and the log line share also lives here: the header
 * captures (taken when each head is parsed, before any rule runs) and the
 * unique id, generated once, when first needed (log-format.ts).
 */
import type { ProxyConfig } from '../../../config/haproxy/model.js';
import type { ConnInfo, HttpSample, SampleValue, TlsInfo } from '../../acl/types.js';
import type { FormatFn } from '../../sample/types.js';
import { VarStore } from '../../sample/vars.js';
import type { TrackedEntry } from '../../stick/types.js';
import { type CaptureHolder, type CaptureSet, captureHeaders, capturesOf } from '../captures.js';
import { isFieldValue } from '../chars.js';
import type { RequestHead, ResponseHead } from '../head.js';
import { addHeader } from '../headers.js';
import { logFormatsOf, type StreamFacts, type UniqueIdSource } from '../log-format.js';
import type { RuleTx } from './types.js';

type Releasable = TrackedEntry & { release(now: number): void };

/** The session side: its addresses, its TLS state, and its own stick counters. */
export interface TxnOwner {
  readonly conn: ConnInfo;
  readonly tls?: TlsInfo | undefined;
  /** Slots tracked for the whole session (`tcp-request connection track-scN`), if any. */
  readonly sc?: readonly (TrackedEntry | undefined)[] | undefined;
  /** The frontend: its header captures and unique-id settings. */
  readonly frontend?: { readonly cfg: ProxyConfig };
}

const NO_CAPTURES: CaptureSet = Object.freeze({ req: [], res: [] });

export class HttpTxn implements RuleTx, HttpSample, CaptureHolder, UniqueIdSource {
  readonly vars: VarStore;
  readonly frontend: string;
  backend: string | undefined;
  now = 0;
  req!: RequestHead;
  resp: ResponseHead | undefined;
  status = 0;
  /** Reason given by `set-status … reason`, '' = the standard phrase. */
  reason = '';
  readonly sc: (TrackedEntry | undefined)[] = [undefined, undefined, undefined];
  /** `capture request/response header` values of this transaction, in declaration order. */
  readonly reqCaptures: (string | undefined)[] = [];
  readonly resCaptures: (string | undefined)[] = [];
  /** The unique id once generated (%ID, `unique-id`). */
  uniqueId: string | undefined;
  /** Dates and request counter of the transaction (the stream's TxLog), for %t, %Ts, %rt …. */
  streamFacts: StreamFacts | undefined;
  private readonly owned: Releasable[] = [];
  private readonly ownedSlot: number[] = [];
  private readonly owner: TxnOwner;
  private readonly captures: CaptureSet;
  private readonly uidFormat: FormatFn | undefined;
  private readonly uidHeader: string | undefined;

  constructor(owner: TxnOwner, frontend: string) {
    this.owner = owner;
    this.frontend = frontend;
    this.vars = new VarStore(new Map<string, SampleValue>());
    const fe = owner.frontend?.cfg;
    this.captures = fe ? capturesOf(fe) : NO_CAPTURES;
    const lf = fe ? logFormatsOf(fe) : undefined;
    this.uidFormat = lf?.uniqueId;
    this.uidHeader = lf?.uniqueIdHeader;
  }

  get conn(): ConnInfo {
    return this.owner.conn;
  }

  get tls(): TlsInfo | undefined {
    return this.owner.tls;
  }

  get http(): HttpSample {
    return this;
  }

  /** A new request: counts it on the session's tracked entries, captures its headers. */
  begin(req: RequestHead, now: number): void {
    this.req = req;
    this.resp = undefined;
    this.status = 0;
    this.reason = '';
    this.backend = undefined;
    this.now = now;
    this.uniqueId = undefined;
    captureHeaders(req, this.captures.req, this.reqCaptures);
    this.resCaptures.length = this.captures.res.length;
    this.resCaptures.fill(undefined);
    const s = this.owner.sc;
    for (let i = 0; i < 3; i++) {
      const e = s?.[i];
      this.sc[i] = e;
      e?.countHttpRequest(now);
    }
  }

  track(slot: number, entry: Releasable): boolean {
    // HAProxy checks the stream's own slot only: a request-level tracker
    // shadows the session's entry in the same slot for this transaction.
    if (slot < 0 || slot > 2 || this.ownedSlot.includes(slot)) return false;
    this.sc[slot] = entry;
    this.owned.push(entry);
    this.ownedSlot.push(slot);
    entry.countHttpRequest(this.now);
    return true;
  }

  /** A final (or 101) response head arrived: `capture response header`, before the http-response rules. */
  captureResponse(head: ResponseHead): void {
    captureHeaders(head, this.captures.res, this.resCaptures);
  }

  /** The id from the frontend's unique-id-format, generated on first use (stream_generate_unique_id()). */
  uniqueIdValue(): string | undefined {
    if (this.uniqueId === undefined && this.uidFormat) {
      // '' while it is built: a format that reads %[unique-id] itself gets nothing, not a loop.
      this.uniqueId = '';
      this.uniqueId = this.uidFormat(this);
    }
    return this.uniqueId;
  }

  /**
   * Request processing is over (http_process_request() step 8): the id is
   * generated now if the frontend has a unique-id-format, and added to the
   * request as `unique-id-header` when one is named.
   */
  addUniqueIdHeader(): void {
    const id = this.uniqueIdValue();
    if (id === undefined || this.uidHeader === undefined) return;
    const v = id.replace(/^[ \t]+|[ \t]+$/g, '');
    if (isFieldValue(v)) addHeader(this.req, this.uidHeader, v);
  }

  setStatus(status: number, reason: string | undefined): void {
    this.status = status;
    this.reason = reason ?? '';
    if (this.resp) {
      this.resp.status = status;
      this.resp.reason = reason ?? '';
    }
  }

  /**
   * The transaction is over with `status` sent to the client: 4xx answers
   * other than 401/407 count as HTTP errors on every tracked entry; the
   * transaction's own trackers are released and its variables dropped.
   */
  end(status: number, now: number): void {
    if (status >= 400 && status < 500 && status !== 401 && status !== 407) {
      for (const e of this.sc) e?.countHttpError(now);
    }
    for (const e of this.owned) e.release(now);
    this.owned.length = 0;
    this.ownedSlot.length = 0;
    this.sc.fill(undefined);
    this.vars.endTransaction();
  }
}
