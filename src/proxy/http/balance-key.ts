/**
 * The bytes the layer-7 hash algorithms hash (configuration.txt 4 "balance"),
 * extracted as HAProxy 2.6's backend.c does: get_server_uh() for `uri`,
 * get_server_ph() for `url_param`, get_server_hh() for `hdr`. Undefined means
 * "no key": the balancer then falls back to round robin, as assign_server().
 * `url_param … check_post` looks in the query string only: the body is
 * streamed, never buffered, so a parameter only present in a POST body is not
 * seen and the request is balanced round robin.
 */
import type { BalanceConfig } from '../../config/haproxy/model.js';
import type { RequestHead } from './head.js';
import { getHeader } from './headers.js';

const SLASH = 0x2f;
const QUESTION = 0x3f;

/** get_server_uh(): the URI (or its path), cut at '?' unless `whole`, at `len` chars, and after `depth` directories. */
function uriKey(head: RequestHead, b: Extract<BalanceConfig, { algorithm: 'uri' }>): Buffer {
  const uri = b.pathOnly ? head.path : head.target;
  const bytes = Buffer.from(uri, 'latin1');
  const n = b.len > 0 ? Math.min(b.len, bytes.length) : bytes.length;
  let end = 0;
  let slashes = 0;
  for (; end < n; end++) {
    const c = bytes[end];
    if (c === SLASH) {
      slashes++;
      // `depth N` keeps N directory levels: the key stops at the (N+1)th slash.
      if (b.depth > 0 && slashes === b.depth + 1) break;
    } else if (c === QUESTION && !b.whole) break;
  }
  return bytes.subarray(0, end);
}

/** get_server_ph(): the value of the first `name=` parameter of the query string, up to '&'. */
function urlParamKey(head: RequestHead, name: string): Buffer | undefined {
  const t = head.target;
  const q = t.indexOf('?');
  if (q < 0) return undefined;
  for (const part of t.slice(q + 1).split('&')) {
    if (part.length > name.length && part.startsWith(name) && part[name.length] === '=') {
      return Buffer.from(part.slice(name.length + 1), 'latin1');
    }
  }
  return undefined;
}

/**
 * get_server_hh(): the first value of the header, or with `use_domain_only`
 * the label before the last dot ("example" in "www.example.com").
 */
function hdrKey(head: RequestHead, name: string, domainOnly: boolean): Buffer | undefined {
  const raw = getHeader(head, name.toLowerCase());
  if (raw === undefined) return undefined;
  const comma = raw.indexOf(',');
  const v = (comma >= 0 ? raw.slice(0, comma) : raw).trim();
  if (v === '') return undefined;
  if (!domainOnly) return Buffer.from(v, 'latin1');
  const last = v.lastIndexOf('.');
  if (last < 0) return Buffer.from(v, 'latin1');
  const prev = v.lastIndexOf('.', last - 1);
  return Buffer.from(v.slice(prev + 1, last), 'latin1');
}

/** The hash key of a request for the backend's algorithm, or undefined (no key / not a layer-7 hash). */
export function balanceKey(head: RequestHead, b: BalanceConfig): Uint8Array | undefined {
  switch (b.algorithm) {
    case 'uri':
      return uriKey(head, b);
    case 'url_param':
      return urlParamKey(head, b.param);
    case 'hdr':
      return hdrKey(head, b.header, b.useDomainOnly);
    default:
      return undefined;
  }
}
