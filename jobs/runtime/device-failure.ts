import { isJobError } from '../job-error.ts';
import type { DeviceJobError } from '../job-view.ts';

/** Gateway / jobs codes worth another attempt: the device may answer later (queue mode, OMA TS Transport 1.1 "Queue Mode Operation"; timeouts). */
const RETRYABLE_CODES = new Set(['TIMEOUT', 'DEVICE_ASLEEP', 'OVERLOADED', 'RATE_LIMITED', 'NOT_REGISTERED', 'COAP_TIMEOUT', 'COAP_CLOSED', 'COAP_OVERLOAD', 'INTERNAL']);

/** Node.js system errors (ECONNRESET, ETIMEDOUT ...): the network or Redis may recover. */
const SYSTEM_ERROR = /^E[A-Z]{3,}$/;

export interface DeviceFailure {
  error: DeviceJobError;
  /**
   * True for timeouts, sleeping or unregistered devices, overload, 5.xx answers and unexpected errors; false for
   * final answers of the device (4.xx such as 4.00, 4.04, 4.05 — RFC 7252 §5.9.2: the same request would fail
   * again), other coded errors (BAD_REQUEST, NOT_FOUND ...) and the jobs layer's own final outcomes.
   */
  retryable: boolean;
}

/**
 * Describes what a gateway, twin or processor threw for one device. Errors are duck-typed on `code` and
 * `coapCode` (or `details.coapCode`), the shape of the server's errors, which this layer does not import.
 */
export function describeFailure(err: unknown): DeviceFailure {
  const message = err instanceof Error ? err.message : String(err);
  if (isJobError(err)) {
    return { error: { code: err.code, message }, retryable: err.code === 'NOT_REGISTERED' };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; coapCode?: unknown; details?: { coapCode?: unknown } };
  const hasCode = typeof e.code === 'string' && e.code !== '';
  const code = hasCode ? (e.code as string) : 'INTERNAL';
  const coap = typeof e.coapCode === 'string' ? e.coapCode : typeof e.details?.coapCode === 'string' ? e.details.coapCode : undefined;
  const error: DeviceJobError = coap === undefined ? { code, message } : { code, coapCode: coap, message };
  // the device answered: 4.xx is final, 5.xx may pass (RFC 7252 §5.9)
  if (coap !== undefined && (code === 'DEVICE_ERROR' || !hasCode)) return { error, retryable: coap.startsWith('5.') };
  if (RETRYABLE_CODES.has(code) || SYSTEM_ERROR.test(code)) return { error, retryable: true };
  // other coded errors (BAD_REQUEST, NOT_FOUND, FORBIDDEN ...) are final; uncoded ones are unexpected: try again
  return { error, retryable: !hasCode };
}
