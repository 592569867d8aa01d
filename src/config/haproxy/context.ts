/**
 * What a keyword parser receives. Three registries share these shapes:
 * section keywords (SectionCtx), server/default-server parameters
 * (ServerParamCtx) and bind/stats-socket parameters (BindParamCtx). The
 * parser core builds the contexts; keyword modules only fill drafts.
 */
import type { SourceLoc } from '../../core/errors.js';
import type { KeywordCall, KeywordRegistry, KeywordSpec } from '../registry.js';
import type {
  GlobalDraft,
  HttpErrorsDraft,
  Mutable,
  ProxyDraft,
  ServerDraft,
  UserlistDraft,
} from './draft.js';
import type { BindConfig } from './model.js';

export type SectionKind =
  | 'global'
  | 'defaults'
  | 'frontend'
  | 'backend'
  | 'listen'
  | 'userlist'
  | 'http-errors';

/** "May be used in sections" columns of configuration.txt §4.1. */
export const ALL_PROXIES: readonly SectionKind[] = ['defaults', 'frontend', 'listen', 'backend'];
export const FRONT_SIDE: readonly SectionKind[] = ['defaults', 'frontend', 'listen'];
export const BACK_SIDE: readonly SectionKind[] = ['defaults', 'listen', 'backend'];
export const FRONTENDS: readonly SectionKind[] = ['frontend', 'listen'];
export const BACKENDS: readonly SectionKind[] = ['listen', 'backend'];
export const NAMED_PROXIES: readonly SectionKind[] = ['frontend', 'listen', 'backend'];
export const GLOBAL: readonly SectionKind[] = ['global'];

/** Scopes of the parameter registries. */
export const SERVER_SCOPES = ['server', 'default-server'] as const;
export const BIND_SCOPES = ['bind', 'stats socket'] as const;

export interface Warner {
  warn(loc: SourceLoc, keyword: string, message: string): void;
}

/** A bind line's settings before its `ssl` options are folded into BindConfig.ssl. */
export interface BindDraft extends Omit<Mutable<BindConfig>, 'ssl'> {
  sslOn: boolean;
  crt: string[];
  alpn?: string;
  ciphers?: string;
  minVer?: string;
}

export interface ServerParamCtx extends Warner {
  readonly server: ServerDraft;
  readonly proxy: ProxyDraft;
  readonly scope: (typeof SERVER_SCOPES)[number];
}

export interface BindParamCtx extends Warner {
  readonly bind: BindDraft;
  readonly scope: (typeof BIND_SCOPES)[number];
}

export interface ParamRegistries {
  readonly server: KeywordRegistry<ServerParamCtx>;
  readonly bind: KeywordRegistry<BindParamCtx>;
}

export interface SectionCtx extends Warner {
  readonly kind: SectionKind;
  readonly global: GlobalDraft;
  readonly proxy: ProxyDraft | undefined;
  readonly userlist: UserlistDraft | undefined;
  readonly httpErrors: HttpErrorsDraft | undefined;
  readonly params: ParamRegistries;
}

export type SectionSpec = KeywordSpec<SectionCtx>;
export type ServerParamSpec = KeywordSpec<ServerParamCtx>;
export type BindParamSpec = KeywordSpec<BindParamCtx>;

/** Stamps the implementing module on a list of specs (docs show it). */
export function withModule<C>(
  module: string,
  specs: readonly Omit<KeywordSpec<C>, 'module'>[],
): KeywordSpec<C>[] {
  return specs.map((s) => ({ ...s, module }));
}

type ServerParamDraft = Omit<ServerParamSpec, 'module'>;

/**
 * Builders for one-value and on/off `server` parameters writing into the part
 * of the server draft `pick` selects (the server itself, or its check settings).
 */
export function serverParamBuilders<T>(pick: (ctx: ServerParamCtx) => T) {
  const value = (
    name: string,
    doc: string,
    set: (t: T, v: string, call: KeywordCall, ctx: ServerParamCtx) => void,
    defaultValue?: string,
  ): ServerParamDraft => ({
    name,
    sections: SERVER_SCOPES,
    usage: `${name} <value>`,
    doc,
    arity: 1,
    ...(defaultValue !== undefined && { defaultValue }),
    parse: (ctx, call) => set(pick(ctx), call.args[0]!, call, ctx),
  });
  const flag = (name: string, doc: string, set: (t: T, on: boolean) => void): ServerParamDraft => ({
    name,
    sections: SERVER_SCOPES,
    usage: `${name} | no-${name}`,
    doc,
    arity: 0,
    negatable: true,
    parse: (ctx, call) => set(pick(ctx), !call.negated),
  });
  return { value, flag };
}
