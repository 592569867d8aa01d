/**
 * `node probe-main.js HOST PORT INTERVAL_MS MAX_COUNT`: the lab's client. Sends
 * one request every INTERVAL_MS (at most MAX_COUNT, so it always ends) and
 * prints one JSON line per request: {t (ms since start), w (wall ms), ok, body|error}.
 * Stops early on SIGTERM or when stdin closes.
 */
import { probeOnce } from './probe.js';

const [host = '198.18.0.100', port = '80', interval = '10', max = '100000'] = process.argv.slice(2);
let running = true;
process.on('SIGTERM', () => {
  running = false;
});
process.stdin.on('close', () => {
  running = false;
});
process.stdin.resume();
const t0 = performance.now();
for (let i = 0; running && i < Number(max); i++) {
  const started = performance.now();
  const r = await probeOnce(host, Number(port), 300);
  process.stdout.write(`${JSON.stringify({ t: Math.round(started - t0), w: Date.now(), ...r })}\n`);
  const wait = Number(interval) - (performance.now() - started);
  if (wait > 0) await new Promise((res) => setTimeout(res, wait));
}
process.exit(0);
