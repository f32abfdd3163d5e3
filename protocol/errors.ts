/**
 * The protocol layer's one error type. `code` is stable and machine-readable; `message` names what was wrong.
 * The CoAP edge (server/lwm2m/device-errors.ts, coap-responses.ts) maps codes to 4.xx responses.
 */
export type ProtocolErrorCode =
  | 'COAP_MALFORMED' // a datagram that is not valid CoAP (RFC 7252 §3)
  | 'COAP_UNKNOWN_CRITICAL_OPTION' // RFC 7252 §5.4.1
  | 'COAP_OPTION_INVALID' // option value out of its format's range
  | 'COAP_TIMEOUT' // no answer within the exchange's deadline
  | 'COAP_RESET' // peer answered with RST
  | 'COAP_OVERLOAD' // in-flight bound reached
  | 'COAP_OBSERVATION_LIMIT' // maxObservations reached: no new observation until one ends
  | 'COAP_BLOCK' // block-wise transfer failed (gap, size change, too large)
  | 'COAP_CLOSED' // endpoint closed while the exchange was pending
  | 'PATH_INVALID' // LwM2M path syntax or range
  | 'CODEC_UNSUPPORTED_FORMAT' // no codec for the content format
  | 'CODEC_DECODE' // malformed payload for its format
  | 'CODEC_ENCODE' // value cannot be represented in the format
  | 'LINK_FORMAT' // malformed RFC 6690 link-format
  | 'MODEL' // value does not fit the resource model
  | 'DTLS_DECODE' // a DTLS record or handshake message that does not parse (RFC 6347 §4.1, §4.2)
  | 'DTLS_HANDSHAKE' // the peer's handshake failed: wrong key, unknown identity, bad signature (an alert was sent)
  | 'DTLS_ALERT' // the peer sent a fatal alert or close_notify
  | 'DTLS_TIMEOUT' // the handshake did not finish within its deadline
  | 'DTLS_CONFIG'; // invalid DTLS options (keys, suites, limits)

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isProtocolError(err: unknown, code?: ProtocolErrorCode): err is ProtocolError {
  return err instanceof ProtocolError && (code === undefined || err.code === code);
}
