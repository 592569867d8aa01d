/**
 * `option httpchk` and `http-check connect|send|expect` sequences (doc 4.2).
 * The request line from `option httpchk [<method>] [<uri>] [<version>]`
 * (defaults OPTIONS, /, HTTP/1.0) merges into the first `http-check send`, as
 * HAProxy's tcpcheck_add_http_rule() does. The legacy form that hides headers
 * (and a body) after the version — `HTTP/1.1\r\nHost:\ www` — is accepted and
 * split into headers. Every request carries `Connection: close` unless a
 * Connection header was configured, and `Content-Length` when it has a body.
 */
import type { HttpCheck, HttpCheckStep } from '../config/haproxy/model.js';
import { ConfigCode, ConfigError, type SourceLoc } from '../core/errors.js';
import { textBytes } from './expect-args.js';
import { compileHttpExpect, implicitHttpExpect } from './http-expect.js';
import type { Rule, RuleSet } from './rules.js';
import { parseConnect, withImplicitConnect } from './tcp-check.js';

export interface HttpRequestSpec {
  readonly method: string;
  readonly uri: string;
  readonly version: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: string;
}

const DEFAULT_REQUEST: HttpRequestSpec = { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [] };

/** Splits `HTTP/1.1\r\nHost: x\r\n\r\nbody` (real CR LF, or the two-character escapes). */
export function splitLegacyVersion(version: string): Pick<HttpRequestSpec, 'version' | 'headers' | 'body'> {
  const text = version.replace(/\\r\\n/g, '\r\n');
  const eol = text.indexOf('\r\n');
  if (eol < 0) return { version, headers: [] };
  const rest = text.slice(eol + 2);
  const blank = rest.indexOf('\r\n\r\n');
  const headText = blank < 0 ? rest : rest.slice(0, blank);
  const headers = headText
    .split('\r\n')
    .filter((l) => l !== '')
    .map((l) => {
      const c = l.indexOf(':');
      return [c < 0 ? l : l.slice(0, c), c < 0 ? '' : l.slice(c + 1).trim()] as const;
    });
  return {
    version: text.slice(0, eol),
    headers,
    ...(blank >= 0 && rest.length > blank + 4 ? { body: rest.slice(blank + 4) } : {}),
  };
}

export function buildRequest(r: HttpRequestSpec): Buffer {
  let head = `${r.method} ${r.uri} ${r.version}\r\n`;
  let connection = false;
  for (const [n, v] of r.headers) {
    const lower = n.toLowerCase();
    // HAProxy drops configured framing headers and computes its own (doc "http-check send").
    if (lower === 'content-length' || lower === 'transfer-encoding') continue;
    if (lower === 'connection') connection = true;
    head += `${n}: ${v}\r\n`;
  }
  if (!connection) head += 'Connection: close\r\n';
  const body = r.body !== undefined ? textBytes(r.body) : undefined;
  if (body !== undefined) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  return body !== undefined ? Buffer.concat([textBytes(head), body]) : textBytes(head);
}

/** `%%` is a literal percent; any other `%` starts a log-format expression hapair does not evaluate. */
function literal(value: string, loc: SourceLoc, what: string): string {
  if (/%/.test(value.replace(/%%/g, ''))) {
    throw new ConfigError(
      ConfigCode.Unsupported,
      loc,
      'http-check send',
      `${what}: log-format expressions are not supported by hapair`,
    );
  }
  return value.replace(/%%/g, '%');
}

/** `http-check send [meth M] [uri U] [ver V] [hdr N V]* [body B] [comment C]` over a base request. */
export function parseSend(args: readonly string[], loc: SourceLoc, base: HttpRequestSpec): HttpRequestSpec {
  const bad = (reason: string, code: (typeof ConfigCode)[keyof typeof ConfigCode] = ConfigCode.BadArgs) =>
    new ConfigError(code, loc, 'http-check send', reason);
  let { method, uri, version } = base;
  let body = base.body;
  const headers: (readonly [string, string])[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const v = args[i + 1];
    if (v === undefined) throw bad(`'${w}' expects an argument`);
    i++;
    if (w === 'meth') method = v;
    else if (w === 'uri') uri = v;
    else if (w === 'ver') version = v;
    else if (w === 'body') body = literal(v, loc, 'body');
    // HAProxy prints step comments only for tcp-check rulesets, so an HTTP send comment has no effect.
    else if (w === 'comment') continue;
    else if (w === 'hdr') {
      const value = args[++i];
      if (value === undefined) throw bad(`'hdr' expects <name> <value>`);
      headers.push([v, literal(value, loc, `hdr ${v}`)]);
    } else if (w === 'uri-lf' || w === 'body-lf') {
      throw bad(`'${w}' log-format arguments are not supported by hapair`, ConfigCode.Unsupported);
    } else throw bad(`unknown argument '${w}'`);
  }
  // Configured headers replace the base ones (tcpcheck_overwrite_send_http_rule).
  return {
    method,
    uri,
    version,
    headers: headers.length > 0 ? headers : base.headers,
    ...(body !== undefined ? { body } : {}),
  };
}

function optionRequest(hc: HttpCheck): HttpRequestSpec {
  const legacy = splitLegacyVersion(hc.version !== '' ? hc.version : DEFAULT_REQUEST.version);
  return {
    method: hc.method !== '' ? hc.method : DEFAULT_REQUEST.method,
    uri: hc.uri !== '' ? hc.uri : DEFAULT_REQUEST.uri,
    ...legacy,
  };
}

export function compileHttpCheck(hc: HttpCheck): RuleSet {
  const rules: Rule[] = [];
  const optReq = optionRequest(hc);
  const hasSend = hc.steps.some((s) => s.kind === 'send');
  let lastSend: HttpRequestSpec | undefined;
  let expectsAfterSend = 0;
  const pushSend = (req: HttpRequestSpec): void => {
    lastSend = req;
    rules.push({ kind: 'send', data: buildRequest(req) });
    expectsAfterSend = 0;
  };
  for (const st of hc.steps) {
    const prev = rules[rules.length - 1];
    if (st.kind === 'connect') {
      if (prev !== undefined && prev.kind !== 'expect')
        throw order(st, 'connect', 'missing expect rule', rules);
      rules.push(parseConnect(st.args, st.loc, 'http-check connect'));
    } else if (st.kind === 'send') {
      if (prev !== undefined && prev.kind !== 'connect')
        throw order(st, 'send', 'missing connect rule', rules);
      // Only the first send inherits the `option httpchk` request line.
      pushSend(parseSend(st.args, st.loc, lastSend === undefined ? optReq : DEFAULT_REQUEST));
    } else if (st.kind === 'expect') {
      if (prev === undefined || prev.kind === 'connect') {
        if (hasSend || lastSend !== undefined) throw order(st, 'expect', 'missing send rule', rules);
        pushSend(optReq);
      }
      rules.push(compileHttpExpect(st.args, st.loc, rules.length + 1, lastSend?.method === 'HEAD'));
      expectsAfterSend++;
    } else {
      throw new ConfigError(ConfigCode.BadArgs, st.loc, `http-check ${st.kind}`, 'exists for tcp-check only');
    }
  }
  if (lastSend === undefined) pushSend(optReq);
  if (expectsAfterSend === 0) rules.push(implicitHttpExpect(rules.length + 1, lastSend?.method === 'HEAD'));
  return { rules: withImplicitConnect(rules), tcpCheckLabels: false };
}

function order(st: HttpCheckStep, what: string, why: string, rules: readonly Rule[]): ConfigError {
  return new ConfigError(
    ConfigCode.Conflict,
    st.loc,
    `http-check ${what}`,
    `unable to add http-check ${what} rule at step ${rules.length + 1} (${why})`,
  );
}
