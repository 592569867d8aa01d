/**
 * Tiny web backends for the loopback demo: each answers its own name. (The
 * namespace lab runs the same server as a separate process in each web
 * namespace: see web-main.ts.) Test scaffolding, not the data path, so
 * node:http is fine here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Web {
  readonly name: string;
  readonly addr: string;
  close(): Promise<void>;
}

export function startWeb(name: string, host: string, port = 0): Promise<Web> {
  // The answer names the backend and the proxy address it saw, so a client can
  // tell which load balancer carried its request.
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`${name} via ${req.socket.remoteAddress ?? '?'}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      resolve({
        name,
        addr: `${host}:${a.port}`,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
