/**
 * `hapair -c` / `hapair check`: load and validate like `haproxy -c` and
 * `keepalived -t`. Errors go to stderr as `file:line: keyword: reason`, one per
 * line; the exit code is 0 when valid and 1 otherwise.
 */

import { evalCondExpr, loadHaproxyConfig } from '../config/haproxy/index.js';
import { loadKeepalivedConfig } from '../config/keepalived/index.js';
import { ConfigError, ConfigErrors, HapairError } from '../core/errors.js';

export function configErrorLines(err: unknown): string[] {
  if (err instanceof ConfigErrors) return err.errors.map((e) => `${e.message} [${e.code}]`);
  if (err instanceof ConfigError) return [`${err.message} [${err.code}]`];
  if (err instanceof HapairError) return [`${err.message} [${err.code}]`];
  throw err;
}

export function runCheck(files: readonly string[], keepalived: readonly string[], quiet = false): number {
  if (files.length === 0 && keepalived.length === 0) {
    process.stderr.write(
      'hapair: no configuration file given: use -f haproxy.cfg and/or -k keepalived.conf\n',
    );
    return 1;
  }
  let ok = true;
  const warnings: string[] = [];
  try {
    if (files.length > 0) warnings.push(...loadHaproxyConfig(files).warnings);
  } catch (err) {
    ok = false;
    for (const l of configErrorLines(err)) process.stderr.write(`${l}\n`);
  }
  try {
    if (keepalived.length > 0) warnings.push(...loadKeepalivedConfig(keepalived).warnings);
  } catch (err) {
    ok = false;
    for (const l of configErrorLines(err)) process.stderr.write(`${l}\n`);
  }
  if (!quiet) for (const w of warnings) process.stderr.write(`[WARNING] ${w}\n`);
  if (ok && !quiet) process.stdout.write('Configuration file is valid\n');
  return ok ? 0 : 1;
}

/** `-cc EXPR`: 0 when the expression is true, 1 when false, 2 when it cannot be parsed. */
export function runCondExpr(expr: string): number {
  try {
    return evalCondExpr(expr) ? 0 : 1;
  } catch (err) {
    for (const l of configErrorLines(err)) process.stderr.write(`${l}\n`);
    return 2;
  }
}
