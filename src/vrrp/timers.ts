/**
 * VRRP protocol timers (RFC 3768 §6.1, RFC 5798 §6.1), computed the way
 * keepalived 2.2.7 does (keepalived/include/vrrp.h VRRP_TIMER_SKEW_CALC,
 * VRRP_MS_DOWN_TIMER): integer microseconds, returned as milliseconds.
 */

/** Master_Down_Interval counts this many missed adverts (RFC 5798 §6.1; keepalived VRRP_DOWN_TIMER_ADVERTS). */
export const DOWN_TIMER_ADVERTS = 3;
/** Priority of the address owner (RFC 5798 §5.2.4); 0 means "master stopping". */
export const PRIO_OWNER = 255;
export const PRIO_STOP = 0;

/**
 * Skew for `slots` (256 − priority, or 1 for keepalived's minimal skew):
 * v2 (RFC 3768 §6.1): slots / 256 s, whatever the advert interval;
 * v3 (RFC 5798 §6.1): slots × Master_Adver_Interval / 256.
 */
function skewSlots(version: 2 | 3, slots: number, masterAdverIntMs: number): number {
  if (version === 2) return Math.floor((slots * 1_000_000) / 256) / 1000;
  const cs = Math.floor(masterAdverIntMs / 10);
  return Math.floor((slots * cs * 625) / 16) / 1000;
}

/** Skew_Time in ms for our priority. */
export function skewTime(version: 2 | 3, priority: number, masterAdverIntMs: number): number {
  return skewSlots(version, 256 - priority, masterAdverIntMs);
}

/** keepalived's VRRP_TIMER_SKEW_MIN: the skew of priority 255, used when starting with `state MASTER`. */
export function minimalSkew(version: 2 | 3, masterAdverIntMs: number): number {
  return skewSlots(version, 1, masterAdverIntMs);
}

/** Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time (RFC 5798 §6.1). */
export function masterDownInterval(version: 2 | 3, priority: number, masterAdverIntMs: number): number {
  return DOWN_TIMER_ADVERTS * masterAdverIntMs + skewTime(version, priority, masterAdverIntMs);
}
