/**
 * `option ssl-hello-chk` (doc 4.2): send a forged SSLv3 ClientHello and accept
 * the server when its first record is a handshake (0x16) or an alert (0x15),
 * which proves it speaks SSL/TLS. Same bytes and rules as HAProxy's
 * do_parse_ssl_hello_chk_opt() (RFC 2246 A.3/A.4): statuses are Layer6
 * (L6OK, L6RSP, L6TOUT).
 */
import type { RuleSet } from './rules.js';
import { compileTcpExpect, withImplicitConnect } from './tcp-check.js';

const BUILTIN = { file: '<ssl-hello-chk>', line: 0 };

/** 39 common cipher suites, 0x0001…0x001B and 0x002F…0x003A. */
const CIPHERS = [
  ...Array.from({ length: 0x1b }, (_, i) => i + 1),
  ...Array.from({ length: 0x3a - 0x2f + 1 }, (_, i) => i + 0x2f),
];

/** SSLv3 ClientHello; `unixTime` fills gmt_unix_time as HAProxy does with date(). */
export function sslv3ClientHello(unixTime: number): Buffer {
  const random = Buffer.from('HAPROXYSSLCHK\nHAPROXYSSLCHK\n', 'latin1');
  const suites = Buffer.alloc(CIPHERS.length * 2);
  CIPHERS.forEach((c, i) => {
    suites.writeUInt16BE(c, i * 2);
  });
  const time = Buffer.alloc(4);
  time.writeUInt32BE(unixTime >>> 0);
  const body = Buffer.concat([
    Buffer.from([0x03, 0x00]), // client_version SSLv3
    time,
    random,
    Buffer.from([0x00]), // session_id length
    Buffer.from([0x00, suites.length]),
    suites,
    Buffer.from([0x01, 0x00]), // one compression method: null
  ]);
  const hs = Buffer.concat([Buffer.from([0x01, 0x00, body.length >> 8, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x00, hs.length >> 8, hs.length & 0xff]), hs]);
}

export function compileSslHello(wallNow: () => number): RuleSet {
  const expect = compileTcpExpect(
    [
      'min-recv',
      '5',
      'ok-status',
      'L6OK',
      'error-status',
      'L6RSP',
      'tout-status',
      'L6TOUT',
      'rbinary',
      '^1[56]',
    ],
    BUILTIN,
    2,
    false,
  );
  return {
    rules: withImplicitConnect([
      {
        kind: 'send',
        get data(): Buffer {
          return sslv3ClientHello(Math.floor(wallNow() / 1000));
        },
      },
      expect,
    ]),
    tcpCheckLabels: false,
  };
}
