/**
 * More accept() calls per event-loop turn for a busy listener. libuv accepts
 * one connection per readiness event of a listening socket (libuv 1.45+,
 * libuv#3696), so under load a single handle admits one connection per loop
 * turn while HAProxy accepts up to tune.maxaccept. Several handles on the same
 * kernel socket each get their own readiness event and their own accept().
 *
 * Node cannot dup() a descriptor, but it can pass one over a unix socket
 * (SCM_RIGHTS), which is how a master hands sockets to workers. Here the
 * process passes the socket to itself over an abstract-namespace socket pair:
 * each copy is a new descriptor of the same listening socket, wrapped in a TCP
 * handle that libuv opened (so it can also pause with readStop()).
 */

interface WrapHandle {
  fd: number;
  close(cb?: () => void): void;
  readStart(): number;
  readStop(): number;
}
interface PipeHandle extends WrapHandle {
  bind(path: string): number;
  listen(backlog: number): number;
  open(fd: number): number;
  connect(req: object, path: string): number;
  writeUtf8String(req: object, s: string, handle?: object): number;
  onconnection: ((err: number, client?: PipeHandle) => void) | null;
  onread: ((buf?: ArrayBuffer) => void) | null;
  pendingHandle: WrapHandle | null;
}
const binding = (name: string): unknown =>
  (process as unknown as { binding(n: string): unknown }).binding(name);
const pipeWrap = binding('pipe_wrap') as {
  Pipe: new (type: number) => PipeHandle;
  PipeConnectWrap: new () => { oncomplete: (status: number) => void };
  constants: { SERVER: number; IPC: number };
};
const streamWrap = binding('stream_wrap') as {
  WriteWrap: new () => { handle: object; oncomplete: (status: number) => void; async: boolean };
};

let seq = 0;

/**
 * Returns `count` extra handles on the listening socket of `handle`; they
 * still have to be listened on (listen(backlog)) and given an onconnection.
 */
export async function copyListenHandle<T extends object>(handle: T, count: number): Promise<T[]> {
  if (count <= 0) return [];
  const name = `\0hapair-accept-${process.pid}-${++seq}`;
  const server = new pipeWrap.Pipe(pipeWrap.constants.SERVER);
  const sender = new pipeWrap.Pipe(pipeWrap.constants.IPC);
  let receiver: PipeHandle | undefined;
  try {
    if (server.bind(name) || server.listen(1)) throw new Error('cannot create the descriptor-passing socket');
    const accepted = new Promise<PipeHandle>((resolve, reject) => {
      server.onconnection = (err, client) => {
        if (err || !client) return reject(new Error(`descriptor-passing accept failed (${err})`));
        // The accepted pipe was not created for IPC: read its descriptor through an IPC pipe.
        // `client` itself is never started nor closed, so the descriptor is closed once.
        const ipc = new pipeWrap.Pipe(pipeWrap.constants.IPC);
        if (ipc.open(client.fd)) return reject(new Error('cannot reopen the descriptor-passing socket'));
        resolve(ipc);
      };
    });
    await new Promise<void>((resolve, reject) => {
      const req = new pipeWrap.PipeConnectWrap();
      req.oncomplete = (status) =>
        status ? reject(new Error(`descriptor-passing connect failed (${status})`)) : resolve();
      const err = sender.connect(req, name);
      if (err) reject(new Error(`descriptor-passing connect failed (${err})`));
    });
    receiver = await accepted;
    const copies: T[] = [];
    for (let i = 0; i < count; i++) copies.push((await passOnce(sender, receiver, handle)) as T);
    return copies;
  } finally {
    receiver?.readStop();
    receiver?.close();
    sender.close();
    server.close();
  }
}

function passOnce(sender: PipeHandle, receiver: PipeHandle, handle: object): Promise<WrapHandle> {
  return new Promise((resolve, reject) => {
    receiver.onread = () => {
      const h = receiver.pendingHandle;
      receiver.pendingHandle = null;
      receiver.readStop();
      if (h) resolve(h);
      else reject(new Error('no descriptor received'));
    };
    const rerr = receiver.readStart();
    if (rerr) return reject(new Error(`descriptor-passing read failed (${rerr})`));
    const req = new streamWrap.WriteWrap();
    req.handle = sender;
    req.async = false;
    req.oncomplete = () => {};
    const werr = sender.writeUtf8String(req, '.', handle);
    if (werr) reject(new Error(`descriptor-passing write failed (${werr})`));
  });
}
