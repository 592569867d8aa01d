/**
 * Actions that end a rule set or answer in place of the server
 * (configuration.txt 4.3): `allow`, `deny [deny_status N]`, `return`,
 * `redirect location|prefix|scheme`, and `set-status` on responses. The
 * reply forms shared by `deny` and `return`:
 *
 *   [status <code>] [content-type <type>]
 *   [default-errorfiles | errorfile <file> | errorfiles <name> |
 *    file <file> | lf-file <file> | string <str> | lf-string <fmt>]
 *   [hdr <name> <fmt>]*
 *
 * Files are read when the configuration is loaded, as HAProxy does.
 */
import { readFileSync } from 'node:fs';
import type { Rule } from '../../../config/haproxy/model.js';
import { ConfigCode, ConfigError } from '../../../core/errors.js';
import type { FormatFn } from '../../sample/types.js';
import { isFieldValue, isToken } from '../chars.js';
import { getHeader } from '../headers.js';
import { type ActionEnv, type ActionRun, type RuleFamily, type RuleReply, registerAction } from './types.js';
import { pathAndQuery, pathOnly } from './uri.js';

function bad(rule: Rule, reason: string): ConfigError {
  return new ConfigError(ConfigCode.BadArgs, rule.loc, rule.family, `'${rule.action}': ${reason}`);
}

function statusArg(rule: Rule, text: string | undefined, min: number, max: number): number {
  const n = Number(text);
  if (text === undefined || !/^\d{3}$/.test(text) || n < min || n > max) {
    throw bad(rule, `invalid status code '${text ?? ''}' (expects ${min} to ${max})`);
  }
  return n;
}

function readFile(rule: Rule, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigError(
      ConfigCode.Io,
      rule.loc,
      rule.family,
      `cannot read '${path}': ${(e as Error).message}`,
    );
  }
}

type Payload =
  | { readonly kind: 'default' }
  | { readonly kind: 'raw'; readonly bytes: Buffer | undefined }
  | { readonly kind: 'body'; readonly bytes: Buffer }
  | { readonly kind: 'format'; readonly fmt: FormatFn };

/** Compiles the reply words from `from` on; `status` is the action's default. */
function compileReply(rule: Rule, env: ActionEnv, from: number, status: number, denied: boolean): ActionRun {
  const a = rule.args;
  let contentType: string | undefined;
  let payload = { kind: 'default' } as Payload;
  let payloadWord: string | undefined;
  const hdrs: [string, FormatFn][] = [];
  for (let i = from; i < a.length; i++) {
    const w = a[i]!;
    const v = a[i + 1];
    const needValue = () => {
      if (v === undefined) throw bad(rule, `'${w}' expects a value`);
      i++;
      return v;
    };
    const setPayload = (p: Payload) => {
      if (payloadWord !== undefined) throw bad(rule, `'${w}' and '${payloadWord}' exclude each other`);
      payloadWord = w;
      payload = p;
    };
    switch (w) {
      case 'status':
      case 'deny_status':
        status = statusArg(rule, needValue(), 200, 599);
        break;
      case 'content-type':
        contentType = needValue();
        if (!isFieldValue(contentType)) throw bad(rule, `invalid content-type '${contentType}'`);
        break;
      case 'default-errorfiles':
        setPayload({ kind: 'default' });
        break;
      case 'errorfile':
        setPayload({ kind: 'raw', bytes: readFile(rule, needValue()) });
        break;
      case 'errorfiles': {
        const name = needValue();
        const section = env.config.httpErrors.find((h) => h.name === name);
        if (!section) {
          throw new ConfigError(
            ConfigCode.UnknownRef,
            rule.loc,
            rule.family,
            `unknown http-errors section '${name}'`,
          );
        }
        // Resolved when the status is final (after every word is read).
        setPayload({ kind: 'raw', bytes: undefined });
        payloadWord = `errorfiles ${name}`;
        break;
      }
      case 'file':
        setPayload({ kind: 'body', bytes: readFile(rule, needValue()) });
        break;
      case 'lf-file':
        setPayload({
          kind: 'format',
          fmt: env.format(readFile(rule, needValue()).toString('latin1'), rule.loc),
        });
        break;
      case 'string':
        setPayload({ kind: 'body', bytes: Buffer.from(needValue(), 'latin1') });
        break;
      case 'lf-string':
        setPayload({ kind: 'format', fmt: env.format(needValue(), rule.loc) });
        break;
      case 'hdr': {
        const name = needValue();
        if (!isToken(name)) throw bad(rule, `invalid header name '${name}'`);
        const lname = name.toLowerCase();
        if (lname === 'content-length' || lname === 'transfer-encoding' || lname === 'content-type') {
          throw bad(rule, `'hdr ${name}' is set by the reply itself`);
        }
        const value = a[i + 1];
        if (value === undefined) throw bad(rule, `'hdr ${name}' expects a value`);
        i++;
        hdrs.push([name, env.format(value, rule.loc)]);
        break;
      }
      default:
        throw bad(rule, `unexpected '${w}'`);
    }
  }
  const isBody = payload.kind === 'body' || payload.kind === 'format';
  if (isBody && contentType === undefined) throw bad(rule, `'${payloadWord}' requires a 'content-type'`);
  if (!isBody && contentType !== undefined)
    throw bad(rule, "'content-type' needs a 'file' or 'string' payload");
  if (payload.kind === 'raw' && hdrs.length > 0)
    throw bad(rule, `'hdr' cannot be combined with '${payloadWord}'`);
  if (payloadWord?.startsWith('errorfiles ')) {
    const name = payloadWord.slice('errorfiles '.length);
    const file = env.config.httpErrors.find((h) => h.name === name)!.errorfiles.get(status);
    payload = file === undefined ? { kind: 'default' } : { kind: 'raw', bytes: readFile(rule, file) };
  }
  const p: Payload = payload;
  const fixed: [string, string][] = contentType ? [['content-type', contentType]] : [];
  return (tx) => {
    const headers: [string, string][] = [...fixed];
    for (const [n, f] of hdrs) {
      const v = f(tx);
      if (isFieldValue(v)) headers.push([n, v]);
    }
    let body: Buffer | undefined;
    if (p.kind === 'body') body = p.bytes;
    else if (p.kind === 'format') body = Buffer.from(p.fmt(tx), 'latin1');
    const reply: RuleReply = {
      kind: 'reply',
      status,
      headers,
      body,
      denied,
      ...(p.kind === 'raw' && p.bytes && { raw: p.bytes }),
    };
    return reply;
  };
}

const ALLOW = { kind: 'allow' } as const;

function denyDefault(family: RuleFamily): number {
  return family === 'http-request' ? 403 : 502;
}

/** Statuses a `redirect` may use (configuration.txt 4.2 "redirect"). */
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

function compileRedirect(rule: Rule, env: ActionEnv): ActionRun {
  const a = rule.args;
  const kind = a[0];
  if (kind !== 'location' && kind !== 'prefix' && kind !== 'scheme') {
    throw bad(rule, `expects 'location', 'prefix' or 'scheme', got '${kind ?? ''}'`);
  }
  const target = env.format(a[1] ?? '', rule.loc);
  let code = 302;
  let dropQuery = false;
  let appendSlash = false;
  const cookies: string[] = [];
  for (let i = 2; i < a.length; i++) {
    const w = a[i]!;
    if (w === 'code') {
      const c = Number(a[++i]);
      if (!REDIRECT_CODES.has(c))
        throw bad(rule, `unsupported redirect code '${a[i] ?? ''}' (301, 302, 303, 307, 308)`);
      code = c;
    } else if (w === 'drop-query') dropQuery = true;
    else if (w === 'append-slash') appendSlash = true;
    else if (w === 'set-cookie' || w === 'clear-cookie') {
      const c = a[++i];
      if (c === undefined || !/^[^=;\s]+(=[^;\s]*)?$/.test(c)) throw bad(rule, `'${w}' expects NAME[=value]`);
      cookies.push(
        w === 'set-cookie'
          ? `${c.includes('=') ? c : `${c}=`}; path=/`
          : `${c.split('=')[0]}=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/`,
      );
    } else if (w === 'ignore-empty') {
      // Only meaningful with an empty log-format location: handled below.
    } else throw bad(rule, `unexpected '${w}'`);
  }
  const ignoreEmpty = a.includes('ignore-empty');
  return (tx) => {
    const req = tx.req;
    const t = target(tx);
    if (t === '' && ignoreEmpty) return undefined;
    let location: string;
    if (kind === 'location') {
      location = t;
    } else {
      let path = dropQuery ? pathOnly(req) : pathAndQuery(req);
      if (appendSlash && dropQuery && !path.endsWith('/')) path += '/';
      if (kind === 'prefix') {
        location = t === '/' ? path : t + path;
      } else {
        const host = getHeader(req, 'host') ?? req.authority;
        if (!host) return undefined;
        location = `${t}://${host}${path}`;
      }
    }
    if (!isFieldValue(location)) return undefined;
    const headers: [string, string][] = [['location', location]];
    for (const c of cookies) headers.push(['set-cookie', c]);
    if (code === 302 || code === 303 || code === 307) headers.push(['cache-control', 'no-cache']);
    return { kind: 'reply', status: code, headers, body: Buffer.alloc(0), denied: false };
  };
}

for (const family of ['http-request', 'http-response', 'http-after-response'] as const) {
  registerAction(family, 'allow', () => () => ALLOW);
}
for (const family of ['http-request', 'http-response'] as const) {
  registerAction(family, 'deny', (rule, env) => compileReply(rule, env, 0, denyDefault(family), true));
  registerAction(family, 'return', (rule, env) => compileReply(rule, env, 0, 200, false));
  registerAction(family, 'redirect', compileRedirect);
}
for (const family of ['http-response', 'http-after-response'] as const) {
  registerAction(family, 'set-status', (rule) => {
    const status = statusArg(rule, rule.args[0], 100, 999);
    let reason: string | undefined;
    if (rule.args.length > 1) {
      if (rule.args[1] !== 'reason' || rule.args[2] === undefined)
        throw bad(rule, "expects '<status> [reason <str>]'");
      reason = rule.args[2];
    }
    return (tx) => {
      tx.setStatus(status, reason);
      return undefined;
    };
  });
}
