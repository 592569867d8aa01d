/**
 * Request-line actions of `http-request` (configuration.txt 4.3): set-path,
 * replace-path, set-pathq, set-query, set-uri and set-method. The new value
 * is a log-format string; one that cannot go on a request line (empty, a
 * space or a control byte from a sample) fails the rewrite: 500, as HAProxy's
 * strict mode.
 */
import type { Rule } from '../../../config/haproxy/model.js';
import { isToken } from '../chars.js';
import { methodId } from '../head.js';
import { REWRITE_FAILED, regexOf } from './actions-headers.js';
import { type ActionEnv, type ActionRun, registerAction } from './types.js';
import { isValidTarget, pathOnly, setPath, setPathAndQuery, setQuery, setUri } from './uri.js';

type Edit = (tx: Parameters<ActionRun>[0], value: string) => boolean;

function withFormat(edit: Edit) {
  return (rule: Rule, env: ActionEnv): ActionRun => {
    const fmt = env.format(rule.args[0] ?? '', rule.loc);
    return (tx) => (edit(tx, fmt(tx)) ? undefined : REWRITE_FAILED);
  };
}

registerAction(
  'http-request',
  'set-path',
  withFormat((tx, v) => {
    if (!isValidTarget(v)) return false;
    setPath(tx.req, v);
    return true;
  }),
);

registerAction(
  'http-request',
  'set-pathq',
  withFormat((tx, v) => {
    if (!isValidTarget(v)) return false;
    setPathAndQuery(tx.req, v);
    return true;
  }),
);

registerAction(
  'http-request',
  'set-query',
  withFormat((tx, v) => {
    if (v !== '' && !isValidTarget(v)) return false;
    setQuery(tx.req, v);
    return true;
  }),
);

registerAction(
  'http-request',
  'set-uri',
  withFormat((tx, v) => {
    if (!isValidTarget(v)) return false;
    setUri(tx.req, v);
    return true;
  }),
);

registerAction(
  'http-request',
  'set-method',
  withFormat((tx, v) => {
    if (!isToken(v)) return false;
    tx.req.method = v;
    tx.req.methodId = methodId(v);
    return true;
  }),
);

/** `replace-path <regex> <fmt>`: a matching path is replaced whole by the expansion (query kept). */
registerAction('http-request', 'replace-path', (rule, env) => {
  const re = regexOf(rule, rule.args[0]);
  const fmt = env.format(rule.args[1] ?? '', rule.loc);
  return (tx) => {
    const m = re.exec(pathOnly(tx.req));
    if (!m) return undefined;
    const out = fmt(tx).replace(/\\(\d)/g, (_all, d: string) => m[Number(d)] ?? '');
    if (!isValidTarget(out)) return REWRITE_FAILED;
    setPath(tx.req, out);
    return undefined;
  };
});
