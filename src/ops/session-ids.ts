/**
 * Numbers client connections for `show sess`, the runtime API's own and the
 * proxy's alike, so an id names one connection whatever its kind. HAProxy
 * prints a stream's address; a counter gives the same uniqueness without
 * exposing memory addresses.
 */
const ids = new WeakMap<object, number>();
let next = 1;

export function sessionId(obj: object): number {
  let id = ids.get(obj);
  if (id === undefined) {
    id = next++;
    ids.set(obj, id);
  }
  return id;
}
