/**
 * The typed model of a haproxy.cfg, produced by the loader and frozen before any
 * runtime code reads it (house rule 2). Times are milliseconds, sizes bytes.
 * HAProxy's inheritance (defaults → proxies) is already applied: a ProxyConfig
 * holds its effective values. `loc` is where each object was declared.
 */
import type { SourceLoc } from '../../core/errors.js';

export type Mode = 'tcp' | 'http';

/** A parsed address. Port 0 with `portEnd` 0 means "no port given". */
export interface Address {
  readonly family: 'ipv4' | 'ipv6' | 'unix' | 'abns' | 'fd' | 'hostname';
  /** IP literal or host name; '' for a wildcard bind (`:80`). */
  readonly host: string;
  readonly port: number;
  /** Last port of a range (`80-85`); equals `port` otherwise. */
  readonly portEnd: number;
  /** `+N`/`-N` relative server port (port mapping), when written that way. */
  readonly portOffset?: number;
  /** Socket path for unix/abns. */
  readonly path?: string;
  /** Inherited fd for `fd@N`. */
  readonly fd?: number;
  /** The text as written, for messages. */
  readonly text: string;
}

/** ACL / condition model shared by tcp-request, use_backend, http rules, monitor fail. */
export interface AclTerm {
  /** Name of a named acl, or an anonymous `{ … }` acl. */
  readonly acl: string | AclDef;
  readonly negate: boolean;
}
export interface Condition {
  readonly polarity: 'if' | 'unless';
  /** Disjunction of conjunctions: `a b || c` → [[a,b],[c]]. */
  readonly or: readonly (readonly AclTerm[])[];
  readonly loc: SourceLoc;
}
export interface AclDef {
  readonly name: string;
  /** Sample fetch, e.g. `src`, `path_beg`, `hdr(host)` → fetch `hdr`, fetchArgs ['host']. */
  readonly fetch: string;
  readonly fetchArgs: readonly string[];
  /** `-i` as it stands after the last flag: it applies to `patterns` (and to every file when `files` is absent). */
  readonly ignoreCase: boolean;
  readonly matcher: string | undefined;
  /** Paths of the `-f` files, in order. */
  readonly patternFiles: readonly string[];
  readonly patterns: readonly string[];
  readonly loc: SourceLoc;
  /** Converters chained after the fetch (`req.hdr(host),lower` → ['lower']), when any. */
  readonly converters?: readonly string[];
  /** `-n` as it stands after the last flag, like `ignoreCase`. */
  readonly noDns?: boolean;
  /** The `-f` files with the flags in force where each appears, as the parser records them. */
  readonly files?: readonly AclPatternFile[];
}

/**
 * One `-f` file of an ACL. `-i` and `-n` apply only to what follows them,
 * so each file keeps its own (configuration.txt 7.1: "-f exact-ua.lst -i -f
 * generic-ua.lst test" matches exact-ua.lst case-sensitively).
 */
export interface AclPatternFile {
  readonly path: string;
  readonly ignoreCase: boolean;
  readonly noDns: boolean;
}

export interface Timeouts {
  readonly connect?: number;
  readonly client?: number;
  readonly server?: number;
  readonly tunnel?: number;
  readonly clientFin?: number;
  readonly serverFin?: number;
  readonly queue?: number;
  readonly httpRequest?: number;
  readonly httpKeepAlive?: number;
  readonly check?: number;
  readonly tarpit?: number;
}

export interface BindConfig {
  readonly addr: Address;
  readonly loc: SourceLoc;
  readonly name?: string;
  readonly acceptProxy: boolean;
  readonly backlog?: number;
  readonly maxconn?: number;
  readonly v4v6: boolean;
  readonly v6only: boolean;
  readonly transparent: boolean;
  readonly interface?: string;
  /** unix socket permissions. */
  readonly mode?: number;
  readonly user?: string;
  readonly group?: string;
  readonly ssl?: {
    readonly crt: readonly string[];
    readonly alpn?: string;
    readonly ciphers?: string;
    readonly minVer?: string;
  };
  /** stats socket only. */
  readonly level?: 'user' | 'operator' | 'admin';
  readonly exposeFd?: boolean;
}

export type HashFunction = 'sdbm' | 'djb2' | 'wt6' | 'crc32';
export interface HashType {
  readonly method: 'map-based' | 'consistent';
  readonly fn: HashFunction;
  readonly avalanche: boolean;
}

export type BalanceConfig =
  | { readonly algorithm: 'roundrobin' | 'static-rr' | 'leastconn' | 'first' | 'source' }
  | { readonly algorithm: 'random'; readonly draws: number }
  | {
      readonly algorithm: 'uri';
      readonly whole: boolean;
      readonly pathOnly: boolean;
      readonly len: number;
      readonly depth: number;
    }
  | { readonly algorithm: 'url_param'; readonly param: string; readonly checkPost: boolean }
  | { readonly algorithm: 'hdr'; readonly header: string; readonly useDomainOnly: boolean }
  | { readonly algorithm: 'rdp-cookie'; readonly cookie: string };

export type ServerAdminState = 'ready' | 'drain' | 'maint';

export interface AgentCheck {
  readonly port?: number;
  readonly addr?: string;
  readonly inter: number;
  readonly send?: string;
}

export interface ServerCheckParams {
  /** `check` given. */
  readonly enabled: boolean;
  readonly inter: number;
  readonly fastinter?: number;
  readonly downinter?: number;
  readonly rise: number;
  readonly fall: number;
  readonly port?: number;
  readonly addr?: string;
  readonly ssl: boolean;
  readonly sendProxy: boolean;
  readonly agent?: AgentCheck;
  readonly observe?: 'layer4' | 'layer7';
  readonly errorLimit: number;
  readonly onError: 'fastinter' | 'fail-check' | 'sudden-death' | 'mark-down';
  readonly onMarkedDown?: 'shutdown-sessions';
  readonly onMarkedUp?: 'shutdown-backup-sessions';
}

export interface ServerConfig {
  readonly name: string;
  /** Numeric id (`id` param, or HAProxy's automatic numbering: build.ts assignIds). */
  readonly id: number;
  /** The id was written (`id N`): `show servers state` srv_f_forced_id. */
  readonly idForced?: true;
  readonly addr: Address;
  readonly loc: SourceLoc;
  /** 0–256; default 1. */
  readonly weight: number;
  readonly backup: boolean;
  /** Initial admin state: `disabled` → maint. */
  readonly initialState: ServerAdminState;
  /** 0 = unlimited. */
  readonly maxconn: number;
  /** 0 = same as maxconn. */
  readonly minconn: number;
  /** 0 = unlimited. */
  readonly maxqueue: number;
  /** ms; 0 = none. */
  readonly slowstart: number;
  readonly cookie?: string;
  /** Source address (and optional port) for connections to this server. */
  readonly source?: Address;
  /** PROXY protocol toward the server: 0 none, 1 v1, 2 v2. */
  readonly sendProxy: 0 | 1 | 2;
  readonly check: ServerCheckParams;
  readonly ssl?: { readonly verify: 'none' | 'required'; readonly caFile?: string; readonly sni?: string };
  readonly redir?: string;
}

/** Where an RFC 7239 parameter's value comes from: the connection ('orig') or a sample expression. */
export type ForwardedSource = 'orig' | { readonly expr: string };

/** `option forwarded [proto] [host|host-expr E] [by|by-expr E] [by_port|by_port-expr E] [for|for-expr E] [for_port|for_port-expr E]`. */
export interface ForwardedParams {
  readonly proto: boolean;
  readonly host?: ForwardedSource;
  readonly by?: ForwardedSource;
  readonly byPort?: ForwardedSource;
  readonly for?: ForwardedSource;
  readonly forPort?: ForwardedSource;
  readonly loc: SourceLoc;
}

export interface ForwardFor {
  readonly except?: string;
  readonly header: string;
  readonly ifNone: boolean;
}

export interface HttpCheckStep {
  /** The word after `http-check`/`tcp-check`; `send-binary` exists for tcp-check only. */
  readonly kind: 'connect' | 'send' | 'send-binary' | 'expect';
  readonly args: readonly string[];
  readonly loc: SourceLoc;
}

export interface HttpCheck {
  readonly method: string;
  readonly uri: string;
  readonly version: string;
  /** Extra header/body lines from `option httpchk` (legacy) or `http-check send`. */
  readonly steps: readonly HttpCheckStep[];
}

export type ProxyCheckKind =
  | 'tcp'
  | 'http'
  | 'ssl-hello'
  | 'mysql'
  | 'pgsql'
  | 'redis'
  | 'smtp'
  | 'tcp-check'
  | 'external';

export interface CookieConfig {
  readonly name: string;
  readonly mode: 'insert' | 'rewrite' | 'prefix' | 'passive';
  readonly indirect: boolean;
  readonly nocache: boolean;
  readonly postonly: boolean;
  readonly preserve: boolean;
  readonly httponly: boolean;
  readonly secure: boolean;
  readonly domains: readonly string[];
  readonly maxidle: number;
  readonly maxlife: number;
  readonly dynamic: boolean;
}

export interface Rule {
  /** Rule family: `tcp-request connection`, `http-request`, `http-response`, … */
  readonly family: string;
  readonly action: string;
  readonly args: readonly string[];
  readonly cond?: Condition;
  readonly loc: SourceLoc;
}

/** `stick-table` (configuration.txt 4.2): at most one per proxy, named after it. */
export interface StickTableConfig {
  readonly type: 'ip' | 'ipv6' | 'integer' | 'string' | 'binary';
  /** Key length for string/binary keys (bytes). */
  readonly len: number;
  /** Maximum number of entries. */
  readonly size: number;
  /** Entry lifetime after its last update (ms); undefined = never expire. */
  readonly expire?: number;
  readonly nopurge: boolean;
  /** Stored data types in declaration order; `period` (ms) for the `*_rate(<period>)` ones. */
  readonly store: readonly { readonly data: string; readonly period?: number }[];
  readonly loc: SourceLoc;
}

/** `stick on|match|store-request|store-response <pattern> [table <t>] [{if|unless} <cond>]`. */
export interface StickRule {
  readonly kind: 'on' | 'match' | 'store-request' | 'store-response';
  /** The sample expression, as written (e.g. `src`, `req.cook(SRV)`). */
  readonly expr: string;
  /** Table name; undefined = the proxy's own table. */
  readonly table?: string;
  readonly cond?: Condition;
  readonly loc: SourceLoc;
}

/** `compression algo|type|offload` (configuration.txt 4.2 "compression"). */
export interface CompressionConfig {
  readonly algos: readonly ('gzip' | 'deflate' | 'raw-deflate' | 'identity')[];
  /** Lower-case MIME types (without parameters); empty = every type. */
  readonly types: readonly string[];
  readonly offload: boolean;
  readonly loc: SourceLoc;
}

export interface UseBackend {
  readonly backend: string;
  readonly cond?: Condition;
  readonly loc: SourceLoc;
}

export interface LogTarget {
  /** `global` resolved away; `stdout`/`stderr`, udp/unix address otherwise. */
  readonly target: string;
  readonly facility: string;
  readonly level?: string;
  readonly minLevel?: string;
  readonly format: 'rfc3164' | 'rfc5424' | 'short' | 'raw';
  readonly len: number;
  readonly loc: SourceLoc;
  /** Parsed network/socket address (udp default port 514 applied); absent for stdout/stderr. */
  readonly addr?: Address;
}

export interface StatsConfig {
  readonly enabled: boolean;
  readonly uri: string;
  readonly realm?: string;
  readonly auth: readonly { readonly user: string; readonly password: string }[];
  readonly refresh?: number;
  readonly admin?: Condition;
  readonly hideVersion: boolean;
  readonly showLegends: boolean;
  readonly showNode?: string;
  readonly showDesc?: string;
  readonly scope: readonly string[];
}

export interface ProxyOptions {
  readonly httpclose: boolean;
  readonly httpServerClose: boolean;
  readonly httpKeepAlive: boolean;
  readonly forwardfor?: ForwardFor;
  readonly forwarded: boolean;
  /** `option forwarded` parameters (configuration.txt 4 "option forwarded"); set with `forwarded`. */
  readonly forwardedParams?: ForwardedParams;
  readonly originalto?: { readonly except?: string; readonly header: string };
  readonly httplog: boolean;
  readonly httplogClf: boolean;
  readonly tcplog: boolean;
  readonly dontlognull: boolean;
  readonly logHealthChecks: boolean;
  readonly persist: boolean;
  readonly allbackups: boolean;
  readonly abortonclose: boolean;
  readonly tcpka: boolean;
  readonly clitcpka: boolean;
  readonly srvtcpka: boolean;
  readonly splice: boolean;
}

/** Where a backend reads its servers' saved state at start-up (configuration.txt "load-server-state-from-file"). */
export type ServerStateSource = 'global' | 'local' | 'none';

export type ProxyKind = 'frontend' | 'backend' | 'listen' | 'defaults';

export interface ProxyConfig {
  readonly kind: ProxyKind;
  readonly name: string;
  readonly id: number;
  /** The id was written (`id N`): `show servers state` bk_f_forced_id. */
  readonly idForced?: true;
  readonly loc: SourceLoc;
  readonly mode: Mode;
  readonly disabled: boolean;
  readonly description?: string;
  // --- frontend side ---
  readonly binds: readonly BindConfig[];
  /** 0 = inherit the global limit. */
  readonly maxconn: number;
  readonly backlog?: number;
  readonly rateLimitSessions?: number;
  readonly defaultBackend?: string;
  readonly useBackends: readonly UseBackend[];
  readonly monitorUri?: string;
  readonly monitorNets: readonly string[];
  readonly monitorFail: readonly Condition[];
  readonly captures: readonly {
    readonly side: 'request' | 'response';
    readonly header: string;
    readonly len: number;
  }[];
  readonly logFormat?: string;
  readonly uniqueIdFormat?: string;
  readonly uniqueIdHeader?: string;
  // --- backend side ---
  readonly balance: BalanceConfig;
  readonly hashType: HashType;
  readonly servers: readonly ServerConfig[];
  readonly fullconn: number;
  readonly retries: number;
  /** 0 = off; N != 0 = `option redispatch N` interval (1 = every retry, -1 = last). */
  readonly redispatch: number;
  readonly dispatch?: Address;
  readonly source?: Address;
  readonly cookie?: CookieConfig;
  /** `dynamic-cookie-key`: the secret of `cookie … dynamic` server values. */
  readonly dynamicCookieKey?: string;
  readonly checkKind: ProxyCheckKind;
  readonly httpCheck?: HttpCheck;
  readonly tcpCheckSteps: readonly HttpCheckStep[];
  readonly externalCheck?: { readonly command?: string; readonly path?: string };
  /** Words after `option mysql-check`, `option pgsql-check` or `option smtpchk`, as written. */
  readonly checkArgs?: readonly string[];
  readonly httpReuse: 'never' | 'safe' | 'aggressive' | 'always';
  readonly stickTable?: StickTableConfig;
  readonly stickRules: readonly StickRule[];
  /** `load-server-state-from-file`; absent = none. */
  readonly loadServerStateFromFile?: ServerStateSource;
  /** `server-state-file-name`, as written (the backend's name for `use-backend-name`). */
  readonly serverStateFileName?: string;
  // --- both ---
  readonly compression?: CompressionConfig;
  readonly timeouts: Timeouts;
  readonly options: ProxyOptions;
  readonly acls: ReadonlyMap<string, readonly AclDef[]>;
  readonly rules: readonly Rule[];
  readonly logs: readonly LogTarget[];
  readonly stats?: StatsConfig;
  readonly errorfiles: ReadonlyMap<number, string>;
  readonly errorlocs: ReadonlyMap<number, { readonly code: 302 | 303; readonly url: string }>;
  /** Legacy `grace` (ms) for soft stop. */
  readonly grace: number;
}

export interface GlobalConfig {
  readonly daemon: boolean;
  readonly masterWorker: boolean;
  readonly quiet: boolean;
  readonly maxconn: number;
  readonly nbthread: number;
  readonly cpuMap: readonly { readonly worker: string; readonly cpus: string }[];
  readonly pidfile?: string;
  readonly user?: string;
  readonly group?: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly chroot?: string;
  readonly ulimitN?: number;
  readonly hardStopAfter?: number;
  readonly logs: readonly LogTarget[];
  readonly statsSockets: readonly BindConfig[];
  readonly statsTimeout?: number;
  /** `stats maxconn` (global): concurrent connections on the stats sockets. */
  readonly statsMaxconn?: number;
  /** Global `external-check`: allows `option external-check` (HAProxy refuses it otherwise). */
  readonly externalCheck?: boolean;
  readonly spreadChecks: number;
  readonly tuneBufsize: number;
  readonly tuneMaxhdr: number;
  readonly serverStateFile?: string;
  /** `server-state-base`: directory of the state files named by a relative path. */
  readonly serverStateBase?: string;
  readonly node?: string;
  readonly description?: string;
  readonly rateLimitSessions?: number;
}

export interface Userlist {
  readonly name: string;
  readonly loc: SourceLoc;
  readonly users: readonly {
    readonly name: string;
    readonly password: string;
    readonly insecure: boolean;
    readonly groups: readonly string[];
  }[];
  readonly groups: readonly { readonly name: string; readonly users: readonly string[] }[];
}

export interface HttpErrorsSection {
  readonly name: string;
  readonly loc: SourceLoc;
  readonly errorfiles: ReadonlyMap<number, string>;
}

export interface HaproxyConfig {
  readonly files: readonly string[];
  readonly global: GlobalConfig;
  /** Frontends, backends and listens in declaration order (defaults excluded). */
  readonly proxies: readonly ProxyConfig[];
  readonly userlists: readonly Userlist[];
  readonly httpErrors: readonly HttpErrorsSection[];
  /** Non-fatal findings, like haproxy -c's [WARNING] lines. */
  readonly warnings: readonly string[];
}
