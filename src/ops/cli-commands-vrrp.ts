/**
 * hapair's VRRP commands on the stats socket: `show vrrp [instance]` (user)
 * and the maintenance commands `set vrrp priority` / `set vrrp state`
 * (admin), answered by the VRRP process through the callbacks the runtime
 * API was started with.
 */
import { type RuntimeCommand, type RuntimeContext, resultText } from './cli-context.js';
import { denied, usageLine } from './cli-registry.js';
import type { VrrpCommand } from './types.js';
import { renderVrrp } from './vrrp-text.js';

const NO_VRRP = 'No VRRP instance runs in this hapair.\n';

/** Priorities an operator may set: 255 is reserved for the address owner (RFC 5798 §5.2.4). */
const MIN_PRIORITY = 1;
const MAX_PRIORITY = 254;

async function instanceExists(ctx: RuntimeContext, name: string | undefined): Promise<string | undefined> {
  const status = ctx.deps.vrrpStatus;
  if (!status || !ctx.deps.vrrpControl) return NO_VRRP;
  if (!name) return 'An instance name is expected.\n';
  const all = await status();
  return all.some((v) => v.name === name) ? undefined : 'No such VRRP instance.\n';
}

async function setVrrp(args: readonly string[], ctx: RuntimeContext): Promise<string> {
  const refused = denied(ctx, 'admin');
  if (refused) return refused;
  const [what, name, value] = [args[2], args[3], args[4]];
  if (what !== 'priority' && what !== 'state') {
    return "'set vrrp' expects 'priority <instance> <1-254>' or 'state <instance> fault|backup'.\n";
  }
  const missing = await instanceExists(ctx, name);
  if (missing) return missing;
  let cmd: VrrpCommand;
  if (what === 'priority') {
    const p = Number(value);
    if (!value || !/^\d+$/.test(value) || p < MIN_PRIORITY || p > MAX_PRIORITY) {
      return `'set vrrp priority' expects an integer between ${MIN_PRIORITY} and ${MAX_PRIORITY}.\n`;
    }
    cmd = { type: 'set-priority', instance: name!, priority: p };
  } else {
    if (value !== 'fault' && value !== 'backup') return "'set vrrp state' expects 'fault' or 'backup'.\n";
    cmd = { type: 'set-state', instance: name!, state: value };
  }
  return resultText(await ctx.deps.vrrpControl!(cmd), `'set vrrp ${what}'`);
}

export const vrrpCommands: readonly RuntimeCommand[] = [
  {
    words: ['show', 'vrrp'],
    usage: usageLine('show vrrp [<instance>]', 'report the state and counters of the VRRP instances'),
    async run(args, ctx) {
      if (!ctx.deps.vrrpStatus) return NO_VRRP;
      return renderVrrp(await ctx.deps.vrrpStatus(), args[2]);
    },
  },
  {
    words: ['set', 'vrrp'],
    usage: usageLine(
      'set vrrp priority|state <inst> <value>',
      'change a VRRP instance priority, or fault/backup',
    ),
    run: setVrrp,
  },
];
