/**
 * Starts the runtime API (`stats socket`) of a running proxy engine, with the
 * VRRP view fetched from the VRRP process over IPC.
 */
import type { ChildProcess } from 'node:child_process';
import type { HealthCheckRunner } from '../checks/runner.js';
import type { GlobalConfig, HaproxyConfig } from '../config/haproxy/model.js';
import type { FromVrrp, ToVrrp } from '../core/ipc.js';
import type { Logger } from '../core/logger.js';
import { engineControl } from '../ops/engine-control.js';
import { collectInfo, type InfoFields } from '../ops/info.js';
import { type RuntimeApi, startRuntimeApi } from '../ops/runtime-api.js';
import type { ProxyControl, VrrpController, VrrpView } from '../ops/types.js';
import type { ProxyEngine } from '../proxy/engine.js';
import { VERSION } from './version.js';

const STATUS_TIMEOUT_MS = 2000;

/** Asks the VRRP process for its instances' status (empty when there is none). */
export function vrrpStatusSource(
  getVrrp: () => ChildProcess | undefined,
): () => Promise<readonly VrrpView[]> {
  let seq = 0;
  return () => {
    const v = getVrrp();
    if (!v?.connected) return Promise.resolve([]);
    const id = ++seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        v.off('message', on);
        resolve([]);
      }, STATUS_TIMEOUT_MS);
      const on = (m: FromVrrp) => {
        if (m.type !== 'status' || m.id !== id) return;
        clearTimeout(timer);
        v.off('message', on);
        resolve(m.instances);
      };
      v.on('message', on);
      v.send({ type: 'status-request', id } satisfies ToVrrp);
    });
  };
}

/** The runtime API's `set vrrp …`, carried to the VRRP process and answered by it. */
export function vrrpController(getVrrp: () => ChildProcess | undefined): VrrpController {
  let seq = 0;
  return (cmd) => {
    const v = getVrrp();
    if (!v?.connected) return Promise.resolve({ ok: false, reason: 'No VRRP instance runs in this hapair.' });
    const id = ++seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        v.off('message', on);
        resolve({ ok: false, reason: 'the VRRP process did not answer' });
      }, STATUS_TIMEOUT_MS);
      const on = (m: FromVrrp) => {
        if (m.type !== 'control-result' || m.id !== id) return;
        clearTimeout(timer);
        v.off('message', on);
        resolve(m.ok ? { ok: true } : { ok: false, reason: m.reason });
      };
      v.on('message', on);
      v.send({ type: 'control', id, cmd } satisfies ToVrrp);
    });
  };
}

/**
 * `show info` / stats-page "info" for this process: hapair's identity, the
 * global settings it reports and the engine's live counters. Captures the
 * start time once.
 */
export function processInfo(global: GlobalConfig, control: ProxyControl, nbthread: number): () => InfoFields {
  const startedAt = Date.now();
  return () =>
    collectInfo({
      product: 'hapair',
      version: VERSION,
      startedAt,
      now: Date.now(),
      pid: process.pid,
      nbthread,
      ...(global.node !== undefined ? { node: global.node } : {}),
      ...(global.description !== undefined ? { description: global.description } : {}),
      process: control.process(),
    });
}

export async function startRuntime(
  cfg: HaproxyConfig,
  engine: ProxyEngine,
  checks: HealthCheckRunner,
  getVrrp: () => ChildProcess | undefined,
  log: Logger,
): Promise<RuntimeApi | undefined> {
  if (cfg.global.statsSockets.length === 0) return undefined;
  const control = engineControl(engine, { checks });
  const api = await startRuntimeApi({
    sockets: cfg.global.statsSockets,
    control,
    log,
    vrrpStatus: vrrpStatusSource(getVrrp),
    vrrpControl: vrrpController(getVrrp),
    info: processInfo(cfg.global, control, 1),
  });
  log.info({ sockets: api.addresses }, 'runtime API listening');
  return api;
}
