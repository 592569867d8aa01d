/**
 * Fetches of internal states (configuration.txt 7.3.2) that need no
 * connection data: constants (`str()`, `int()`, `bool()`) and variables
 * (`var()`). Available at every stage.
 */
import { parseVarName } from '../sample/vars.js';
import { registerFetch } from './registry.js';

registerFetch('str', { type: 'str', layer: 'l4', minArgs: 1, maxArgs: 1, fetch: (_c, a) => a[0] });

registerFetch('int', {
  type: 'int',
  layer: 'l4',
  minArgs: 1,
  maxArgs: 1,
  checkArgs: (a) => (/^[+-]?\d+$/.test(a[0]!) ? undefined : `'${a[0]}' is not an integer`),
  fetch: (_c, a) => Number(a[0]),
});

registerFetch('bool', {
  type: 'bool',
  layer: 'l4',
  minArgs: 1,
  maxArgs: 1,
  checkArgs: (a) =>
    ['true', 'false', '1', '0'].includes(a[0]!) ? undefined : `'${a[0]}' is not true, false, 1 or 0`,
  fetch: (_c, a) => a[0] === 'true' || a[0] === '1',
});

/** Variable names seen at start-up, parsed once. */
const varNames = new Map<string, ReturnType<typeof parseVarName>>();
function varName(full: string): ReturnType<typeof parseVarName> {
  let v = varNames.get(full);
  if (v === undefined && !varNames.has(full)) {
    v = parseVarName(full);
    varNames.set(full, v);
  }
  return v;
}

/**
 * `var(<scope>.<name>[,<default>])`: the stored value with its own type; a
 * missing variable gives the default as a string, or no sample.
 */
registerFetch('var', {
  type: 'str',
  anyType: true,
  layer: 'l4',
  minArgs: 1,
  maxArgs: 2,
  checkArgs: (a) => (varName(a[0]!) ? undefined : `invalid variable name '${a[0]}'`),
  fetch(c, a) {
    const v = varName(a[0]!);
    return (v && c.vars?.get(v.scope, v.name)) ?? a[1];
  },
});
