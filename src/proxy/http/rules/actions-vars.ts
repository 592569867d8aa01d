/**
 * `set-var(<scope>.<name>) <expr>` and `unset-var(<scope>.<name>)`
 * (configuration.txt 2.8 and 4.3). The loader has already split the variable
 * name off the action word; the expression is a sample expression with
 * converters, whose value keeps its type (`var()` returns it as set).
 */
import { ConfigCode, ConfigError } from '../../../core/errors.js';
import { parseVarName } from '../../sample/vars.js';
import { registerAction } from './types.js';

for (const family of ['http-request', 'http-response', 'http-after-response'] as const) {
  registerAction(family, 'set-var', (rule, env) => {
    const v = parseVarName(rule.args[0] ?? '');
    if (!v)
      throw new ConfigError(ConfigCode.BadArgs, rule.loc, rule.family, `invalid variable '${rule.args[0]}'`);
    const expr = env.expr(rule.args[1] ?? '', rule.loc);
    return (tx) => {
      const value = expr.eval(tx);
      if (value !== undefined) tx.vars.set(v.scope, v.name, value);
      return undefined;
    };
  });
  registerAction(family, 'unset-var', (rule) => {
    const v = parseVarName(rule.args[0] ?? '');
    if (!v)
      throw new ConfigError(ConfigCode.BadArgs, rule.loc, rule.family, `invalid variable '${rule.args[0]}'`);
    return (tx) => {
      tx.vars.unset(v.scope, v.name);
      return undefined;
    };
  });
}
