/**
 * Messages between hapair's processes (ARCHITECTURE.md, "Process model").
 * Everything crossing a process boundary is one of these, so both ends agree
 * on the shape at compile time.
 */

/** Parent → VRRP process. */
export type ToVrrp =
  | { readonly type: 'proxy-health'; readonly ok: boolean; readonly reason: string }
  | { readonly type: 'stop' };

/** VRRP process → parent. */
export type FromVrrp =
  | { readonly type: 'ready'; readonly instances: readonly string[] }
  | { readonly type: 'failed'; readonly message: string }
  | {
      readonly type: 'transition';
      readonly instance: string;
      readonly from: string;
      readonly to: string;
      readonly reason: string;
    }
  | { readonly type: 'stopped' };

/** How the parent starts the VRRP process: passed as JSON in argv[2]. */
export interface VrrpChildArgs {
  readonly files: readonly string[];
  readonly vipMode: 'ip' | 'log';
  readonly pretty: boolean;
  readonly level: string;
}
