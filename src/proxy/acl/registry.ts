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
  /** Set when hapair cannot evaluate this ACL: using it is a configuration error giving this reason. */
  readonly unsupported?: string;
}
const predefined = new Map<string, PredefinedAcl>();

/**
 * An ACL-only keyword (configuration.txt 7.3.6 "ACL derivatives"): a fetch
 * with an implied match method, `path_beg` = `path -m beg`. The plain ones
 * (`hdr`, `cook`, `method`) keep accepting `-m` and converters; the suffixed
 * ones (`exclusive`) refuse both, as the document says they must not be
 * combined.
 */
export interface AclKeyword {
  readonly fetch: string;
  readonly matcher: string;
  readonly exclusive: boolean;
}
const aclKeywords = new Map<string, AclKeyword>();

export function registerFetch(name: string, def: FetchDef): void {
  if (fetches.has(name)) throw new Error(`sample fetch registered twice: ${name}`);
  fetches.set(name, def);
}

export function lookupFetch(name: string): FetchDef | undefined {
  return fetches.get(name);
}

/** The sample type a matcher compares (HAProxy's pat_match_types); none for `found`. */
const matcherInputs = new Map<string, SampleType | undefined>();

export function registerMatcher(name: string, factory: MatcherFactory, input?: SampleType): void {
  if (matchers.has(name)) throw new Error(`matcher registered twice: ${name}`);
  matchers.set(name, factory);
  matcherInputs.set(name, input);
}

/** The type samples are cast to before this matcher sees them; undefined: taken as they are. */
export function matcherInput(name: string): SampleType | undefined {
  return matcherInputs.get(name);
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

/**
 * In ACLs a keyword wins over a fetch of the same name (7.3: "the ACL engine
 * will automatically pick the ACL-only one").
 */
export function registerAclKeyword(name: string, kw: AclKeyword): void {
  if (aclKeywords.has(name)) throw new Error(`ACL keyword registered twice: ${name}`);
  aclKeywords.set(name, kw);
}

export function lookupAclKeyword(name: string): AclKeyword | undefined {
  return aclKeywords.get(name);
}
