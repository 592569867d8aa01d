/**
 * Send-failure logging shared by the transports: adverts go out every second,
 * so a down link or an unreachable peer is logged when it starts failing, when
 * the reason changes and when it recovers, once per destination, not once per
 * advert.
 */
import type { Logger } from '../../core/logger.js';

export class SendErrorLog {
  private readonly failing = new Map<string, string>();

  constructor(private readonly log: Logger) {}

  failed(destination: string, reason: string): void {
    if (this.failing.get(destination) === reason) return;
    this.failing.set(destination, reason);
    this.log.error({ destination, reason }, 'VRRP advert not sent');
  }

  ok(destination: string): void {
    const previous = this.failing.get(destination);
    if (previous === undefined) return;
    this.failing.delete(destination);
    this.log.info({ destination, previous }, 'VRRP adverts sent again');
  }
}
