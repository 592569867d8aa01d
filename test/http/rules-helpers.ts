/**
 * Starts an engine from haproxy.cfg text (written to a temp file and loaded
 * by the real loader), so rule tests exercise parsing, compiling and the data
 * path together. `@S1@`, `@S2@` … in the text become the test backends'
 * ports, `@DIR@` a temporary directory holding `files`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHaproxyConfig } from '../../src/config/haproxy/index.js';
import type { HaproxyConfig } from '../../src/config/haproxy/model.js';
import { type RunningEngine, runEngine } from '../proxy/helpers.js';
import { type HttpBackend, httpBackend, type Responder } from './servers.js';

export interface TextSetup {
  readonly r: RunningEngine;
  readonly bes: HttpBackend[];
  readonly cfg: HaproxyConfig;
  readonly dir: string;
  close(): Promise<void>;
}

/** Loads `text` (after substituting `@DIR@`) without starting anything. */
export function loadText(text: string, dir = mkdtempSync(join(tmpdir(), 'hapair-cfg-'))): HaproxyConfig {
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, text.replaceAll('@DIR@', dir));
  return loadHaproxyConfig([file]);
}

export async function startText(
  text: string,
  backends: readonly (string | [string, Responder])[] = ['s1'],
  files: Readonly<Record<string, string>> = {},
): Promise<TextSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'hapair-rules-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const bes: HttpBackend[] = [];
  for (const b of backends)
    bes.push(typeof b === 'string' ? await httpBackend(b) : await httpBackend(b[0], b[1]));
  let t = text;
  bes.forEach((b, i) => {
    t = t.replaceAll(`@S${i + 1}@`, String(b.port));
  });
  try {
    // The loader refuses port 0 (as HAProxy): each `bind 127.0.0.1:0` gets a
    // port that was free a moment ago, and the start is retried if another
    // test took it meanwhile.
    let running: RunningEngine | undefined;
    let cfg: HaproxyConfig | undefined;
    for (let attempt = 0; !running; attempt++) {
      let withPorts = t;
      const zero = /bind 127\.0\.0\.1:0(?=\s)/;
      while (zero.test(withPorts)) withPorts = withPorts.replace(zero, `bind 127.0.0.1:${await freePort()}`);
      cfg = loadText(withPorts, dir);
      try {
        running = await runEngine(cfg);
      } catch (e) {
        if (attempt >= 3 || !/EADDRINUSE/.test(String((e as Error).message))) throw e;
      }
    }
    return {
      r: running,
      bes,
      cfg: cfg!,
      dir,
      close: async () => {
        await running.stop();
        for (const b of bes) await b.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    for (const b of bes) await b.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** A TCP port on 127.0.0.1 that was free when asked. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
