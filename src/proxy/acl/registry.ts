/**
 * Registries of sample fetches, matchers and predefined ACLs. Modules register
 * what they implement (house rule 3): fetches-l4.ts registers `src`, `dst`,
 * …; the HTTP layer registers `path`, `hdr`, ….
 */
import type { FetchDef, MatcherFactory, SampleType } from './types.js';

const fetches = new Map<string, FetchDef>();
const matchers = new Map<string, MatcherFactory>();
const defaultMatchers = new Map<SampleType, string>();

/** A predefined ACL (configuration.txt 7.4), e.g. TRUE, LOCALHOST. */
export interface PredefinedAcl {
  readonly fetch: string;
  readonly fetchArgs: readonly string[];
  readonly matcher: string | undefined;
  readonly patterns: readonly string[];
}
const predefined = new Map<string, PredefinedAcl>();

export function registerFetch(name: string, def: FetchDef): void {
  if (fetches.has(name)) throw new Error(`sample fetch registered twice: ${name}`);
  fetches.set(name, def);
}

export function lookupFetch(name: string): FetchDef | undefined {
  return fetches.get(name);
}

export function registerMatcher(name: string, factory: MatcherFactory): void {
  if (matchers.has(name)) throw new Error(`matcher registered twice: ${name}`);
  matchers.set(name, factory);
}

export function lookupMatcher(name: string): MatcherFactory | undefined {
  return matchers.get(name);
}

/** The matcher used when an ACL gives no `-m` (HAProxy's per-type default). */
export function setDefaultMatcher(type: SampleType, matcher: string): void {
  defaultMatchers.set(type, matcher);
}

export function defaultMatcherFor(type: SampleType): string | undefined {
  return defaultMatchers.get(type);
}

export function registerPredefinedAcl(name: string, acl: PredefinedAcl): void {
  if (predefined.has(name)) throw new Error(`predefined ACL registered twice: ${name}`);
  predefined.set(name, acl);
}

export function lookupPredefinedAcl(name: string): PredefinedAcl | undefined {
  return predefined.get(name);
}
