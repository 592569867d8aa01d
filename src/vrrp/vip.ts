/**
 * VIP drivers. IpVipDriver adds and removes virtual addresses with iproute2's
 * `ip` and announces them: IPv4 with iputils' `arping -U` (gratuitous ARP),
 * IPv6 with our unsolicited-na.js helper (unsolicited Neighbour Advertisement),
 * every command through the CommandRunner seam. LoggingVipDriver only logs,
 * for the unprivileged demo.
 *
 * Announcement schedule after becoming MASTER (keepalived.conf(5),
 * garp_master_delay / garp_master_repeat / garp_master_refresh): a set of
 * `repeat` announcements at once, a second set `delay` later (0 = none), then
 * `refreshRepeat` every `refresh` (0 = none) until the address is removed. A
 * set goes out back to back, like keepalived's default vrrp_garp_interval 0 /
 * vrrp_gna_interval 0: one `arping -U -c 1` per GARP, all started together
 * (each iputils arping call waits about a second before it exits), and one
 * helper run sending the whole set of NAs.
 */
import { fileURLToPath } from 'node:url';
import type { VirtualAddress } from '../config/keepalived/model.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { CommandResult, CommandRunner } from '../core/command.js';
import { RuntimeCode, RuntimeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { VipDriver } from './types.js';

/** The compiled unsolicited-na.ts beside this file. */
const NA_HELPER = fileURLToPath(new URL('./unsolicited-na.js', import.meta.url));

export interface GarpSettings {
  /** garp_master_delay in ms; 0 = no second set. */
  readonly delayMs: number;
  /** garp_master_repeat: GARPs per set. */
  readonly repeat: number;
  /** garp_master_refresh in ms; 0 = no refresh. */
  readonly refreshMs: number;
  /** garp_master_refresh_repeat (keepalived default 1). */
  readonly refreshRepeat?: number;
}

export interface IpVipDriverOptions {
  readonly runner: CommandRunner;
  readonly clock: Clock;
  readonly log: Logger;
  readonly garp: GarpSettings;
  /** Runs every command as `ip netns exec NETNS …` (tests and the lab). */
  readonly netns?: string;
  /** Per-command timeout in ms (default 5000). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
/** iproute2 wording, old (netlink errno) and new (extack). */
const ALREADY_PRESENT = /file exists|already assigned/i;
const ALREADY_ABSENT = /cannot assign requested address|address not found/i;

/** `ip` arguments for one address: `-4|-6 addr add|del ADDR/PREFIX dev IF [label L] [brd B] [scope S]`. */
export function ipAddrArgs(op: 'add' | 'del', vip: VirtualAddress, defaultDev: string): string[] {
  const args = [`-${vip.family}`, 'addr', op, `${vip.address}/${vip.prefix}`, 'dev', vip.dev ?? defaultDev];
  if (op === 'del') return args;
  if (vip.label !== undefined) args.push('label', vip.label);
  if (vip.broadcast !== undefined) args.push('brd', vip.broadcast);
  if (vip.scope !== undefined) args.push('scope', vip.scope);
  // Like keepalived: a VIP moving between routers must be usable at once, not
  // tentative for a DAD round that the old master's copy could even fail.
  if (vip.family === 6) args.push('nodad');
  return args;
}

function describe(r: CommandResult): string {
  if (r.error) return r.error.message;
  if (r.timedOut) return 'timed out';
  const text = (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';
  return `exit ${r.code ?? r.signal}${text ? `: ${text}` : ''}`;
}

export class IpVipDriver implements VipDriver {
  private readonly runner: CommandRunner;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly garp: GarpSettings;
  private readonly netns: string | undefined;
  private readonly timeoutMs: number;
  /** Pending second-set and refresh timers per `dev|address`. */
  private readonly campaigns = new Map<string, Campaign>();

  constructor(opts: IpVipDriverOptions) {
    this.runner = opts.runner;
    this.clock = opts.clock;
    this.log = opts.log;
    this.garp = opts.garp;
    this.netns = opts.netns;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /**
   * Adds every address (all commands issued together). An address already
   * present is fine. A failure is logged at error level and the others still
   * go on, as keepalived does: the instance stays MASTER for what it could add.
   */
  async add(vips: readonly VirtualAddress[], defaultDev: string): Promise<void> {
    await Promise.all(vips.map((v) => this.ipAddr('add', v, defaultDev)));
  }

  /** Removes every address (idempotent) and stops its pending GARPs. */
  async remove(vips: readonly VirtualAddress[], defaultDev: string): Promise<void> {
    for (const v of vips) this.cancel(campaignKey(v, defaultDev));
    await Promise.all(vips.map((v) => this.ipAddr('del', v, defaultDev)));
  }

  /**
   * Starts (or restarts) the GARP / NA schedule of each address and returns at
   * once. Call it after add() has resolved: arping cannot send for an address
   * the interface does not hold.
   */
  announce(vips: readonly VirtualAddress[], defaultDev: string): void {
    for (const v of vips) this.startCampaign(v, v.dev ?? defaultDev, campaignKey(v, defaultDev));
  }

  /** Cancels every pending GARP timer (shutdown). */
  close(): void {
    for (const key of [...this.campaigns.keys()]) this.cancel(key);
  }

  private startCampaign(vip: VirtualAddress, dev: string, key: string): void {
    this.cancel(key);
    const c: Campaign = {};
    this.campaigns.set(key, c);
    this.announceSet(vip, dev, this.garp.repeat);
    if (this.garp.delayMs > 0) {
      c.second = this.clock.setTimeout(() => this.announceSet(vip, dev, this.garp.repeat), this.garp.delayMs);
    }
    if (this.garp.refreshMs > 0) {
      const refresh = (): void => {
        this.announceSet(vip, dev, this.garp.refreshRepeat ?? 1);
        c.refresh = this.clock.setTimeout(refresh, this.garp.refreshMs);
      };
      c.refresh = this.clock.setTimeout(refresh, this.garp.refreshMs);
    }
  }

  private cancel(key: string): void {
    const c = this.campaigns.get(key);
    c?.second?.cancel();
    c?.refresh?.cancel();
    this.campaigns.delete(key);
  }

  /** `count` GARPs or NAs at once, results logged later; never awaited by the caller. */
  private announceSet(vip: VirtualAddress, dev: string, count: number): void {
    const runs: Promise<CommandResult>[] = [];
    if (vip.family === 6) {
      runs.push(this.run(process.execPath, [NA_HELPER, dev, vip.address, String(count)]));
    } else {
      for (let i = 0; i < count; i++) {
        runs.push(this.run('arping', ['-U', '-c', '1', '-I', dev, vip.address]));
      }
    }
    const what = vip.family === 6 ? 'unsolicited NA' : 'GARP';
    void Promise.all(runs).then((results) => {
      const failed = results.find((r) => r.code !== 0);
      if (failed !== undefined) {
        this.log.error({ vip: vip.address, dev, reason: describe(failed) }, `${what} failed`);
      } else {
        this.log.debug({ vip: vip.address, dev, count }, `${what} sent`);
      }
    });
  }

  private async ipAddr(op: 'add' | 'del', vip: VirtualAddress, defaultDev: string): Promise<void> {
    const args = ipAddrArgs(op, vip, defaultDev);
    const r = await this.run('ip', args);
    const ctx = { vip: `${vip.address}/${vip.prefix}`, dev: vip.dev ?? defaultDev };
    if (r.code === 0) {
      this.log.info(ctx, op === 'add' ? 'VIP added' : 'VIP removed');
    } else if ((op === 'add' ? ALREADY_PRESENT : ALREADY_ABSENT).test(r.stderr)) {
      this.log.debug(ctx, op === 'add' ? 'VIP already present' : 'VIP already absent');
    } else {
      this.log.error({ ...ctx, cmd: `ip ${args.join(' ')}`, reason: describe(r) }, `VIP ${op} failed`);
    }
  }

  private run(file: string, args: readonly string[]): Promise<CommandResult> {
    const opts = { timeoutMs: this.timeoutMs };
    if (this.netns === undefined) return this.runner.run(file, args, opts);
    return this.runner.run('ip', ['netns', 'exec', this.netns, file, ...args], opts);
  }
}

interface Campaign {
  second?: TimerHandle;
  refresh?: TimerHandle;
}

function campaignKey(v: VirtualAddress, defaultDev: string): string {
  return `${v.dev ?? defaultDev}|${v.address}`;
}

const TOOLS = [
  { file: 'ip', args: ['-V'], pkg: 'iproute2', expect: /iproute2|ip utility/i },
  { file: 'arping', args: ['-V'], pkg: 'iputils-arping', expect: /iputils/i },
] as const;

/**
 * Checks at startup that `ip` (iproute2) and iputils' `arping` are there.
 * Throws RuntimeError(ERR_MISSING_TOOL) naming the Debian packages; another
 * `arping` (Debian package "arping") takes other options and is refused too.
 */
export async function checkTools(runner: CommandRunner, opts: { netns?: string } = {}): Promise<void> {
  const missing: string[] = [];
  for (const t of TOOLS) {
    const r =
      opts.netns === undefined
        ? await runner.run(t.file, t.args, { timeoutMs: DEFAULT_TIMEOUT_MS })
        : await runner.run('ip', ['netns', 'exec', opts.netns, t.file, ...t.args], {
            timeoutMs: DEFAULT_TIMEOUT_MS,
          });
    if (r.code !== 0 || !t.expect.test(r.stdout + r.stderr)) {
      missing.push(`\`${t.file}\` (${describe(r)}): install the Debian package ${t.pkg}`);
    }
  }
  if (missing.length > 0) {
    throw new RuntimeError(RuntimeCode.MissingTool, `VIP driver needs: ${missing.join('; ')}`);
  }
}

/**
 * The unprivileged demo driver: it says what IpVipDriver would do and changes
 * nothing on the host.
 */
export class LoggingVipDriver implements VipDriver {
  constructor(private readonly log: Logger) {}

  async add(vips: readonly VirtualAddress[], defaultDev: string): Promise<void> {
    for (const v of vips) this.say('add', v, defaultDev);
  }

  async remove(vips: readonly VirtualAddress[], defaultDev: string): Promise<void> {
    for (const v of vips) this.say('del', v, defaultDev);
  }

  announce(vips: readonly VirtualAddress[], defaultDev: string): void {
    for (const v of vips) {
      const dev = v.dev ?? defaultDev;
      this.log.warn(
        { vip: v.address, dev },
        `demo mode: would announce ${v.address} on ${dev} (gratuitous ARP/NA); nothing is sent`,
      );
    }
  }

  private say(op: 'add' | 'del', v: VirtualAddress, defaultDev: string): void {
    this.log.warn(
      { vip: `${v.address}/${v.prefix}`, dev: v.dev ?? defaultDev },
      `demo mode: would run \`ip ${ipAddrArgs(op, v, defaultDev).join(' ')}\`; ` +
        'NO address is configured on this host',
    );
  }
}
