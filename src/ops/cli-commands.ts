/**
 * The runtime API's command table and dispatcher: finds the command for a
 * request, or answers with HAProxy's usage text. A command that throws is
 * answered with an error line; it never takes the process down.
 */
import type { Logger } from '../core/logger.js';
import { proxyCommands } from './cli-commands-proxy.js';
import { serverCommands } from './cli-commands-server.js';
import { showCommands } from './cli-commands-show.js';
import { tableCommands } from './cli-commands-table.js';
import { vrrpCommands } from './cli-commands-vrrp.js';
import { notSupported, type RuntimeCommand, type RuntimeContext } from './cli-context.js';
import { notYetImplemented } from './cli-not-yet.js';
import { findCommand, usageMessage } from './cli-registry.js';

export const COMMANDS: readonly RuntimeCommand[] = [
  ...showCommands,
  ...tableCommands,
  ...serverCommands,
  ...proxyCommands,
  ...vrrpCommands,
];

/** Runs one request's words (`help`, `prompt` and `quit` are the session's business). */
export async function runCommand(args: readonly string[], ctx: RuntimeContext, log: Logger): Promise<string> {
  if (args[0] === 'help') return usageMessage(COMMANDS, args);
  const cmd = findCommand(COMMANDS, args);
  if (!cmd) {
    const later = notYetImplemented(args);
    return later ? notSupported(`'${later}'`) : usageMessage(COMMANDS, args);
  }
  try {
    return await cmd.run(args, ctx);
  } catch (err) {
    log.error({ command: args.join(' '), err: (err as Error).message }, 'runtime API command failed');
    return `Internal error: ${(err as Error).message}\n`;
  }
}
