/**
 * How log-format items print their values (configuration.txt 8.2.6 flags,
 * HAProxy's lf_text_len(), lf_ip(), lf_port() and lf_encode_chunk() in
 * src/log.c). Exported so that variables registered elsewhere (the log
 * module's timers) print the way the built-in ones do.
 */

/** An item's flags: HAProxy's LOG_OPT_* bits, after `%o` defaults and the item's `%{±X}`. */
export interface FormatFlags {
  /** +Q: text between double quotes. */
  readonly quote: boolean;
  /** +X: addresses, ports and %pid in upper-case hexadecimal. */
  readonly hex: boolean;
  /** +E: '"', '\' and ']' escaped with '\' (RFC 5424 structured data). */
  readonly escape: boolean;
  /** +M: an empty text prints '-' (set by default in log-format lines). */
  readonly mandatory: boolean;
  /** The string goes into an HTTP message: sample bytes not allowed in a field value are %-encoded. */
  readonly http: boolean;
}

const hex2 = (c: number) => c.toString(16).toUpperCase().padStart(2, '0');

function escapeE(s: string, f: FormatFlags): string {
  return f.escape ? s.replace(/["\\\]]/g, '\\$&') : s;
}

/** Plain text (lf_text_len()): quoted with +Q, '-' for an empty value with +M. */
export function renderText(s: string | undefined, f: FormatFlags): string {
  const body = s ? escapeE(s, f) : '';
  if (f.quote) return `"${body}"`;
  return body === '' && f.mandatory ? '-' : body;
}

/** Text that never turns into '-' (lf_rawtext() inside LOG_VARTEXT_START/END), quoted with +Q. */
export function renderRawText(s: string, f: FormatFlags): string {
  const body = escapeE(s, f);
  return f.quote ? `"${body}"` : body;
}

/**
 * Parts of the request line (%HM, %HU, %HP, %HQ, %HV): control and
 * non-ASCII bytes, '"' and '#' become '#' and two hex digits
 * (url_encode_map); quoted with +Q.
 */
export function renderUrlText(s: string, f: FormatFlags): string {
  let body = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x23) body += `#${hex2(c)}`;
    else if (f.escape && (c === 0x5c || c === 0x5d)) body += `\\${s[i]}`;
    else body += s[i];
  }
  return f.quote ? `"${body}"` : body;
}

/**
 * A sample in a string that becomes part of an HTTP message (LOG_OPT_HTTP):
 * bytes 0x00-0x08, 0x0a-0x1f and 0x7f become '%' and two hex digits
 * (http_encode_map); never quoted.
 */
export function renderHttpValue(s: string, f: FormatFlags): string {
  let body = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x08 || (c >= 0x0a && c <= 0x1f) || c === 0x7f) body += `%${hex2(c)}`;
    else if (f.escape && (c === 0x22 || c === 0x5c || c === 0x5d)) body += `\\${s[i]}`;
    else body += s[i];
  }
  return body;
}

/** An IP address (lf_ip()): its bytes in hex with +X, else text. */
export function renderIp(addr: string | undefined, f: FormatFlags, bytes?: Uint8Array): string {
  if (f.hex && bytes) return Buffer.from(bytes).toString('hex').toUpperCase();
  return renderText(addr, f);
}

/** A port (lf_port()): four hex digits with +X, else decimal. */
export function renderPort(port: number, f: FormatFlags): string {
  return f.hex ? port.toString(16).toUpperCase().padStart(4, '0') : String(port);
}
