/**
 * keepalived.conf loader: lex (with include and $PARAM substitution) → parse
 * through the keyword registry → build with keepalived's defaults → validate
 * → freeze (house rule 2). The VRRP engine reads only the frozen result.
 */
import { ConfigCode, ConfigError, ConfigErrors } from '../../core/errors.js';
import { buildConfig, deepFreeze } from './build.js';
import { lexFiles } from './lexer.js';
import type { KeepalivedConfig } from './model.js';
import { parseStatements } from './parser.js';
import { keepalivedRegistry } from './registry.js';
import { validateConfig } from './validate.js';

export type { KeepalivedConfig } from './model.js';

/**
 * Loads `paths` in order as one configuration (definitions carry over from one
 * file to the next). Throws ConfigErrors listing every error of the first
 * stage that failed (reading, parsing, or validation).
 */
export function loadKeepalivedConfig(paths: readonly string[]): KeepalivedConfig {
  if (paths.length === 0) {
    throw new ConfigErrors([
      new ConfigError(ConfigCode.Missing, undefined, undefined, 'no keepalived configuration file given'),
    ]);
  }
  const lexed = lexFiles(paths);
  const parsed = parseStatements(lexed.statements, keepalivedRegistry);
  const config = buildConfig(parsed.drafts, lexed.files);
  const report = validateConfig(parsed.drafts, config);
  if (report.errors.length > 0) throw new ConfigErrors(report.errors);
  config.warnings = [...lexed.warnings, ...parsed.warnings, ...report.warnings];
  return deepFreeze(config);
}
