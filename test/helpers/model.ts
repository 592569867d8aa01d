/**
 * Complete haproxy.cfg model objects with HAProxy's defaults, for tests that
 * run the engine without the config loader: makeProxy({ … }), makeServer(…),
 * makeBind(…), makeConfig(…). Overrides replace whole fields.
 */
import type {
  AclDef,
  Address,
  BindConfig,
  Condition,
  GlobalConfig,
  HaproxyConfig,
  ProxyConfig,
  ProxyOptions,
  ServerCheckParams,
  ServerConfig,
} from '../../src/config/haproxy/model.js';

const loc = { file: 'test.cfg', line: 1 };

/** Parses `1.2.3.4:80`, `[::1]:80`, `:80`, `:::80`, `/path`, `unix@/path`, `abns@name`, `fd@3`, `host:80`, `1.2.3.4:+10`. */
export function addr(text: string): Address {
  if (text.startsWith('fd@'))
    return { family: 'fd', host: '', port: 0, portEnd: 0, fd: Number(text.slice(3)), text };
  if (text.startsWith('abns@'))
    return { family: 'abns', host: '', port: 0, portEnd: 0, path: text.slice(5), text };
  if (text.startsWith('unix@') || text.startsWith('/')) {
    return { family: 'unix', host: '', port: 0, portEnd: 0, path: text.replace(/^unix@/, ''), text };
  }
  let host: string;
  let portText: string;
  const br = /^\[(.*)\]:(.*)$/.exec(text);
  if (br) {
    host = br[1]!;
    portText = br[2]!;
  } else {
    const i = text.lastIndexOf(':');
    host = i >= 0 ? text.slice(0, i) : text;
    portText = i >= 0 ? text.slice(i + 1) : '';
  }
  const family = host.includes(':') ? 'ipv6' : /^[\d.]*$/.test(host) ? 'ipv4' : 'hostname';
  const offset = /^[+-]\d+$/.test(portText) ? Number(portText) : undefined;
  const [p1, p2] = portText.split('-');
  const port = offset !== undefined || portText === '' ? 0 : Number(p1);
  const portEnd = p2 !== undefined && offset === undefined ? Number(p2) : port;
  return { family, host, port, portEnd, ...(offset !== undefined ? { portOffset: offset } : {}), text };
}

export function makeBind(text: string, over: Partial<BindConfig> = {}): BindConfig {
  return {
    addr: addr(text),
    loc,
    acceptProxy: false,
    v4v6: false,
    v6only: false,
    transparent: false,
    ...over,
  };
}

const defaultCheck: ServerCheckParams = {
  enabled: false,
  inter: 2000,
  rise: 2,
  fall: 3,
  ssl: false,
  sendProxy: false,
  errorLimit: 10,
  onError: 'fastinter',
};

export function makeServer(name: string, address: string, over: Partial<ServerConfig> = {}): ServerConfig {
  return {
    name,
    id: 1,
    addr: addr(address),
    loc,
    weight: 1,
    backup: false,
    initialState: 'ready',
    maxconn: 0,
    minconn: 0,
    maxqueue: 0,
    slowstart: 0,
    sendProxy: 0,
    check: defaultCheck,
    ...over,
  };
}

export const defaultOptions: ProxyOptions = {
  httpclose: false,
  httpServerClose: false,
  httpKeepAlive: false,
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

/** A `listen` proxy in mode tcp by default; servers get ids 1..n in order unless given. */
export function makeProxy(
  over: Omit<Partial<ProxyConfig>, 'options'> & { options?: Partial<ProxyOptions> } = {},
): ProxyConfig {
  const servers = (over.servers ?? []).map((s, i) => (s.id === 1 && i > 0 ? { ...s, id: i + 1 } : s));
  return {
    kind: 'listen',
    name: 'px',
    id: 2,
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
    fullconn: 0,
    retries: 3,
    redispatch: 0,
    checkKind: 'tcp',
    tcpCheckSteps: [],
    httpReuse: 'safe',
    stickRules: [],
    timeouts: { connect: 5000, client: 30000, server: 30000 },
    acls: new Map(),
    rules: [],
    logs: [],
    errorfiles: new Map(),
    errorlocs: new Map(),
    grace: 0,
    ...over,
    servers,
    options: { ...defaultOptions, ...over.options },
  };
}

export function makeGlobal(over: Partial<GlobalConfig> = {}): GlobalConfig {
  return {
    daemon: false,
    masterWorker: false,
    quiet: false,
    maxconn: 4096,
    nbthread: 1,
    cpuMap: [],
    logs: [],
    statsSockets: [],
    spreadChecks: 0,
    tuneBufsize: 16384,
    tuneMaxhdr: 101,
    ...over,
  };
}

export function makeConfig(proxies: ProxyConfig[], global: Partial<GlobalConfig> = {}): HaproxyConfig {
  return {
    files: ['test.cfg'],
    global: makeGlobal(global),
    proxies,
    userlists: [],
    httpErrors: [],
    warnings: [],
  };
}

/** An anonymous ACL `{ fetch patterns… }`. */
export function acl(fetch: string, patterns: string[], over: Partial<AclDef> = {}): AclDef {
  return {
    name: '',
    fetch,
    fetchArgs: [],
    ignoreCase: false,
    matcher: undefined,
    patternFiles: [],
    patterns,
    loc,
    ...over,
  };
}

/** `if <acl>` / `unless <acl>` with a single term (a named ACL or an anonymous one). */
export function cond(polarity: 'if' | 'unless', term: string | AclDef, negate = false): Condition {
  return { polarity, or: [[{ acl: term, negate }]], loc };
}
