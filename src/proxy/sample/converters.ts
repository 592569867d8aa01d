/**
 * Sample converters (configuration.txt 7.3.1): `lower`, `regsub(…)`,
 * `field(…)` … applied after a fetch with commas, `req.hdr(host),lower`.
 * Each converter declares the type it takes and the one it returns, so an
 * expression is type-checked at start-up as HAProxy does; its arguments are
 * checked and pre-compiled once (a regex, a mask), and what runs per
 * request is a plain function.
 */
import { formatIPv4, formatIPv6, mappedV4, parseIPv4, parseIPv6, parseNetwork } from '../acl/ip.js';
import type { SampleContext, SampleType, SampleValue } from '../acl/types.js';
import { castValue, typeOfValue } from './cast.js';
import { parseVarName } from './vars.js';

/** A converter ready to run: the input is already cast to the converter's `inType`. */
export type ConverterFn = (value: SampleValue, ctx: SampleContext) => SampleValue | undefined;

export interface ConverterDef {
  readonly inType: SampleType;
  readonly outType: SampleType;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Checks the arguments once at start-up: the runnable converter, or the reason they are wrong. */
  compile(args: readonly string[]): ConverterFn | string;
}

const converters = new Map<string, ConverterDef>();

export function registerConverter(name: string, def: ConverterDef): void {
  if (converters.has(name)) throw new Error(`converter registered twice: ${name}`);
  converters.set(name, def);
}

export function lookupConverter(name: string): ConverterDef | undefined {
  return converters.get(name);
}

/** A strict decimal integer argument, as HAProxy's ARGT_SINT parser wants. */
function intArg(text: string | undefined, what: string): number | string {
  if (text === undefined || !/^[+-]?\d+$/.test(text))
    return `${what} must be an integer, got '${text ?? ''}'`;
  return Number(text);
}

const str = (v: SampleValue) => v as string;
const noArgs = (fn: ConverterFn) => () => fn;

/** ASCII-only case mapping, as HAProxy's byte loops (latin1 letters are left alone). */
registerConverter('lower', {
  inType: 'str',
  outType: 'str',
  minArgs: 0,
  maxArgs: 0,
  compile: noArgs((v) => str(v).replace(/[A-Z]+/g, (m) => m.toLowerCase())),
});
registerConverter('upper', {
  inType: 'str',
  outType: 'str',
  minArgs: 0,
  maxArgs: 0,
  compile: noArgs((v) => str(v).replace(/[a-z]+/g, (m) => m.toUpperCase())),
});
registerConverter('length', {
  inType: 'str',
  outType: 'int',
  minArgs: 0,
  maxArgs: 0,
  compile: noArgs((v) => str(v).length),
});

const bytes = (v: SampleValue) => {
  const b = v as Uint8Array;
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
};
registerConverter('base64', {
  inType: 'bin',
  outType: 'str',
  minArgs: 0,
  maxArgs: 0,
  compile: noArgs((v) => bytes(v).toString('base64')),
});
/** Strict decoding: HAProxy's base64dec() refuses a length not multiple of 4 or a character outside the alphabet. */
registerConverter('b64dec', {
  inType: 'str',
  outType: 'bin',
  minArgs: 0,
  maxArgs: 0,
  compile: noArgs((v) => {
    const s = str(v);
    if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
    return Buffer.from(s, 'base64');
  }),
});
registerConverter('hex', {
  inType: 'bin',
  outType: 'str',
  minArgs: 0,
  maxArgs: 0,
  compile: noArgs((v) => bytes(v).toString('hex').toUpperCase()),
});

/** `bytes(offset[,length])`: numbers or variable names, read per request. */
function intOrVar(text: string, what: string): ((ctx: SampleContext) => number | undefined) | string {
  if (/^[+-]?\d+$/.test(text)) {
    const n = Number(text);
    return () => n;
  }
  const v = parseVarName(text);
  if (!v) return `${what} must be an integer or a variable name, got '${text}'`;
  return (ctx) => {
    const x = ctx.vars?.get(v.scope, v.name);
    if (x === undefined) return undefined;
    const n = castValue(x, typeOfValue(x), 'int');
    return typeof n === 'number' ? n : undefined;
  };
}

registerConverter('bytes', {
  inType: 'bin',
  outType: 'bin',
  minArgs: 1,
  maxArgs: 2,
  compile(args) {
    const off = intOrVar(args[0]!, 'offset');
    if (typeof off === 'string') return off;
    const len = args[1] !== undefined ? intOrVar(args[1], 'length') : undefined;
    if (typeof len === 'string') return len;
    return (v, ctx) => {
      const b = v as Uint8Array;
      const start = off(ctx);
      if (start === undefined || start < 0) return undefined;
      // HAProxy (final sample): an offset past the end gives an empty block, a length past it keeps the rest.
      if (start >= b.byteLength) return new Uint8Array(0);
      if (!len) return b.subarray(start);
      const n = len(ctx);
      if (n === undefined || n < 0) return undefined;
      return b.subarray(start, Math.min(b.byteLength, start + n));
    };
  },
});

/** `field(index,delimiters[,count])`, a port of sample_conv_field(): empty fields count. */
function field(s: string, index: number, delims: string, count: number): string | undefined {
  let left = count;
  if (index > 0) {
    let n = 1;
    let start = 0;
    let end = 0;
    for (; end < s.length; end++) {
      if (!delims.includes(s[end]!)) continue;
      if (n === index) {
        if (left === 1) return s.slice(start, end);
        if (left > 1) left--;
      } else {
        start = end + 1;
        n++;
      }
    }
    return n === index ? s.slice(start, end) : undefined;
  }
  let n = -1;
  let start = s.length;
  let end = s.length;
  for (; start > 0; start--) {
    if (!delims.includes(s[start - 1]!)) continue;
    if (n === index) {
      if (left === 1) return s.slice(start, end);
      if (left > 1) left--;
    } else {
      end = start - 1;
      n--;
    }
  }
  return n === index ? s.slice(start, end) : undefined;
}

/** `word(index,delimiters[,count])`, a port of sample_conv_word(): empty words are skipped. */
function word(s: string, index: number, delims: string, count: number): string | undefined {
  let left = count;
  let n = 0;
  let inWord = false;
  const step = index > 0 ? 1 : -1;
  let start = index > 0 ? 0 : s.length;
  let end = start;
  // Forward, `end` walks and `start` marks the word; backward, the other way round.
  for (let i = start; index > 0 ? i < s.length : i > 0; i += step) {
    const sep = delims.includes(s[index > 0 ? i : i - 1]!);
    if (!inWord) {
      if (!sep) {
        if (n !== index) {
          n += step;
          if (index > 0) start = i;
          else end = i;
        }
        inWord = true;
      }
    } else if (sep) {
      if (n === index) {
        if (left === 1) return index > 0 ? s.slice(start, i) : s.slice(i, end);
        if (left > 1) left--;
      }
      inWord = false;
    }
  }
  if (n !== index) return undefined;
  return index > 0 ? s.slice(start) : s.slice(0, end);
}

function fieldLike(fn: typeof field): ConverterDef {
  return {
    inType: 'str',
    outType: 'str',
    minArgs: 2,
    maxArgs: 3,
    compile(args) {
      const index = intArg(args[0], 'index');
      if (typeof index === 'string') return index;
      if (index === 0) return 'index must not be 0';
      const delims = args[1]!;
      if (delims === '') return 'empty separators list';
      const count = args[2] === undefined ? 1 : intArg(args[2], 'count');
      if (typeof count === 'string') return count;
      return (v) => fn(str(v), index, delims, count);
    },
  };
}
registerConverter('field', fieldLike(field));
registerConverter('word', fieldLike(word));

type SubstPart = string | number;

/** `\N` is capture group N, `\xHH` a byte, `\c` the character c (HAProxy's exp_replace()). */
function parseSubst(subst: string): SubstPart[] | string {
  const parts: SubstPart[] = [];
  let lit = '';
  for (let i = 0; i < subst.length; i++) {
    const c = subst[i]!;
    if (c !== '\\') {
      lit += c;
      continue;
    }
    const n = subst[++i];
    if (n === undefined) return 'substitution ends with a lone backslash';
    if (n >= '0' && n <= '9') {
      if (lit) parts.push(lit);
      lit = '';
      parts.push(Number(n));
    } else if (n === 'x') {
      const hex = subst.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return `invalid '\\x' escape in substitution '${subst}'`;
      lit += String.fromCharCode(Number.parseInt(hex, 16));
      i += 2;
    } else {
      lit += n;
    }
  }
  if (lit) parts.push(lit);
  return parts;
}

/** `regsub(regex,subst[,flags])`: flags 'g' (every match) and 'i' (ignore case). */
registerConverter('regsub', {
  inType: 'str',
  outType: 'str',
  minArgs: 2,
  maxArgs: 3,
  compile(args) {
    const flags = args[2] ?? '';
    const bad = /[^gi]/.exec(flags);
    if (bad) return `invalid regex flag '${bad[0]}', only 'i' and 'g' are supported`;
    let re: RegExp;
    try {
      re = new RegExp(args[0]!, (flags.includes('g') ? 'g' : '') + (flags.includes('i') ? 'i' : ''));
    } catch (e) {
      return `invalid regular expression '${args[0]}': ${(e as Error).message}`;
    }
    const parts = parseSubst(args[1]!);
    if (typeof parts === 'string') return parts;
    // replace() passes the groups, then the offset: a reference past the last group is empty.
    const groups = new RegExp(`${args[0]}|`).exec('')!.length - 1;
    const replace = (...m: unknown[]) => {
      let out = '';
      for (const p of parts)
        out += typeof p === 'string' ? p : p <= groups ? ((m[p] as string | undefined) ?? '') : '';
      return out;
    };
    return (v) => str(v).replace(re, replace);
  },
});

/** A mask argument: a prefix length or a dotted quad (IPv4), a prefix length or an address (IPv6). */
function parseMask(text: string, v6: boolean): Uint32Array | string {
  const net = parseNetwork(`${v6 ? '::' : '0.0.0.0'}/${text}`);
  if (typeof net !== 'string') return net.mask;
  if (v6) {
    const m = parseIPv6(text);
    if (m) return m;
  }
  return `invalid ${v6 ? 'IPv6' : 'IPv4'} mask '${text}'`;
}

registerConverter('ipmask', {
  inType: 'ip',
  outType: 'ip',
  minArgs: 1,
  maxArgs: 2,
  compile(args) {
    const m4 = parseMask(args[0]!, false);
    if (typeof m4 === 'string') return m4;
    const m6 = args[1] !== undefined ? parseMask(args[1], true) : undefined;
    if (typeof m6 === 'string') return m6;
    return (v) => {
      const text = str(v);
      const v4 = parseIPv4(text);
      const words = v4 === undefined ? parseIPv6(text) : undefined;
      // An IPv4-mapped address is masked as IPv4 (c_ipv62ip() first).
      const asV4 = v4 ?? (words ? mappedV4(words) : undefined);
      if (asV4 !== undefined) return formatIPv4((asV4 & m4[0]!) >>> 0);
      if (!words || !m6) return undefined;
      return formatIPv6(words.map((w, i) => (w & m6[i]!) >>> 0));
    };
  },
});

/** `concat([start[,var[,end]]])`: a missing variable appends nothing. */
registerConverter('concat', {
  inType: 'str',
  outType: 'str',
  minArgs: 0,
  maxArgs: 3,
  compile(args) {
    const before = args[0] ?? '';
    const after = args[2] ?? '';
    const name = args[1] ?? '';
    const v = name === '' ? undefined : parseVarName(name);
    if (name !== '' && !v) return `invalid variable name '${name}'`;
    return (x, ctx) => {
      const val = v ? ctx.vars?.get(v.scope, v.name) : undefined;
      const mid = val === undefined ? '' : (castValue(val, typeOfValue(val), 'str') as string | undefined);
      return `${str(x)}${before}${mid ?? ''}${after}`;
    };
  },
});
