import { ProtocolError } from '../errors.ts';
import type { DtlsClientCredentials } from './client-handshaker.ts';
import type { DtlsServerCredentials } from './server-handshaker.ts';
import type { DtlsSessionPersistence } from './session-snapshot.ts';

/** Options of `DtlsSocket.bind`. */
export interface DtlsSocketOptions {
  /** UDP port. @defaultValue 0 (any free port) */
  port?: number;
  /** Address to bind. @defaultValue '127.0.0.1' */
  address?: string;
  /** Server role: accept handshakes authenticated with these credentials. */
  server?: DtlsServerCredentials;
  /** Client role: credentials for `connect()` and for sends to a peer without a session. */
  client?: DtlsClientCredentials;
  /** Largest datagram sent, bytes (handshake messages are fragmented to fit, RFC 6347 §4.1.1). @defaultValue 1200 */
  mtu?: number;
  /** First flight retransmission timeout, ms (RFC 6347 §4.2.4.1: 1 s). @defaultValue 1000 */
  retransmitInitialMs?: number;
  /** Ceiling of the doubling retransmission timeout, ms. @defaultValue 60000 */
  retransmitMaxMs?: number;
  /** Retransmissions of one flight before the handshake is abandoned. @defaultValue 6 */
  maxRetransmissions?: number;
  /** A handshake not finished after this long is dropped, ms. @defaultValue 30000 */
  handshakeTimeoutMs?: number;
  /** Most handshakes in progress (after the cookie exchange) in total. @defaultValue 2000 */
  maxHandshakes?: number;
  /** Most handshakes in progress from one IP address. @defaultValue 8 */
  maxHandshakesPerAddress?: number;
  /** Most established sessions; at the cap the longest idle session past `sessionIdleMs / 2` is evicted. @defaultValue 100000 */
  maxSessions?: number;
  /** An established session with no traffic for this long is dropped, ms. @defaultValue 86400000 (24 h) */
  sessionIdleMs?: number;
  /** How often idle sessions and stale handshakes are swept, ms. @defaultValue 5000 */
  sweepIntervalMs?: number;
  /** Random bytes in the connection IDs the server hands out (RFC 9146), after `connectionIdPrefix`; 0 disables CID. @defaultValue 6 */
  connectionIdLength?: number;
  /**
   * Server role: the first bytes of every connection ID this server hands out, e.g. a node id, so a CID-aware load
   * balancer can route a session's records to the node that issued it whatever address they come from (RFC 9146 §6
   * leaves the CID's content to the issuer). Every node of a deployment must use the same prefix length: a CID's length
   * is not on the wire (RFC 9146 §4). At most 8 bytes. @defaultValue none
   */
  connectionIdPrefix?: Buffer;
  /** Most resumable sessions kept (RFC 5246 §7.3). @defaultValue 10000 */
  maxResumableSessions?: number;
  /** How long a session may be resumed, ms. @defaultValue 86400000 */
  resumptionLifetimeMs?: number;
  /** How often the cookie secret rotates, ms (RFC 6347 §4.2.1). @defaultValue 60000 */
  cookieRotateMs?: number;
  /** Largest handshake message reassembled, bytes. @defaultValue 16384 */
  maxHandshakeMessageBytes?: number;
  /** Application datagrams queued per peer while its client handshake runs. @defaultValue 32 */
  maxQueuedPerPeer?: number;
  /** SO_RCVBUF / SO_SNDBUF to request, bytes. @defaultValue OS default */
  socketBufferBytes?: number;
  /**
   * Server role: keeps established sessions where another process (a restart, another node) can take them over
   * without a handshake (session-keeper.ts explains the nonce and replay rules). @defaultValue none: sessions die with the process
   */
  sessionPersistence?: DtlsSessionPersistence;
  /** Write sequence numbers reserved per persistence write. @defaultValue 65536 */
  persistBlock?: number;
  /** Store lookups of unknown CIDs and addresses per second, at most. @defaultValue 200 */
  persistLookupsPerSecond?: number;
  /** Store lookups in flight at once, at most. @defaultValue 256 */
  persistMaxPendingLookups?: number;
  /** An unknown CID or address is not looked up again for this long, ms. @defaultValue 10000 */
  persistNegativeCacheMs?: number;
  /** Most remembered unknown CIDs and addresses. @defaultValue 10000 */
  persistNegativeCacheEntries?: number;
  /** Test hook: return true to drop an outgoing datagram. */
  dropOutgoing?: (datagram: Buffer, peer: { address: string; port: number }) => boolean;
}

type OptionalKeys = 'server' | 'client' | 'dropOutgoing' | 'socketBufferBytes' | 'sessionPersistence' | 'connectionIdPrefix';
export type ResolvedDtlsOptions = Required<Omit<DtlsSocketOptions, OptionalKeys>> & Pick<DtlsSocketOptions, OptionalKeys>;

function int(name: string, v: number | undefined, fallback: number, min: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < min) throw new ProtocolError('DTLS_CONFIG', `DTLS option ${name}=${String(x)} must be an integer >= ${min}`);
  return x;
}

export function resolveDtlsOptions(o: DtlsSocketOptions): Readonly<ResolvedDtlsOptions> {
  const cid = int('connectionIdLength', o.connectionIdLength, 6, 0);
  if (cid > 32) throw new ProtocolError('DTLS_CONFIG', 'connectionIdLength must be at most 32');
  if (o.connectionIdPrefix !== undefined && o.connectionIdPrefix.length > 8) throw new ProtocolError('DTLS_CONFIG', 'connectionIdPrefix must be at most 8 bytes');
  if (o.server?.privateKey !== undefined && o.server.privateKey.type !== 'private') throw new ProtocolError('DTLS_CONFIG', 'server privateKey must be a private key');
  if (o.client?.psk === undefined && o.client !== undefined && o.client.privateKey === undefined) throw new ProtocolError('DTLS_CONFIG', 'client credentials need a psk or a privateKey');
  return Object.freeze({
    port: int('port', o.port, 0, 0),
    address: o.address ?? '127.0.0.1',
    server: o.server,
    client: o.client,
    mtu: int('mtu', o.mtu, 1200, 256),
    retransmitInitialMs: int('retransmitInitialMs', o.retransmitInitialMs, 1000, 1),
    retransmitMaxMs: int('retransmitMaxMs', o.retransmitMaxMs, 60_000, 1),
    maxRetransmissions: int('maxRetransmissions', o.maxRetransmissions, 6, 0),
    handshakeTimeoutMs: int('handshakeTimeoutMs', o.handshakeTimeoutMs, 30_000, 1),
    maxHandshakes: int('maxHandshakes', o.maxHandshakes, 2000, 1),
    maxHandshakesPerAddress: int('maxHandshakesPerAddress', o.maxHandshakesPerAddress, 8, 1),
    maxSessions: int('maxSessions', o.maxSessions, 100_000, 1),
    sessionIdleMs: int('sessionIdleMs', o.sessionIdleMs, 86_400_000, 1),
    sweepIntervalMs: int('sweepIntervalMs', o.sweepIntervalMs, 5000, 1),
    connectionIdLength: cid,
    connectionIdPrefix: o.connectionIdPrefix === undefined ? undefined : Buffer.from(o.connectionIdPrefix),
    maxResumableSessions: int('maxResumableSessions', o.maxResumableSessions, 10_000, 0),
    resumptionLifetimeMs: int('resumptionLifetimeMs', o.resumptionLifetimeMs, 86_400_000, 1),
    cookieRotateMs: int('cookieRotateMs', o.cookieRotateMs, 60_000, 1),
    maxHandshakeMessageBytes: int('maxHandshakeMessageBytes', o.maxHandshakeMessageBytes, 16_384, 256),
    maxQueuedPerPeer: int('maxQueuedPerPeer', o.maxQueuedPerPeer, 32, 0),
    sessionPersistence: o.sessionPersistence,
    persistBlock: int('persistBlock', o.persistBlock, 65_536, 16),
    persistLookupsPerSecond: int('persistLookupsPerSecond', o.persistLookupsPerSecond, 200, 1),
    persistMaxPendingLookups: int('persistMaxPendingLookups', o.persistMaxPendingLookups, 256, 1),
    persistNegativeCacheMs: int('persistNegativeCacheMs', o.persistNegativeCacheMs, 10_000, 0),
    persistNegativeCacheEntries: int('persistNegativeCacheEntries', o.persistNegativeCacheEntries, 10_000, 1),
    dropOutgoing: o.dropOutgoing,
    socketBufferBytes: o.socketBufferBytes === undefined ? undefined : int('socketBufferBytes', o.socketBufferBytes, 0, 1),
  });
}
