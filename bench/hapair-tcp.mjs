// Runs hapair's proxy engine alone in this process, in mode tcp, for bench/tcp.mjs.
// Prints "ready" once listening. Built files come from the repository's dist/.
import { exitOnHelp } from './lib.mjs';

exitOnHelp(`usage: node bench/hapair-tcp.mjs LISTEN_PORT BACKEND_PORT...

hapair's proxy engine alone, mode tcp, listening on 127.0.0.1:LISTEN_PORT and balancing over
127.0.0.1:BACKEND_PORT... (started by bench/tcp.mjs); prints "ready" once listening, stops on
SIGTERM. Needs a build (npx tsc -p .).`);

const { createLogger } = await import('../dist/src/core/logger.js');
const { startProxyEngine } = await import('../dist/src/proxy/engine.js');
const { makeBind, makeConfig, makeProxy, makeServer } = await import('../dist/test/helpers/model.js');

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
