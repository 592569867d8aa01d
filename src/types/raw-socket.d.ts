/**
 * Types for the parts of raw-socket (1.8, no bundled types) that hapair uses.
 * The native module wraps one SOCK_RAW socket: `recvfrom()` only (no ancillary
 * data, no bind()), `sendto()`, and set/getsockopt with an int or a Buffer.
 */
declare module 'raw-socket' {
  import { EventEmitter } from 'node:events';

  export const AddressFamily: { readonly IPv4: 1; readonly IPv6: 2 };
  export const Protocol: {
    readonly None: 0;
    readonly ICMP: 1;
    readonly TCP: 6;
    readonly UDP: 17;
    readonly ICMPv6: 58;
  };
  export const SocketLevel: {
    readonly SOL_SOCKET: number;
    readonly IPPROTO_IP: number;
    readonly IPPROTO_IPV6: number;
  };
  export const SocketOption: {
    readonly SO_BROADCAST: number;
    readonly SO_RCVBUF: number;
    readonly SO_SNDBUF: number;
    readonly SO_BINDTODEVICE: number;
    readonly IP_HDRINCL: number;
    readonly IP_OPTIONS: number;
    readonly IP_TOS: number;
    readonly IP_TTL: number;
    readonly IPV6_TTL: number;
    readonly IPV6_UNICAST_HOPS: number;
    readonly IPV6_V6ONLY: number;
  };

  export interface SocketOptions {
    /** IP protocol number; 0 by default. */
    protocol?: number;
    /** AddressFamily.IPv4 (default) or AddressFamily.IPv6. */
    addressFamily?: number;
    /** Size of the single receive buffer every message is sliced from (default 4096). */
    bufferSize?: number;
  }

  export class Socket extends EventEmitter {
    /**
     * Queues one datagram to `address`. `afterCallback` gets the error or the
     * number of bytes the kernel took.
     */
    send(
      buffer: Buffer,
      offset: number,
      length: number,
      address: string,
      afterCallback: (error: Error | null, bytes: number) => void,
    ): this;
    /** setsockopt() with an int value. */
    setOption(level: number, option: number, value: number): void;
    /** setsockopt() with the first `length` bytes of `value`. */
    setOption(level: number, option: number, value: Buffer, length: number): void;
    close(): this;
    pauseRecv(): this;
    resumeRecv(): this;
    /** `buffer` is a view of the socket's one receive buffer: copy it before the next tick. */
    on(event: 'message', listener: (buffer: Buffer, source: string) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'close', listener: () => void): this;
    once(event: 'close', listener: () => void): this;
  }

  /** Throws (message = strerror, no `code`) when socket() fails, e.g. "Operation not permitted". */
  export function createSocket(options?: SocketOptions): Socket;
}
