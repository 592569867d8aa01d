/**
 * The VRRP process's scheduling priority (`vrrp_priority`, keepalived's nice
 * value for its VRRP child): hapair defaults to -10 when it may raise its
 * priority, so a saturated proxy on the same box delays adverts less
 * (bench/RESULTS.md, "Isolation"). The real child process, its nice value
 * read from /proc.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../../src/vrrp/child.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hapair-vrrp-nice-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts the VRRP process on one UDP instance and returns its nice value once it is ready. */
async function niceOf(globalDefs: string): Promise<number> {
  const port = await freeUdpPort();
  const file = join(dir, `k${port}.conf`);
  writeFileSync(
    file,
    `global_defs {
${globalDefs}}
vrrp_instance VI_1 {
    state BACKUP
    interface lo
    virtual_router_id 61
    priority 100
    version 3
    advert_int 1
    unicast_src_ip 127.0.0.1
    unicast_peer {
        127.0.0.1:${port + 1}
    }
    hapair_transport udp port ${port} bind 127.0.0.1
    virtual_ipaddress {
        198.18.9.61/32 dev lo
    }
}
`,
  );
  const c = fork(CHILD, [JSON.stringify({ files: [file], vipMode: 'log', pretty: false, level: 'error' })], {
    stdio: 'ignore',
  });
  children.push(c);
  await new Promise<void>((resolve, reject) => {
    c.on('message', (m: { type: string; message?: string }) => {
      if (m.type === 'ready') resolve();
      else if (m.type === 'failed') reject(new Error(m.message));
    });
    c.once('exit', (code) => reject(new Error(`VRRP process exited (${code})`)));
  });
  // /proc/PID/stat: the command name may hold spaces; fields restart after its ')'.
  const stat = readFileSync(`/proc/${c.pid}/stat`, 'utf8');
  const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  c.kill('SIGKILL');
  return nice;
}

it('vrrp_priority sets the VRRP process nice value', async () => {
  // Lowering the priority needs no privilege.
  assert.equal(await niceOf('    vrrp_priority 7\n'), 7);
});

it('by default the VRRP process runs at nice -10 when it may (root), else unchanged', async (t) => {
  const root = process.getuid?.() === 0;
  if (!root) t.diagnostic('not root: the default cannot raise the priority; expecting the parent value');
  assert.equal(await niceOf(''), root ? -10 : getPriority());
});
