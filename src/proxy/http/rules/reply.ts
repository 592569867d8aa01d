/**
 * Turns what the proxy answers by itself — a rule's reply, an error page —
 * into bytes, applying `http-after-response` rules on the way (HAProxy runs
 * them on every response, its own included). Without such rules and extra
 * headers an error page goes out exactly as stored (errorfile bytes untouched).
 */
import { setPersistence } from '../conn-mode.js';
import { DEFAULT_LIMITS, Method, type ResponseHead } from '../head.js';
import { addHeader, setHeader } from '../headers.js';
import { parseResponseHead } from '../parser.js';
import { serializeResponseHead } from '../serialize.js';
import { type CompiledRule, runRules } from './compile.js';
import type { HttpTxn } from './txn.js';
import type { RuleReply } from './types.js';

function newHead(status: number, reason: string, version: 10 | 11): ResponseHead {
  return {
    version: 11,
    headers: [],
    names: [],
    bodyKind: 'length',
    contentLength: 0,
    connection: 0,
    keepAlive: version === 11,
    upgrade: '',
    status,
    reason,
  };
}

export interface BuiltReply {
  readonly bytes: Buffer;
  readonly status: number;
}

/** Runs the after-response rule sets (backend's, then frontend's) on `head`; a reply from them is ignored. */
export function runAfterRules(
  sets: readonly (readonly CompiledRule[])[],
  txn: HttpTxn,
  head: ResponseHead,
): void {
  if (sets.length === 0) return;
  const saved = txn.resp;
  txn.resp = head;
  txn.status = head.status;
  // http-after-response has no reply action; `allow` only ends its own set.
  for (const rules of sets) runRules(rules, txn);
  txn.resp = saved;
}

/**
 * The bytes of `reply` (or of the error page `page` when the reply has no
 * body of its own). `keep` says whether the client connection stays open.
 */
export function buildReply(
  reply: RuleReply,
  page: () => Buffer,
  keep: boolean,
  clientVersion: 10 | 11,
  after: readonly (readonly CompiledRule[])[],
  txn: HttpTxn,
): BuiltReply {
  if (reply.body === undefined) {
    const stored = reply.raw ?? page();
    if (reply.headers.length === 0 && after.length === 0) return { bytes: stored, status: reply.status };
    const parsed = parseResponseHead(stored, 0, DEFAULT_LIMITS, Method.GET);
    if (parsed.kind !== 'done') return { bytes: stored, status: reply.status };
    const head = parsed.head;
    // An errorfile may carry its own challenge: the rule's replaces it (as HAProxy).
    for (const [n, v] of reply.headers) {
      if (n.toLowerCase() === 'www-authenticate') setHeader(head, n, v);
      else addHeader(head, n, v);
    }
    runAfterRules(after, txn, head);
    setPersistence(head, keep, clientVersion);
    const body = stored.subarray(parsed.consumed);
    return { bytes: Buffer.concat([serializeResponseHead(head), body]), status: head.status };
  }
  const head = newHead(reply.status, '', clientVersion);
  addHeader(head, 'content-length', String(reply.body.length));
  for (const [n, v] of reply.headers) addHeader(head, n, v);
  runAfterRules(after, txn, head);
  setPersistence(head, keep, clientVersion);
  return { bytes: Buffer.concat([serializeResponseHead(head), reply.body]), status: head.status };
}
