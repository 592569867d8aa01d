import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { describe, test } from 'node:test';
import type { VrrpInstance } from '../../src/config/keepalived/model.js';
import { RuntimeCode } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { createTransport } from '../../src/vrrp/transport/index.js';

function instance(over: Partial<VrrpInstance>): VrrpInstance {
  return {
    name: 'VI_1',
    loc: { file: 'keepalived.conf', line: 1 },
    initialState: 'BACKUP',
    interface: 'lo',
    vrid: 51,
    priority: 100,
    advertInt: 1000,
    version: 2,
    family: 4,
    nopreempt: false,
    preemptDelay: 0,
    virtualAddresses: [],
    virtualAddressesExcluded: [],
    unicastPeers: [],
    trackScripts: [],
    trackInterfaces: [],
    trackFiles: [],
    notify: { timeout: 5000 },
    garpMasterDelay: 5000,
    garpMasterRepeat: 5,
    garpMasterRefresh: 0,
    garpLowerPrioRepeat: 5,
    smtpAlert: false,
    transport: { kind: 'raw' },
    dontTrackPrimary: false,
    ...over,
  };
}

describe('createTransport', () => {
  test('IPv6 over the raw transport is a clear startup error', async () => {
    await assert.rejects(createTransport(instance({ family: 6, version: 3 }), { log: silentLogger }), {
      code: RuntimeCode.Transport,
      message: 'vrrp_instance VI_1: VRRP over IPv6 raw transport not supported yet; use hapair_transport udp',
    });
  });

  test('raw on a missing interface fails before any socket is opened', async () => {
    await assert.rejects(createTransport(instance({ interface: 'hpnosuch0' }), { log: silentLogger }), {
      code: RuntimeCode.Transport,
      message: /interface hpnosuch0: not found/,
    });
  });

  test('hapair_transport udp gives a UDP transport from unicast_src_ip to the peers', async () => {
    const rx = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => rx.bind(0, '127.0.0.3', resolve));
    const got = new Promise<[Buffer, dgram.RemoteInfo]>((resolve) =>
      rx.once('message', (m, r) => resolve([m, r])),
    );
    const t = await createTransport(
      instance({
        transport: { kind: 'udp', port: rx.address().port },
        unicastSrcIp: '127.0.0.2',
        unicastPeers: ['127.0.0.3'],
      }),
      { log: silentLogger },
    );
    try {
      assert.equal(t.localAddress, '127.0.0.2');
      t.send(Buffer.from('2133', 'hex'));
      const [msg, from] = await got;
      assert.equal(msg.toString('hex'), '2133');
      assert.equal(from.address, '127.0.0.2');
    } finally {
      await t.close();
      rx.close();
    }
  });
});
