/**
 * The parameter loop shared by `server`, `default-server`, `bind` and
 * `stats socket` lines: after the fixed words, each parameter is looked up in
 * its registry, takes `arity` words, and `no-<flag>` clears a negatable flag
 * (HAProxy's `no-check`, `no-backup`, `no-send-proxy`…, §5.2). No parameter
 * name is known here.
 */
import { ConfigCode, ConfigError, type SourceLoc } from '../../core/errors.js';
import type { KeywordRegistry, KeywordSpec } from '../registry.js';

interface Found<C> {
  readonly spec: KeywordSpec<C>;
  readonly consumed: number;
  readonly negated: boolean;
}

function lookup<C>(registry: KeywordRegistry<C>, words: readonly string[]): Found<C> | undefined {
  const direct = registry.match(words);
  if (direct) return { ...direct, negated: false };
  const first = words[0]!;
  if (!first.startsWith('no-')) return undefined;
  const flag = registry.match([first.slice(3)]);
  return flag?.spec.negatable ? { spec: flag.spec, consumed: 1, negated: true } : undefined;
}

function unknown<C>(
  registry: KeywordRegistry<C>,
  words: readonly string[],
  scope: string,
  loc: SourceLoc,
): ConfigError {
  const word = words[0]!;
  const u = registry.matchUnsupported(words);
  if (u)
    return new ConfigError(ConfigCode.Unsupported, loc, scope, `${scope} parameter '${u.name}' ${u.reason}`);
  const hint = registry.suggest(words, scope);
  const tail = hint ? `; did you mean '${hint}'?` : '';
  return new ConfigError(
    ConfigCode.UnknownKeyword,
    loc,
    scope,
    `unknown ${scope} parameter '${word}'${tail}`,
  );
}

/** Applies `words` as parameters of a `scope` line to `ctx`; throws on the first bad one. */
export function applyParams<C>(
  registry: KeywordRegistry<C>,
  ctx: C,
  scope: string,
  words: readonly string[],
  loc: SourceLoc,
): void {
  let i = 0;
  while (i < words.length) {
    const rest = words.slice(i);
    const found = lookup(registry, rest);
    if (!found) throw unknown(registry, rest, scope, loc);
    const { spec, consumed, negated } = found;
    if (!spec.sections.includes(scope)) {
      const where = spec.sections.map((s) => `'${s}'`).join(', ');
      throw new ConfigError(
        ConfigCode.WrongSection,
        loc,
        spec.name,
        `not allowed on a '${scope}' line (only on ${where})`,
      );
    }
    const arity = negated ? 0 : (spec.arity ?? 0);
    const args = words.slice(i + consumed, i + consumed + arity);
    if (args.length < arity) {
      throw new ConfigError(
        ConfigCode.BadArgs,
        loc,
        spec.name,
        `expects ${arity} argument${arity > 1 ? 's' : ''}`,
      );
    }
    spec.parse(ctx, { keyword: spec.name, args, loc, negated, reset: false });
    i += consumed + arity;
  }
}
