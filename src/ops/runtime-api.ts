/**
 * The runtime API: HAProxy's stats socket protocol (management.txt 9.3) on
 * every global `stats socket` — a unix socket with its `mode`/`user`/`group`,
 * an abstract socket, an inherited fd, or an ipv4@/ipv6@ address — each with
 * its `level` (operator by default, configuration.txt 5.1 "level").
 * `stats timeout` closes idle connections (default 10s); beyond `stats
 * maxconn` (default 10) concurrent connections, new ones wait unread until a
 * slot frees, as HAProxy leaves them in the listen queue.
 */
import { statSync, unlinkSync } from 'node:fs';
import type net from 'node:net';
import type { BindConfig } from '../config/haproxy/model.js';
import { child, type Logger } from '../core/logger.js';
import { bindListener } from '../proxy/bind.js';
import type { RuntimeDeps } from './cli-context.js';
import { CliSession } from './cli-session.js';
import type { InfoFields } from './info.js';
import { sessionId } from './session-ids.js';
import type { ProxyControl, SessionView, VrrpController, VrrpStatusSource } from './types.js';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAXCONN = 10;
const BACKLOG = 128;

export interface RuntimeApiOptions {
  readonly sockets: readonly BindConfig[];
  readonly control: ProxyControl;
  readonly vrrpStatus?: VrrpStatusSource;
  readonly vrrpControl?: VrrpController;
  /** Master-worker: state-changing commands for the other workers (RuntimeDeps.replicate). */
  readonly replicate?: RuntimeDeps['replicate'];
  /** Master-worker: the whole process's counters for the counter views (RuntimeDeps.gatherCounters). */
  readonly gatherCounters?: RuntimeDeps['gatherCounters'];
  readonly log: Logger;
  readonly info: () => InfoFields;
  /** Override `stats timeout` (ms) and `stats maxconn`, read from control.config.global otherwise. */
  readonly timeoutMs?: number;
  readonly maxconn?: number;
}

export interface RuntimeApi {
  /** Where each socket listens: a path, `@name` for an abstract socket, or `host:port`. */
  readonly addresses: readonly string[];
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

function describe(bind: BindConfig, server: net.Server): string {
  const a = server.address();
  if (a && typeof a === 'object')
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  return bind.addr.family === 'abns' ? `@${bind.addr.path}` : (bind.addr.path ?? bind.addr.text);
}

/** Unix socket files are removed on close, so no dead socket is left behind. */
function removeSocketFile(bind: BindConfig): void {
  const path = bind.addr.family === 'unix' ? bind.addr.path : undefined;
  try {
    if (path && statSync(path).isSocket()) unlinkSync(path);
  } catch {
    // already gone
  }
}

function viewOf(s: CliSession, listenerIndex: number): SessionView {
  const sock = s.sock;
  const tcp = sock.remoteFamily === 'IPv4' || sock.remoteFamily === 'IPv6';
  return {
    id: sessionId(s),
    proto: !tcp ? 'unix_stream' : sock.remoteFamily === 'IPv6' ? 'tcpv6' : 'tcpv4',
    src: tcp ? `${sock.remoteAddress}:${sock.remotePort}` : `unix:${listenerIndex + 1}`,
    frontend: 'GLOBAL',
    ageSec: Math.floor((Date.now() - s.openedAt) / 1000),
    bytesIn: sock.bytesRead,
    bytesOut: sock.bytesWritten,
  };
}

/**
 * The open connections of all the stats sockets: at most `maxconn` served at
 * once, the others paused in arrival order until a slot frees.
 */
class ConnectionPool {
  private readonly sessions = new Map<CliSession, number>();
  private readonly waiting: { readonly sock: net.Socket; readonly start: () => void }[] = [];
  readonly deps: RuntimeDeps;

  constructor(
    opts: RuntimeApiOptions,
    private readonly log: Logger,
    private readonly maxconn: number,
    private readonly timeoutMs: number,
  ) {
    this.deps = {
      control: opts.control,
      info: opts.info,
      cliSessions: () => [...this.sessions].map(([s, i]) => viewOf(s, i)),
      killCliSession: (id) => {
        const s = [...this.sessions.keys()].find((x) => sessionId(x) === id);
        s?.sock.destroy();
        return s !== undefined;
      },
      ...(opts.vrrpStatus ? { vrrpStatus: opts.vrrpStatus } : {}),
      ...(opts.vrrpControl ? { vrrpControl: opts.vrrpControl } : {}),
      ...(opts.replicate ? { replicate: opts.replicate } : {}),
      ...(opts.gatherCounters ? { gatherCounters: opts.gatherCounters } : {}),
    };
  }

  accept(sock: net.Socket, bind: BindConfig, index: number): void {
    // A waiting connection reset by its client must not become an unhandled error.
    sock.on('error', (err) => this.log.debug({ err: err.message }, 'runtime API connection error'));
    if (this.sessions.size < this.maxconn) {
      this.serve(sock, bind, index);
      return;
    }
    sock.pause();
    const entry = { sock, start: () => this.serve(sock, bind, index) };
    this.waiting.push(entry);
    sock.once('close', () => {
      const at = this.waiting.indexOf(entry);
      if (at >= 0) this.waiting.splice(at, 1);
    });
  }

  private serve(sock: net.Socket, bind: BindConfig, index: number): void {
    const s = new CliSession(sock, bind.level ?? 'operator', this.deps, this.log, this.timeoutMs);
    this.sessions.set(s, index);
    sock.resume();
    sock.once('close', () => {
      this.sessions.delete(s);
      this.waiting.shift()?.start();
    });
  }

  closeAll(): void {
    for (const s of this.sessions.keys()) s.sock.destroy();
    for (const w of this.waiting.splice(0)) w.sock.destroy();
  }
}

async function bindAll(
  sockets: readonly BindConfig[],
  pool: ConnectionPool,
): Promise<{ servers: net.Server[]; addresses: string[] }> {
  const servers: net.Server[] = [];
  const addresses: string[] = [];
  try {
    for (const [index, bind] of sockets.entries()) {
      for (const server of await bindListener(bind, BACKLOG)) {
        // A client may half-close after its command (socat does): the answer must still go out.
        (server as net.Server & { allowHalfOpen: boolean }).allowHalfOpen = true;
        server.on('connection', (sock: net.Socket) => pool.accept(sock, bind, index));
        servers.push(server);
        addresses.push(describe(bind, server));
      }
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    throw err;
  }
  return { servers, addresses };
}

export async function startRuntimeApi(opts: RuntimeApiOptions): Promise<RuntimeApi> {
  const log = child(opts.log, 'stats socket');
  const g = opts.control.config.global;
  const pool = new ConnectionPool(
    opts,
    log,
    opts.maxconn ?? g.statsMaxconn ?? DEFAULT_MAXCONN,
    opts.timeoutMs ?? g.statsTimeout ?? DEFAULT_TIMEOUT_MS,
  );
  for (const bind of opts.sockets) {
    if (bind.exposeFd) {
      log.warn(
        { socket: bind.addr.text },
        'expose-fd listeners ignored: hapair hands no listening fd over the runtime API',
      );
    }
  }
  const { servers, addresses } = await bindAll(opts.sockets, pool);
  log.info({ addresses }, 'runtime API listening');
  return {
    addresses,
    async close() {
      const closing = servers.map((s) => new Promise((r) => s.close(r)));
      pool.closeAll();
      await Promise.all(closing);
      for (const bind of opts.sockets) removeSocketFile(bind);
    },
  };
}
