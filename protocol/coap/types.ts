/**
 * Public types of the CoAP layer. The message codec (`message.ts`) and the UDP endpoint (`endpoint.ts`)
 * implement them; the LwM2M server and client build on these types only.
 */

import type { PeerIdentity } from '../dtls/identity.ts';

/** RFC 7252 §3: message types. */
export const CoapType = { CON: 0, NON: 1, ACK: 2, RST: 3 } as const;
export type CoapType = (typeof CoapType)[keyof typeof CoapType];

export type CoapMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'FETCH' | 'PATCH' | 'iPATCH';

/** A code as `class.detail` text, e.g. `'2.05'`, `'4.04'`. */
export type CoapCodeText = `${number}.${number}${number}`;

export interface CoapOption {
  number: number;
  value: Buffer;
}

/** One CoAP message as on the wire (RFC 7252 §3). Options are kept in ascending option-number order. */
export interface CoapMessage {
  type: CoapType;
  /** class * 32 + detail (0 = empty, 1..31 requests, 64.. responses). */
  code: number;
  messageId: number;
  token: Buffer;
  options: CoapOption[];
  payload: Buffer;
}

export interface Peer {
  address: string;
  port: number;
  /** Who the peer proved to be, on a secure transport (DTLS); absent on plain UDP. Set on received requests. */
  identity?: PeerIdentity;
}

/** Block option value (RFC 7959 §2.2). */
export interface BlockValue {
  num: number;
  more: boolean;
  /** Block size in bytes: 16..1024 (SZX 0..6). */
  size: number;
}

/** A request to send (client role). */
export interface OutgoingRequest {
  method: CoapMethod;
  /** Uri-Path segments, unescaped. */
  uriPath?: string[];
  /** Uri-Query items, e.g. `['ep=dev1', 'lt=300', 'Q']`. */
  uriQuery?: string[];
  contentFormat?: number;
  accept?: number;
  /** 0 = register an observation, 1 = deregister (RFC 7641). */
  observe?: number;
  payload?: Buffer;
  /** Default true (CON). */
  confirmable?: boolean;
  /** Extra options, merged in number order. */
  options?: CoapOption[];
  /** Use this token instead of a fresh random one (e.g. to cancel an observation). */
  token?: Buffer;
}

/** A request as the server role receives it, with Block1 already reassembled. */
export interface IncomingRequest {
  peer: Peer;
  method: CoapMethod;
  uriPath: string[];
  uriQuery: string[];
  contentFormat?: number;
  accept?: number;
  observe?: number;
  payload: Buffer;
  token: Buffer;
  confirmable: boolean;
  message: CoapMessage;
}

/** A response to send (server role) or a notification to send (observed resource). */
export interface OutgoingResponse {
  code: CoapCodeText;
  contentFormat?: number;
  payload?: Buffer;
  /** Observe sequence number (set by the endpoint for notifications when omitted). */
  observe?: number;
  locationPath?: string[];
  options?: CoapOption[];
}

/** A response as the client role receives it, with Block2 already reassembled. */
export interface IncomingResponse {
  peer: Peer;
  code: CoapCodeText;
  contentFormat?: number;
  observe?: number;
  locationPath: string[];
  payload: Buffer;
  token: Buffer;
  message: CoapMessage;
}

/** Per-request options of the client role. */
export interface RequestOptions {
  /** Overall deadline for the exchange including retransmissions and block-wise transfer (default: endpoint's). */
  timeoutMs?: number;
}

/** An observation the client role holds (RFC 7641). */
/**
 * An observation held by the client role, as a caller keeps it for its whole life: no first response and no closures
 * (a server keeps one per observed object of every device).
 */
export interface ObservationControl {
  readonly token: Buffer;
  /** The token as a map key (`tokenKey`). */
  readonly tokenKey: string;
  /** Active cancel (RFC 7641 §3.6): the registration request again with Observe=1 and the same token. */
  cancel(opts?: RequestOptions): Promise<IncomingResponse | undefined>;
  /** Passive cancel: forget the token; the next notification is answered with RST. */
  forget(): void;
}

export interface ObservationHandle {
  readonly token: Buffer;
  /** The observation itself, to keep instead of this handle once the first response has been read. */
  readonly observation: ObservationControl;
  /** The first response (2.05 with Observe, or an error response — then no observation exists). */
  readonly first: IncomingResponse;
  /** Active cancel: GET with Observe=1 on the same path and token; resolves with the answer. */
  cancel(): Promise<IncomingResponse | undefined>;
  /** Passive cancel: forget the token; the next notification is answered with RST. */
  forget(): void;
}

/** Transmission parameters (RFC 7252 §4.8), all overridable for tests. */
export interface TransmissionParameters {
  /** ACK_TIMEOUT, ms. Default 2000. */
  ackTimeoutMs: number;
  /** ACK_RANDOM_FACTOR. Default 1.5. */
  ackRandomFactor: number;
  /** MAX_RETRANSMIT. Default 4. */
  maxRetransmit: number;
  /** EXCHANGE_LIFETIME, ms: how long a received CON's reply is cached for deduplication. Default 247000. */
  exchangeLifetimeMs: number;
  /** Default overall request deadline, ms. Default 10000. */
  requestTimeoutMs: number;
}
