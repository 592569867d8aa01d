/**
 * Time and size values as HAProxy writes them (configuration.txt §2.5, §2.6):
 * an unsigned integer with an optional unit suffix, no decimals, no spaces.
 * Times come back in milliseconds, sizes in bytes. keepalived's loader may use
 * these too, so errors name no dialect.
 */
import { ConfigCode, ConfigError, type SourceLoc } from '../core/errors.js';

export type TimeUnit = 'us' | 'ms' | 's' | 'm' | 'h' | 'd';

/** Milliseconds per unit; `us` is handled apart because it rounds up. */
const MS_PER_UNIT: Readonly<Record<Exclude<TimeUnit, 'us'>, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** HAProxy stores timers as signed 32-bit milliseconds ("timer overflow" above that). */
export const MAX_TIME_MS = 2_147_483_647;

const SIZE_FACTORS: Readonly<Record<string, number>> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

function isTimeUnit(s: string): s is TimeUnit {
  return s === 'us' || s in MS_PER_UNIT;
}

/** Returns the value in ms, or the reason the text is not a time. */
function timeOrReason(text: string, defaultUnit: TimeUnit): number | string {
  const m = /^(\d+)([a-z]*)$/.exec(text);
  if (!m) return `'${text}' is not a time (expects an integer with an optional unit us, ms, s, m, h, d)`;
  const unit = m[2] === '' ? defaultUnit : m[2]!;
  if (!isTimeUnit(unit)) return `unknown time unit '${unit}' in '${text}' (expects us, ms, s, m, h or d)`;
  const n = Number(m[1]);
  // Microseconds round up so that a non-zero delay never becomes "no delay".
  const ms = unit === 'us' ? Math.ceil(n / 1000) : n * MS_PER_UNIT[unit];
  if (ms > MAX_TIME_MS) return `timer overflow in '${text}' (max ${MAX_TIME_MS} ms)`;
  return ms;
}

function sizeOrReason(text: string): number | string {
  const m = /^(\d+)([a-zA-Z]?)$/.exec(text);
  if (!m) return `'${text}' is not a size (expects an integer with an optional unit k, m or g)`;
  const unit = m[2]!.toLowerCase();
  const factor = unit === '' ? 1 : SIZE_FACTORS[unit];
  if (factor === undefined) return `unknown size unit '${m[2]}' in '${text}' (expects k, m or g)`;
  const bytes = Number(m[1]) * factor;
  if (!Number.isSafeInteger(bytes)) return `size overflow in '${text}'`;
  return bytes;
}

/** Parses `10s`, `1500`, `250us`… into milliseconds; throws CFG_BAD_UNIT without a location. */
export function parseTime(text: string, defaultUnit: TimeUnit = 'ms'): number {
  return timeValue(text, undefined, undefined, defaultUnit);
}

/** Parses `16k`, `1m`, `512`… into bytes (1024-based); throws CFG_BAD_UNIT without a location. */
export function parseSize(text: string): number {
  return sizeValue(text, undefined, undefined);
}

/** parseTime for a keyword argument: the error carries `file:line: keyword`. */
export function timeValue(
  text: string,
  loc: SourceLoc | undefined,
  keyword: string | undefined,
  defaultUnit: TimeUnit = 'ms',
): number {
  const r = timeOrReason(text, defaultUnit);
  if (typeof r === 'string') throw new ConfigError(ConfigCode.BadUnit, loc, keyword, r);
  return r;
}

/** parseSize for a keyword argument: the error carries `file:line: keyword`. */
export function sizeValue(text: string, loc: SourceLoc | undefined, keyword: string | undefined): number {
  const r = sizeOrReason(text);
  if (typeof r === 'string') throw new ConfigError(ConfigCode.BadUnit, loc, keyword, r);
  return r;
}
