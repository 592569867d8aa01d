/**
 * HAProxy 2.6 runtime API commands hapair does not implement (maps, ACLs,
 * `set table`, SSL, resolvers, peers, caches, tracing, debugging). They are
 * answered "not supported by hapair yet" rather than "Unknown command", so
 * an operator knows the command is right and the feature is missing; they
 * stay out of `help`, which lists what works.
 */
const NOT_YET: readonly (readonly string[])[] = [
  ['abort', 'ssl'],
  ['add', 'acl'],
  ['add', 'map'],
  ['add', 'ssl'],
  ['clear', 'acl'],
  ['clear', 'map'],
  ['commit'],
  ['del', 'acl'],
  ['del', 'map'],
  ['del', 'ssl'],
  ['disable', 'dynamic-cookie'],
  ['enable', 'dynamic-cookie'],
  ['expert-mode'],
  ['experimental-mode'],
  ['get', 'acl'],
  ['get', 'map'],
  ['get', 'var'],
  ['new', 'ssl'],
  ['prepare'],
  ['set', 'dynamic-cookie-key'],
  ['set', 'map'],
  ['set', 'profiling'],
  ['set', 'severity-output'],
  ['set', 'ssl'],
  ['set', 'table'],
  ['set', 'timeout'],
  ['show', 'acl'],
  ['show', 'activity'],
  ['show', 'cache'],
  ['show', 'cli', 'sockets'],
  ['show', 'env'],
  ['show', 'errors'],
  ['show', 'events'],
  ['show', 'fd'],
  ['show', 'libs'],
  ['show', 'map'],
  ['show', 'peers'],
  ['show', 'pools'],
  ['show', 'profiling'],
  ['show', 'resolvers'],
  ['show', 'schema'],
  ['show', 'ssl'],
  ['show', 'startup-logs'],
  ['show', 'tasks'],
  ['show', 'threads'],
  ['show', 'tls-keys'],
  ['show', 'trace'],
  ['shutdown', 'frontend'],
  ['trace'],
];

/** The HAProxy command `args` starts with, when hapair lacks it. */
export function notYetImplemented(args: readonly string[]): string | undefined {
  return NOT_YET.find((words) => words.every((w, i) => args[i] === w))?.join(' ');
}
