import { ProtocolError } from '../errors.ts';
import type { CoapCodeText, CoapMethod, TransmissionParameters } from './types.ts';

/** RFC 7252 §3: the only protocol version. */
export const COAP_VERSION = 1;

/** RFC 7252 §3: a token is 0..8 bytes. */
export const MAX_TOKEN_LENGTH = 8;

/** RFC 7252 §12.1.1 and RFC 8132 §2/§3: request method codes (class 0). */
export const CoapMethodCode: Readonly<Record<CoapMethod, number>> = Object.freeze({
  GET: 1,
  POST: 2,
  PUT: 3,
  DELETE: 4,
  FETCH: 5,
  PATCH: 6,
  iPATCH: 7,
});

const METHOD_BY_CODE: readonly (CoapMethod | undefined)[] = [undefined, 'GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'iPATCH'];

/** The method of a request code, or undefined for an unknown code (RFC 7252 §5.8: answer 4.05). */
export function methodFromCode(code: number): CoapMethod | undefined {
  return METHOD_BY_CODE[code];
}

/** RFC 7252 §12.1.2, RFC 7959 §2.9, RFC 8132 §3: response codes as `class.detail` text. */
export const ResponseCode = Object.freeze({
  CREATED: '2.01',
  DELETED: '2.02',
  VALID: '2.03',
  CHANGED: '2.04',
  CONTENT: '2.05',
  CONTINUE: '2.31',
  BAD_REQUEST: '4.00',
  UNAUTHORIZED: '4.01',
  BAD_OPTION: '4.02',
  FORBIDDEN: '4.03',
  NOT_FOUND: '4.04',
  METHOD_NOT_ALLOWED: '4.05',
  NOT_ACCEPTABLE: '4.06',
  REQUEST_ENTITY_INCOMPLETE: '4.08',
  CONFLICT: '4.09',
  PRECONDITION_FAILED: '4.12',
  REQUEST_ENTITY_TOO_LARGE: '4.13',
  UNSUPPORTED_CONTENT_FORMAT: '4.15',
  UNPROCESSABLE_ENTITY: '4.22',
  INTERNAL_SERVER_ERROR: '5.00',
  NOT_IMPLEMENTED: '5.01',
  BAD_GATEWAY: '5.02',
  SERVICE_UNAVAILABLE: '5.03',
  GATEWAY_TIMEOUT: '5.04',
  PROXYING_NOT_SUPPORTED: '5.05',
} as const satisfies Record<string, CoapCodeText>);

/** Numeric codes the endpoint itself uses (class * 32 + detail). */
export const Code = Object.freeze({
  EMPTY: 0,
  CONTENT: 69,
  CONTINUE: 95,
  BAD_REQUEST: 128,
  BAD_OPTION: 130,
  NOT_FOUND: 132,
  METHOD_NOT_ALLOWED: 133,
  REQUEST_ENTITY_INCOMPLETE: 136,
  REQUEST_ENTITY_TOO_LARGE: 141,
  INTERNAL_SERVER_ERROR: 160,
  SERVICE_UNAVAILABLE: 163,
  PROXYING_NOT_SUPPORTED: 165,
} as const);

const CODE_TEXT: readonly CoapCodeText[] = Array.from(
  { length: 256 },
  (_, code) => `${code >> 5}.${String(code & 31).padStart(2, '0')}` as CoapCodeText,
);

/** RFC 7252 §3: `class.detail` text of an 8-bit code, e.g. 69 → `'2.05'`. */
export function codeToText(code: number): CoapCodeText {
  const text = Number.isInteger(code) ? CODE_TEXT[code] : undefined;
  if (text === undefined) throw new ProtocolError('COAP_MALFORMED', `code ${String(code)} is not an 8-bit integer`);
  return text;
}

/** Inverse of `codeToText`: `'2.05'` → 69. Rejects anything that is not `c.dd` with c ≤ 7 and dd ≤ 31. */
export function textToCode(text: string): number {
  if (typeof text === 'string' && text.length === 4 && text[1] === '.') {
    const cls = text.charCodeAt(0) - 48;
    const d1 = text.charCodeAt(2) - 48;
    const d0 = text.charCodeAt(3) - 48;
    if (cls >= 0 && cls <= 7 && d1 >= 0 && d1 <= 3 && d0 >= 0 && d0 <= 9) {
      const detail = d1 * 10 + d0;
      if (detail <= 31) return cls * 32 + detail;
    }
  }
  throw new ProtocolError('COAP_MALFORMED', `"${String(text)}" is not a CoAP code of the form c.dd`);
}

/** RFC 7252 §5.9.1: class 2 means success. Accepts a numeric code or its text. */
export function isSuccess(code: number | CoapCodeText): boolean {
  return typeof code === 'number' ? code >> 5 === 2 : code.charCodeAt(0) === 50 /* '2' */;
}

/** RFC 7252 §3: class 0 with a non-zero detail is a request. */
export function isRequestCode(code: number): boolean {
  return code >= 1 && code <= 31;
}

/** RFC 7252 §3: classes 2, 4 and 5 are responses (1, 3, 6, 7 are reserved). */
export function isResponseCode(code: number): boolean {
  const cls = code >> 5;
  return cls === 2 || cls === 4 || cls === 5;
}

/** Option numbers (RFC 7252 §5.10 and §12.2, RFC 7641 §2, RFC 7959 §2.1 and §4, RFC 7967 §2). */
export const OptionNumber = Object.freeze({
  IF_MATCH: 1,
  URI_HOST: 3,
  ETAG: 4,
  IF_NONE_MATCH: 5,
  OBSERVE: 6,
  URI_PORT: 7,
  LOCATION_PATH: 8,
  URI_PATH: 11,
  CONTENT_FORMAT: 12,
  MAX_AGE: 14,
  URI_QUERY: 15,
  ACCEPT: 17,
  LOCATION_QUERY: 20,
  BLOCK2: 23,
  BLOCK1: 27,
  SIZE2: 28,
  PROXY_URI: 35,
  PROXY_SCHEME: 39,
  SIZE1: 60,
  NO_RESPONSE: 258,
} as const);

/** RFC 7641 §4.4: Observe sequence numbers are 24 bits. */
export const OBSERVE_SEQ_MODULUS = 1 << 24;
/** RFC 7641 §3.4: half the sequence space. */
export const OBSERVE_SEQ_HALF = 1 << 23;
/** RFC 7641 §3.4: a notification received more than 128 s after the previous one is newer regardless of its number. */
export const OBSERVE_FRESHNESS_MS = 128_000;

/** RFC 7959 §2.2: block sizes 2^(SZX+4) for SZX 0..6. */
export const MIN_BLOCK_SIZE = 16;
export const MAX_BLOCK_SIZE = 1024;
/** RFC 7959 §2.2: NUM is at most 20 bits (a 3-byte option value). */
export const MAX_BLOCK_NUM = (1 << 20) - 1;

// ---------------------------------------------------------------------------------------------
// Transmission parameters, RFC 7252 §4.8 (defaults) and §4.8.2 (derived times).
// ---------------------------------------------------------------------------------------------

/** ACK_TIMEOUT: initial time to wait for an ACK (RFC 7252 §4.8). */
export const ACK_TIMEOUT_MS = 2_000;
/** ACK_RANDOM_FACTOR: the initial timeout is random in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR] (§4.2, §4.8). */
export const ACK_RANDOM_FACTOR = 1.5;
/** MAX_RETRANSMIT: retransmissions of one CON before giving up (§4.8). */
export const MAX_RETRANSMIT = 4;
/** NSTART: outstanding interactions per peer (§4.7); the LwM2M queue-mode drain relies on it. */
export const NSTART = 1;
/** DEFAULT_LEISURE: spread of answers to multicast requests (§8.2). */
export const DEFAULT_LEISURE_MS = 5_000;
/** PROBING_RATE, bytes/s towards a peer that does not answer (§4.7). */
export const PROBING_RATE = 1;
/** MAX_LATENCY: the longest a datagram is assumed to be in transit (§4.8.2). */
export const MAX_LATENCY_MS = 100_000;
/** PROCESSING_DELAY = ACK_TIMEOUT: how long a receiver may take to ACK (§4.8.2). */
export const PROCESSING_DELAY_MS = ACK_TIMEOUT_MS;

/** MAX_TRANSMIT_SPAN = ACK_TIMEOUT * (2^MAX_RETRANSMIT - 1) * ACK_RANDOM_FACTOR = 2 * 15 * 1.5 = 45 s (§4.8.2). */
export const MAX_TRANSMIT_SPAN_MS = ACK_TIMEOUT_MS * (2 ** MAX_RETRANSMIT - 1) * ACK_RANDOM_FACTOR;
/**
 * MAX_TRANSMIT_WAIT = ACK_TIMEOUT * (2^(MAX_RETRANSMIT + 1) - 1) * ACK_RANDOM_FACTOR = 2 * 31 * 1.5 = 93 s (§4.8.2):
 * the longest a sender waits for an ACK or RST. LwM2M queue mode keeps a device reachable this long (OMA TS Transport 1.1, "Queue Mode Operation").
 */
export const MAX_TRANSMIT_WAIT_MS = ACK_TIMEOUT_MS * (2 ** (MAX_RETRANSMIT + 1) - 1) * ACK_RANDOM_FACTOR;
/** MAX_RTT = 2 * MAX_LATENCY + PROCESSING_DELAY = 202 s (§4.8.2). */
export const MAX_RTT_MS = 2 * MAX_LATENCY_MS + PROCESSING_DELAY_MS;
/** EXCHANGE_LIFETIME = MAX_TRANSMIT_SPAN + 2 * MAX_LATENCY + PROCESSING_DELAY = 45 + 200 + 2 = 247 s (§4.8.2). */
export const EXCHANGE_LIFETIME_MS = MAX_TRANSMIT_SPAN_MS + 2 * MAX_LATENCY_MS + PROCESSING_DELAY_MS;
/** NON_LIFETIME = MAX_TRANSMIT_SPAN + MAX_LATENCY = 145 s (§4.8.2). */
export const NON_LIFETIME_MS = MAX_TRANSMIT_SPAN_MS + MAX_LATENCY_MS;

/** The endpoint's defaults; every field can be overridden per endpoint (tests use a small `ackTimeoutMs`). */
export const DEFAULT_TRANSMISSION_PARAMETERS: Readonly<TransmissionParameters> = Object.freeze({
  ackTimeoutMs: ACK_TIMEOUT_MS,
  ackRandomFactor: ACK_RANDOM_FACTOR,
  maxRetransmit: MAX_RETRANSMIT,
  exchangeLifetimeMs: EXCHANGE_LIFETIME_MS,
  requestTimeoutMs: 10_000,
});

/** MAX_TRANSMIT_WAIT for a given parameter set (§4.8.2). */
export function maxTransmitWaitMs(p: TransmissionParameters): number {
  return p.ackTimeoutMs * (2 ** (p.maxRetransmit + 1) - 1) * p.ackRandomFactor;
}

/** MAX_TRANSMIT_SPAN for a given parameter set (§4.8.2). */
export function maxTransmitSpanMs(p: TransmissionParameters): number {
  return p.ackTimeoutMs * (2 ** p.maxRetransmit - 1) * p.ackRandomFactor;
}

/** Merges overrides into the defaults and checks each value is in range. */
export function resolveTransmissionParameters(overrides?: Partial<TransmissionParameters>): TransmissionParameters {
  const p: TransmissionParameters = { ...DEFAULT_TRANSMISSION_PARAMETERS, ...overrides };
  const check = (name: keyof TransmissionParameters, ok: boolean): void => {
    if (!ok) throw new ProtocolError('COAP_OPTION_INVALID', `transmission parameter ${name}=${String(p[name])} is out of range`);
  };
  check('ackTimeoutMs', Number.isFinite(p.ackTimeoutMs) && p.ackTimeoutMs > 0);
  check('ackRandomFactor', Number.isFinite(p.ackRandomFactor) && p.ackRandomFactor >= 1); // §4.8: MUST NOT be below 1.0
  check('maxRetransmit', Number.isInteger(p.maxRetransmit) && p.maxRetransmit >= 0 && p.maxRetransmit <= 20);
  check('exchangeLifetimeMs', Number.isFinite(p.exchangeLifetimeMs) && p.exchangeLifetimeMs >= 0);
  check('requestTimeoutMs', Number.isFinite(p.requestTimeoutMs) && p.requestTimeoutMs > 0);
  return Object.freeze(p);
}
