/**
 * Mutable drafts the keyword parsers fill while a haproxy.cfg is read. build.ts
 * turns them into the frozen model; nothing outside src/config keeps a draft.
 * Every default lives here, in one place, with HAProxy's documented values
 * (configuration.txt §3 and §4.2) so a missing keyword is never a guess.
 */
import type { SourceLoc } from '../../core/errors.js';
import type {
  AclDef,
  Address,
  BalanceConfig,
  BindConfig,
  CompressionConfig,
  Condition,
  CookieConfig,
  HashType,
  HttpCheckStep,
  LogTarget,
  Mode,
  ProxyCheckKind,
  ProxyKind,
  ProxyOptions,
  Rule,
  ServerAdminState,
  ServerStateSource,
  StickRule,
  StickTableConfig,
  Timeouts,
  UseBackend,
} from './model.js';

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A `log` line before `log global` is resolved against the global section. */
export type LogDraft = LogTarget | { readonly global: true; readonly loc: SourceLoc };

export interface AgentDraft {
  enabled: boolean;
  port?: number;
  addr?: string;
  inter: number;
  send?: string;
}

export interface CheckDraft {
  enabled: boolean;
  inter: number;
  fastinter?: number;
  downinter?: number;
  rise: number;
  fall: number;
  port?: number;
  addr?: string;
  ssl: boolean;
  sendProxy: boolean;
  agent: AgentDraft;
  observe?: 'layer4' | 'layer7';
  errorLimit: number;
  onError: 'fastinter' | 'fail-check' | 'sudden-death' | 'mark-down';
  onMarkedDown?: 'shutdown-sessions';
  onMarkedUp?: 'shutdown-backup-sessions';
}

/** A `server` line, or a proxy's `default-server` template (name '' then). */
export interface ServerDraft {
  name: string;
  id?: number;
  addr?: Address;
  loc: SourceLoc;
  weight: number;
  backup: boolean;
  initialState: ServerAdminState;
  maxconn: number;
  minconn: number;
  maxqueue: number;
  slowstart: number;
  cookie?: string;
  source?: Address;
  sendProxy: 0 | 1 | 2;
  check: CheckDraft;
  ssl: boolean;
  verify?: 'none' | 'required';
  caFile?: string;
  sni?: string;
  redir?: string;
}

export interface StatsDraft {
  enabled: boolean;
  uri: string;
  realm?: string;
  auth: { user: string; password: string }[];
  refresh?: number;
  admin?: Condition;
  hideVersion: boolean;
  showLegends: boolean;
  showNode?: string;
  showDesc?: string;
  scope: string[];
}

export interface HttpCheckDraft {
  method: string;
  uri: string;
  /** As written: the legacy form may carry headers after `\r\n`, split by the check engine. */
  version: string;
}

export interface ProxyDraft {
  kind: ProxyKind;
  name: string;
  id?: number;
  loc: SourceLoc;
  mode: Mode;
  disabled: boolean;
  description?: string;
  binds: BindConfig[];
  maxconn: number;
  backlog?: number;
  rateLimitSessions?: number;
  defaultBackend?: { name: string; loc: SourceLoc };
  useBackends: UseBackend[];
  monitorUri?: string;
  monitorNets: string[];
  monitorFail: Condition[];
  captures: { side: 'request' | 'response'; header: string; len: number }[];
  logFormat?: string;
  uniqueIdFormat?: string;
  uniqueIdHeader?: string;
  balance: BalanceConfig;
  hashType: HashType;
  defaultServer: ServerDraft;
  servers: ServerDraft[];
  fullconn: number;
  retries: number;
  redispatch: number;
  dispatch?: Address;
  source?: Address;
  cookie?: Mutable<CookieConfig> & { loc: SourceLoc };
  dynamicCookieKey?: string;
  checkKind: ProxyCheckKind;
  checkArgs?: string[];
  httpCheck?: HttpCheckDraft;
  httpCheckSteps: HttpCheckStep[];
  tcpCheckSteps: HttpCheckStep[];
  externalCheck: { command?: string; path?: string };
  httpReuse: 'never' | 'safe' | 'aggressive' | 'always';
  stickTable?: StickTableConfig;
  stickRules: StickRule[];
  loadServerStateFromFile?: ServerStateSource;
  serverStateFileName?: string;
  compression?: Mutable<CompressionConfig>;
  timeouts: Mutable<Timeouts>;
  options: Mutable<ProxyOptions>;
  acls: Map<string, AclDef[]>;
  rules: Rule[];
  logs: LogDraft[];
  stats?: StatsDraft;
  errorfiles: Map<number, string>;
  errorlocs: Map<number, { code: 302 | 303; url: string }>;
  /** `errorfiles NAME [CODE…]` references to http-errors sections, resolved by build.ts. */
  errorfileRefs: { name: string; codes: number[]; loc: SourceLoc }[];
  grace: number;
}

export interface GlobalDraft {
  daemon: boolean;
  masterWorker: boolean;
  quiet: boolean;
  maxconn: number;
  nbthread: number;
  cpuMap: { worker: string; cpus: string }[];
  pidfile?: string;
  user?: string;
  group?: string;
  uid?: number;
  gid?: number;
  chroot?: string;
  ulimitN?: number;
  hardStopAfter?: number;
  logs: LogTarget[];
  statsSockets: BindConfig[];
  statsTimeout?: number;
  statsMaxconn?: number;
  spreadChecks: number;
  tuneBufsize: number;
  tuneMaxhdr: number;
  serverStateFile?: string;
  serverStateBase?: string;
  node?: string;
  description?: string;
  rateLimitSessions?: number;
  externalCheck: boolean;
}

export interface UserlistDraft {
  name: string;
  loc: SourceLoc;
  users: { name: string; password: string; insecure: boolean; groups: string[]; loc: SourceLoc }[];
  groups: { name: string; users: string[]; loc: SourceLoc }[];
}

export interface HttpErrorsDraft {
  name: string;
  loc: SourceLoc;
  errorfiles: Map<number, string>;
}

/** HAProxy's defaults: global maxconn 0 = derived from `ulimit -n` at startup (§3.2 maxconn). */
export function newGlobal(): GlobalDraft {
  return {
    daemon: false,
    masterWorker: false,
    quiet: false,
    maxconn: 0,
    nbthread: 1,
    cpuMap: [],
    logs: [],
    statsSockets: [],
    spreadChecks: 0,
    tuneBufsize: 16384,
    tuneMaxhdr: 101,
    externalCheck: false,
  };
}

/** Server defaults from §5.2: inter 2s, rise 2, fall 3, weight 1, error-limit 10, on-error fail-check. */
export function newServer(loc: SourceLoc): ServerDraft {
  return {
    name: '',
    loc,
    weight: 1,
    backup: false,
    initialState: 'ready',
    maxconn: 0,
    minconn: 0,
    maxqueue: 0,
    slowstart: 0,
    sendProxy: 0,
    ssl: false,
    check: {
      enabled: false,
      inter: 2000,
      rise: 2,
      fall: 3,
      ssl: false,
      sendProxy: false,
      agent: { enabled: false, inter: 2000 },
      errorLimit: 10,
      onError: 'fail-check',
    },
  };
}

/** The documented settings a fresh `defaults` section (or a proxy without one) starts from. */
export function newProxy(kind: ProxyKind, name: string, loc: SourceLoc): ProxyDraft {
  return {
    kind,
    name,
    loc,
    mode: 'tcp',
    disabled: false,
    binds: [],
    maxconn: 0,
    useBackends: [],
    monitorNets: [],
    monitorFail: [],
    captures: [],
    balance: { algorithm: 'roundrobin' },
    hashType: { method: 'map-based', fn: 'sdbm', avalanche: false },
    defaultServer: newServer(loc),
    servers: [],
    fullconn: 0,
    retries: 3,
    redispatch: 0,
    checkKind: 'tcp',
    httpCheckSteps: [],
    tcpCheckSteps: [],
    externalCheck: {},
    httpReuse: 'safe',
    stickRules: [],
    timeouts: {},
    options: defaultOptions(),
    acls: new Map(),
    rules: [],
    logs: [],
    errorfiles: new Map(),
    errorlocs: new Map(),
    errorfileRefs: [],
    grace: 0,
  };
}

/** HTTP keep-alive is HAProxy's default connection mode since 1.5 (§4 "HTTP connection modes"). */
export function defaultOptions(): Mutable<ProxyOptions> {
  return {
    httpclose: false,
    httpServerClose: false,
    httpKeepAlive: true,
    forwarded: false,
    httplog: false,
    httplogClf: false,
    tcplog: false,
    dontlognull: false,
    logHealthChecks: false,
    persist: false,
    allbackups: false,
    abortonclose: false,
    tcpka: false,
    clitcpka: false,
    srvtcpka: false,
    splice: false,
  };
}

export function newStats(): StatsDraft {
  return {
    enabled: false,
    uri: '/haproxy?stats',
    auth: [],
    hideVersion: false,
    showLegends: false,
    scope: [],
  };
}

/**
 * A frontend/backend/listen starts as a copy of its defaults section
 * (HAProxy's proxy_preset_defaults + defproxy copy): everything a defaults
 * section may hold is inherited, its identity is not.
 */
export function proxyFromDefaults(
  defaults: ProxyDraft | undefined,
  kind: ProxyKind,
  name: string,
  loc: SourceLoc,
): ProxyDraft {
  const base = defaults ? structuredClone(defaults) : newProxy(kind, name, loc);
  base.kind = kind;
  base.name = name;
  base.loc = loc;
  base.id = undefined;
  base.description = undefined;
  base.defaultServer.loc = loc;
  return base;
}

export type CookieDraft = NonNullable<ProxyDraft['cookie']>;
export type { HttpCheckStep, LogTarget };
