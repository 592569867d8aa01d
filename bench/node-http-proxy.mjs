#!/usr/bin/env node
// The node-http-proxy peer of bench/http.mjs (issue #4's "≥ 5× node-http-proxy" target): the
// `http-proxy` package in front of the backends, round robin, with a keep-alive agent — the usual
// way it is deployed. Install it once with `npm install` in bench/ (bench-only dependency).
import http from 'node:http';
import { exitOnHelp } from './lib.mjs';

exitOnHelp(`usage: node bench/node-http-proxy.mjs PORT BACKEND_PORT...

The http-proxy package with a keep-alive agent on 127.0.0.1:PORT, round robin over
127.0.0.1:BACKEND_PORT... (the node-http-proxy peer of bench/http.mjs); prints "ready" once
listening, stops on SIGTERM. Needs \`npm install\` in bench/.`);

const { default: httpProxy } = await import('http-proxy');

const [port, ...backends] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });
const proxy = httpProxy.createProxyServer({ agent });
proxy.on('error', (_err, _req, res) => {
  if (!res.headersSent) res.writeHead(502);
  res.end();
});
let next = 0;
http
  .createServer((req, res) => {
    const b = backends[next++ % backends.length];
    proxy.web(req, res, { target: `http://127.0.0.1:${b}` });
  })
  .listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
