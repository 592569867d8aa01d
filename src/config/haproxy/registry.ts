/**
 * The three haproxy.cfg registries, filled from the modules that implement the
 * keywords (STYLE rule 3), plus the HAProxy keywords hapair knows it does not
 * implement: those are refused by name ("not supported by hapair yet") rather
 * than reported as typos.
 */
import { checkKeywords } from '../../checks/keywords.js';
import { checkServerParams, UNSUPPORTED_CHECK_SERVER_PARAMS } from '../../checks/server-keywords.js';
import { statsKeywords } from '../../ops/keywords.js';
import { logKeywords } from '../../ops/log-keywords.js';
import { serverStateKeywords } from '../../ops/server-state-keywords.js';
import { bindKeywords, bindParams, UNSUPPORTED_BIND_PARAMS } from '../../proxy/bind-keywords.js';
import { compressionKeywords } from '../../proxy/http/compression-keywords.js';
import { cookieKeywords } from '../../proxy/http/cookie-keywords.js';
import { httpKeywords } from '../../proxy/http/keywords.js';
import { ruleKeywords } from '../../proxy/http/rule-keywords.js';
import { proxyKeywords } from '../../proxy/keywords.js';
import { lbKeywords } from '../../proxy/lb/keywords.js';
import { timeoutOptionKeywords } from '../../proxy/option-keywords.js';
import { serverKeywords, serverParams, UNSUPPORTED_SERVER_PARAMS } from '../../proxy/server-keywords.js';
import { stickKeywords } from '../../proxy/stick/keywords.js';
import { KeywordRegistry } from '../registry.js';
import type { BindParamCtx, SectionCtx, ServerParamCtx } from './context.js';
import { globalKeywords } from './global-keywords.js';

export const haproxyRegistry = new KeywordRegistry<SectionCtx>('haproxy');
export const serverParamRegistry = new KeywordRegistry<ServerParamCtx>('haproxy server');
export const bindParamRegistry = new KeywordRegistry<BindParamCtx>('haproxy bind');

haproxyRegistry.registerAll([
  ...globalKeywords,
  ...proxyKeywords,
  ...timeoutOptionKeywords,
  ...bindKeywords,
  ...serverKeywords,
  ...lbKeywords,
  ...httpKeywords,
  ...cookieKeywords,
  ...compressionKeywords,
  ...ruleKeywords,
  ...checkKeywords,
  ...statsKeywords,
  ...logKeywords,
  ...serverStateKeywords,
  ...stickKeywords,
]);
serverParamRegistry.registerAll([...serverParams, ...checkServerParams]);
bindParamRegistry.registerAll(bindParams);

/** HAProxy 2.8 section keywords hapair refuses by name, with the reason shown to the user. */
const UNSUPPORTED: readonly (readonly [string, string?])[] = [
  ['filter'],
  ['tcp-request content'],
  ['tcp-request inspect-delay'],
  ['tcp-request session'],
  ['tcp-response'],
  ['server-template'],
  ['use-server'],
  ['force-persist'],
  ['ignore-persist'],
  ['persist rdp-cookie'],
  ['capture cookie'],
  ['declare capture'],
  ['redirect', "not supported by hapair yet: use 'http-request redirect'"],
  ['retry-on'],
  ['http-error'],
  ['http-send-name-header'],
  ['http-check disable-on-404'],
  ['http-check send-state'],
  ['http-check comment'],
  ['http-check set-var'],
  ['http-check unset-var'],
  ['tcp-check comment'],
  ['tcp-check send-lf'],
  ['tcp-check send-binary-lf'],
  ['tcp-check set-var'],
  ['tcp-check unset-var'],
  ['stats http-request'],
  ['stats bind-process'],
  ['email-alert'],
  ['use-fcgi-app'],
  ['log-tag'],
  ['log-format-sd'],
  ['error-log-format'],
  ['max-keep-alive-queue'],
  ['option http-buffer-request'],
  ['option http-pretend-keepalive'],
  ['option http-no-delay'],
  ['option http-ignore-probes'],
  ['option http-use-proxy-header'],
  ['option http-restrict-req-hdr-names'],
  ['option httpslog'],
  ['option prefer-last-server'],
  ['option checkcache'],
  ['option contstats'],
  ['option independent-streams'],
  ['option nolinger'],
  ['option transparent'],
  ['option tcp-smart-accept'],
  ['option tcp-smart-connect'],
  ['option logasap'],
  ['option log-separate-errors'],
  ['option dontlog-normal'],
  ['option accept-invalid-http-request'],
  ['option accept-invalid-http-response'],
  ['option ldap-check'],
  ['option spop-check'],
  ['option socket-stats'],
  ['option splice-request'],
  ['option splice-response'],
  ['option disable-h2-upgrade'],
  ['option idle-close-on-response'],
  ['option h1-case-adjust-bogus-client'],
  ['option h1-case-adjust-bogus-server'],
  ['lua-load'],
  ['lua-load-per-thread'],
  ['lua-prepend-path'],
  ['ssl-default-bind-options'],
  ['ssl-default-bind-ciphers'],
  ['ssl-default-bind-ciphersuites'],
  ['ssl-default-server-options'],
  ['ssl-default-server-ciphers'],
  ['ssl-server-verify'],
  ['ssl-dh-param-file'],
  ['tune.ssl.default-dh-param'],
  ['ca-base'],
  ['crt-base'],
  ['localpeer'],
  ['setenv'],
  ['presetenv'],
  ['resetenv'],
  ['unsetenv'],
  ['insecure-fork-wanted'],
  ['log-send-hostname'],
  ['unix-bind'],
  ['thread-groups'],
  ['maxconnrate'],
  ['maxsslconn'],
  ['maxpipes'],
  ['nosplice'],
  ['noepoll'],
  ['busy-polling'],
  ['set-dumpable'],
  ['zero-warning'],
  ['strict-limits'],
  ['default-path'],
  ['h1-case-adjust'],
  ['expose-experimental-directives'],
  ['reqadd', "removed in HAProxy 2.1: use 'http-request add-header'"],
  ['reqrep', "removed in HAProxy 2.1: use 'http-request replace-header'"],
  ['reqdel', "removed in HAProxy 2.1: use 'http-request del-header'"],
  ['rspadd', "removed in HAProxy 2.1: use 'http-response add-header'"],
  ['rsprep', "removed in HAProxy 2.1: use 'http-response replace-header'"],
  ['rspdel', "removed in HAProxy 2.1: use 'http-response del-header'"],
  ['block', "removed in HAProxy 2.1: use 'http-request deny'"],
  ['reqirep', "removed in HAProxy 2.1: use 'http-request replace-header'"],
  ['reqideny', "removed in HAProxy 2.1: use 'http-request deny'"],
];

for (const [name, reason] of UNSUPPORTED) haproxyRegistry.markUnsupported(name, reason);
for (const name of [...UNSUPPORTED_SERVER_PARAMS, ...UNSUPPORTED_CHECK_SERVER_PARAMS])
  serverParamRegistry.markUnsupported(name);
for (const name of UNSUPPORTED_BIND_PARAMS) bindParamRegistry.markUnsupported(name);
