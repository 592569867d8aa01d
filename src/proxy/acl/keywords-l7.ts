/**
 * HTTP ACL keywords (configuration.txt 7.3.6 "ACL derivatives", HAProxy's
 * table in src/http_acl.c) and the predefined ACLs of 7.4 that need HTTP.
 * `path_beg` is `path` with the `beg` match implied; the plain keywords map
 * `hdr`/`cook` to the request side, as they do in HAProxy's ACLs.
 */
import { registerAclKeyword, registerPredefinedAcl } from './registry.js';

const DERIVED = ['beg', 'dir', 'dom', 'end', 'len', 'reg', 'sub'] as const;

/** keyword → underlying fetch */
const FAMILIES: readonly (readonly [string, string])[] = [
  ['base', 'base'],
  ['cook', 'req.cook'],
  ['hdr', 'req.hdr'],
  ['path', 'path'],
  ['scook', 'res.cook'],
  ['shdr', 'res.hdr'],
  ['url', 'url'],
  ['urlp', 'urlp'],
];

for (const [kw, fetch] of FAMILIES) {
  registerAclKeyword(kw, { fetch, matcher: 'str', exclusive: false });
  for (const m of DERIVED) registerAclKeyword(`${kw}_${m}`, { fetch, matcher: m, exclusive: true });
}
registerAclKeyword('req_ver', { fetch: 'req.ver', matcher: 'str', exclusive: false });
registerAclKeyword('resp_ver', { fetch: 'res.ver', matcher: 'str', exclusive: false });
// Known methods compare by identity, others as strings (pat_match_meth()).
registerAclKeyword('method', { fetch: 'method', matcher: 'meth', exclusive: false });

const none = { fetchArgs: [], matcher: undefined } as const;

registerPredefinedAcl('HTTP', { ...none, fetch: 'req.proto_http', patterns: [] });
registerPredefinedAcl('HTTP_1.0', { ...none, fetch: 'req.ver', patterns: ['1.0'] });
registerPredefinedAcl('HTTP_1.1', { ...none, fetch: 'req.ver', patterns: ['1.1'] });
registerPredefinedAcl('HTTP_CONTENT', {
  fetch: 'req.hdr_val',
  fetchArgs: ['content-length'],
  matcher: undefined,
  patterns: ['gt', '0'],
});
registerPredefinedAcl('HTTP_URL_ABS', {
  fetch: 'url',
  fetchArgs: [],
  matcher: 'reg',
  patterns: ['^[^/:]*://'],
});
registerPredefinedAcl('HTTP_URL_SLASH', { fetch: 'url', fetchArgs: [], matcher: 'beg', patterns: ['/'] });
registerPredefinedAcl('HTTP_URL_STAR', { fetch: 'url', fetchArgs: [], matcher: 'str', patterns: ['*'] });

const METHODS: Record<string, string[]> = {
  METH_CONNECT: ['CONNECT'],
  METH_DELETE: ['DELETE'],
  METH_GET: ['GET', 'HEAD'],
  METH_HEAD: ['HEAD'],
  METH_OPTIONS: ['OPTIONS'],
  METH_POST: ['POST'],
  METH_PUT: ['PUT'],
  METH_TRACE: ['TRACE'],
};
for (const [name, patterns] of Object.entries(METHODS)) {
  registerPredefinedAcl(name, { fetch: 'method', fetchArgs: [], matcher: 'meth', patterns });
}

/** Predefined ACLs hapair cannot evaluate: naming one is a configuration error, not a silent mismatch. */
const UNSUPPORTED: Record<string, string> = {
  'HTTP_2.0': 'hapair speaks HTTP/1.x only, so HTTP/2 requests are never seen',
  'HTTP_3.0': 'hapair speaks HTTP/1.x only, so HTTP/3 requests are never seen',
  RDP_COOKIE: 'the req.rdp_cookie_cnt fetch is not supported by hapair',
  REQ_CONTENT: 'the req.len fetch (request buffer contents) is not supported by hapair',
  WAIT_END: 'the wait_end fetch is not supported by hapair',
};
for (const [name, reason] of Object.entries(UNSUPPORTED)) {
  registerPredefinedAcl(name, { ...none, fetch: 'always_false', patterns: [], unsupported: reason });
}
