/**
 * What a keepalived keyword handler receives besides its KeywordCall: the
 * draft of the block it appears in, and access to its own `{ … }` block.
 * The parser (parser.ts) builds one context per statement; handlers never see
 * a "current instance" global (the fault house rule 3 avoids).
 */
import type { SourceLoc } from '../../core/errors.js';
import type { KeywordCall, KeywordSpec } from '../registry.js';
import type { SectionDrafts, SectionName } from './drafts.js';

/** One line of a value block such as `virtual_ipaddress { … }`. */
export interface BlockLine {
  readonly words: readonly string[];
  readonly loc: SourceLoc;
}

export interface KeepalivedCtx {
  readonly section: SectionName;
  /** The draft of `section`; read it through draftOf(). */
  readonly draft: SectionDrafts[SectionName];
  /** True when the statement opened a `{ … }` block. */
  readonly hasBlock: boolean;
  /**
   * Calls `fn` for each line of the statement's block; an error on one line is
   * recorded and the next line is still read. CFG_SYNTAX when there is no block.
   */
  eachLine(call: KeywordCall, fn: (line: BlockLine) => void): void;
  /** Dispatches the statement's block through the registry as keywords of `section`. */
  parseBlock<K extends SectionName>(call: KeywordCall, section: K, draft: SectionDrafts[K]): void;
  warn(loc: SourceLoc, keyword: string, reason: string): void;
}

/** The specs a module registers, and the keepalived keywords it refuses with a reason. */
export interface KeywordSet {
  readonly specs: readonly KeywordSpec<KeepalivedCtx>[];
  readonly unsupported: readonly (readonly [name: string, reason: string])[];
}

/** The draft of the section the keyword was found in; the parser guarantees it is `section`. */
export function draftOf<K extends SectionName>(ctx: KeepalivedCtx, section: K): SectionDrafts[K] {
  if (ctx.section !== section) {
    throw new Error(`keepalived keyword handler for ${section} called in ${ctx.section}`);
  }
  return ctx.draft as SectionDrafts[K];
}
