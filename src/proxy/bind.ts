/**
 * Creates listening sockets for `bind` lines, apart from the listener logic so
 * a master process can own the sockets and hand them to workers.
 *
 * Why handles are built by hand: a frontend at its maxconn must stop accepting
 * and leave new connections in the kernel's accept queue (configuration.txt
 * "maxconn": "Excess connections will be queued by the system in the socket's
 * listen queue"). Node has no API for that; net.Server only closes. libuv
 * stops polling a listening socket on uv_read_stop(), but only accepts that
 * call on a stream flagged readable, a flag uv_listen() never sets and
 * uv_tcp_open()/uv_pipe_open() do. So the socket is bound, then open()ed on
 * its own fd (same fd: libuv only adds the flag), then listened on: from then
 * on `readStop()` pauses accepting and `readStart()` resumes it. Inherited
 * sockets (`fd@N`, handles received from a master) come through open() and
 * already have the flag.
 */
import { chmodSync, chownSync, existsSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import type { BindConfig } from '../config/haproxy/model.js';
import { ConfigCode, ConfigError, RuntimeCode, RuntimeError } from '../core/errors.js';

interface UvHandle {
  fd: number;
  bind(addr: string, port: number): number;
  bind6(addr: string, port: number, flags: number): number;
  open(fd: number): number;
  readStart(): number;
  readStop(): number;
  close(cb?: () => void): void;
}
interface HandleCtor {
  new (type: number): UvHandle;
}
// process.binding() is deprecated for general use but still the only way to
// reach the handle classes; only these two allow-listed bindings are used.
const binding = (name: string): unknown =>
  (process as unknown as { binding(n: string): unknown }).binding(name);
const tcpWrap = binding('tcp_wrap') as {
  TCP: HandleCtor;
  constants: { SERVER: number; UV_TCP_IPV6ONLY: number };
};
const pipeWrap = binding('pipe_wrap') as {
  Pipe: HandleCtor & { prototype: { bind(path: string): number } };
  constants: { SERVER: number };
};

/** The listening handle of a net.Server (libuv stream). */
export function listenHandle(server: net.Server): UvHandle | undefined {
  return (server as unknown as { _handle: UvHandle | null })._handle ?? undefined;
}

function fail(bind: BindConfig, what: string, code: number | string): never {
  const reason = typeof code === 'number' ? `errno ${code}` : code;
  throw new RuntimeError(RuntimeCode.BindFailed, `cannot bind ${bind.addr.text}: ${what} (${reason})`);
}

function listenOn(server: net.Server, handle: UvHandle | { fd: number }, backlog: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(handle as net.ListenOptions, backlog, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function tcpHandle(bind: BindConfig, host: string, port: number, v6: boolean): UvHandle {
  const h = new tcpWrap.TCP(tcpWrap.constants.SERVER);
  const flags = bind.v6only ? tcpWrap.constants.UV_TCP_IPV6ONLY : 0;
  const err = v6 ? h.bind6(host || '::', port, flags) : h.bind(host || '0.0.0.0', port);
  const openErr = err ? 0 : h.open(h.fd);
  if (err || openErr) {
    h.close();
    fail(bind, err ? `${host || '*'}:${port}` : 'cannot make the socket pausable', err || openErr);
  }
  return h;
}

function idOf(name: string | undefined, file: string): number | undefined {
  if (name === undefined) return undefined;
  if (/^\d+$/.test(name)) return Number(name);
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.split(':')[0] === name);
  const id = line?.split(':')[2];
  return id !== undefined ? Number(id) : undefined;
}

/**
 * HAProxy binds a unix socket under a temporary name, sets its rights, then
 * renames it over the old path so clients never see it missing (proto_uxst.c).
 */
async function bindUnix(server: net.Server, bind: BindConfig, backlog: number): Promise<void> {
  const path = bind.addr.path ?? '';
  const abstract = bind.addr.family === 'abns';
  const target = abstract ? `\0${path}` : path;
  const tmp = abstract ? target : `${path}.${process.pid}.tmp`;
  if (!abstract && existsSync(tmp)) unlinkSync(tmp);
  const h = new pipeWrap.Pipe(pipeWrap.constants.SERVER) as UvHandle & { bind(p: string): number };
  const err = h.bind(tmp);
  const openErr = err ? 0 : h.open(h.fd);
  if (err || openErr) {
    h.close();
    fail(bind, err ? tmp : 'cannot make the socket pausable', err || openErr);
  }
  if (!abstract) {
    if (bind.mode !== undefined) chmodSync(tmp, bind.mode);
    const uid = idOf(bind.user, '/etc/passwd');
    const gid = idOf(bind.group, '/etc/group');
    if (uid !== undefined || gid !== undefined) chownSync(tmp, uid ?? -1, gid ?? -1);
  }
  await listenOn(server, h, backlog);
  if (!abstract) {
    if (existsSync(path) && !statSync(path).isSocket())
      fail(bind, `${path} exists and is not a socket`, 'EEXIST');
    renameSync(tmp, path);
  }
}

function refuseUnsupported(bind: BindConfig): void {
  const refuse = (what: string) => {
    throw new ConfigError(ConfigCode.Unsupported, bind.loc, 'bind', `${what} is not supported by hapair yet`);
  };
  if (bind.transparent) refuse('transparent');
  if (bind.interface !== undefined) refuse('interface');
  if (bind.addr.family === 'hostname') refuse('a host name as bind address');
}

/**
 * Binds one `bind` line: one listening net.Server per port of a port range.
 * `backlog` is the listen() queue length. The servers are ready when the
 * promise resolves; their handles support readStop()/readStart().
 */
export async function bindListener(bind: BindConfig, backlog: number): Promise<net.Server[]> {
  refuseUnsupported(bind);
  const a = bind.addr;
  if (a.family === 'fd') {
    const server = new net.Server();
    await listenOn(server, { fd: a.fd ?? -1 }, backlog);
    return [server];
  }
  if (a.family === 'unix' || a.family === 'abns') {
    const server = new net.Server();
    await bindUnix(server, bind, backlog);
    return [server];
  }
  const servers: net.Server[] = [];
  try {
    for (let port = a.port; port <= Math.max(a.port, a.portEnd); port++) {
      const server = new net.Server();
      await listenOn(server, tcpHandle(bind, a.host, port, a.family === 'ipv6'), backlog);
      servers.push(server);
    }
  } catch (e) {
    for (const s of servers) s.close();
    throw e instanceof RuntimeError
      ? e
      : new RuntimeError(
          RuntimeCode.BindFailed,
          `cannot bind ${a.text}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          { cause: e },
        );
  }
  return servers;
}
