/**
 * HTTP sample fetches (configuration.txt 7.3.6), reading the transaction in
 * `ctx.http`. Header, cookie and URL-parameter fetches return one value to
 * sample expressions (the last header occurrence, the last cookie of that
 * name, the first parameter) and every value to ACLs through `fetchEach`,
 * which is how HAProxy's ACLs match "any occurrence".
 */
import type { MessageHead } from '../http/head.js';
import { leadingInt } from '../sample/cast.js';
import './fetches-l5.js';
import {
  countHeaderValues,
  eachCookie,
  eachHeaderValue,
  eachUrlParam,
  headerOccurrence,
  MAX_HDR_HISTORY,
  uriPath,
  type Visit,
} from './http-scan.js';
import { parseIPv4, parseIPv6 } from './ip.js';
import './keywords-l7.js';
import { registerFetch } from './registry.js';
import type { FetchDef, SampleContext, SampleType, SampleValue } from './types.js';

type Side = 'req' | 'res';

const headOf = (c: SampleContext, side: Side): MessageHead | undefined =>
  side === 'req' ? c.http?.req : c.http?.resp;

/** Register under several names (`req.hdr_cnt` and its deprecated `hdr_cnt`). */
function register(names: readonly string[], def: FetchDef): void {
  for (const n of names) registerFetch(n, def);
}

/** `<name>[,<occ>]`: the occurrence is an integer, at most MAX_HDR_HISTORY back (val_hdr()). */
function checkOcc(a: readonly string[]): string | undefined {
  const occ = a[1];
  if (occ === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(occ)) return `occurrence '${occ}' is not an integer`;
  return Number(occ) < -MAX_HDR_HISTORY ? `header occurrence must be >= ${-MAX_HDR_HISTORY}` : undefined;
}

/**
 * An address in a header value (smp_fetch_hdr_ip()): IPv4, IPv4:port,
 * [IPv6] or IPv6; anything else is no address.
 */
function headerIp(v: string): string | undefined {
  if (parseIPv4(v) !== undefined) return v;
  const colon = v.indexOf(':');
  if (colon > 0 && parseIPv4(v.slice(0, colon)) !== undefined) {
    const port = v.slice(colon + 1);
    return /^\d{1,5}$/.test(port) && Number(port) <= 65535 ? v.slice(0, colon) : undefined;
  }
  const inner = v.length >= 2 && v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v;
  return parseIPv6(inner) ? inner : undefined;
}

const AS_IS = (v: string): SampleValue | undefined => v;
const AS_INT = (v: string): SampleValue | undefined => leadingInt(v);

/**
 * Header fetches: `split` for the comma-splitting ones (`hdr`), not for
 * `fhdr`. An explicit occurrence makes even ACLs test that one value.
 */
function headerFetch(
  side: Side,
  split: boolean,
  type: SampleType,
  conv: (v: string) => SampleValue | undefined,
) {
  return {
    type,
    layer: 'l7',
    minArgs: 0,
    maxArgs: 2,
    needsResponse: side === 'res',
    checkArgs: checkOcc,
    fetch(c: SampleContext, a: readonly string[]) {
      const head = headOf(c, side);
      const v = head && headerOccurrence(head, (a[0] ?? '').toLowerCase(), split, Number(a[1] ?? 0));
      return v === undefined ? undefined : conv(v);
    },
    fetchEach(c: SampleContext, a: readonly string[], visit: (v: SampleValue) => boolean) {
      const head = headOf(c, side);
      if (!head) return false;
      const name = (a[0] ?? '').toLowerCase();
      const occ = Number(a[1] ?? 0);
      if (occ !== 0) {
        const one = headerOccurrence(head, name, split, occ);
        const x = one === undefined ? undefined : conv(one);
        return x !== undefined && visit(x);
      }
      return eachHeaderValue(head, name, split, (v) => {
        const x = conv(v);
        return x !== undefined && visit(x);
      });
    },
  } as const satisfies FetchDef;
}

function headerCount(side: Side, split: boolean): FetchDef {
  return {
    type: 'int',
    layer: 'l7',
    minArgs: 0,
    maxArgs: 1,
    needsResponse: side === 'res',
    fetch(c, a) {
      const head = headOf(c, side);
      return head && countHeaderValues(head, (a[0] ?? '').toLowerCase(), split);
    },
  };
}

register(['req.hdr'], headerFetch('req', true, 'str', AS_IS));
register(['res.hdr', 'shdr'], headerFetch('res', true, 'str', AS_IS));
// `hdr` follows the rule's direction (smp_fetch_chn_hdr()); the `hdr_*` ACL keywords stay on the request.
registerFetch('hdr', { ...headerFetch('req', true, 'str', AS_IS), responseFetch: 'res.hdr' });
register(['req.fhdr'], headerFetch('req', false, 'str', AS_IS));
register(['res.fhdr'], headerFetch('res', false, 'str', AS_IS));
register(['req.hdr_val', 'hdr_val'], headerFetch('req', true, 'int', AS_INT));
register(['res.hdr_val', 'shdr_val'], headerFetch('res', true, 'int', AS_INT));
register(['req.hdr_ip', 'hdr_ip'], headerFetch('req', true, 'ip', headerIp));
register(['res.hdr_ip', 'shdr_ip'], headerFetch('res', true, 'ip', headerIp));
register(['req.hdr_cnt', 'hdr_cnt'], headerCount('req', true));
register(['res.hdr_cnt', 'shdr_cnt'], headerCount('res', true));
register(['req.fhdr_cnt'], headerCount('req', false));
register(['res.fhdr_cnt'], headerCount('res', false));

/**
 * Cookie fetches (smp_fetch_cookie()): the last cookie of that name, or the
 * first cookie when no name is given; ACLs see every one.
 */
function cookieFetch(side: Side, type: 'str' | 'int'): FetchDef {
  const conv = type === 'int' ? AS_INT : AS_IS;
  return {
    type,
    layer: 'l7',
    minArgs: 0,
    maxArgs: 1,
    needsResponse: side === 'res',
    fetch(c, a) {
      const head = headOf(c, side);
      if (!head) return undefined;
      const name = a[0] ?? '';
      let found: string | undefined;
      eachCookie(head, side === 'res', name, (v) => {
        found = v;
        return name === '';
      });
      return found === undefined ? undefined : conv(found);
    },
    fetchEach(c, a, visit) {
      const head = headOf(c, side);
      return head !== undefined && eachCookie(head, side === 'res', a[0] ?? '', (v) => visit(conv(v)!));
    },
  };
}

function cookieCount(side: Side): FetchDef {
  return {
    type: 'int',
    layer: 'l7',
    minArgs: 0,
    maxArgs: 1,
    needsResponse: side === 'res',
    fetch(c, a) {
      const head = headOf(c, side);
      if (!head) return undefined;
      let n = 0;
      eachCookie(head, side === 'res', a[0] ?? '', () => {
        n++;
        return false;
      });
      return n;
    },
  };
}

register(['req.cook', 'cook'], cookieFetch('req', 'str'));
register(['res.cook', 'scook'], cookieFetch('res', 'str'));
registerFetch('cookie', { ...cookieFetch('req', 'str'), responseFetch: 'res.cook' });
register(['req.cook_val', 'cook_val'], cookieFetch('req', 'int'));
register(['res.cook_val', 'scook_val'], cookieFetch('res', 'int'));
register(['req.cook_cnt', 'cook_cnt'], cookieCount('req'));
register(['res.cook_cnt', 'scook_cnt'], cookieCount('res'));

/** A fetch of one string computed from the request. */
function fromRequest(
  compute: (
    c: SampleContext & { http: NonNullable<SampleContext['http']> },
    a: readonly string[],
  ) => string | undefined,
  maxArgs = 0,
): FetchDef {
  return {
    type: 'str',
    layer: 'l7',
    minArgs: 0,
    maxArgs,
    fetch: (c, a) => (c.http ? compute(c as Parameters<typeof compute>[0], a) : undefined),
  };
}

const stripQuery = (p: string | undefined) => {
  const q = p?.indexOf('?') ?? -1;
  return q < 0 ? p : p!.slice(0, q);
};

registerFetch(
  'method',
  fromRequest((c) => c.http.req.method),
);
registerFetch(
  'url',
  fromRequest((c) => c.http.req.target),
);
registerFetch(
  'path',
  fromRequest((c) => stripQuery(uriPath(c.http.req.target))),
);
registerFetch(
  'pathq',
  fromRequest((c) => uriPath(c.http.req.target)),
);
registerFetch('query', {
  ...fromRequest((c, a) => {
    const t = c.http.req.target;
    const q = t.indexOf('?');
    if (q < 0) return undefined;
    return a[0] === 'with_qm' && q + 1 < t.length ? t.slice(q) : t.slice(q + 1);
  }, 1),
  checkArgs: (a) =>
    a[0] === undefined || a[0] === '' || a[0] === 'with_qm' ? undefined : `unknown option '${a[0]}'`,
});

/**
 * `base`/`baseq` (smp_fetch_base()): the first Host value followed by the
 * path; the path alone when there is no Host.
 */
function base(withQuery: boolean): FetchDef {
  return fromRequest((c) => {
    const req = c.http.req;
    let host: string | undefined;
    eachHeaderValue(req, 'host', true, (v) => {
      host = v;
      return true;
    });
    const full = uriPath(req.target);
    const path = withQuery ? full : stripQuery(full);
    if (!host) return path;
    return path?.startsWith('/') ? host + path : host;
  });
}
registerFetch('base', base(false));
registerFetch('baseq', base(true));

/** `url_param(<name>[,<delim>[,i]])` and `urlp(…)`: first value, or every value for ACLs. */
function urlParam(type: 'str' | 'int'): FetchDef {
  const conv = type === 'int' ? AS_INT : AS_IS;
  const scan = (c: SampleContext, a: readonly string[], visit: Visit) =>
    c.http !== undefined &&
    eachUrlParam(c.http.req.target, a[0] ?? '', a[1]?.[0] ?? '?', a[2]?.[0] === 'i', visit);
  return {
    type,
    layer: 'l7',
    minArgs: 0,
    maxArgs: 3,
    fetch(c, a) {
      let found: string | undefined;
      scan(c, a, (v) => {
        found = v;
        return true;
      });
      return found === undefined ? undefined : conv(found);
    },
    fetchEach: (c, a, visit) => scan(c, a, (v) => visit(conv(v)!)),
  };
}
register(['url_param', 'urlp'], urlParam('str'));
registerFetch('urlp_val', urlParam('int'));

const versionText = (v: number) => `${Math.floor(v / 10)}.${v % 10}`;

register(
  ['req.ver', 'req_ver'],
  fromRequest((c) => versionText(c.http.req.version)),
);
register(['res.ver', 'resp_ver'], {
  type: 'str',
  layer: 'l7',
  minArgs: 0,
  maxArgs: 0,
  needsResponse: true,
  fetch: (c) => (c.http?.resp ? versionText(c.http.resp.version) : undefined),
});
register(['req.proto_http', 'req_proto_http'], {
  type: 'bool',
  layer: 'l7',
  minArgs: 0,
  maxArgs: 0,
  fetch: (c) => c.http !== undefined,
});

/** The status the client gets: a rule's deny/return/set-status first, else the server's. */
registerFetch('status', {
  type: 'int',
  layer: 'l7',
  minArgs: 0,
  maxArgs: 0,
  needsResponse: true,
  fetch: (c) => (c.http && c.http.status > 0 ? c.http.status : c.http?.resp?.status),
});
