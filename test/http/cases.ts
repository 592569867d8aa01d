/**
 * Raw HTTP/1 messages and what hapair must do with each, shared by the parser
 * tests (test/http/*.test.ts) and, later, the end-to-end tests that send the
 * same bytes through a real listener: a `Rejected` case must get that status
 * and reach no server; a `Forwarded` case must reach the server with that
 * framing (and those exact fields, when `headers` is given, before any header
 * the proxy adds itself).
 *
 * `input` is latin1: one char per byte, so "\x00" or "\xff" are single bytes.
 * Cases are grouped: 'smuggling' ones are about where a message ends.
 */
import type { BodyKind, TargetForm } from '../../src/proxy/http/head.js';

export interface Rejected {
  readonly status: number;
  /** A substring of the parser's reason. */
  readonly reason: string;
}

export interface Forwarded {
  readonly method: string;
  readonly target: string;
  readonly version: '1.0' | '1.1';
  readonly body: BodyKind;
  readonly contentLength?: number;
  readonly keepAlive: boolean;
  /** Exact fields forwarded, flat [name, value, …], when checked. */
  readonly headers?: readonly string[];
  /** Bytes after the head that belong to this message (chunked: with its framing). */
  readonly bodyBytes?: number;
  /** The head is forwarded, then the body is refused with this reason (substring). */
  readonly bodyError?: string;
  readonly form?: TargetForm;
  readonly host?: string;
  readonly path?: string;
  readonly upgrade?: string;
  readonly expectContinue?: boolean;
}

export type Group = 'smuggling' | 'syntax' | 'target' | 'semantics' | 'limits';

export interface RequestCase {
  readonly name: string;
  readonly group: Group;
  readonly input: string;
  readonly expect: Rejected | Forwarded;
}

type CaseDef = Omit<RequestCase, 'group'>;

export interface ForwardedResponse {
  readonly status: number;
  readonly version: '1.0' | '1.1';
  readonly body: BodyKind;
  readonly contentLength?: number;
  readonly keepAlive: boolean;
  readonly headers?: readonly string[];
  readonly bodyBytes?: number;
}

export interface ResponseCase {
  readonly name: string;
  /** The method of the request this response answers. */
  readonly requestMethod: string;
  readonly input: string;
  readonly expect: Rejected | ForwardedResponse;
}

export function isRejected(e: Rejected | Forwarded | ForwardedResponse): e is Rejected {
  return 'reason' in e;
}

/** Lines joined with CRLF, then the empty line, then `body`. */
export function msg(lines: readonly string[], body = ''): string {
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

const GET = 'GET / HTTP/1.1';
const POST = 'POST /upload HTTP/1.1';
const HOST = 'Host: example.com';

function post(fields: readonly string[], body = ''): string {
  return msg([POST, HOST, ...fields], body);
}

function get(fields: readonly string[]): string {
  return msg([GET, HOST, ...fields]);
}

const CHUNKED_HELLO = '5\r\nhello\r\n0\r\n\r\n';

/** A chunked POST whose body is `body`: the head is fine, the body decides. */
function chunked(body: string): string {
  return post(['Transfer-Encoding: chunked'], body);
}

const okPost = (extra: Partial<Forwarded>): Forwarded => ({
  method: 'POST',
  target: '/upload',
  version: '1.1',
  body: 'chunked',
  keepAlive: true,
  ...extra,
});

const okGet = (extra: Partial<Forwarded>): Forwarded => ({
  method: 'GET',
  target: '/',
  version: '1.1',
  body: 'none',
  keepAlive: true,
  ...extra,
});

const bad = (status: number, reason: string): Rejected => ({ status, reason });

const smugglingCases: readonly CaseDef[] = [
  {
    name: 'CL.TE: Content-Length then Transfer-Encoding: chunked wins, CL dropped, close after',
    input: post(['Content-Length: 6', 'Transfer-Encoding: chunked'], '0\r\n\r\nG'),
    expect: okPost({
      keepAlive: false,
      bodyBytes: 5,
      headers: ['Host', 'example.com', 'Transfer-Encoding', 'chunked'],
    }),
  },
  {
    name: 'TE.CL: Transfer-Encoding then Content-Length: same outcome',
    input: post(['Transfer-Encoding: chunked', 'Content-Length: 3'], '8\r\nSMUGGLED\r\n0\r\n\r\n'),
    expect: okPost({
      keepAlive: false,
      bodyBytes: 18,
      headers: ['Host', 'example.com', 'Transfer-Encoding', 'chunked'],
    }),
  },
  {
    name: 'TE.TE: xchunked is not chunked',
    input: post(['Content-Length: 4', 'Transfer-Encoding: xchunked']),
    expect: bad(400, 'without final chunked'),
  },
  {
    name: 'TE.TE: space before the colon',
    input: post(['Content-Length: 4', 'Transfer-Encoding : chunked']),
    expect: bad(400, 'before colon'),
  },
  {
    name: 'TE.TE: tab before the colon',
    input: post(['Transfer-Encoding\t: chunked']),
    expect: bad(400, 'before colon'),
  },
  {
    name: 'TE.TE: chunked, identity (a coding after chunked)',
    input: post(['Transfer-Encoding: chunked, identity']),
    expect: bad(400, 'after chunked'),
  },
  {
    name: 'TE.TE: identity alone',
    input: post(['Transfer-Encoding: identity', 'Content-Length: 3'], 'abc'),
    expect: bad(400, 'without final chunked'),
  },
  {
    name: 'TE.TE: gzip, chunked (coding hapair does not decode)',
    input: post(['Transfer-Encoding: gzip, chunked'], CHUNKED_HELLO),
    expect: bad(422, 'unsupported transfer coding'),
  },
  {
    name: 'TE.TE: gzip then chunked in two fields',
    input: post(['Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'], CHUNKED_HELLO),
    expect: bad(422, 'unsupported transfer coding'),
  },
  {
    name: 'TE.TE: chunked in two fields',
    input: post(['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], CHUNKED_HELLO),
    expect: bad(400, 'more than once'),
  },
  {
    name: 'TE.TE: chunked, chunked',
    input: post(['Transfer-Encoding: chunked, chunked'], CHUNKED_HELLO),
    expect: bad(400, 'more than once'),
  },
  { name: 'TE.TE: empty value', input: post(['Transfer-Encoding:']), expect: bad(400, 'empty element') },
  {
    name: 'TE.TE: trailing comma',
    input: post(['Transfer-Encoding: chunked,']),
    expect: bad(400, 'empty element'),
  },
  {
    name: 'TE.TE: vertical tab before chunked',
    input: post(['Transfer-Encoding:\x0bchunked']),
    expect: bad(400, 'control character in header value'),
  },
  {
    name: 'TE.TE: first field line starts with a space',
    input: msg([POST, ' Transfer-Encoding: chunked', HOST], CHUNKED_HELLO),
    expect: bad(400, 'line folding before the first header'),
  },
  {
    name: 'TE.TE: obs-fold appends identity after chunked',
    input: post(['Transfer-Encoding: chunked', ' , identity'], CHUNKED_HELLO),
    expect: bad(400, 'after chunked'),
  },
  {
    name: 'TE value on a continuation line is unfolded, then forwarded as one clean line',
    input: post(['Transfer-Encoding:', ' chunked'], CHUNKED_HELLO),
    expect: okPost({ bodyBytes: 15, headers: ['Host', 'example.com', 'Transfer-Encoding', 'chunked'] }),
  },
  {
    name: 'Content-Length folded into "5 0"',
    input: post(['Content-Length: 5', ' 0'], 'hello'),
    expect: bad(400, 'invalid Content-Length'),
  },
  {
    name: 'TE: tab after the colon, mixed case, trailing blanks',
    input: post(['Transfer-Encoding:\tChunKed  '], CHUNKED_HELLO),
    expect: okPost({ bodyBytes: 15 }),
  },
  {
    name: 'TE in an HTTP/1.0 request',
    input: msg(['POST /upload HTTP/1.0', 'Transfer-Encoding: chunked'], CHUNKED_HELLO),
    expect: bad(400, 'HTTP/1.0'),
  },
  {
    name: 'duplicate Content-Length with identical values: merged into one',
    input: post(['Content-Length: 5', 'Content-Length: 5'], 'hello'),
    expect: okPost({
      body: 'length',
      contentLength: 5,
      bodyBytes: 5,
      headers: ['Host', 'example.com', 'Content-Length', '5'],
    }),
  },
  {
    name: 'Content-Length list of identical values: one canonical value',
    input: post(['Content-Length: 005, 5'], 'hello'),
    expect: okPost({
      body: 'length',
      contentLength: 5,
      bodyBytes: 5,
      headers: ['Host', 'example.com', 'Content-Length', '5'],
    }),
  },
  {
    name: 'conflicting Content-Length fields',
    input: post(['Content-Length: 5', 'Content-Length: 6'], 'hello!'),
    expect: bad(400, 'conflicting'),
  },
  {
    name: 'conflicting Content-Length list',
    input: post(['Content-Length: 5, 6']),
    expect: bad(400, 'conflicting'),
  },
  {
    name: 'Content-Length: +1',
    input: post(['Content-Length: +1'], 'a'),
    expect: bad(400, 'invalid Content-Length'),
  },
  {
    name: 'Content-Length: -1',
    input: post(['Content-Length: -1']),
    expect: bad(400, 'invalid Content-Length'),
  },
  {
    name: 'Content-Length: 1_0',
    input: post(['Content-Length: 1_0']),
    expect: bad(400, 'invalid Content-Length'),
  },
  {
    name: 'Content-Length: 1 0',
    input: post(['Content-Length: 1 0']),
    expect: bad(400, 'invalid Content-Length'),
  },
  {
    name: 'Content-Length: 0x10',
    input: post(['Content-Length: 0x10']),
    expect: bad(400, 'invalid Content-Length'),
  },
  {
    name: 'Content-Length empty',
    input: post(['Content-Length:']),
    expect: bad(400, 'invalid Content-Length'),
  },
  {
    name: 'Content-Length: 5,',
    input: post(['Content-Length: 5,'], 'hello'),
    expect: bad(400, 'invalid Content-Length'),
  },
  {
    name: 'Content-Length of 2^53',
    input: post(['Content-Length: 9007199254740992']),
    expect: bad(400, 'above 2^53-1'),
  },
  {
    name: 'Content-Length that overflows 64 bits',
    input: post(['Content-Length: 99999999999999999999999']),
    expect: bad(400, 'above 2^53-1'),
  },
  {
    name: 'Content-Length of 2^53-1 is accepted',
    input: post(['Content-Length: 9007199254740991']),
    expect: okPost({ body: 'length', contentLength: 2 ** 53 - 1 }),
  },
  {
    name: 'HTTP/1.0 GET with a body',
    input: msg(['GET / HTTP/1.0', 'Content-Length: 5'], 'hello'),
    expect: bad(413, 'HTTP/1.0 GET/HEAD/DELETE'),
  },
  {
    name: 'chunk size 0x5',
    input: chunked('0x5\r\nhello\r\n0\r\n\r\n'),
    expect: okPost({ bodyError: 'invalid character after chunk size' }),
  },
  {
    name: 'chunk size -1',
    input: chunked('-1\r\n\r\n'),
    expect: okPost({ bodyError: 'invalid chunk size' }),
  },
  {
    name: 'blank before chunk size',
    input: chunked(' 5\r\nhello\r\n0\r\n\r\n'),
    expect: okPost({ bodyError: 'blank before' }),
  },
  {
    name: 'empty chunk size',
    input: chunked('\r\nhello\r\n0\r\n\r\n'),
    expect: okPost({ bodyError: 'invalid chunk size' }),
  },
  {
    name: 'chunk size of 2^52 (14 hex digits)',
    input: chunked('10000000000000\r\n'),
    expect: okPost({ bodyError: '2^52' }),
  },
  {
    name: 'chunk size overflowing 64 bits',
    input: chunked('fffffffffffffffffffff\r\n'),
    expect: okPost({ bodyError: '2^52' }),
  },
  {
    name: 'chunk size with leading zeros and upper-case hex',
    input: chunked('000A\r\n0123456789\r\n0\r\n\r\n'),
    expect: okPost({ bodyBytes: 23 }),
  },
  {
    name: 'bare LF after chunk size',
    input: chunked('5\nhello\r\n0\r\n\r\n'),
    expect: okPost({ bodyError: 'bare LF' }),
  },
  {
    name: 'bare LF after chunk data',
    input: chunked('5\r\nhello\n0\r\n\r\n'),
    expect: okPost({ bodyError: 'missing CRLF after chunk data' }),
  },
  {
    name: 'chunk data longer than its size',
    input: chunked('5\r\nhelloXX\r\n0\r\n\r\n'),
    expect: okPost({ bodyError: 'missing CRLF after chunk data' }),
  },
  {
    name: 'bare LF ending the chunked body',
    input: chunked('0\r\n\n'),
    expect: okPost({ bodyError: 'bare LF' }),
  },
  {
    name: 'chunk extension with a quoted ";" and blanks after the size',
    input: chunked('5  ;name="a;b\\"c"\r\nhello\r\n0\r\n\r\n'),
    expect: okPost({ bodyBytes: 31 }),
  },
  {
    name: 'chunk extension with an unterminated quote',
    input: chunked('5;a="b\r\nhello\r\n0\r\n\r\n'),
    expect: okPost({ bodyError: 'unterminated quoted string' }),
  },
  {
    name: 'valid trailer fields',
    input: chunked('5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n'),
    expect: okPost({ bodyBytes: 44 }),
  },
  {
    name: 'trailer field with a space before the colon',
    input: chunked('0\r\nX-Checksum : abc\r\n\r\n'),
    expect: okPost({ bodyError: 'invalid character in trailer field name' }),
  },
  {
    name: 'trailer field with a NUL',
    input: chunked('0\r\nX-Checksum: a\x00c\r\n\r\n'),
    expect: okPost({ bodyError: 'invalid character in trailer field value' }),
  },
  {
    name: 'trailer line without a colon',
    input: chunked('0\r\nnot-a-field\r\n\r\n'),
    expect: okPost({ bodyError: 'invalid character in trailer field name' }),
  },
  {
    name: 'bare LF line ends in the head are accepted and normalised',
    input: 'POST /upload HTTP/1.1\nHost: example.com\nContent-Length: 2\n\nok',
    expect: okPost({
      body: 'length',
      contentLength: 2,
      bodyBytes: 2,
      headers: ['Host', 'example.com', 'Content-Length', '2'],
    }),
  },
  {
    name: 'CR not followed by LF in the head',
    input: 'GET / HTTP/1.1\rHost: example.com\r\n\r\n',
    expect: bad(400, 'CR not followed by LF'),
  },
  {
    name: 'CR inside a header value',
    input: get(['X-A: a\rb']),
    expect: bad(400, 'CR not followed by LF'),
  },
  { name: 'NUL in a header value', input: get(['X-A: a\x00b']), expect: bad(400, 'NUL in header value') },
  {
    name: 'NUL in a header name',
    input: get(['Transfer\x00-Encoding: chunked']),
    expect: bad(400, 'invalid character in header name'),
  },
  {
    name: 'obs-fold unfolds into one value with one space',
    input: get(['X-Long: first  ', ' \t second', '\tthird']),
    expect: okGet({ headers: ['Host', 'example.com', 'X-Long', 'first second third'] }),
  },
];

const syntaxCases: readonly CaseDef[] = [
  {
    name: 'plain GET',
    input: get(['Accept: */*']),
    expect: okGet({
      headers: ['Host', 'example.com', 'Accept', '*/*'],
      form: 'origin',
      host: 'example.com',
      path: '/',
    }),
  },
  {
    name: 'empty lines before the request line are skipped',
    input: `\r\n\n${get([])}`,
    expect: okGet({}),
  },
  {
    name: 'several blanks between request-line parts',
    input: msg(['GET \t /  HTTP/1.1', HOST]),
    expect: okGet({}),
  },
  { name: 'HTTP/0.9 simple request', input: 'GET /\r\n\r\n', expect: bad(400, 'HTTP/0.9') },
  { name: 'method alone', input: 'GET\r\n\r\n', expect: bad(400, 'HTTP/0.9') },
  { name: 'HTTP/2.0 request line', input: msg(['GET / HTTP/2.0', HOST]), expect: bad(505, 'major version') },
  { name: 'HTTP/3.0 request line', input: msg(['GET / HTTP/3.0', HOST]), expect: bad(505, 'major version') },
  { name: 'HTTP/0.9 as a version', input: msg(['GET / HTTP/0.9', HOST]), expect: bad(505, 'major version') },
  {
    name: 'HTTP/1.2 is handled as HTTP/1.1',
    input: msg(['GET / HTTP/1.2', HOST]),
    expect: okGet({}),
  },
  { name: 'lower-case version', input: msg(['GET / http/1.1', HOST]), expect: bad(400, 'HTTP version') },
  { name: 'HTTP/1.10', input: msg(['GET / HTTP/1.10', HOST]), expect: bad(400, 'invalid HTTP version') },
  { name: 'HTTP/11', input: msg(['GET / HTTP/11', HOST]), expect: bad(400, 'invalid HTTP version') },
  {
    name: 'blank after the version',
    input: msg(['GET / HTTP/1.1 ', HOST]),
    expect: bad(400, 'invalid character in HTTP version'),
  },
  {
    name: 'space inside the target',
    input: msg(['GET /a b HTTP/1.1', HOST]),
    expect: bad(400, 'HTTP version'),
  },
  {
    name: '"#" in the target',
    input: msg(['GET /a#frag HTTP/1.1', HOST]),
    expect: bad(400, 'request-target'),
  },
  {
    name: 'CTL in the target',
    input: msg(['GET /a\x01b HTTP/1.1', HOST]),
    expect: bad(400, 'request-target'),
  },
  {
    name: 'DEL in the target',
    input: msg(['GET /a\x7f HTTP/1.1', HOST]),
    expect: bad(400, 'request-target'),
  },
  {
    name: 'non-ASCII in the target',
    input: msg(['GET /caf\xe9 HTTP/1.1', HOST]),
    expect: bad(400, 'request-target'),
  },
  { name: 'separator in the method', input: msg(['GE(T / HTTP/1.1', HOST]), expect: bad(400, 'method') },
  { name: 'NUL in the method', input: msg(['G\x00T / HTTP/1.1', HOST]), expect: bad(400, 'method') },
  {
    name: 'TLS ClientHello on a plain HTTP port',
    input: '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
    expect: bad(400, 'start of request line'),
  },
  {
    name: 'lower-case method is a valid token',
    input: msg(['get / HTTP/1.1', HOST]),
    expect: { ...okGet({}), method: 'get' },
  },
  {
    name: 'field name with a separator',
    input: get(['X@Y: 1']),
    expect: bad(400, 'invalid character in header name'),
  },
  { name: 'empty field name', input: get([': value']), expect: bad(400, 'empty header name') },
  {
    name: 'space inside a field name',
    input: get(['X Forwarded-For: 1.2.3.4']),
    expect: bad(400, 'whitespace in header name'),
  },
  {
    name: 'field line without colon',
    input: get(['NoColon']),
    expect: bad(400, 'invalid character in header name'),
  },
  {
    name: 'DEL in a field value',
    input: get(['X-A: a\x7fb']),
    expect: bad(400, 'control character in header value'),
  },
  {
    name: 'ESC in a field value',
    input: get(['X-A: \x1b[31m']),
    expect: bad(400, 'control character in header value'),
  },
  {
    name: 'obs-text in a field value is kept byte for byte',
    input: get(['X-Name: caf\xe9']),
    expect: okGet({ headers: ['Host', 'example.com', 'X-Name', 'caf\xe9'] }),
  },
  {
    name: 'empty field value and blanks trimmed',
    input: get(['X-Empty:', 'X-Pad: \t v \t']),
    expect: okGet({ headers: ['Host', 'example.com', 'X-Empty', '', 'X-Pad', 'v'] }),
  },
];

const targetCases: readonly CaseDef[] = [
  {
    name: 'absolute-form with a matching Host',
    input: msg(['GET http://example.com/x?y=1 HTTP/1.1', HOST]),
    expect: okGet({
      target: 'http://example.com/x?y=1',
      form: 'absolute',
      host: 'example.com',
      path: '/x?y=1',
    }),
  },
  {
    name: 'absolute-form, Host with the default port',
    input: msg(['GET http://Example.com/ HTTP/1.1', 'Host: example.com:80']),
    expect: okGet({ target: 'http://Example.com/', form: 'absolute', host: 'Example.com' }),
  },
  {
    name: 'absolute-form without Host, empty path',
    input: msg(['GET https://example.com:8443 HTTP/1.1']),
    expect: okGet({
      target: 'https://example.com:8443',
      form: 'absolute',
      host: 'example.com:8443',
      path: '/',
    }),
  },
  {
    name: 'absolute-form with another Host',
    input: msg(['GET http://example.com/ HTTP/1.1', 'Host: evil.example']),
    expect: bad(400, 'does not match'),
  },
  {
    name: 'absolute-form, Host on another port',
    input: msg(['GET http://example.com/ HTTP/1.1', 'Host: example.com:8080']),
    expect: bad(400, 'does not match'),
  },
  {
    name: 'absolute-form with userinfo',
    input: msg(['GET http://user@example.com/ HTTP/1.1', HOST]),
    expect: bad(400, 'target authority'),
  },
  {
    name: 'absolute-form with an empty host',
    input: msg(['GET http:///x HTTP/1.1', HOST]),
    expect: bad(400, 'empty authority'),
  },
  {
    name: 'asterisk-form for OPTIONS',
    input: msg(['OPTIONS * HTTP/1.1', HOST]),
    expect: { ...okGet({ form: 'asterisk', path: '*' }), method: 'OPTIONS', target: '*' },
  },
  {
    name: 'asterisk-form for GET',
    input: msg(['GET * HTTP/1.1', HOST]),
    expect: bad(400, 'only valid for OPTIONS'),
  },
  {
    name: 'authority-form for CONNECT',
    input: msg(['CONNECT example.com:443 HTTP/1.1', 'Host: example.com:443']),
    expect: {
      ...okGet({ form: 'authority', host: 'example.com:443' }),
      method: 'CONNECT',
      target: 'example.com:443',
    },
  },
  {
    name: 'CONNECT: the body framing is ignored (the tunnel starts after a 2xx)',
    input: msg(['CONNECT example.com:443 HTTP/1.1', 'Host: example.com', 'Content-Length: 5']),
    expect: { ...okGet({ form: 'authority' }), method: 'CONNECT', target: 'example.com:443' },
  },
  {
    name: 'CONNECT without a port',
    input: msg(['CONNECT example.com HTTP/1.1', HOST]),
    expect: bad(400, 'host:port'),
  },
  {
    name: 'CONNECT with another Host',
    input: msg(['CONNECT example.com:443 HTTP/1.1', 'Host: other.example:443']),
    expect: bad(400, 'does not match the CONNECT'),
  },
  {
    name: 'CONNECT with an origin-form target',
    input: msg(['CONNECT / HTTP/1.1', HOST]),
    expect: bad(400, 'CONNECT requires'),
  },
  {
    name: 'authority-form for GET',
    input: msg(['GET example.com:80 HTTP/1.1', HOST]),
    expect: bad(400, 'only valid for CONNECT'),
  },
];

const semanticsCases: readonly CaseDef[] = [
  { name: 'HTTP/1.1 without Host', input: msg([GET]), expect: bad(400, 'missing Host') },
  { name: 'two Host fields', input: msg([GET, HOST, HOST]), expect: bad(400, 'several Host') },
  { name: 'Host with a "/"', input: msg([GET, 'Host: example.com/x']), expect: bad(400, 'Host value') },
  { name: 'Host folded into "a b"', input: msg([GET, 'Host: a', ' b']), expect: bad(400, 'Host value') },
  {
    name: 'HTTP/1.0 without Host, not persistent',
    input: msg(['GET / HTTP/1.0']),
    expect: okGet({ version: '1.0', keepAlive: false, host: '' }),
  },
  {
    name: 'HTTP/1.0 with Connection: keep-alive',
    input: msg(['GET / HTTP/1.0', 'Connection: Keep-Alive']),
    expect: okGet({ version: '1.0', keepAlive: true }),
  },
  {
    name: 'HTTP/1.1 Connection: close',
    input: get(['Connection: close']),
    expect: okGet({ keepAlive: false }),
  },
  {
    name: 'HTTP/1.0 GET with Content-Length: 0',
    input: msg(['GET / HTTP/1.0', 'Content-Length: 0']),
    expect: okGet({ version: '1.0', keepAlive: false, body: 'length', contentLength: 0, bodyBytes: 0 }),
  },
  {
    name: 'POST with Content-Length',
    input: post(['Content-Length: 5'], 'hello'),
    expect: okPost({ body: 'length', contentLength: 5, bodyBytes: 5 }),
  },
  { name: 'chunked POST', input: chunked(CHUNKED_HELLO), expect: okPost({ bodyBytes: 15 }) },
  {
    name: 'Expect: 100-continue',
    input: post(['Expect: 100-Continue', 'Content-Length: 1'], 'x'),
    expect: okPost({ body: 'length', contentLength: 1, bodyBytes: 1, expectContinue: true }),
  },
  {
    name: 'Connection: upgrade with Upgrade: websocket',
    input: get(['Connection: keep-alive, Upgrade', 'Upgrade: websocket']),
    expect: okGet({ upgrade: 'websocket' }),
  },
  {
    name: 'Upgrade without Connection: upgrade is not an upgrade',
    input: get(['Upgrade: websocket']),
    expect: okGet({ upgrade: '' }),
  },
];

function manyFields(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `X-F${i}: ${i}`);
}

const limitCases: readonly CaseDef[] = [
  {
    name: 'request line larger than bufsize - maxrewrite',
    input: msg([`GET /${'a'.repeat(16000)} HTTP/1.1`, HOST]),
    expect: bad(414, 'request line larger'),
  },
  {
    name: 'header fields larger than bufsize - maxrewrite',
    input: get([`Cookie: ${'c'.repeat(16000)}`]),
    expect: bad(431, 'request header larger'),
  },
  {
    name: 'tune.http.maxhdr reached: 101 lines counting the request line',
    input: msg([GET, HOST, ...manyFields(99)]),
    expect: okGet({}),
  },
  {
    name: 'tune.http.maxhdr exceeded',
    input: msg([GET, HOST, ...manyFields(100)]),
    expect: bad(400, 'too many headers'),
  },
];

export const requestCases: readonly RequestCase[] = [
  ...smugglingCases.map((c) => ({ ...c, group: 'smuggling' as const })),
  ...syntaxCases.map((c) => ({ ...c, group: 'syntax' as const })),
  ...targetCases.map((c) => ({ ...c, group: 'target' as const })),
  ...semanticsCases.map((c) => ({ ...c, group: 'semantics' as const })),
  ...limitCases.map((c) => ({ ...c, group: 'limits' as const })),
];

const ok200 = (extra: Partial<ForwardedResponse>): ForwardedResponse => ({
  status: 200,
  version: '1.1',
  body: 'length',
  keepAlive: true,
  ...extra,
});

export const responseCases: readonly ResponseCase[] = [
  {
    name: '200 with Content-Length',
    requestMethod: 'GET',
    input: msg(['HTTP/1.1 200 OK', 'Content-Length: 2'], 'ok'),
    expect: ok200({ contentLength: 2, bodyBytes: 2 }),
  },
  {
    name: '200 chunked',
    requestMethod: 'GET',
    input: msg(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'], CHUNKED_HELLO),
    expect: ok200({ body: 'chunked', bodyBytes: 15 }),
  },
  {
    name: '200 without length: read until close',
    requestMethod: 'GET',
    input: msg(['HTTP/1.1 200 OK'], 'all of it'),
    expect: ok200({ body: 'until-close', keepAlive: false, bodyBytes: 9 }),
  },
  {
    name: 'Transfer-Encoding and Content-Length: chunked, CL dropped, close after',
    requestMethod: 'GET',
    input: msg(['HTTP/1.1 200 OK', 'Content-Length: 100', 'Transfer-Encoding: chunked'], CHUNKED_HELLO),
    expect: ok200({
      body: 'chunked',
      keepAlive: false,
      bodyBytes: 15,
      headers: ['Transfer-Encoding', 'chunked'],
    }),
  },
  {
    name: 'HTTP/1.0 response chunked: decoded, then closed',
    requestMethod: 'GET',
    input: msg(['HTTP/1.0 200 OK', 'Transfer-Encoding: chunked'], CHUNKED_HELLO),
    expect: ok200({ version: '1.0', body: 'chunked', keepAlive: false, bodyBytes: 15 }),
  },
  {
    name: '204 drops its framing fields',
    requestMethod: 'GET',
    input: msg(['HTTP/1.1 204 No Content', 'Content-Length: 10', 'X-A: 1']),
    expect: ok200({ status: 204, body: 'none', headers: ['X-A', '1'] }),
  },
  {
    name: '304 keeps Content-Length but has no body',
    requestMethod: 'GET',
    input: msg(['HTTP/1.1 304 Not Modified', 'Content-Length: 10']),
    expect: ok200({ status: 304, body: 'none', headers: ['Content-Length', '10'] }),
  },
  {
    name: 'response to HEAD has no body',
    requestMethod: 'HEAD',
    input: msg(['HTTP/1.1 200 OK', 'Content-Length: 1000']),
    expect: ok200({ body: 'none' }),
  },
  {
    name: '100 Continue is an interim response',
    requestMethod: 'POST',
    input: msg(['HTTP/1.1 100 Continue']),
    expect: ok200({ status: 100, body: 'none' }),
  },
  {
    name: '101 switches to a tunnel',
    requestMethod: 'GET',
    input: msg(['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: websocket']),
    expect: ok200({ status: 101, body: 'tunnel', keepAlive: false }),
  },
  {
    name: '2xx to CONNECT starts a tunnel',
    requestMethod: 'CONNECT',
    input: msg(['HTTP/1.1 200 Connection established']),
    expect: ok200({ body: 'tunnel', keepAlive: false }),
  },
  {
    name: 'status line without a reason',
    requestMethod: 'GET',
    input: msg(['HTTP/1.1 200', 'Content-Length: 0']),
    expect: ok200({ contentLength: 0, bodyBytes: 0 }),
  },
  {
    name: 'unsupported transfer coding in a response',
    requestMethod: 'GET',
    input: msg(['HTTP/1.1 200 OK', 'Transfer-Encoding: gzip'], 'x'),
    expect: bad(502, 'unsupported transfer coding'),
  },
  {
    name: 'four-digit status',
    requestMethod: 'GET',
    input: msg(['HTTP/1.1 2000 OK']),
    expect: bad(502, 'invalid status code'),
  },
  {
    name: 'status 099',
    requestMethod: 'GET',
    input: msg(['HTTP/1.1 099 Odd']),
    expect: bad(502, 'invalid status code'),
  },
  {
    name: 'HTTP/2 status line',
    requestMethod: 'GET',
    input: msg(['HTTP/2 200']),
    expect: bad(502, 'not an HTTP/1.x'),
  },
  {
    name: 'NUL in a response field',
    requestMethod: 'GET',
    input: msg(['HTTP/1.1 200 OK', 'X-A: \x00']),
    expect: bad(502, 'NUL'),
  },
  {
    name: 'conflicting Content-Length in a response',
    requestMethod: 'GET',
    input: msg(['HTTP/1.1 200 OK', 'Content-Length: 1', 'Content-Length: 2']),
    expect: bad(502, 'conflicting'),
  },
];

/**
 * Pipelined requests in one stream: the parser must find each message's end
 * whatever the TCP segmentation (the tests cut the stream at every byte).
 */
export const pipelined = {
  input:
    msg(['GET /1 HTTP/1.1', HOST]) +
    post(['Content-Length: 5'], 'hello') +
    chunked('3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n') +
    msg(['\r\nGET /4 HTTP/1.1', HOST, 'Connection: close']),
  messages: [
    { target: '/1', body: 'none', bodyBytes: 0 },
    { target: '/upload', body: 'length', bodyBytes: 5 },
    { target: '/upload', body: 'chunked', bodyBytes: 21 },
    { target: '/4', body: 'none', bodyBytes: 0 },
  ],
} as const;
