/**
 * The HA pair's configuration, generated once for every place that runs it:
 * the loopback demo, the network-namespace lab, the tests and the Vagrant
 * VMs. One haproxy.cfg and one keepalived.conf per node; only the node's own
 * addresses and priority differ, as on two real boxes.
 */

export interface PairNode {
  readonly name: string;
  /** Address the frontend binds (the VIP's port on a real box binds the wildcard). */
  readonly bindAddr: string;
  readonly bindPort: number;
  /** The node's own address, the source of its adverts. */
  readonly srcAddr: string;
  readonly peerAddr: string;
  readonly priority: number;
  readonly interface: string;
  /** Runtime API socket. */
  readonly statsSocket?: string;
}

export interface PairSpec {
  readonly vip: string;
  readonly vipPrefix: number;
  readonly vrid: number;
  readonly version: 2 | 3;
  /** Seconds. */
  readonly advertInt: number;
  readonly servers: readonly { readonly name: string; readonly addr: string }[];
  /** UDP transport port; undefined = raw IP protocol 112. */
  readonly udpPort?: number;
  readonly nopreempt?: boolean;
  /** HTTP or TCP frontend. */
  readonly mode: 'tcp' | 'http';
  /** Health-check interval (ms). */
  readonly checkInter: number;
  /** `nbthread`: the number of proxy workers under `-W` (hapair's threads are processes). */
  readonly nbthread?: number;
}

export function haproxyCfg(spec: PairSpec, node: PairNode): string {
  const servers = spec.servers
    .map((s) => `    server ${s.name} ${s.addr} check inter ${spec.checkInter} rise 2 fall 2`)
    .join('\n');
  return `# hapair HA pair: ${node.name}
global
    maxconn 4096
${spec.nbthread !== undefined ? `    nbthread ${spec.nbthread}\n` : ''}${node.statsSocket ? `    stats socket ${node.statsSocket} mode 600 level admin\n` : ''}
defaults
    mode ${spec.mode}
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 2
    option redispatch

frontend fe_web
    bind ${node.bindAddr}:${node.bindPort}
    default_backend be_web

backend be_web
    balance roundrobin
${servers}
`;
}

export function keepalivedConf(spec: PairSpec, node: PairNode): string {
  const transport =
    spec.udpPort !== undefined ? `    hapair_transport udp port ${spec.udpPort} bind ${node.srcAddr}\n` : '';
  return `# hapair HA pair: ${node.name}
global_defs {
    router_id ${node.name}
}

vrrp_instance VI_1 {
    state BACKUP
    interface ${node.interface}
    virtual_router_id ${spec.vrid}
    priority ${node.priority}
    version ${spec.version}
    advert_int ${spec.advertInt}
${spec.nopreempt ? '    nopreempt\n' : ''}    unicast_src_ip ${node.srcAddr}
    unicast_peer {
        ${node.peerAddr}
    }
${transport}    hapair_track_proxy {
        weight 0
        backend be_web
    }
    virtual_ipaddress {
        ${spec.vip}/${spec.vipPrefix} dev ${node.interface}
    }
}
`;
}
