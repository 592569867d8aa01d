/**
 * Reads server-state text (version 1, as `show servers state` prints it:
 * management.txt 9.3) and applies it to a starting engine, following
 * HAProxy's srv_state_srv_update() (src/server_state.c): the configuration
 * wins over the saved state wherever the two disagree on what was configured.
 *
 * - admin state: inherited flags (IMAINT, IDRAIN, RMAINT, HMAINT) are dropped;
 *   a forced maintenance comes back unless the configuration's own
 *   maintenance (`disabled`) changed; a forced drain comes back when the
 *   server is not in maintenance, unless it only came from a configured
 *   weight 0 that is no longer 0.
 * - user weight: restored only when the configured weight (srv_iweight) is
 *   the same as before, so an edited `weight` wins over `set weight`.
 * - operational state: a server saved stopped starts down (HAProxy sets its
 *   check health to 0, so `rise` successes bring it back), unless it was
 *   saved in maintenance, which reads as stopped by itself. The health-check
 *   runner must be told the same (stoppedServers()), or it would never
 *   report a server it believes up.
 * - address: HAProxy reuses srv_addr for a server named by a hostname
 *   (`init-addr last`); a caller that knows the previous configuration may
 *   also restore a `set server addr` on an address-literal server whose
 *   configured address did not change (`keepAddr`). hapair cannot change a
 *   port at run time, so srv_port is not applied.
 * Lines naming a backend or server that no longer exists are skipped.
 */
import { isIP } from 'node:net';
import type { ProxyEngine } from '../proxy/engine.js';
import type { Server } from '../proxy/server.js';

/** SRV_ADMF_* (server-t.h). */
const FMAINT = 0x01;
const IMAINT = 0x02;
const CMAINT = 0x04;
const FDRAIN = 0x08;
const IDRAIN = 0x10;
const RMAINT = 0x20;
const HMAINT = 0x40;
const INHERITED = IMAINT | IDRAIN | RMAINT | HMAINT;
/** The admin values srv_state_srv_update() accepts once inherited flags are dropped. */
const VALID_ADMIN = new Set([0, FMAINT, CMAINT, CMAINT | FMAINT, CMAINT | FDRAIN, FDRAIN]);
/** SRV_UWGHT_MAX. */
const UWEIGHT_MAX = 256;
/** SRV_STATE_FILE_MIN_FIELDS_VERSION_1 / MAX (server_state.c): up to srvrecord, then up to srv_agent_port. */
const MIN_FIELDS = 20;
const MAX_FIELDS = 25;

/** One parsed line of the version 1 format. */
export interface ServerStateLine {
  readonly backend: string;
  readonly server: string;
  readonly addr: string | undefined;
  readonly opState: number;
  readonly adminState: number;
  readonly uweight: number;
  readonly iweight: number;
  readonly line: number;
}

export interface ParsedServersState {
  readonly lines: readonly ServerStateLine[];
  /** Lines refused, as `line N: why` (HAProxy warns and skips them). */
  readonly warnings: readonly string[];
}

function int(s: string | undefined): number {
  return s !== undefined && /^-?\d+$/.test(s) ? Number(s) : Number.NaN;
}

function parseLine(fields: readonly string[], n: number): ServerStateLine | string {
  if (fields.length < MIN_FIELDS || fields.length > MAX_FIELDS)
    return `line ${n}: ${fields.length} fields, version 1 has ${MIN_FIELDS} to ${MAX_FIELDS}`;
  const [, backend, , server, addr, op, admin, uw, iw] = fields;
  const opState = int(op);
  const adminState = int(admin);
  const uweight = int(uw);
  const iweight = int(iw);
  if (!(opState >= 0 && opState <= 3)) return `line ${n}: invalid srv_op_state '${op}'`;
  if (!VALID_ADMIN.has(adminState & ~INHERITED)) return `line ${n}: invalid srv_admin_state '${admin}'`;
  if (!(uweight >= 0 && uweight <= UWEIGHT_MAX)) return `line ${n}: invalid srv_uweight '${uw}'`;
  if (!(iweight >= 0 && iweight <= UWEIGHT_MAX)) return `line ${n}: invalid srv_iweight '${iw}'`;
  return {
    backend: backend!,
    server: server!,
    addr: addr === '-' ? undefined : addr,
    opState,
    adminState: adminState & ~INHERITED,
    uweight,
    iweight,
    line: n,
  };
}

/**
 * Parses server-state text. The first line must be the version, `1`; an
 * empty text gives no lines, an unknown version a warning and no lines.
 * Comments and blank lines are skipped; a duplicate backend/server line is
 * dropped like HAProxy drops it.
 */
export function parseServersState(text: string): ParsedServersState {
  const rows = text.split('\n');
  if (rows.every((r) => r.trim() === '')) return { lines: [], warnings: [] };
  if (rows[0]?.trim() !== '1') return { lines: [], warnings: [`unsupported version '${rows[0]}'`] };
  const lines: ServerStateLine[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const [i, row] of rows.entries()) {
    const t = row.trim();
    if (i === 0 || t === '' || t.startsWith('#')) continue;
    const parsed = parseLine(t.split(/[ \t]+/), i + 1);
    if (typeof parsed === 'string') {
      warnings.push(parsed);
      continue;
    }
    const key = `${parsed.backend} ${parsed.server}`;
    if (seen.has(key)) {
      warnings.push(`line ${i + 1}: duplicate entry for ${parsed.backend}/${parsed.server}`);
      continue;
    }
    seen.add(key);
    lines.push(parsed);
  }
  return { lines, warnings };
}

export interface ApplyOptions {
  /** Address-literal servers whose `srv_addr` may be restored (their configured address is unchanged). */
  readonly keepAddr?: (backend: string, server: string) => boolean;
  /**
   * Start down the servers saved stopped (default true). Only where the
   * health-check runner can be told the same (stoppedServers()): one that
   * believes the server up never reports it up again.
   */
  readonly restoreStopped?: boolean;
}

export interface ApplyReport {
  /** `backend/server` of every server a line was applied to. */
  readonly applied: readonly string[];
  /** Lines for servers not in the configuration any more. */
  readonly skipped: readonly string[];
  readonly warnings: readonly string[];
}

/** Stopped, and not because of a maintenance (a server in maintenance is saved as stopped). */
const savedStopped = (st: ServerStateLine) => st.opState === 0 && !(st.adminState & (FMAINT | CMAINT));

/** `backend/server` of the servers that applyServersState() starts down. */
export function stoppedServers(state: ParsedServersState): string[] {
  return state.lines.filter(savedStopped).map((st) => `${st.backend}/${st.server}`);
}

/** The admin state srv_state_srv_update() leaves, from the saved flags and the new configuration. */
function restoredAdmin(srv: Server, st: ServerStateLine): Server['admin'] {
  const cmaint = srv.cfg.initialState === 'maint';
  let admin = srv.admin;
  // A changed `disabled` means the configuration's word stands; it is already in force.
  if (((st.adminState & CMAINT) === 0) === !cmaint) {
    if (st.adminState & FMAINT && !cmaint) admin = 'maint';
    else if (!(st.adminState & FMAINT) && cmaint) admin = 'ready';
  }
  if (admin !== 'maint' && st.adminState & FDRAIN && (st.iweight > 0 || srv.cfg.weight === 0))
    admin = 'drain';
  return admin;
}

function applyLine(engine: ProxyEngine, srv: Server, st: ServerStateLine, opts: ApplyOptions): string[] {
  const be = srv.backend.name;
  const warnings: string[] = [];
  if (opts.restoreStopped !== false && savedStopped(st))
    engine.setServerHealth(be, srv.name, false, 'restored from server state');
  const admin = restoredAdmin(srv, st);
  if (admin !== srv.admin) engine.setServerAdminState(be, srv.name, admin);
  if (st.iweight === srv.cfg.weight && st.uweight !== srv.uweight) {
    const r = engine.setServerWeight(be, srv.name, st.uweight);
    if (!r.ok) warnings.push(`${be}/${srv.name}: weight ${st.uweight} not restored: ${r.reason}`);
  }
  const a = srv.cfg.addr;
  const mayMove = a.family === 'hostname' || opts.keepAddr?.(be, srv.name) === true;
  if (st.addr && isIP(st.addr) !== 0 && mayMove && st.addr !== (srv.connectHost ?? a.host)) {
    const r = engine.setServerAddr(be, srv.name, st.addr);
    if (!r.ok) warnings.push(`${be}/${srv.name}: address ${st.addr} not restored: ${r.reason}`);
  }
  return warnings;
}

/** Applies parsed lines to `engine`'s servers; call before the engine serves. */
export function applyServersState(
  engine: ProxyEngine,
  state: ParsedServersState,
  opts: ApplyOptions = {},
): ApplyReport {
  const applied: string[] = [];
  const skipped: string[] = [];
  const warnings = [...state.warnings];
  for (const st of state.lines) {
    const srv = engine.backend(st.backend)?.findServer(st.server);
    const name = `${st.backend}/${st.server}`;
    if (!srv) {
      skipped.push(name);
      continue;
    }
    warnings.push(...applyLine(engine, srv, st, opts));
    applied.push(name);
  }
  return { applied, skipped, warnings };
}
