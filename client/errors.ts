import type { CoapCodeText } from '../protocol/coap/types.ts';

/**
 * The client layer's one error type. Object implementations throw it to refuse an operation; the client maps the
 * code to the CoAP response code of OMA TS Core 1.1 §6.3 and OMA TS Transport 1.1.1 §6.7 Response Codes (see `coapCodeOf`).
 */
export type ClientErrorCode =
  | 'BAD_REQUEST' // 4.00: undetermined or malformed request (bad payload, bad arguments, invalid attributes)
  | 'NOT_FOUND' // 4.04: the path does not exist on this device
  | 'NOT_ALLOWED' // 4.05: the operation is not allowed on the target (e.g. write to a read-only resource)
  | 'NOT_ACCEPTABLE' // 4.06: no acceptable content format for the Accept option
  | 'UNSUPPORTED_FORMAT' // 4.15: the request's content format is not supported
  | 'INTERNAL' // 5.00: the device failed to carry out the operation
  | 'REGISTRATION_FAILED' // Register retries exhausted or refused by the server
  | 'NOT_REGISTERED' // an operation that needs a registration (Send, Update) while unregistered
  | 'STOPPED' // the client was stopped while the operation was pending
  | 'INVALID_OPTIONS'; // client or simulator options out of range

export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isClientError(err: unknown, code?: ClientErrorCode): err is ClientError {
  return err instanceof ClientError && (code === undefined || err.code === code);
}

/** The response code for a refused device-side operation (OMA TS Transport 1.1.1 §6.7 Response Codes). */
export function coapCodeOf(code: ClientErrorCode): CoapCodeText {
  switch (code) {
    case 'BAD_REQUEST':
    case 'INVALID_OPTIONS':
      return '4.00';
    case 'NOT_FOUND':
      return '4.04';
    case 'NOT_ALLOWED':
      return '4.05';
    case 'NOT_ACCEPTABLE':
      return '4.06';
    case 'UNSUPPORTED_FORMAT':
      return '4.15';
    default:
      return '5.00';
  }
}
