/**
 * Writes haproxy.cfg and keepalived.conf for one load-balancer VM of the
 * Vagrant lab with the same generators the namespace lab uses
 * (src/lab/configs.ts, compiled to dist/): only the addresses are the VMs'
 * and the interface is the lab link, so both labs run the same configuration.
 *
 * Usage: node vagrant/gen-config.mjs lb1|lb2 [--interface eth1] [--version 2|3]
 *          [--advert-int SECONDS] [--nopreempt]
 *          [--haproxy-cfg PATH] [--keepalived-conf PATH]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { haproxyCfg, keepalivedConf } from '../dist/src/lab/configs.js';

/** The Vagrantfile's addresses; lb1 is the preferred master, as in the namespace lab. */
const LB = {
  lb1: { srcAddr: '198.18.0.11', peerAddr: '198.18.0.12', priority: 150 },
  lb2: { srcAddr: '198.18.0.12', peerAddr: '198.18.0.11', priority: 100 },
};
const SERVERS = [
  { name: 'web1', addr: '198.18.0.21:80' },
  { name: 'web2', addr: '198.18.0.22:80' },
];

function fail(message) {
  process.stderr.write(`gen-config: ${message}\n`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    interface: { type: 'string', default: 'eth1' },
    version: { type: 'string', default: '3' },
    'advert-int': { type: 'string', default: '0.1' },
    nopreempt: { type: 'boolean', default: false },
    'haproxy-cfg': { type: 'string', default: '/etc/haproxy/haproxy.cfg' },
    'keepalived-conf': { type: 'string', default: '/etc/keepalived/keepalived.conf' },
  },
});

const name = positionals[0];
if (positionals.length !== 1 || !Object.hasOwn(LB, name)) fail('expected exactly one node name: lb1 or lb2');
const version = Number(values.version);
if (version !== 2 && version !== 3) fail(`--version must be 2 or 3, not "${values.version}"`);
const advertInt = Number(values['advert-int']);
if (!Number.isFinite(advertInt) || advertInt <= 0) fail('--advert-int must be a positive number of seconds');
if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(values.interface))
  fail(`--interface "${values.interface}" is not an interface name`);

const spec = {
  vip: '198.18.0.100',
  vipPrefix: 24,
  vrid: 51,
  version,
  advertInt,
  servers: SERVERS,
  mode: 'tcp',
  checkInter: 500,
  ...(values.nopreempt ? { nopreempt: true } : {}),
};
const node = {
  name,
  // The wildcard bind lets the backup's proxy listen before the VIP arrives (docs/ha-guide.md §2).
  bindAddr: '0.0.0.0',
  bindPort: 80,
  interface: values.interface,
  statsSocket: '/run/hapair/hapair.sock',
  ...LB[name],
};

for (const [path, text] of [
  [values['haproxy-cfg'], haproxyCfg(spec, node)],
  [values['keepalived-conf'], keepalivedConf(spec, node)],
]) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  process.stdout.write(`gen-config: wrote ${path} for ${name}\n`);
}
