/**
 * The HAProxy branch whose configuration language hapair follows. The
 * `version_atleast()` / `version_before()` predicates of conditional blocks
 * (configuration.txt §2.4) compare against it, so a file written for several
 * HAProxy versions picks the 2.8 branch of its `.if` blocks.
 */
export const HAPROXY_COMPAT_VERSION = '2.8';

/** Full version string used by the predicates: missing components count as zero. */
export const HAPROXY_COMPAT_FULL_VERSION = `${HAPROXY_COMPAT_VERSION}.0`;
