import { ProtocolError } from '../errors.ts';
import { MAX_BLOCK_SIZE, MIN_BLOCK_SIZE, resolveTransmissionParameters } from './constants.ts';
import type { CoapMessage, Peer, TransmissionParameters } from './types.ts';

/** Options of `CoapEndpoint.bind`. */
export interface CoapEndpointOptions {
  /** UDP port. @defaultValue 0 (any free port) */
  port?: number;
  /** Address to bind. @defaultValue '127.0.0.1' */
  address?: string;
  /** Transmission parameter overrides (RFC 7252 §4.8). @defaultValue DEFAULT_TRANSMISSION_PARAMETERS */
  params?: Partial<TransmissionParameters>;
  /** Most exchanges in flight (client requests plus confirmable notifications and separate responses). @defaultValue 10000 */
  maxInFlight?: number;
  /** Largest body reassembled from or split into blocks (RFC 7959). @defaultValue 1 MiB */
  maxBlockBodyBytes?: number;
  /** Block size used for Block1 uploads and Block2 responses: a power of two in 16..1024. @defaultValue 1024 */
  blockSize?: number;
  /** Test hook: return true to drop an outgoing datagram (retransmissions included). */
  dropOutgoing?: (msg: CoapMessage, peer: Peer) => boolean;
  /** How long a handler may take before an empty ACK is sent and the response follows separately, ms. @defaultValue ackTimeoutMs / 2 */
  separateResponseDelayMs?: number;
  /** Most deduplication records kept (RFC 7252 §4.5), oldest evicted first. @defaultValue 200000 */
  maxDedupEntries?: number;
  /** Most observations held in each role (client: `observe()`; server: observers of this endpoint). @defaultValue 100000 */
  maxObservations?: number;
  /** Most concurrent block-wise transfers kept per kind (Block1 uploads, Block2 cached bodies). @defaultValue 1000 */
  maxBlockTransfers?: number;
  /** Most bytes held by block-wise state per kind. @defaultValue 64 MiB */
  maxBlockStoreBytes?: number;
  /** How long idle block-wise state is kept, ms. @defaultValue 60000 */
  blockStateLifetimeMs?: number;
  /** SO_RCVBUF / SO_SNDBUF to request, bytes (busy servers want more than the OS default). @defaultValue OS default */
  socketBufferBytes?: number;
}

export interface ResolvedEndpointOptions {
  port: number;
  address: string;
  params: TransmissionParameters;
  maxInFlight: number;
  maxBlockBodyBytes: number;
  blockSize: number;
  dropOutgoing: ((msg: CoapMessage, peer: Peer) => boolean) | undefined;
  separateResponseDelayMs: number;
  maxDedupEntries: number;
  maxObservations: number;
  maxBlockTransfers: number;
  maxBlockStoreBytes: number;
  blockStateLifetimeMs: number;
  socketBufferBytes: number | undefined;
}

/** Counters of one endpoint. */
export interface EndpointStats {
  /** Exchanges awaiting an answer: client requests, confirmable notifications and separate responses. */
  inFlight: number;
  /** Deduplication records held. */
  dedupEntries: number;
  /** Observations held in the client role (`observe()`), against `maxObservations`. */
  observations: number;
  /** Distinct peers and registration requests those observations share (one copy each, see `SharedValues`). */
  observationShared: { peers: number; requests: number };
  /** Datagrams received. */
  received: number;
  /** Datagrams sent (retransmissions included). */
  sent: number;
  /** Retransmissions of confirmable messages. */
  retransmissions: number;
  /** Datagrams dropped as malformed or unprocessable. */
  malformed: number;
}

/** Outcome of `notify()`: ACKed (CON), sent (NON), the observer answered RST, or no ACK came (CON). */
export type NotifyResult = 'acked' | 'sent' | 'reset' | 'timeout';

export interface NotifyOptions {
  /** Send as CON (true) or NON (false). @defaultValue true */
  confirmable?: boolean;
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new ProtocolError('COAP_OPTION_INVALID', `endpoint option ${name}=${String(v)} must be a positive integer`);
  return v;
}

/** Applies defaults and validates; the result is frozen. */
export function resolveEndpointOptions(opts: CoapEndpointOptions = {}): Readonly<ResolvedEndpointOptions> {
  const params = resolveTransmissionParameters(opts.params);
  const blockSize = opts.blockSize ?? MAX_BLOCK_SIZE;
  if (!Number.isInteger(Math.log2(blockSize)) || blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
    throw new ProtocolError('COAP_OPTION_INVALID', `blockSize ${String(blockSize)} is not a power of two in 16..1024`);
  }
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ProtocolError('COAP_OPTION_INVALID', `port ${String(port)} is not 0..65535`);
  const separate = opts.separateResponseDelayMs ?? params.ackTimeoutMs / 2;
  if (!Number.isFinite(separate) || separate < 0) throw new ProtocolError('COAP_OPTION_INVALID', `separateResponseDelayMs ${String(separate)} is negative`);
  return Object.freeze({
    port,
    address: opts.address ?? '127.0.0.1',
    params,
    maxInFlight: positiveInt('maxInFlight', opts.maxInFlight, 10_000),
    maxBlockBodyBytes: positiveInt('maxBlockBodyBytes', opts.maxBlockBodyBytes, 1024 * 1024),
    blockSize,
    dropOutgoing: opts.dropOutgoing,
    separateResponseDelayMs: separate,
    maxDedupEntries: positiveInt('maxDedupEntries', opts.maxDedupEntries, 200_000),
    maxObservations: positiveInt('maxObservations', opts.maxObservations, 100_000),
    maxBlockTransfers: positiveInt('maxBlockTransfers', opts.maxBlockTransfers, 1000),
    maxBlockStoreBytes: positiveInt('maxBlockStoreBytes', opts.maxBlockStoreBytes, 64 * 1024 * 1024),
    blockStateLifetimeMs: positiveInt('blockStateLifetimeMs', opts.blockStateLifetimeMs, 60_000),
    socketBufferBytes: opts.socketBufferBytes,
  });
}
