/**
 * The response sent for an error the proxy produces itself (configuration.txt
 * 4 "errorfile", "errorloc", "errorloc302", "errorloc303"; and "http-errors"
 * sections, merged into `errorfiles` by the loader). Once a backend is chosen
 * its settings win over the frontend's, as HAProxy picks the stream's backend
 * error messages first. An errorfile is sent raw, exactly as stored on disk;
 * an errorloc is a redirect with an empty body. Without either, HAProxy's
 * default message (status.ts).
 */
import { readFileSync } from 'node:fs';
import type { ProxyConfig } from '../../config/haproxy/model.js';
import { errorResponse } from './status.js';

const files = new Map<string, Buffer>();

/** The file's bytes, read once (the loader already checked it is readable). */
function fileBytes(path: string): Buffer {
  let b = files.get(path);
  if (!b) {
    b = readFileSync(path);
    files.set(path, b);
  }
  return b;
}

function fromProxy(status: number, p: ProxyConfig): Buffer | undefined {
  const loc = p.errorlocs.get(status);
  if (loc) {
    const reason = loc.code === 302 ? 'Found' : 'See Other';
    return Buffer.from(
      `HTTP/1.1 ${loc.code} ${reason}\r\ncontent-length: 0\r\nlocation: ${loc.url}\r\n` +
        'cache-control: no-cache\r\n\r\n',
      'latin1',
    );
  }
  const file = p.errorfiles.get(status);
  return file === undefined ? undefined : fileBytes(file);
}

/** The bytes to send for `status` produced by the proxy. */
export function errorMessage(status: number, fe: ProxyConfig, be: ProxyConfig | undefined): Buffer {
  return (be && fromProxy(status, be)) ?? fromProxy(status, fe) ?? errorResponse(status);
}
