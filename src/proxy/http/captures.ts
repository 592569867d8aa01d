/**
 * `capture request header <name> len <n>` and `capture response header …`
 * (configuration.txt 4.2): the value of the last occurrence of each named
 * header, cut to `len` bytes, kept per transaction in declaration order.
 * HAProxy takes them as soon as the head is parsed, before any
 * http-request / http-response rule (http_ana.c http_wait_for_request()
 * and http_wait_for_response()), so rules that rewrite a header do not
 * change what is logged.
 *
 * They print in log lines as `{a|b}` (%hr, %hs) or one field each (%hrl,
 * %hsl), and the `capture.req.hdr(N)` / `capture.res.hdr(N)` fetches read
 * them.
 */
import type { ProxyConfig } from '../../config/haproxy/model.js';
import { registerFetch } from '../acl/registry.js';
import type { SampleContext } from '../acl/types.js';
import type { FormatFlags } from '../sample/format-render.js';
import type { MessageHead } from './head.js';

export interface CaptureSpec {
  readonly lname: string;
  readonly len: number;
}

export interface CaptureSet {
  readonly req: readonly CaptureSpec[];
  readonly res: readonly CaptureSpec[];
}

/** What a context holding captures exposes (an HTTP transaction, a log line). */
export interface CaptureHolder {
  readonly reqCaptures: readonly (string | undefined)[] | undefined;
  readonly resCaptures: readonly (string | undefined)[] | undefined;
}

const sets = new WeakMap<ProxyConfig, CaptureSet>();

/** The frontend's captures, by side, in declaration order (HAProxy's cap_hdr index). */
export function capturesOf(p: ProxyConfig): CaptureSet {
  let set = sets.get(p);
  if (!set) {
    const spec = (side: 'request' | 'response') =>
      p.captures.filter((c) => c.side === side).map((c) => ({ lname: c.header.toLowerCase(), len: c.len }));
    set = Object.freeze({ req: spec('request'), res: spec('response') });
    sets.set(p, set);
  }
  return set;
}

/** Fills `out` (one slot per spec) from `head`; a later occurrence replaces an earlier one. */
export function captureHeaders(
  head: MessageHead,
  specs: readonly CaptureSpec[],
  out: (string | undefined)[],
): void {
  out.length = specs.length;
  if (specs.length === 0) return;
  out.fill(undefined);
  const names = head.names;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    for (let j = 0; j < specs.length; j++) {
      const s = specs[j]!;
      if (s.lname === name) out[j] = head.headers[2 * i + 1]!.slice(0, s.len);
    }
  }
}

const hex2 = (c: number) => c.toString(16).toUpperCase().padStart(2, '0');

/**
 * A captured value in a log line: control and non-ASCII bytes and
 * '"', '#', '{', '|', '}' become '#' and two hex digits (hdr_encode_map);
 * with +E, '\' and ']' are escaped with '\' (lf_encode_string()).
 */
export function encodeCapture(s: string, backslash: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x23 || c === 0x7b || c === 0x7c || c === 0x7d)
      out += `#${hex2(c)}`;
    else if (backslash && (c === 0x5c || c === 0x5d)) out += `\\${s[i]}`;
    else out += s[i];
  }
  return out;
}

/** %hr / %hs: `{a|b}` (quoted with +Q); nothing when the frontend captures nothing on that side. */
export function renderCaptureBlock(
  values: readonly (string | undefined)[] | undefined,
  f: FormatFlags,
): string {
  if (!values || values.length === 0) return '';
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += '|';
    const v = values[i];
    if (v !== undefined) out += encodeCapture(v, f.escape);
  }
  out += '}';
  return f.quote ? `"${out}"` : out;
}

/** %hrl / %hsl: one field per capture, '-' for a header not seen (`""` with +Q). */
export function renderCaptureList(
  values: readonly (string | undefined)[] | undefined,
  f: FormatFlags,
): string {
  if (!values || values.length === 0) return '';
  const parts: string[] = [];
  for (const v of values) {
    const body = v !== undefined ? encodeCapture(v, f.escape) : f.quote ? '' : '-';
    parts.push(f.quote ? `"${body}"` : body);
  }
  return parts.join(' ');
}

function capturesIn(c: SampleContext): Partial<CaptureHolder> {
  return c as Partial<CaptureHolder>;
}

function checkIndex(a: readonly string[]): string | undefined {
  return /^\d+$/.test(a[0] ?? '') ? undefined : `capture index '${a[0]}' is not a non-negative integer`;
}

/** configuration.txt 7.3.6 "capture.req.hdr(<idx>)": the idx-th request header capture, from 0. */
registerFetch('capture.req.hdr', {
  type: 'str',
  layer: 'l7',
  minArgs: 1,
  maxArgs: 1,
  checkArgs: checkIndex,
  fetch: (c, a) => capturesIn(c).reqCaptures?.[Number(a[0])],
});

registerFetch('capture.res.hdr', {
  type: 'str',
  layer: 'l7',
  minArgs: 1,
  maxArgs: 1,
  needsResponse: true,
  checkArgs: checkIndex,
  fetch: (c, a) => capturesIn(c).resCaptures?.[Number(a[0])],
});
