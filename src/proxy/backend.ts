/**
 * A backend at run time: its servers, the balancer, the backend-wide queue and
 * the slot accounting that ties them together. assign() is HAProxy's
 * assign_server_and_queue() (backend.c); processQueue() is process_srv_queue()
 * (queue.c). Server state changes recount the usable group (recount_servers)
 * and move queued connections the way HAProxy does when a server comes up
 * (pendconn_grab_from_px) or goes down (pendconn_redistribute).
 */
import type { ProxyConfig, ServerAdminState, ServerConfig } from '../config/haproxy/model.js';
import type { Clock } from '../core/clock.js';
import { child, type Logger } from '../core/logger.js';
import { ProxyCounters } from './counters.js';
import { createBalancer } from './lb/index.js';
import { type Balancer, chosen, type LbGroup, type PickContext } from './lb/types.js';
import { PendQueue, type QueueNode } from './queue.js';
import { Server } from './server.js';

/** A connection waiting for, or holding, a server slot (implemented by Connector). */
export interface SlotWaiter extends QueueNode {
  /** A slot on `server` is now reserved for this waiter. */
  slotGranted(server: Server): void;
  /** The waiter left its server's queue and must be load-balanced again. */
  reassign(): void;
}

export type Assignment =
  | { readonly kind: 'slot'; readonly server: Server }
  | { readonly kind: 'queued'; readonly server: Server | undefined }
  | { readonly kind: 'dispatch' }
  | { readonly kind: 'no-server'; readonly reason: string }
  | { readonly kind: 'queue-full'; readonly server: Server };

export interface ServerStateEvent {
  readonly backend: string;
  readonly server: string;
  readonly health: 'up' | 'down';
  readonly admin: ServerAdminState;
  readonly usable: boolean;
  readonly reason: string;
}

export class Backend {
  readonly cfg: ProxyConfig;
  readonly name: string;
  readonly id: number;
  readonly log: Logger;
  readonly balancer: Balancer;
  readonly queue = new PendQueue();
  readonly counters = new ProxyCounters();
  /** Sessions attached to this backend, queued or served (be->beconn). */
  beconn = 0;
  /** Sessions holding a server slot (px->served). */
  served = 0;
  /** Connections waiting in the backend queue and all server queues (px->totpend). */
  totpend = 0;
  /** Backend load at which servers reach maxconn; set by the engine (proxy.c). */
  fullconn = 1;
  /** Usable active / backup servers, and the first usable backup (lbprm.fbck). */
  srvAct = 0;
  srvBck = 0;
  lastChange: number;
  downtimeMs = 0;
  downSince: number | undefined;
  private group: LbGroup = { servers: [], backup: false };
  /** Declaration order, then the servers `add server` appended. */
  private readonly list: Server[];
  /** The engine's logger, which servers' loggers derive from. */
  private readonly rootLog: Logger;
  private seq = 0;
  private readonly clock: Clock;
  private readonly onServerState: (ev: ServerStateEvent) => void;

  constructor(
    cfg: ProxyConfig,
    log: Logger,
    clock: Clock,
    onServerState: (ev: ServerStateEvent) => void = () => {},
  ) {
    this.cfg = cfg;
    this.name = cfg.name;
    this.id = cfg.id;
    this.log = child(log, `backend/${cfg.name}`);
    this.rootLog = log;
    this.clock = clock;
    this.onServerState = onServerState;
    const now = clock.now();
    this.lastChange = now;
    this.list = cfg.servers.map(
      (s, i) => new Server(this, s, i, child(log, `backend/${cfg.name}/${s.name}`), now),
    );
    for (const s of this.list) s.recalcWeight(now);
    this.balancer = createBalancer(cfg, this.list, this.log);
    if (cfg.dispatch && this.list.length > 0) {
      this.log.warn('dispatch address ignored: the backend has servers');
    }
    this.recount();
  }

  get servers(): readonly Server[] {
    return this.list;
  }

  findServer(name: string): Server | undefined {
    return this.list.find((s) => s.name === name);
  }

  /**
   * `add server` (server.c cli_parse_add_server): the server joins the end of
   * the list, in the admin state its configuration gives (maintenance for a
   * dynamic server), and the balancer learns of it once it becomes usable.
   */
  addServer(cfg: ServerConfig): Server {
    const now = this.clock.now();
    const srv = new Server(
      this,
      cfg,
      this.list.length,
      child(this.rootLog, `backend/${this.name}/${cfg.name}`),
      now,
    );
    srv.recalcWeight(now);
    this.list.push(srv);
    this.recount();
    return srv;
  }

  /**
   * `del server`: the caller made sure the server is in maintenance (so out of
   * the balancer's group) with no connection served or queued.
   */
  removeServer(srv: Server): void {
    const i = this.list.indexOf(srv);
    if (i < 0) return;
    this.list.splice(i, 1);
    srv.observer = undefined;
    this.recount();
  }

  /** The group traffic goes to now. */
  lbGroup(): LbGroup {
    return this.group;
  }

  /** Recomputes the usable group and hands it to the balancer (recount_servers + update_backend_weight). */
  recount(): void {
    const active: Server[] = [];
    const backups: Server[] = [];
    for (const s of this.servers) {
      if (!s.usable()) continue;
      (s.backup ? backups : active).push(s);
    }
    this.srvAct = active.length;
    this.srvBck = backups.length;
    let servers: Server[];
    if (active.length > 0) servers = active;
    else if (this.cfg.options.allbackups) servers = backups;
    else servers = backups.slice(0, 1);
    this.group = { servers, backup: active.length === 0 && servers.length > 0 };
    this.balancer.update(this.group);
    this.noteBackendState();
  }

  private noteBackendState(): void {
    const now = this.clock.now();
    const up = this.srvAct + this.srvBck > 0 || this.servers.length === 0;
    if (!up && this.downSince === undefined) {
      this.downSince = now;
      this.lastChange = now;
      this.counters.chkdown++;
      this.log.warn('backend has no server available');
    } else if (up && this.downSince !== undefined) {
      this.downtimeMs += now - this.downSince;
      this.downSince = undefined;
      this.lastChange = now;
    }
  }

  /** The first usable backup server when only it may take traffic (lbprm.fbck). */
  private firstBackup(): Server | undefined {
    return this.group.backup && !this.cfg.options.allbackups ? this.group.servers[0] : undefined;
  }

  /**
   * assign_server_and_queue(): picks a server and reserves a slot on it, or
   * queues the waiter on that server (it is full) or on the backend (all are
   * full). `ctx.avoid` is the previous server when redispatching.
   */
  assign(w: SlotWaiter, ctx: PickContext): Assignment {
    if (this.servers.length === 0) {
      return this.cfg.dispatch
        ? { kind: 'dispatch' }
        : { kind: 'no-server', reason: 'backend has no server' };
    }
    // A server chosen by persistence (cookie, stick table) is used whatever the
    // balancer could do: assign_server() only balances streams not yet SF_ASSIGNED.
    const forced = ctx.avoid === undefined ? ctx.force : undefined;
    if (!forced) {
      if (this.group.servers.length === 0) return { kind: 'no-server', reason: 'no server available' };
      if (this.balancer.queueBehindBackend && this.queue.length > 0 && this.queue.length !== this.beconn) {
        return this.enqueue(w, undefined);
      }
    }
    const pick = forced ? chosen(forced) : this.balancer.pick(ctx);
    if (pick.kind === 'none') return { kind: 'no-server', reason: pick.reason };
    if (pick.kind === 'queue') return this.enqueue(w, undefined);
    const srv = pick.server;
    if (srv !== ctx.avoid && !forced) {
      this.counters.lbtot++;
      srv.counters.lbtot++;
    }
    if (srv.maxconn > 0 && (srv.queue.length > 0 || srv.served >= srv.dynamicMaxconn(ctx.now))) {
      if (srv.maxqueue > 0 && srv.queue.length >= srv.maxqueue) return { kind: 'queue-full', server: srv };
      return this.enqueue(w, srv);
    }
    this.takeSlot(srv);
    return { kind: 'slot', server: srv };
  }

  private enqueue(w: SlotWaiter, srv: Server | undefined): Assignment {
    const q = srv ? srv.queue : this.queue;
    q.push(w, ++this.seq);
    this.totpend++;
    (srv ?? this).counters.noteQueue(q.length);
    return { kind: 'queued', server: srv };
  }

  /** Removes a waiter from whichever queue holds it (timeout, client gone). */
  unqueue(w: SlotWaiter): void {
    const q = w.qOwner;
    if (!q) return;
    q.remove(w);
    this.totpend--;
  }

  private takeSlot(srv: Server): void {
    srv.served++;
    this.served++;
    srv.counters.noteConcurrent(srv.served);
  }

  /** Gives a slot back and lets waiting connections have it. */
  release(srv: Server): void {
    srv.served--;
    this.served--;
    this.processQueue(srv);
  }

  /** Sessions attach to / detach from the backend (be->beconn). */
  attach(): void {
    this.beconn++;
    this.counters.noteConcurrent(this.beconn);
  }

  detach(): void {
    this.beconn--;
  }

  /**
   * process_srv_queue(): while `srv` has free slots, hands them to the oldest
   * waiter of its own queue or, when it may serve backend traffic, of the
   * backend queue.
   */
  processQueue(srv: Server): void {
    const fbck = this.firstBackup();
    const pxOk =
      srv.usable() && (!srv.backup || (this.srvAct === 0 && (srv === fbck || this.cfg.options.allbackups)));
    const now = this.clock.now();
    const limit = () => (srv.maxconn > 0 ? srv.dynamicMaxconn(now) : Number.POSITIVE_INFINITY);
    while (srv.served < limit()) {
      const own = srv.queue.first();
      const shared = pxOk ? this.queue.first() : null;
      const next = own && (!shared || own.qSeq <= shared.qSeq) ? own : shared;
      if (!next) break;
      (next === own ? srv.queue : this.queue).remove(next);
      this.totpend--;
      this.takeSlot(srv);
      (next as SlotWaiter).slotGranted(srv);
    }
  }

  /** pendconn_grab_from_px(): a server that came up takes backend-queued connections. */
  private grabFromBackend(srv: Server): void {
    if (srv.backup && (this.srvAct > 0 || (srv !== this.firstBackup() && !this.cfg.options.allbackups)))
      return;
    this.processQueue(srv);
  }

  /**
   * pendconn_redistribute(): with `option redispatch` (and not `option
   * persist`), connections queued on a server that went down are balanced again.
   */
  private redistribute(srv: Server): void {
    if (this.cfg.redispatch === 0 || this.cfg.options.persist) return;
    for (let n = srv.queue.first(); n; n = srv.queue.first()) {
      srv.queue.remove(n);
      this.totpend--;
      (n as SlotWaiter).reassign();
    }
  }

  /** Applies a health verdict; UP also ends NOLB (srv_set_running). Returns true if the state changed. */
  setHealth(srv: Server, up: boolean, reason: string): boolean {
    const health = up ? 'up' : 'down';
    if (srv.health === health && !srv.stopping) return false;
    const wasUsable = srv.usable();
    const wasDown = srv.health === 'down';
    srv.health = health;
    srv.stopping = false;
    srv.lastReason = reason;
    if (!up && !wasDown) srv.counters.chkdown++;
    this.stateChanged(srv, wasUsable, reason);
    return true;
  }

  /**
   * NOLB (server.c srv_set_stopping): the server is up for persistent
   * traffic only, also when it was down; nothing changes in maintenance.
   * Returns true if the state changed.
   */
  setStopping(srv: Server, reason: string): boolean {
    if (srv.admin === 'maint' || (srv.stopping && srv.health === 'up')) return false;
    const wasUsable = srv.usable();
    srv.health = 'up';
    srv.stopping = true;
    srv.lastReason = reason;
    this.stateChanged(srv, wasUsable, reason);
    return true;
  }

  setAdmin(srv: Server, admin: ServerAdminState, reason: string): boolean {
    if (srv.admin === admin) return false;
    const wasUsable = srv.usable();
    srv.admin = admin;
    // Maintenance stops the server (SRV_ST_STOPPED): no NOLB left when it comes back.
    if (admin === 'maint') srv.stopping = false;
    this.stateChanged(srv, wasUsable, reason);
    return true;
  }

  /** `set weight`: static algorithms only accept 0 or the configured weight (HAProxy's rule). */
  setWeight(srv: Server, weight: number): string | undefined {
    if (!Number.isInteger(weight) || weight < 0 || weight > 256) return 'weight must be an integer in 0..256';
    if (!this.balancer.dynamic && weight !== 0 && weight !== srv.cfg.weight) {
      return "backend is using a static LB algorithm and only accepts weights '0%' and '100%'";
    }
    const wasUsable = srv.usable();
    srv.uweight = weight;
    srv.recalcWeight(this.clock.now());
    this.recount();
    if (!wasUsable && srv.usable()) this.grabFromBackend(srv);
    return undefined;
  }

  /**
   * `set maxconn server` (server.c server_parse_maxconn_change_request): a
   * static limit (minconn = maxconn) moves both, a dynamic one only maxconn;
   * connections waiting in the queues may then take the freed slots.
   */
  setMaxconn(srv: Server, maxconn: number): void {
    if (srv.minconn === srv.maxconn) srv.minconn = maxconn;
    srv.maxconn = maxconn;
    this.processQueue(srv);
  }

  private stateChanged(srv: Server, wasUsable: boolean, reason: string): void {
    const now = this.clock.now();
    const running = srv.running();
    if (!running && srv.downSince === undefined) {
      srv.downSince = now;
      srv.lastChange = now;
      srv.warming = false;
    } else if (running && srv.downSince !== undefined) {
      srv.downtimeMs += now - srv.downSince;
      srv.downSince = undefined;
      srv.lastChange = now;
      srv.warming = srv.cfg.slowstart > 0;
    }
    srv.recalcWeight(now);
    const before = this.group;
    this.recount();
    const usable = srv.usable();
    if (usable && !wasUsable) this.grabFromBackend(srv);
    if (!running) this.redistribute(srv);
    // Servers that just became eligible for backend traffic (backups once the
    // last active is gone) take connections waiting in the backend queue.
    // HAProxy leaves those to `timeout queue`; serving them is the point of a backup.
    if (this.group !== before) {
      for (const s of this.group.servers) if (!before.servers.includes(s)) this.grabFromBackend(s);
    }
    srv.log.info({ health: srv.health, admin: srv.admin, usable, reason }, 'server state changed');
    this.onServerState({
      backend: this.name,
      server: srv.name,
      health: srv.health,
      admin: srv.admin,
      usable,
      reason,
    });
  }

  /** Slowstart: raises warming servers' weights; returns whether any server is still warming. */
  tickWarmup(): boolean {
    const now = this.clock.now();
    let changed = false;
    let warming = false;
    for (const s of this.servers) {
      if (!s.warming) continue;
      if (s.recalcWeight(now)) changed = true;
      if (s.warming) warming = true;
    }
    if (changed) {
      this.recount();
      for (const s of this.servers) if (s.usable()) this.processQueue(s);
    }
    return warming;
  }

  downtime(now: number): number {
    return this.downtimeMs + (this.downSince !== undefined ? now - this.downSince : 0);
  }
}
