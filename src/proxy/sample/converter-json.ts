/**
 * The `json([input-code])` converter (configuration.txt 7.3.1): escapes a
 * string for a JSON string literal as sample_conv_json() does — '"', '\',
 * '/', the usual control escapes, anything else outside printable ASCII as
 * \uXXXX — reading the input as bytes ('ascii') or as UTF-8 with one of
 * four error policies.
 */
import { registerConverter } from './converters.js';

const str = (v: unknown) => v as string;

const JSON_ESC: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\r': '\\r',
  '\n': '\\n',
  '\t': '\\t',
};

/** Escapes one code point; non-printable and non-ASCII ones become \uXXXX (sample_conv_json()). */
function jsonChar(c: number): string {
  const ch = String.fromCharCode(c);
  const esc = JSON_ESC[ch];
  if (esc) return esc;
  if (c < 0x20 || c >= 0x7f) return `\\u${c.toString(16).padStart(4, '0')}`;
  return ch;
}

type Utf8Mode = 'ascii' | 'utf8' | 'utf8s' | 'utf8p' | 'utf8ps';

/** Decodes latin1-held UTF-8 bytes for json(utf8*): undefined on an error the mode refuses. */
function jsonUtf8(s: string, mode: Utf8Mode): string | undefined {
  const strict = mode === 'utf8' || mode === 'utf8p';
  const allowOverlong = mode === 'utf8p' || mode === 'utf8ps';
  let out = '';
  for (let i = 0; i < s.length; ) {
    const b = s.charCodeAt(i);
    const len =
      b < 0x80 ? 1 : b >= 0xc0 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf8 ? 4 : 0;
    let cp = len === 1 ? b : len === 2 ? b & 0x1f : len === 3 ? b & 0x0f : b & 0x07;
    let ok = len > 0 && i + len <= s.length;
    for (let k = 1; ok && k < len; k++) {
      const c = s.charCodeAt(i + k);
      if ((c & 0xc0) !== 0x80) ok = false;
      cp = (cp << 6) | (c & 0x3f);
    }
    const step = ok ? len : 1;
    i += step;
    const overlong =
      ok && ((len === 2 && cp < 0x80) || (len === 3 && cp < 0x800) || (len === 4 && cp < 0x10000));
    const badRange = ok && ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff);
    if (!ok || badRange || (overlong && !allowOverlong)) {
      if (strict) return undefined;
      continue;
    }
    if (cp > 0xffff) {
      if (strict) return undefined;
      continue;
    }
    out += jsonChar(cp);
  }
  return out;
}

registerConverter('json', {
  inType: 'str',
  outType: 'str',
  minArgs: 0,
  maxArgs: 1,
  compile(args) {
    const mode = (args[0] || 'ascii') as Utf8Mode;
    if (!['ascii', 'utf8', 'utf8s', 'utf8p', 'utf8ps'].includes(mode))
      return "unexpected input code type, allowed values are 'ascii', 'utf8', 'utf8s', 'utf8p' and 'utf8ps'";
    if (mode !== 'ascii') return (v) => jsonUtf8(str(v), mode);
    return (v) => {
      const s = str(v);
      let out = '';
      for (let i = 0; i < s.length; i++) out += jsonChar(s.charCodeAt(i));
      return out;
    };
  },
});
