/**
 * haproxy.cfg loader: read (`-f FILE|DIR`…), lex, parse through the keyword
 * registries, validate like `haproxy -c`, build and freeze. Never touches the
 * network: host names are kept for the runtime to resolve.
 */
import { planChecks } from '../../checks/plan.js';
import { ConfigError, ConfigErrors } from '../../core/errors.js';
import { buildConfig, deepFreeze } from './build.js';
import { evalCondExpr } from './conditions.js';
import type { HaproxyConfig } from './model.js';
import { parseHaproxyFiles } from './parser.js';
import { validateDrafts } from './validate.js';

export interface LoadOptions {
  /** Environment for `"${VAR}"` expansion and `.if defined(VAR)`; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Loads the files in order; throws ConfigErrors listing every error found, sorted by file and line. */
export function loadHaproxyConfig(paths: readonly string[], opts: LoadOptions = {}): HaproxyConfig {
  const state = parseHaproxyFiles(paths, opts.env ?? process.env);
  if (state.errors.length === 0) validateDrafts(state);
  if (state.errors.length > 0) {
    const order = (file: string | undefined): number => (file === undefined ? -1 : state.files.indexOf(file));
    const sorted = [...state.errors].sort(
      (a, b) => order(a.loc?.file) - order(b.loc?.file) || (a.loc?.line ?? 0) - (b.loc?.line ?? 0),
    );
    throw new ConfigErrors(sorted);
  }
  const config = deepFreeze(buildConfig(state));
  // The check engine compiles every check definition (ordering of tcp-check
  // steps, a port to probe…) the way HAProxy's post-parse checks do; its first
  // finding is reported like any other error.
  try {
    planChecks(config, Date.now);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigErrors([err]);
    throw err;
  }
  return config;
}

export { evalCondExpr };
