/**
 * Everything the parser accumulates while reading the files: the drafts, the
 * open section, and the errors and warnings collected so far (haproxy -c
 * reports them all rather than stopping at the first).
 */
import { ConfigError, formatConfigMessage, type SourceLoc } from '../../core/errors.js';
import type { SectionCtx, SectionKind } from './context.js';
import {
  type GlobalDraft,
  type HttpErrorsDraft,
  newGlobal,
  type ProxyDraft,
  type UserlistDraft,
} from './draft.js';

/** The open section; `skip` swallows the lines of a section that was refused. */
export type OpenSection =
  | { readonly kind: 'skip' }
  | { readonly kind: SectionKind; readonly ctx: SectionCtx };

export class ParseState {
  readonly global: GlobalDraft = newGlobal();
  /** Frontends, backends and listens in declaration order. */
  readonly proxies: ProxyDraft[] = [];
  readonly defaults: ProxyDraft[] = [];
  lastDefaults: ProxyDraft | undefined;
  readonly userlists: UserlistDraft[] = [];
  readonly httpErrors: HttpErrorsDraft[] = [];
  section: OpenSection | undefined;
  /** `.SECTION` pseudo-variable (§2.3). */
  sectionLabel = '';
  readonly errors: ConfigError[] = [];
  readonly warnings: string[] = [];
  readonly files: string[] = [];

  readonly warn = (loc: SourceLoc | undefined, keyword: string | undefined, message: string): void => {
    this.warnings.push(formatConfigMessage(loc, keyword, message));
  };

  readonly error = (err: ConfigError): void => {
    this.errors.push(err);
  };

  /** Runs `fn`, collecting a ConfigError instead of letting it escape. */
  collect(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.errors.push(err);
    }
  }
}
