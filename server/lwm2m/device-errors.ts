import type { IncomingResponse } from '../../protocol/coap/types.ts';
import { isProtocolError } from '../../protocol/errors.ts';
import { ServerError, isServerError } from '../errors.ts';

/** Reason phrases of the response codes a device may answer with (RFC 7252 §5.9, RFC 7959 §2.9, RFC 8132 §3). */
const REASON: Readonly<Record<string, string>> = Object.freeze({
  '2.01': 'Created',
  '2.02': 'Deleted',
  '2.03': 'Valid',
  '2.04': 'Changed',
  '2.05': 'Content',
  '2.31': 'Continue',
  '4.00': 'Bad Request',
  '4.01': 'Unauthorized',
  '4.02': 'Bad Option',
  '4.03': 'Forbidden',
  '4.04': 'Not Found',
  '4.05': 'Method Not Allowed',
  '4.06': 'Not Acceptable',
  '4.08': 'Request Entity Incomplete',
  '4.09': 'Conflict',
  '4.12': 'Precondition Failed',
  '4.13': 'Request Entity Too Large',
  '4.15': 'Unsupported Content-Format',
  '4.22': 'Unprocessable Entity',
  '5.00': 'Internal Server Error',
  '5.01': 'Not Implemented',
  '5.02': 'Bad Gateway',
  '5.03': 'Service Unavailable',
  '5.04': 'Gateway Timeout',
  '5.05': 'Proxying Not Supported',
});

/** `4.04 Not Found`: the code with its reason phrase. */
export function describeCode(code: string): string {
  const reason = REASON[code];
  return reason ? `${code} ${reason}` : code;
}

/**
 * The error for a device that answered an operation with an unexpected code, e.g.
 * `Device dev1 answered 4.04 Not Found to Read /3/0/99`. The CoAP code is kept in `coapCode` and `details.coapCode`;
 * a diagnostic payload (RFC 7252 §5.5.2) is kept in `details.diagnostic`.
 */
export function deviceAnswerError(endpoint: string, operation: string, response: IncomingResponse): ServerError {
  const details: Record<string, unknown> = { endpoint, operation, coapCode: response.code };
  const diagnostic = response.payload.length > 0 && response.payload.length <= 256 ? response.payload.toString('utf8') : '';
  let message = `Device ${endpoint} answered ${describeCode(response.code)} to ${operation}`;
  if (diagnostic && /^[\x20-\x7e]*$/.test(diagnostic)) {
    details.diagnostic = diagnostic;
    message += ` (${diagnostic})`;
  }
  return new ServerError('DEVICE_ERROR', message, { details, coapCode: response.code });
}

/** The error for an answer the server cannot understand (undecodable payload, missing Location-Path ...). */
export function deviceBadAnswerError(endpoint: string, operation: string, why: string, cause?: unknown): ServerError {
  return new ServerError('DEVICE_ERROR', `Device ${endpoint} sent an invalid answer to ${operation}: ${why}`, {
    details: { endpoint, operation },
    cause,
  });
}

/**
 * Maps what a request to a device rejected with to the server layer's error: CoAP timeouts to TIMEOUT, an RST to
 * DEVICE_ERROR, the in-flight and observation bounds to OVERLOADED (`details.bound` names which), encode problems to BAD_REQUEST. ServerErrors pass unchanged.
 */
export function transportError(endpoint: string, operation: string, err: unknown, timeoutMs: number): ServerError {
  if (isServerError(err)) return err;
  const details = { endpoint, operation };
  if (isProtocolError(err)) {
    switch (err.code) {
      case 'COAP_TIMEOUT':
        return new ServerError('TIMEOUT', `Device ${endpoint} did not answer ${operation} within ${timeoutMs} ms`, { details: { ...details, timeoutMs }, cause: err });
      case 'COAP_RESET':
        return new ServerError('DEVICE_ERROR', `Device ${endpoint} rejected ${operation} with a CoAP Reset`, { details, cause: err });
      case 'COAP_BLOCK':
        return new ServerError('DEVICE_ERROR', `Block-wise transfer of ${operation} with device ${endpoint} failed: ${err.message}`, { details, cause: err });
      case 'COAP_OVERLOAD':
        return new ServerError('OVERLOADED', `Too many requests in flight; ${operation} to device ${endpoint} was not sent`, { details: { ...details, bound: 'in_flight' }, cause: err });
      case 'COAP_OBSERVATION_LIMIT':
        return new ServerError('OVERLOADED', `This server holds as many observations as it may (${err.message}; sized by --max-devices); ${operation} to device ${endpoint} was not sent`, {
          details: { ...details, bound: 'observations' },
          cause: err,
        });
      case 'COAP_CLOSED':
        return new ServerError('OVERLOADED', `The CoAP endpoint closed before device ${endpoint} answered ${operation}`, { details, cause: err });
      case 'CODEC_ENCODE':
      case 'CODEC_UNSUPPORTED_FORMAT':
      case 'MODEL':
      case 'PATH_INVALID':
        return new ServerError('BAD_REQUEST', `${operation} for device ${endpoint}: ${err.message}`, { details, cause: err });
      case 'CODEC_DECODE':
        return deviceBadAnswerError(endpoint, operation, err.message, err);
      default:
        break;
    }
  }
  return ServerError.internal(`${operation} for device ${endpoint} failed: ${err instanceof Error ? err.message : String(err)}`, err);
}
