/**
 * The client side of the demo and lab: one HTTP/1.0 request per call, over a
 * fresh TCP connection, bounded by a timeout. Returns the body (the backend
 * names itself) or the failure.
 */
import { connect } from 'node:net';

export type ProbeOutcome =
  | { readonly ok: true; readonly body: string }
  | { readonly ok: false; readonly error: string };

export function probeOnce(host: string, port: number, timeoutMs = 500): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    let data = '';
    let done = false;
    const finish = (o: ProbeOutcome) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve(o);
    };
    sock.setTimeout(timeoutMs, () => finish({ ok: false, error: 'timeout' }));
    sock.on('connect', () => sock.write(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    sock.on('data', (d: Buffer) => {
      data += d.toString('latin1');
    });
    sock.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message }));
    sock.on('end', () => {
      const sep = data.indexOf('\r\n\r\n');
      const status = data.slice(9, 12);
      if (sep < 0 || status !== '200') finish({ ok: false, error: `bad answer: ${data.slice(0, 40)}` });
      else finish({ ok: true, body: data.slice(sep + 4).trim() });
    });
  });
}
