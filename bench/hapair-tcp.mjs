// Runs hapair's proxy engine alone in this process, in mode tcp, for bench/tcp.mjs.
// Usage: node bench/hapair-tcp.mjs <listen-port> <backend-port>...
// Prints "ready" once listening. Built files come from the repository's dist/.
import { createLogger } from '../dist/src/core/logger.js';
import { startProxyEngine } from '../dist/src/proxy/engine.js';
import { makeBind, makeConfig, makeProxy, makeServer } from '../dist/test/helpers/model.js';

const [listenPort, ...backendPorts] = process.argv.slice(2).map(Number);
const cfg = makeConfig(
  [
    makeProxy({
      name: 'px',
      binds: [makeBind(`127.0.0.1:${listenPort}`)],
      servers: backendPorts.map((p, i) => makeServer(`s${i + 1}`, `127.0.0.1:${p}`, { id: i + 1 })),
      timeouts: { connect: 5000, client: 30000, server: 30000 },
    }),
  ],
  { maxconn: 8000 },
);
const engine = await startProxyEngine(cfg, { log: createLogger({ level: 'warn' }) });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  engine.stop({ grace: 0 }).then(() => process.exit(0));
});
