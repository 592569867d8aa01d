/**
 * Variables set by `set-var(<scope>.<name>)` and read by `var(<scope>.<name>)`
 * (configuration.txt 2.8 "Variables"). The scope decides the lifetime:
 * `proc` lives as long as the process, `sess` as the client connection,
 * `txn` one HTTP transaction, `req`/`res` the request or response
 * processing (kept here for the whole transaction, as reading a `req.`
 * variable in a response rule is legal in HAProxy and returns nothing only
 * once the request side is freed, which our transactions never do early).
 */
import type { SampleValue } from '../acl/types.js';

export type VarScope = 'proc' | 'sess' | 'txn' | 'req' | 'res';

const SCOPES: ReadonlySet<string> = new Set(['proc', 'sess', 'txn', 'req', 'res']);

/** Splits "txn.foo" into its scope and name; undefined for a bad name. */
export function parseVarName(full: string): { scope: VarScope; name: string } | undefined {
  const dot = full.indexOf('.');
  if (dot <= 0 || dot === full.length - 1) return undefined;
  const scope = full.slice(0, dot);
  const name = full.slice(dot + 1);
  if (!SCOPES.has(scope) || !/^[A-Za-z0-9_.]+$/.test(name)) return undefined;
  return { scope: scope as VarScope, name };
}

/** Process-wide variables, one map per worker process. */
const procVars = new Map<string, SampleValue>();

/** The variables one transaction sees: its own, its session's and the process's. */
export class VarStore {
  private readonly sess: Map<string, SampleValue>;
  private txn: Map<string, SampleValue> | undefined;

  constructor(sessionVars: Map<string, SampleValue>) {
    this.sess = sessionVars;
  }

  private map(scope: VarScope, create: boolean): Map<string, SampleValue> | undefined {
    switch (scope) {
      case 'proc':
        return procVars;
      case 'sess':
        return this.sess;
      default:
        if (!this.txn && create) this.txn = new Map();
        return this.txn;
    }
  }

  get(scope: VarScope, name: string): SampleValue | undefined {
    return this.map(scope, false)?.get(scope === 'proc' || scope === 'sess' ? name : `${scope}.${name}`);
  }

  set(scope: VarScope, name: string, value: SampleValue): void {
    this.map(scope, true)!.set(scope === 'proc' || scope === 'sess' ? name : `${scope}.${name}`, value);
  }

  unset(scope: VarScope, name: string): void {
    this.map(scope, false)?.delete(scope === 'proc' || scope === 'sess' ? name : `${scope}.${name}`);
  }

  /** A new transaction starts on the same session: txn/req/res variables are dropped. */
  endTransaction(): void {
    this.txn = undefined;
  }
}

/** For tests: process variables are global to the worker. */
export function clearProcVars(): void {
  procVars.clear();
}
