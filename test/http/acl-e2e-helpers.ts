/**
 * Shared pieces of the end-to-end ACL, fetch, matcher and auth tests: a
 * one-request exchange on a fresh client connection, field lookup in what
 * the server received, and the first ConfigError of a start that must fail.
 */
import assert from 'node:assert/strict';
import { ConfigError, ConfigErrors } from '../../src/core/errors.js';
import { type MessageHead, Method, type MethodId } from '../../src/proxy/http/head.js';
import { startText, type TextSetup } from './rules-helpers.js';
import { RawClient, type Response } from './servers.js';

export const DEFAULTS = `
defaults
  mode http
  timeout connect 2s
  timeout client 5s
  timeout server 5s
`;

/** Sends one raw request on a new connection and reads the answer. */
export async function exchange(port: number, raw: string, method: MethodId = Method.GET) {
  const c = new RawClient(port);
  try {
    c.send(raw);
    return await c.response(method);
  } finally {
    c.close();
  }
}

/** Every value of field `name` (case-insensitive) in a parsed head, in order. */
export function fieldValues(head: MessageHead | undefined, name: string): string[] {
  if (!head) return [];
  const lname = name.toLowerCase();
  const out: string[] = [];
  head.names.forEach((n, i) => {
    if (n === lname) out.push(head.headers[2 * i + 1]!);
  });
  return out;
}

/** The single value of field `name`, or undefined when absent; fails when it appears several times. */
export function field(head: MessageHead | undefined, name: string): string | undefined {
  const v = fieldValues(head, name);
  assert.ok(v.length <= 1, `${name} appears ${v.length} times`);
  return v[0];
}

export function responseField(res: Response | undefined, name: string): string | undefined {
  return field(res?.head, name);
}

/** Starts `text`, which must fail; returns the first configuration error. */
export async function startError(text: string, files: Readonly<Record<string, string>> = {}) {
  let started: TextSetup | undefined;
  try {
    started = await startText(text, ['s1'], files);
  } catch (e) {
    const first = e instanceof ConfigErrors ? e.errors[0] : e;
    assert.ok(first instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return first;
  }
  await started.close();
  return assert.fail('the configuration started');
}

/** 1-based line of the first line of `text` containing `needle` (for file:line checks). */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `'${needle}' is not in the configuration`);
  return i + 1;
}
