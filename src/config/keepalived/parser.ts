/**
 * keepalived.conf parser: walks the statement tree of the lexer and hands
 * every statement inside a top-level block to the keyword registry (house
 * rule 3). It knows the top-level block names only (keepalived.conf(5) "TOP
 * HIERACHY"); the handlers fill per-block drafts (drafts.ts) through a
 * per-statement context (context.ts). Errors are collected statement by
 * statement, so one run reports them all, as `keepalived -t` does.
 */
import { ConfigCode, ConfigError, ConfigErrors, formatConfigMessage } from '../../core/errors.js';
import { editDistance, type KeywordCall, type KeywordRegistry, type KeywordSpec } from '../registry.js';
import type { BlockLine, KeepalivedCtx } from './context.js';
import {
  type GlobalDraft,
  type InstanceDraft,
  newGlobalDraft,
  newInstanceDraft,
  newScriptDraft,
  newSyncGroupDraft,
  newTrackFileDraft,
  type ScriptDraft,
  type SectionDrafts,
  type SectionName,
  type SyncGroupDraft,
  type TrackFileDraft,
} from './drafts.js';
import type { Statement } from './lexer.js';

export interface ParsedDrafts {
  readonly global: GlobalDraft;
  readonly scripts: ScriptDraft[];
  readonly trackFiles: TrackFileDraft[];
  readonly instances: InstanceDraft[];
  readonly syncGroups: SyncGroupDraft[];
}

type TopSection = 'global_defs' | 'vrrp_script' | 'track_file' | 'vrrp_instance' | 'vrrp_sync_group';

const TOP_LEVEL: Readonly<Record<string, TopSection>> = {
  global_defs: 'global_defs',
  vrrp_script: 'vrrp_script',
  vrrp_instance: 'vrrp_instance',
  vrrp_sync_group: 'vrrp_sync_group',
  track_file: 'track_file',
  vrrp_track_file: 'track_file',
};

/** keepalived ≥ 2.1 renamed vrrp_track_file to track_file (keepalived.conf(5) "Track files"). */
const DEPRECATED_TOP_LEVEL: Readonly<Record<string, string>> = { vrrp_track_file: 'track_file' };

const LVS = 'LVS virtual_server is not supported: define the service as a frontend/backend in haproxy.cfg';
const NOT_YET = 'not supported by hapair yet';

/** keepalived top-level blocks hapair refuses (keepalived.conf(5) "TOP HIERACHY"). */
const TOP_UNSUPPORTED: Readonly<Record<string, string>> = {
  virtual_server: LVS,
  virtual_server_group: LVS,
  real_server: LVS,
  static_ipaddress: NOT_YET,
  static_routes: NOT_YET,
  static_rules: NOT_YET,
  static_track_group: NOT_YET,
  track_group: NOT_YET,
  vrrp_track_process: NOT_YET,
  bfd_instance: NOT_YET,
  garp_group: NOT_YET,
  linkbeat_interfaces: NOT_YET,
  interface_up_down_delays: NOT_YET,
  net_namespace: NOT_YET,
  net_namespace_ipvs: NOT_YET,
  namespace_with_ipsets: NOT_YET,
  use_pid_dir: NOT_YET,
  instance: NOT_YET,
  child_wait_time: NOT_YET,
  linkbeat_use_polling: NOT_YET,
};

/** Dispatches `statements` through `registry`. Throws ConfigErrors with every error found. */
export function parseStatements(
  statements: readonly Statement[],
  registry: KeywordRegistry<KeepalivedCtx>,
): { drafts: ParsedDrafts; warnings: string[] } {
  const parser = new Parser(registry);
  for (const stmt of statements) parser.collect(() => parser.top(stmt));
  if (parser.errors.length > 0) throw new ConfigErrors(parser.errors);
  return { drafts: parser.drafts, warnings: parser.warnings };
}

class Parser {
  readonly errors: ConfigError[] = [];
  readonly warnings: string[] = [];
  readonly drafts: ParsedDrafts = {
    global: newGlobalDraft(),
    scripts: [],
    trackFiles: [],
    instances: [],
    syncGroups: [],
  };

  constructor(private readonly registry: KeywordRegistry<KeepalivedCtx>) {}

  collect(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.errors.push(err);
    }
  }

  top(stmt: Statement): void {
    const [keyword, ...args] = stmt.words as [string, ...string[]];
    const refused = TOP_UNSUPPORTED[keyword];
    if (refused !== undefined) throw new ConfigError(ConfigCode.Unsupported, stmt.loc, keyword, refused);
    const section = TOP_LEVEL[keyword];
    if (section === undefined) throw this.unknownTopLevel(stmt, keyword);
    if (stmt.block === undefined) {
      throw new ConfigError(ConfigCode.Syntax, stmt.loc, keyword, "expects a '{ … }' block");
    }
    const modern = DEPRECATED_TOP_LEVEL[keyword];
    if (modern !== undefined) this.warn(stmt.loc, keyword, `deprecated: write ${modern}`);
    if (section === 'global_defs') {
      if (args.length > 0) throw new ConfigError(ConfigCode.BadArgs, stmt.loc, keyword, 'takes no name');
      this.block(stmt.block, section, this.drafts.global);
      return;
    }
    if (args.length !== 1) throw new ConfigError(ConfigCode.BadArgs, stmt.loc, keyword, 'expects one name');
    const name = args[0]!;
    if (section === 'vrrp_script')
      this.named(stmt.block, section, this.drafts.scripts, newScriptDraft(name, stmt.loc));
    else if (section === 'track_file') {
      this.named(stmt.block, section, this.drafts.trackFiles, newTrackFileDraft(name, stmt.loc));
    } else if (section === 'vrrp_instance') {
      this.named(stmt.block, section, this.drafts.instances, newInstanceDraft(name, stmt.loc));
    } else this.named(stmt.block, section, this.drafts.syncGroups, newSyncGroupDraft(name, stmt.loc));
  }

  private named<K extends SectionName>(
    block: readonly Statement[],
    section: K,
    list: SectionDrafts[K][],
    draft: SectionDrafts[K],
  ): void {
    list.push(draft);
    this.block(block, section, draft);
  }

  private unknownTopLevel(stmt: Statement, keyword: string): ConfigError {
    const known = Object.keys(TOP_LEVEL).filter((k) => DEPRECATED_TOP_LEVEL[k] === undefined);
    const best = known
      .map((k) => ({ k, d: editDistance(keyword, k) }))
      .sort((a, b) => a.d - b.d)
      .find((c) => c.d <= Math.max(1, Math.floor(keyword.length / 3)));
    let reason = 'unknown top-level keyword';
    if (best) reason += `; did you mean "${best.k}"?`;
    else if (this.registry.match(stmt.words)) reason += ': it belongs inside a block';
    return new ConfigError(ConfigCode.UnknownKeyword, stmt.loc, keyword, reason);
  }

  private block<K extends SectionName>(
    block: readonly Statement[],
    section: K,
    draft: SectionDrafts[K],
  ): void {
    for (const stmt of block) this.collect(() => this.dispatch(stmt, section, draft));
  }

  private dispatch(stmt: Statement, section: SectionName, draft: SectionDrafts[SectionName]): void {
    const match = this.registry.match(stmt.words);
    if (match === undefined || !match.spec.sections.includes(section)) {
      throw this.refusal(stmt, section, match?.spec);
    }
    const call: KeywordCall = {
      keyword: match.spec.name,
      args: stmt.words.slice(match.consumed),
      loc: stmt.loc,
      negated: false,
      reset: false,
    };
    let blockUsed = false;
    const ctx: KeepalivedCtx = {
      section,
      draft,
      hasBlock: stmt.block !== undefined,
      eachLine: (c, fn) => {
        blockUsed = true;
        this.eachLine(stmt, c, fn);
      },
      parseBlock: (c, s, d) => {
        blockUsed = true;
        if (stmt.block === undefined)
          throw new ConfigError(ConfigCode.Syntax, c.loc, c.keyword, "expects a '{ … }' block");
        this.block(stmt.block, s, d);
      },
      warn: (loc, keyword, reason) => this.warn(loc, keyword, reason),
    };
    match.spec.parse(ctx, call);
    draft.locs.set(call.keyword, call.loc);
    if (stmt.block !== undefined && !blockUsed) {
      throw new ConfigError(ConfigCode.Syntax, stmt.loc, call.keyword, "takes no '{ … }' block");
    }
  }

  private eachLine(stmt: Statement, call: KeywordCall, fn: (line: BlockLine) => void): void {
    if (stmt.block === undefined) {
      throw new ConfigError(ConfigCode.Syntax, call.loc, call.keyword, "expects a '{ … }' block");
    }
    for (const line of stmt.block) {
      this.collect(() => {
        if (line.block !== undefined) {
          throw new ConfigError(ConfigCode.Syntax, line.loc, call.keyword, "unexpected nested '{ … }' block");
        }
        fn({ words: line.words, loc: line.loc });
      });
    }
  }

  private refusal(
    stmt: Statement,
    section: SectionName,
    spec: KeywordSpec<KeepalivedCtx> | undefined,
  ): ConfigError {
    const refused = this.registry.matchUnsupported(stmt.words);
    if (refused) return new ConfigError(ConfigCode.Unsupported, stmt.loc, refused.name, refused.reason);
    if (spec) {
      const where = spec.sections.join(', ');
      return new ConfigError(
        ConfigCode.WrongSection,
        stmt.loc,
        spec.name,
        `not valid in ${section} (valid in ${where})`,
      );
    }
    const hint = this.registry.suggest(stmt.words, section);
    const reason = `unknown keyword in ${section}${hint ? `; did you mean "${hint}"?` : ''}`;
    return new ConfigError(ConfigCode.UnknownKeyword, stmt.loc, stmt.words[0], reason);
  }

  private warn(loc: Statement['loc'], keyword: string, reason: string): void {
    this.warnings.push(formatConfigMessage(loc, keyword, reason));
  }
}
