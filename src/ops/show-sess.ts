/**
 * `show sess` (management.txt 9.3): one line per client connection with the
 * keys HAProxy starts its lines with (stream.c cli_io_handler_dump_sess):
 * id, protocol, source, frontend, backend, server and age. HAProxy's
 * scheduler and buffer flags that follow have no equivalent in hapair and
 * are not printed.
 */
import type { SessionView } from './types.js';

export function sessionLine(s: SessionView): string {
  return (
    `0x${s.id.toString(16)}: proto=${s.proto} src=${s.src} fe=${s.frontend} ` +
    `be=${s.backend ?? '<NONE>'} srv=${s.server ?? '<none>'} age=${s.ageSec}s\n`
  );
}

/** `show sess [id|all]`: every session, or the one whose id is given (hex with 0x, or decimal). */
export function renderSessions(sessions: readonly SessionView[], arg: string | undefined): string {
  if (!arg || arg === 'all') return sessions.map(sessionLine).join('');
  const id = Number(arg);
  const one = Number.isInteger(id) ? sessions.find((s) => s.id === id) : undefined;
  return one ? sessionLine(one) : 'Session not found.\n';
}
