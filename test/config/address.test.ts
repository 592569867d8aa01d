import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AddressRole, looksLikeIpPort, parseAddress } from '../../src/config/address.js';
import { ConfigError } from '../../src/core/errors.js';

const loc = { file: 'x.cfg', line: 3 };
const parse = (text: string, role: AddressRole) => parseAddress(text, { loc, keyword: 'kw', role });
const fails = (text: string, role: AddressRole, code: string, re: RegExp) =>
  assert.throws(
    () => parse(text, role),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.code === code &&
      re.test(e.message) &&
      e.message.startsWith('x.cfg:3: kw: '),
    `${role} ${text}`,
  );

describe('parseAddress (configuration.txt §11)', () => {
  it('parses IPv4, wildcards and ports for bind', () => {
    assert.deepEqual(parse('10.0.0.1:80', 'bind'), {
      family: 'ipv4',
      host: '10.0.0.1',
      port: 80,
      portEnd: 80,
      text: '10.0.0.1:80',
    });
    assert.deepEqual(parse(':80', 'bind'), { family: 'ipv4', host: '', port: 80, portEnd: 80, text: ':80' });
    assert.equal(parse('*:443', 'bind').host, '');
    assert.equal(parse('0.0.0.0:1', 'bind').host, '0.0.0.0');
  });

  it('takes the port after the LAST colon of a bare IPv6 address', () => {
    assert.deepEqual(parse(':::80', 'bind'), {
      family: 'ipv6',
      host: '::',
      port: 80,
      portEnd: 80,
      text: ':::80',
    });
    const a = parse('2001:db8::1:8080', 'server');
    assert.equal(a.host, '2001:db8::1');
    assert.equal(a.port, 8080);
    const noPort = parse('2001:db8::12:', 'server');
    assert.equal(noPort.host, '2001:db8::12');
    assert.equal(noPort.port, 0);
  });

  it('parses bracketed IPv6 with or without port', () => {
    assert.equal(parse('[::1]:8443', 'bind').host, '::1');
    assert.equal(parse('[::1]:8443', 'bind').port, 8443);
    const s = parse('[2001:db8::10]', 'server');
    assert.equal(s.family, 'ipv6');
    assert.equal(s.port, 0);
  });

  it('parses port ranges for bind and source only', () => {
    const r = parse('127.0.0.1:8000-8005', 'bind');
    assert.equal(r.port, 8000);
    assert.equal(r.portEnd, 8005);
    assert.equal(parse('10.0.0.1:1025-65000', 'source').portEnd, 65000);
    fails('10.0.0.1:80-85', 'server', 'CFG_BAD_ADDRESS', /port range not permitted/);
    fails('10.0.0.1:90-85', 'bind', 'CFG_BAD_ADDRESS', /invalid port range '90-85'/);
  });

  it('keeps server port offsets and port-less servers', () => {
    const plus = parse('10.0.0.2:+1000', 'server');
    assert.equal(plus.portOffset, 1000);
    assert.equal(plus.port, 0);
    assert.equal(parse('10.0.0.3:-10', 'server').portOffset, -10);
    const bare = parse('10.0.0.4', 'server');
    assert.equal(bare.port, 0);
    assert.equal(bare.portEnd, 0);
    assert.equal(bare.portOffset, undefined);
    fails(':+1', 'bind', 'CFG_BAD_ADDRESS', /port offset not permitted/);
  });

  it('keeps host names unresolved for servers and refuses them for source', () => {
    assert.deepEqual(parse('app.example.com:8080', 'server'), {
      family: 'hostname',
      host: 'app.example.com',
      port: 8080,
      portEnd: 8080,
      text: 'app.example.com:8080',
    });
    fails('gw.example.com', 'source', 'CFG_BAD_ADDRESS', /must be an IP address/);
  });

  it('understands prefixes and socket paths', () => {
    assert.equal(parse('ipv4@0.0.0.0:80', 'bind').family, 'ipv4');
    assert.equal(parse('ipv6@:80', 'bind').host, '::');
    assert.deepEqual(parse('unix@run/x.sock', 'bind'), {
      family: 'unix',
      host: '',
      port: 0,
      portEnd: 0,
      path: 'run/x.sock',
      text: 'unix@run/x.sock',
    });
    assert.equal(parse('/run/y.sock', 'server').path, '/run/y.sock');
    assert.equal(parse('abns@name', 'server').family, 'abns');
    assert.deepEqual(parse('fd@3', 'bind'), {
      family: 'fd',
      host: '',
      port: 0,
      portEnd: 0,
      fd: 3,
      text: 'fd@3',
    });
    assert.equal(parse('udp@10.0.0.1:514', 'log').port, 514);
  });

  it('refuses bad prefixes, ports and forms precisely', () => {
    fails('sctp@:80', 'bind', 'CFG_BAD_ADDRESS', /unknown address prefix 'sctp@'/);
    fails('quic4@:443', 'bind', 'CFG_UNSUPPORTED', /not supported by hapair yet/);
    fails('1.2.3.4', 'bind', 'CFG_BAD_ADDRESS', /missing port/);
    fails('1.2.3.4:0', 'bind', 'CFG_BAD_ADDRESS', /invalid port '0'/);
    fails('1.2.3.4:65536', 'server', 'CFG_BAD_ADDRESS', /invalid port '65536'/);
    fails('1.2.3.4:8o', 'server', 'CFG_BAD_ADDRESS', /invalid character 'o'/);
    fails('fd@x', 'bind', 'CFG_BAD_ADDRESS', /not a valid integer/);
    fails('fd@3', 'server', 'CFG_BAD_ADDRESS', /file descriptor is not acceptable/);
    fails('ipv4@::1:80', 'bind', 'CFG_BAD_ADDRESS', /not an IPv4 address/);
    fails('[10.0.0.1]:80', 'bind', 'CFG_BAD_ADDRESS', /invalid IPv6 address/);
    fails('bad host:80', 'server', 'CFG_BAD_ADDRESS', /invalid address/);
    fails('udp@1.2.3.4:514', 'server', 'CFG_BAD_ADDRESS', /only valid for 'log'/);
    fails('', 'server', 'CFG_BAD_ADDRESS', /empty address/);
  });

  it('spots proxy names that read as IP:port', () => {
    assert.equal(looksLikeIpPort('192.168.1.1:80'), true);
    assert.equal(looksLikeIpPort('0.0.0.0:81'), true);
    assert.equal(looksLikeIpPort('webfarm'), false);
    assert.equal(looksLikeIpPort('app:80'), false);
  });
});
