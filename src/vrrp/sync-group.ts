/**
 * vrrp_sync_group: member instances change state together
 * (keepalived.conf(5), "VRRP synchronization group(s)": "transition of one
 * instance will be reflected to others group members"). Semantics of
 * keepalived 2.2.7 (keepalived/vrrp/vrrp_sync.c, vrrp_scheduler.c VRRP_TSM):
 *
 *  - one member going FAULT takes every member to FAULT (vrrp_sync_fault); a
 *    MASTER forced there sends priority 0 and removes its VIPs;
 *  - the group leaves FAULT only when no member is faulty by its own
 *    trackers; then all members return to BACKUP (try_up_instance,
 *    vrrp_sync_backup);
 *  - a member whose master down timer expires becomes MASTER only when the
 *    group already is MASTER or every other member wants MASTER too
 *    (vrrp_sync_can_goto_master, "prefer backup state to avoid thrashing");
 *    then all members become MASTER (vrrp_sync_master);
 *  - a MASTER member hearing a better master goes BACKUP and takes the
 *    other MASTER members with it (vrrp_sync_backup), without priority 0.
 */
import type { VrrpSyncGroup } from '../config/keepalived/model.js';
import type { Logger } from '../core/logger.js';
import type { NotifyTarget, VrrpState } from './fsm.js';
import type { SyncCoordinator, VrrpInstanceRunner } from './instance.js';

export type SyncGroupState = 'BACKUP' | 'MASTER' | 'FAULT';

export interface SyncGroupOptions {
  readonly config: VrrpSyncGroup;
  /** The member runners, in the group's order; each joins the group here. */
  readonly members: readonly VrrpInstanceRunner[];
  readonly log: Logger;
  /** Called when the group as a whole enters MASTER, BACKUP or FAULT (group notify scripts). */
  readonly notifier?: (state: NotifyTarget, reason: string) => void;
}

export class VrrpSyncGroupRunner implements SyncCoordinator {
  readonly name: string;
  private readonly members: readonly VrrpInstanceRunner[];
  private readonly log: Logger;
  private readonly notifier: ((state: NotifyTarget, reason: string) => void) | undefined;
  private current: SyncGroupState = 'BACKUP';

  /** Throws RangeError when a configured member has no runner: the loader checks names. */
  constructor(opts: SyncGroupOptions) {
    this.name = opts.config.name;
    this.log = opts.log;
    this.notifier = opts.notifier;
    const byName = new Map(opts.members.map((m) => [m.name, m]));
    this.members = opts.config.members.map((n) => {
      const m = byName.get(n);
      if (m === undefined) throw new RangeError(`vrrp_sync_group ${this.name}: no running instance ${n}`);
      return m;
    });
    for (const m of this.members) m.joinSyncGroup(this);
  }

  get state(): SyncGroupState {
    return this.current;
  }

  canGoMaster(member: VrrpInstanceRunner): boolean {
    if (this.current === 'MASTER') return true;
    return this.members.every((m) => m === member || m.wantsMaster);
  }

  holdsFault(member: VrrpInstanceRunner): boolean {
    return this.members.some((m) => m !== member && m.ownFault);
  }

  memberChanged(member: VrrpInstanceRunner, _from: VrrpState, to: VrrpState): void {
    if (to === 'INIT' || to === 'STOP' || to === this.current) return;
    this.current = to;
    const reason = `${member.name} went ${to}`;
    this.log.info(
      { member: member.name, state: to },
      `VRRP_Group(${this.name}) Syncing instances to ${to} state`,
    );
    for (const m of this.members) {
      if (m === member || m.state === to || m.state === 'STOP' || m.state === 'INIT') continue;
      if (to === 'FAULT') m.syncEvent('sync_fault');
      else if (to === 'MASTER' && m.state === 'BACKUP') m.syncEvent('sync_master');
      else if (to === 'BACKUP') m.syncEvent('sync_backup');
    }
    if (this.notifier) {
      try {
        this.notifier(to, reason);
      } catch (err) {
        this.log.error({ err }, `VRRP_Group(${this.name}) notifier failed`);
      }
    }
  }
}
