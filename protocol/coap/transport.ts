import type { PeerIdentity } from '../dtls/identity.ts';

/** Where a datagram came from; `identity` is set when a secure transport authenticated the peer (DTLS). */
export interface TransportRemoteInfo {
  address: string;
  port: number;
  identity?: PeerIdentity;
}

/**
 * The datagram transport under a CoAP endpoint: a `node:dgram` socket for coap://, or a `DtlsSocket` for coaps://
 * (RFC 7252 §9.1), which hands out decrypted datagrams with the peer's authenticated identity.
 */
export interface DatagramTransport {
  send(datagram: Buffer, port: number, address: string, cb: (err: Error | null) => void): void;
  on(event: 'message', listener: (datagram: Buffer, rinfo: TransportRemoteInfo) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'message', listener: (datagram: Buffer, rinfo: TransportRemoteInfo) => void): unknown;
  address(): { address: string; port: number };
  close(cb: () => void): void;
}
