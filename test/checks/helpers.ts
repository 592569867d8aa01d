/**
 * Builders for frozen-model fixtures and small loopback backends used by the
 * check tests. Every server here listens on 127.0.0.1, port 0.
 */
import { once } from 'node:events';
import net from 'node:net';
import type { AgentUpdate, HealthLogLine, HealthSink, StateChangeInfo } from '../../src/checks/types.js';
import type {
  HaproxyConfig,
  HttpCheckStep,
  ProxyConfig,
  ServerCheckParams,
  ServerConfig,
} from '../../src/config/haproxy/model.js';

const LOC = { file: 'test.cfg', line: 1 };

export function checkParams(over: Partial<ServerCheckParams> = {}): ServerCheckParams {
  return {
    enabled: true,
    inter: 100,
    rise: 2,
    fall: 3,
    ssl: false,
    sendProxy: false,
    errorLimit: 10,
    onError: 'fail-check',
    ...over,
  };
}

export function server(name: string, port: number, over: Partial<ServerConfig> = {}): ServerConfig {
  return {
    name,
    id: 1,
    addr: { family: 'ipv4', host: '127.0.0.1', port, portEnd: port, text: `127.0.0.1:${port}` },
    loc: LOC,
    weight: 1,
    backup: false,
    initialState: 'ready',
    maxconn: 0,
    minconn: 0,
    maxqueue: 0,
    slowstart: 0,
    sendProxy: 0,
    check: checkParams(),
    ...over,
  };
}

export function backend(name: string, servers: ServerConfig[], over: Partial<ProxyConfig> = {}): ProxyConfig {
  return {
    kind: 'backend',
    name,
    id: 2,
    loc: LOC,
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
    servers,
    fullconn: 0,
    retries: 3,
    redispatch: 0,
    checkKind: 'tcp',
    tcpCheckSteps: [],
    httpReuse: 'safe',
    stickRules: [],
    timeouts: {},
    options: {
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
    },
    acls: new Map(),
    rules: [],
    logs: [],
    errorfiles: new Map(),
    errorlocs: new Map(),
    grace: 0,
    ...over,
  };
}

export function config(proxies: ProxyConfig[], spreadChecks = 0): HaproxyConfig {
  return {
    files: ['test.cfg'],
    global: {
      daemon: false,
      masterWorker: false,
      quiet: false,
      maxconn: 1000,
      nbthread: 1,
      cpuMap: [],
      logs: [],
      statsSockets: [],
      spreadChecks,
      tuneBufsize: 16384,
      tuneMaxhdr: 101,
    },
    proxies,
    userlists: [],
    httpErrors: [],
    warnings: [],
  };
}

export const step = (kind: HttpCheckStep['kind'], ...args: string[]): HttpCheckStep => ({
  kind,
  args,
  loc: LOC,
});

/** Records every sink call and log line with a timestamp. */
export class RecordingSink implements HealthSink {
  readonly events: {
    at: number;
    type: string;
    server: string;
    info?: StateChangeInfo;
    update?: AgentUpdate;
  }[] = [];
  readonly lines: HealthLogLine[] = [];
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];

  serverUp(_b: string, server: string, info: StateChangeInfo): void {
    this.push({ at: performance.now(), type: 'up', server, info });
  }
  serverStopping(_b: string, server: string, info: StateChangeInfo): void {
    this.push({ at: performance.now(), type: 'stopping', server, info });
  }
  serverDown(_b: string, server: string, info: StateChangeInfo): void {
    this.push({ at: performance.now(), type: 'down', server, info });
  }
  agentUpdate(_b: string, server: string, update: AgentUpdate): void {
    this.push({ at: performance.now(), type: 'agent', server, update });
  }
  onLog = (line: HealthLogLine): void => {
    this.lines.push(line);
    this.wake();
  };

  private push(e: RecordingSink['events'][number]): void {
    this.events.push(e);
    this.wake();
  }
  private wake(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred()) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves when `pred` holds (checked on every event and every 5 ms); rejects after `ms`. */
  until(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const poll = setInterval(() => this.wake(), 5);
      const t = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }, ms);
      this.waiters.push({
        pred,
        resolve: () => {
          clearTimeout(t);
          clearInterval(poll);
          resolve();
        },
      });
    });
  }

  count(type: string): number {
    return this.events.filter((e) => e.type === type).length;
  }
}

/** A TCP server whose connection handler can be swapped while it runs. */
export class ToggleServer {
  readonly srv: net.Server;
  handler: (s: net.Socket) => void = () => {};
  connections = 0;
  open = 0;
  private readonly sockets = new Set<net.Socket>();

  constructor() {
    this.srv = net.createServer((s) => {
      this.connections++;
      this.open++;
      this.sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        this.open--;
        this.sockets.delete(s);
      });
      this.handler(s);
    });
  }

  async listen(port = 0): Promise<number> {
    this.srv.listen(port, '127.0.0.1');
    await once(this.srv, 'listening');
    return (this.srv.address() as net.AddressInfo).port;
  }

  get port(): number {
    return (this.srv.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.srv.listening) await new Promise<void>((r) => this.srv.close(() => r()));
  }
}

/** A port that refuses connections: bound then closed. */
export async function refusedPort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
