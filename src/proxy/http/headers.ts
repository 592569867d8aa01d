/**
 * Header helpers on the compact head (head.ts): lookup, add, set, delete. The
 * rules engine (http-request/http-response set-header, del-header …) uses them.
 * They keep `headers` and `names` in step; they do not recompute the derived
 * framing fields (bodyKind, contentLength, keepAlive …), which is why HAProxy
 * refuses rules that rewrite Content-Length, Transfer-Encoding or Connection
 * (`is_immutable_header()` in include/haproxy/http.h) — the rules engine must too.
 */
import { isFieldValue, isToken } from './chars.js';
import type { MessageHead } from './head.js';

/** Index of the first field named `lname` (lower-case), or -1. */
export function findHeader(head: MessageHead, lname: string, from = 0): number {
  const names = head.names;
  for (let i = from; i < names.length; i++) if (names[i] === lname) return i;
  return -1;
}

/** Value of the first field named `lname` (lower-case), or undefined. */
export function getHeader(head: MessageHead, lname: string): string | undefined {
  const i = findHeader(head, lname);
  return i < 0 ? undefined : head.headers[2 * i + 1];
}

/** Every value of the fields named `lname`, in order. */
export function getHeaderValues(head: MessageHead, lname: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < head.names.length; i++) if (head.names[i] === lname) out.push(head.headers[2 * i + 1]!);
  return out;
}

/** Removes the field at index `i`. */
export function removeHeaderAt(head: MessageHead, i: number): void {
  head.names.splice(i, 1);
  head.headers.splice(2 * i, 2);
}

/** Removes every field named `lname`; returns how many were removed. */
export function deleteHeader(head: MessageHead, lname: string): number {
  let removed = 0;
  for (let i = head.names.length - 1; i >= 0; i--) {
    if (head.names[i] === lname) {
      removeHeaderAt(head, i);
      removed++;
    }
  }
  return removed;
}

function checkField(name: string, value: string): void {
  // A programming error, not input: configured names and values are validated
  // with isToken()/isFieldValue() when the configuration is loaded.
  if (!isToken(name)) throw new RangeError(`invalid header name ${JSON.stringify(name)}`);
  if (!isFieldValue(value)) throw new RangeError(`invalid value for header ${name}`);
}

/** Appends a field (http-request add-header). */
export function addHeader(head: MessageHead, name: string, value: string): void {
  checkField(name, value);
  head.headers.push(name, value);
  head.names.push(name.toLowerCase());
}

/**
 * Replaces every field named `name` by one field with `value`, at the place of
 * the first one, or appends it (http-request set-header).
 */
export function setHeader(head: MessageHead, name: string, value: string): void {
  checkField(name, value);
  const lname = name.toLowerCase();
  const first = findHeader(head, lname);
  if (first < 0) {
    head.headers.push(name, value);
    head.names.push(lname);
    return;
  }
  head.headers[2 * first] = name;
  head.headers[2 * first + 1] = value;
  for (let i = head.names.length - 1; i > first; i--) if (head.names[i] === lname) removeHeaderAt(head, i);
}
