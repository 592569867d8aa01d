/**
 * Reason phrases and the default error responses, byte for byte as HAProxy
 * sends them: the phrases of `http_get_reason()` and the messages of
 * `http_err_msgs[]` (src/http.c). HAProxy stores those messages in its internal
 * form, which lower-cases header names, so on the wire they read
 * "content-length: …", "cache-control: no-cache" — and so do ours.
 * 505 is hapair's own (HAProxy never sends it; see PARSER.md), in the same shape.
 */

const REASONS: ReadonlyMap<number, string> = new Map([
  [100, 'Continue'],
  [101, 'Switching Protocols'],
  [102, 'Processing'],
  [200, 'OK'],
  [201, 'Created'],
  [202, 'Accepted'],
  [203, 'Non-Authoritative Information'],
  [204, 'No Content'],
  [205, 'Reset Content'],
  [206, 'Partial Content'],
  [207, 'Multi-Status'],
  [210, 'Content Different'],
  [226, 'IM Used'],
  [300, 'Multiple Choices'],
  [301, 'Moved Permanently'],
  [302, 'Found'],
  [303, 'See Other'],
  [304, 'Not Modified'],
  [305, 'Use Proxy'],
  [307, 'Temporary Redirect'],
  [308, 'Permanent Redirect'],
  [310, 'Too many Redirects'],
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [402, 'Payment Required'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [406, 'Not Acceptable'],
  [407, 'Proxy Authentication Required'],
  [408, 'Request Time-out'],
  [409, 'Conflict'],
  [410, 'Gone'],
  [411, 'Length Required'],
  [412, 'Precondition Failed'],
  [413, 'Request Entity Too Large'],
  [414, 'Request-URI Too Long'],
  [415, 'Unsupported Media Type'],
  [416, 'Requested range unsatisfiable'],
  [417, 'Expectation failed'],
  [418, "I'm a teapot"],
  [421, 'Misdirected Request'],
  [422, 'Unprocessable Content'],
  [423, 'Locked'],
  [424, 'Method failure'],
  [425, 'Too Early'],
  [426, 'Upgrade Required'],
  [428, 'Precondition Required'],
  [429, 'Too Many Requests'],
  [431, 'Request Header Fields Too Large'],
  [449, 'Retry With'],
  [450, 'Blocked by Windows Parental Controls'],
  [451, 'Unavailable For Legal Reasons'],
  [456, 'Unrecoverable Error'],
  [499, 'client has closed connection'],
  [500, 'Internal Server Error'],
  [501, 'Not Implemented'],
  [502, 'Bad Gateway or Proxy Error'],
  [503, 'Service Unavailable'],
  [504, 'Gateway Time-out'],
  [505, 'HTTP Version not supported'],
  [506, 'Variant also negotiate'],
  [507, 'Insufficient storage'],
  [508, 'Loop detected'],
  [509, 'Bandwidth Limit Exceeded'],
  [510, 'Not extended'],
  [511, 'Network authentication required'],
  [520, 'Web server is returning an unknown error'],
]);

const CLASS_REASONS = ['Informational', 'Success', 'Redirection', 'Client Error', 'Server Error'];

/** HAProxy's reason phrase for a status, with its per-class fallback. */
export function reasonPhrase(status: number): string {
  const r = REASONS.get(status);
  if (r !== undefined) return r;
  if (status >= 100 && status <= 599) return CLASS_REASONS[Math.floor(status / 100) - 1]!;
  return 'Other';
}

/** [status, status-line reason, body text, sends "connection: close"] as in http_err_msgs[]. */
const MESSAGES: readonly (readonly [number, string, string, boolean])[] = [
  [200, 'OK', 'Service ready.', false],
  [400, 'Bad request', 'Your browser sent an invalid request.', true],
  [401, 'Unauthorized', 'You need a valid user and password to access this content.', false],
  [403, 'Forbidden', 'Request forbidden by administrative rules.', false],
  [404, 'Not Found', 'The resource could not be found.', false],
  [
    405,
    'Method Not Allowed',
    'A request was made of a resource using a request method not supported by that resource.',
    false,
  ],
  [407, 'Unauthorized', 'You need a valid user and password to access this content.', false],
  [408, 'Request Time-out', "Your browser didn't send a complete request in time.", true],
  [410, 'Gone', 'The resource is no longer available and will not be available again.', false],
  [413, 'Payload Too Large', 'The request entity exceeds the maximum allowed.', false],
  [414, 'URI Too Long', 'The URI provided was too long for the server to process.', false],
  [421, 'Misdirected Request', 'Request sent to a non-authoritative server.', false],
  [422, 'Unprocessable Content', 'The server cannot process the contained instructions.', false],
  [425, 'Too Early', 'Your browser sent early data.', false],
  [429, 'Too Many Requests', 'You have sent too many requests in a given amount of time.', false],
  [431, 'Request Header Fields Too Large', 'Request Header Fields Too Large.', false],
  [500, 'Internal Server Error', 'An internal server error occurred.', false],
  [
    501,
    'Not Implemented',
    'The server does not support the functionality required to fulfill the request.',
    false,
  ],
  [502, 'Bad Gateway', 'The server returned an invalid or incomplete response.', false],
  [503, 'Service Unavailable', 'No server is available to handle this request.', false],
  [504, 'Gateway Time-out', "The server didn't respond in time.", false],
  [505, 'HTTP Version Not Supported', 'The HTTP version of the request is not supported.', true],
];

function buildMessage(status: number, reason: string, text: string, close: boolean): Buffer {
  const body = `<html><body><h1>${status} ${reason}</h1>\n${text}\n</body></html>\n`;
  const conn = close ? 'connection: close\r\n' : '';
  const head =
    `HTTP/1.1 ${status} ${reason}\r\ncontent-length: ${Buffer.byteLength(body, 'latin1')}\r\n` +
    `cache-control: no-cache\r\n${conn}content-type: text/html\r\n\r\n`;
  return Buffer.from(head + body, 'latin1');
}

const ERRORS: ReadonlyMap<number, Buffer> = new Map(
  MESSAGES.map(([s, r, t, c]) => [s, buildMessage(s, r, t, c)]),
);

/** Statuses that have a default message. */
export const ERROR_STATUSES: readonly number[] = MESSAGES.map((m) => m[0]);

/**
 * The complete default response for `status` (head and body). Like HAProxy's
 * `http_get_status_idx()`, a status without its own message gets the 500 one.
 * The returned Buffer is shared: write it, never modify it.
 */
export function errorResponse(status: number): Buffer {
  return ERRORS.get(status) ?? ERRORS.get(500)!;
}
